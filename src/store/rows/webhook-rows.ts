import { openOrWhy, type SecretBox } from "../../core/secret-box.ts";
import { secretPreview, type WebhookDelivery } from "../../core/webhook-types.ts";
import type { StoredWebhook } from "../store.ts";

/** A `webhooks` row (without its lease), as both backends store it. */
export interface WebhookRow {
  id: string;
  project_id: string;
  url: string;
  events: string;
  secret: string;
  enabled: number;
  disabled_reason: string | null;
  consecutive_failures: number;
  cursor: number;
  created_at: string;
  updated_at: string;
}

/** A `webhook_deliveries` row. */
export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_seq: number;
  event_id: string;
  event_kind: string;
  attempt: number;
  status: number | null;
  ok: number;
  error: string | null;
  duration_ms: number;
  created_at: string;
}

/** The columns of `WebhookRow`, in the order `webhookValues` gives them. */
export const WEBHOOK_COLUMNS =
  "id, project_id, url, events, secret, enabled, disabled_reason, consecutive_failures, cursor, created_at, updated_at";

/** The columns of `DeliveryRow`, in the order `deliveryValues` gives them. */
export const DELIVERY_COLUMNS =
  "id, webhook_id, event_seq, event_id, event_kind, attempt, status, ok, error, duration_ms, created_at";

export const toWebhook = (row: WebhookRow, box: SecretBox): StoredWebhook => {
  const opened = openOrWhy(box, row.secret, `the signing secret of webhook ${row.id}`);
  const secret = "value" in opened ? opened.value : null;
  return {
    id: row.id,
    projectId: row.project_id,
    url: row.url,
    events: JSON.parse(row.events),
    secret,
    ...("problem" in opened ? { secretProblem: opened.problem } : {}),
    secretPreview: secret === null ? SEALED_PREVIEW : secretPreview(secret),
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
    cursor: row.cursor,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
};

/** What a webhook whose secret this process cannot open shows of it. */
const SEALED_PREVIEW = "(sealed: no key here opens it)";

/** A new webhook's column values, in `WEBHOOK_COLUMNS` order (its secret sealed by `box`). */
export const webhookValues = (webhook: StoredWebhook & { secret: string }, box: SecretBox) => [
  webhook.id,
  webhook.projectId,
  webhook.url,
  JSON.stringify(webhook.events),
  box.seal(webhook.secret),
  webhook.enabled ? 1 : 0,
  webhook.disabledReason,
  webhook.consecutiveFailures,
  webhook.cursor,
  webhook.createdAt,
  webhook.updatedAt,
];

export const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  webhookId: row.webhook_id,
  eventSeq: row.event_seq,
  eventId: row.event_id,
  eventKind: row.event_kind,
  attempt: row.attempt,
  status: row.status,
  ok: row.ok === 1,
  error: row.error,
  durationMs: row.duration_ms,
  createdAt: row.created_at,
});

/** A delivery's column values, in `DELIVERY_COLUMNS` order. */
export const deliveryValues = (d: WebhookDelivery) => [
  d.id,
  d.webhookId,
  d.eventSeq,
  d.eventId,
  d.eventKind,
  d.attempt,
  d.status,
  d.ok ? 1 : 0,
  d.error,
  d.durationMs,
  d.createdAt,
];

/** What a webhook's change may set: the columns `webhookChangeValues` gives, in order. */
export const WEBHOOK_CHANGE_COLUMNS = [
  "url",
  "events",
  "enabled",
  "disabled_reason",
  "consecutive_failures",
  "cursor",
  "updated_at",
] as const;

/** A changed webhook's values, in `WEBHOOK_CHANGE_COLUMNS` order. */
export const webhookChangeValues = (webhook: StoredWebhook) => [
  webhook.url,
  JSON.stringify(webhook.events),
  webhook.enabled ? 1 : 0,
  webhook.disabledReason,
  webhook.consecutiveFailures,
  webhook.cursor,
  webhook.updatedAt,
];
