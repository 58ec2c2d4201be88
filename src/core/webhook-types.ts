/** A destination that is sent the events of a project as they are written, each delivery signed. */
export interface Webhook {
  id: string;
  projectId: string;
  /** Where deliveries are POSTed (http or https). */
  url: string;
  /** Kinds of events it is sent: exact (`memory.created`), a family (`memory.*`) or `*`. */
  events: string[];
  /** The start of its signing secret, to tell secrets apart (the whole secret is shown once, at creation). */
  secretPreview: string;
  /** False once it was disabled after repeated failed deliveries (`disabledReason` says why). */
  enabled: boolean;
  disabledReason: string | null;
  /** Deliveries that failed in a row (every attempt), reset by a successful one. */
  consecutiveFailures: number;
  /** The `seq` of the last event it was sent, or gave up on. */
  cursor: number;
  createdAt: string;
  updatedAt: string;
}

/** One attempt to deliver one event to a webhook, as the delivery log keeps it. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventSeq: number;
  eventId: string;
  eventKind: string;
  /** 1 for the first try, then one more per retry. */
  attempt: number;
  /** The receiver's HTTP status, null when none came (refused, unreachable, timed out). */
  status: number | null;
  ok: boolean;
  /** Why it failed, null when it succeeded. */
  error: string | null;
  durationMs: number;
  createdAt: string;
}

/** How much of a secret is shown after creation: enough to tell two apart, too little to sign with. */
const PREVIEW_CHARS = 10;

/** The start of a webhook's secret, as lists show it. */
export function secretPreview(secret: string): string {
  return `${secret.slice(0, PREVIEW_CHARS)}…`;
}
