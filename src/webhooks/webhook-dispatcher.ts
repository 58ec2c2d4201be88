import { randomUUID } from "node:crypto";
import { EngramError } from "../core/errors.ts";
import type { EngramEvent } from "../core/types.ts";
import type { WebhookDelivery } from "../core/webhook-types.ts";
import { type EngineContext, makeEvent, nowIso } from "../memory/context.ts";
import { exactKinds, kindMatcher } from "../memory/events/event-kinds.ts";
import type { DeliveryOutcome, StoredWebhook } from "../store/store.ts";
import { type OutboundPolicy, UNRESTRICTED } from "./outbound-policy.ts";
import { SIGNATURE_HEADER, signDelivery, TIMESTAMP_HEADER } from "./signature.ts";
import { postDelivery } from "./webhook-post.ts";
import { publicView } from "./webhook-view.ts";

/** How webhooks are delivered; every field has a default. */
export interface WebhookDispatchOptions {
  /** The policy every delivery's URL must pass (default: any http(s) URL). */
  outbound?: OutboundPolicy;
  /** Tries per event, the first included (default 5). */
  maxAttempts?: number;
  /** Wait before the first retry, doubled for each next one (default 1000 ms). */
  backoffMs?: number;
  /** The longest wait between tries (default 60 000 ms). */
  maxBackoffMs?: number;
  /** Events in a row whose every try failed before the webhook is disabled (default 5). */
  disableAfter?: number;
  /** How long one try may wait for an answer (default 10 000 ms). */
  timeoutMs?: number;
  /** How often to look for events written by other processes (default 1000 ms). */
  pollMs?: number;
  /** How long a claim on a webhook lasts unless renewed, so one server of many delivers it (default 30 s). */
  leaseMs?: number;
  /** Told about unexpected failures of the dispatcher itself (not of deliveries, which are logged). */
  onError?: (error: unknown) => void;
}

/** A running dispatcher. */
export interface WebhookDispatcher {
  /** Stops delivering: tries in flight end, nothing new starts. */
  stop(): Promise<void>;
}

/** A webhook whose secret this process holds, so that it can sign what it sends. */
type SignableWebhook = StoredWebhook & { secret: string };

function canSign(webhook: StoredWebhook): webhook is SignableWebhook {
  return webhook.secret !== null;
}

const BATCH = 50;
/** Least time between two looks at the webhooks that writes wake (see `wake`). */
const WAKE_GAP_MS = 100;

/**
 * Delivers each project's events to its enabled webhooks, in order, one event at a time per webhook:
 * signed, retried with backoff, every try written to the delivery log, and the webhook disabled
 * after `disableAfter` events in a row failed. A write through this engine wakes it at once; a poll
 * covers other processes. Each webhook is claimed with a lease, so several servers on one database
 * deliver each event once.
 */
export function startWebhookDispatcher(
  ctx: EngineContext,
  options: WebhookDispatchOptions = {},
): WebhookDispatcher {
  const settings = {
    outbound: options.outbound ?? UNRESTRICTED,
    maxAttempts: options.maxAttempts ?? 5,
    backoffMs: options.backoffMs ?? 1000,
    maxBackoffMs: options.maxBackoffMs ?? 60_000,
    disableAfter: options.disableAfter ?? 5,
    timeoutMs: options.timeoutMs ?? 10_000,
    leaseMs: options.leaseMs ?? 30_000,
  };
  const report = options.onError ?? ((error: unknown) => console.error("engram webhooks:", error));
  const stopping = new AbortController();
  // Two dispatchers of one engine (two servers on it) must not both hold a webhook.
  const owner = `${ctx.instanceId}/${randomUUID()}`;
  const active = new Map<string, Promise<void>>();
  /** Webhooks whose sealed secret this process cannot open, already reported. */
  const unopened = new Set<string>();
  let ticking = false;
  let again = false;

  const tick = async (): Promise<void> => {
    if (stopping.signal.aborted) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    try {
      do {
        again = false;
        for (const webhook of await ctx.store.webhooks.enabled()) {
          if (active.has(webhook.id)) continue;
          if (!canSign(webhook)) {
            // Sealed, and this process lacks the key: said once, and left to a process that has it.
            if (!unopened.has(webhook.id))
              report(new EngramError("unavailable", `${webhook.secretProblem}: not sent from this process`));
            unopened.add(webhook.id);
            continue;
          }
          const run = drain(webhook)
            .catch(report)
            .finally(() => {
              active.delete(webhook.id);
            });
          active.set(webhook.id, run);
        }
      } while (again && !stopping.signal.aborted);
    } catch (error) {
      report(error);
    } finally {
      ticking = false;
    }
  };

  /** Sends the webhook every event after its cursor, while it holds the claim. */
  const drain = async (start: SignableWebhook): Promise<void> => {
    let webhook = start;
    try {
      while (!stopping.signal.aborted) {
        const now = ctx.now();
        if (!(await ctx.store.webhooks.claim(webhook.id, owner, now, now + settings.leaseMs))) return;
        const current = await ctx.store.webhooks.get(webhook.id);
        if (current === null || !current.enabled || !canSign(current)) return;
        webhook = current;
        // Its kinds as they are now: an update while it drains must not skip the newly wanted ones.
        const matches = kindMatcher(webhook.events);
        const events = await ctx.store.events.list({
          projectId: webhook.projectId,
          kinds: exactKinds(webhook.events),
          afterSeq: webhook.cursor,
          limit: BATCH,
        });
        const due = events.filter((event) => matches(event.kind));
        if (due.length === 0) {
          const last = events.at(-1);
          // Only events of other kinds: move past them, and look again if the batch was full.
          if (last === undefined) return;
          if (!(await ctx.store.webhooks.recordOutcome(skipTo(webhook, last.seq, nowIso(ctx)), owner)))
            return;
          continue;
        }
        for (const event of due) {
          if (stopping.signal.aborted) return;
          const outcome = await deliver(webhook, event);
          // Another server holds the webhook now: it delivers this event, and records it.
          if (outcome === null) return;
          if (stopping.signal.aborted && !outcome.attempts.some((a) => a.ok)) return;
          // Recorded only while this server still holds the webhook, in the transaction that records
          // it: if another took it during the last try, that one delivers the event and records it.
          if (!(await ctx.store.webhooks.recordOutcome(outcome, owner))) return;
          if (outcome.disabled !== null) return;
          webhook = { ...webhook, cursor: event.seq, consecutiveFailures: outcome.consecutiveFailures };
          const renewed = ctx.now();
          if (!(await ctx.store.webhooks.claim(webhook.id, owner, renewed, renewed + settings.leaseMs)))
            return;
        }
      }
    } finally {
      await ctx.store.webhooks.release(webhook.id, owner).catch(() => {});
    }
  };

  /**
   * Tries one event until it is accepted or its tries run out; null when the claim on the webhook
   * was lost between two tries (its lease lapsed and another server took it). Tries are counted in
   * the store as each begins, by whichever server holds the webhook, so the tries of a server that
   * lost its claim or stopped before recording them use up the event's `maxAttempts` too: a delivery
   * whose lease keeps being lost ends as failed like any other.
   */
  const deliver = async (webhook: SignableWebhook, event: EngramEvent): Promise<DeliveryOutcome | null> => {
    const body = JSON.stringify({ webhookId: webhook.id, event });
    const url = new URL(webhook.url);
    const attempts: WebhookDelivery[] = [];
    const logged = (attempt: number, status: number | null, error: string | null, ms: number) =>
      attempts.push({
        id: ctx.generateId("delivery"),
        webhookId: webhook.id,
        eventSeq: event.seq,
        eventId: event.id,
        eventKind: event.kind,
        attempt,
        status,
        ok: error === null,
        error,
        durationMs: ms,
        createdAt: nowIso(ctx),
      });
    /** The tries accounted for here: made by this server, or logged as lost. */
    let known = 0;
    for (;;) {
      if (known > 0) {
        const wait = Math.min(settings.backoffMs * 2 ** (known - 1), settings.maxBackoffMs);
        if (!(await sleep(wait, stopping.signal))) break;
      }
      // Each try renews the claim for as long as it can take, so no other server starts on this
      // event meanwhile; if one has already (the lease lapsed during the wait), it is sending the
      // event, and this server stops.
      const now = ctx.now();
      const attempt = await ctx.store.webhooks.beginTry(
        webhook.id,
        owner,
        event.seq,
        now,
        now + settings.leaseMs + settings.timeoutMs,
      );
      if (attempt === null) return null;
      const lost = attempt - 1 - known;
      if (lost > 0) logged(attempt - 1, null, leaseLost(lost, settings.leaseMs + settings.timeoutMs), 0);
      if (attempt > settings.maxAttempts) break;
      known = attempt;
      const started = performance.now();
      const timestamp = Math.floor(ctx.now() / 1000);
      let status: number | null = null;
      let error: string | null = null;
      let final = false;
      try {
        status = await postDelivery(
          url,
          body,
          {
            "content-type": "application/json",
            "user-agent": "engram-webhooks",
            [SIGNATURE_HEADER]: signDelivery(webhook.secret, timestamp, body),
            [TIMESTAMP_HEADER]: String(timestamp),
            "engram-event": event.kind,
            "engram-event-id": event.id,
            "engram-webhook-id": webhook.id,
          },
          { policy: settings.outbound, timeoutMs: settings.timeoutMs, signal: stopping.signal },
        );
        if (status < 200 || status > 299) error = `HTTP ${status}`;
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
        // A destination the policy refuses stays refused: retrying would only repeat it.
        final =
          (failure as { code?: unknown }).code === "forbidden" ||
          (failure as { code?: unknown }).code === "ENONPUBLIC";
      }
      logged(attempt, status, error, Math.round(performance.now() - started));
      if (error === null || final || attempt >= settings.maxAttempts) break;
    }
    const ok = attempts.at(-1)?.ok === true;
    const failures = ok ? 0 : webhook.consecutiveFailures + 1;
    const at = nowIso(ctx);
    let disabled: DeliveryOutcome["disabled"] = null;
    if (!ok && failures >= settings.disableAfter) {
      const reason = `disabled after ${failures} events in a row could not be delivered; last: ${attempts.at(-1)?.error ?? "unknown"}`;
      disabled = {
        reason,
        event: makeEvent(ctx, {
          projectId: webhook.projectId,
          actor: "user",
          kind: "webhook.disabled",
          targetType: "webhook",
          targetId: webhook.id,
          before: publicView(webhook),
          after: { ...publicView(webhook), enabled: false, disabledReason: reason },
          createdAt: at,
        }),
      };
    }
    return {
      webhookId: webhook.id,
      attempts,
      cursor: event.seq,
      consecutiveFailures: failures,
      disabled,
      at,
    };
  };

  // Every write wakes the dispatcher (on PostgreSQL, every server's): a wake soon after a tick is
  // held until WAKE_GAP_MS after it, so a burst of writes costs one look at the webhooks, not one
  // each, while a lone event is still sent at once.
  let lastTick = Number.NEGATIVE_INFINITY;
  let held: NodeJS.Timeout | undefined;
  const tickNow = () => {
    lastTick = performance.now();
    void tick();
  };
  const wake = () => {
    if (held !== undefined || stopping.signal.aborted) return;
    const wait = lastTick + WAKE_GAP_MS - performance.now();
    if (wait <= 0) return tickNow();
    held = setTimeout(() => {
      held = undefined;
      tickNow();
    }, wait);
    held.unref?.();
  };
  const unwatch = ctx.store.events.watch(wake);
  const poll = setInterval(() => void tick(), options.pollMs ?? 1000);
  poll.unref?.();
  void tick();

  return {
    async stop() {
      stopping.abort();
      clearInterval(poll);
      if (held !== undefined) clearTimeout(held);
      unwatch();
      await Promise.allSettled([...active.values()]);
    },
  };
}

/** What the delivery log says of `n` tries that began and ended with no outcome recorded. */
function leaseLost(n: number, leaseMs: number): string {
  const times = n === 1 ? "1 time" : `${n} times`;
  const tries = n === 1 ? "the try" : "each try";
  return `lease lost ${times}: the receiver did not answer within the ${leaseMs} ms lease of ${tries}, or the server sending it stopped first`;
}

function skipTo(webhook: StoredWebhook, seq: number, at: string): DeliveryOutcome {
  return {
    webhookId: webhook.id,
    attempts: [],
    cursor: seq,
    consecutiveFailures: webhook.consecutiveFailures,
    disabled: null,
    at,
  };
}

/** Waits, unless the signal aborts first; false when it did. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
