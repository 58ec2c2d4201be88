import { z } from "zod";
import { toIso } from "../../core/clock.ts";
import { EngramError, NotFoundError } from "../../core/errors.ts";
import { type Agent, DELIVER_JOB, type Job, type JsonObject } from "../../core/types.ts";
import { parseInput } from "../../core/validation.ts";
import type { EngineContext } from "../../memory/context.ts";
import type { MessageService } from "../../memory/messages/message-service.ts";
import { permanent, queuedJob, recordFailure } from "../../sleeptime/job-attempt.ts";
import { RESPONDERS, type ResponderName } from "../responder-names.ts";
import type { TurnResult } from "../turn-events.ts";
import { TURN_LEASE_MS } from "../turn-lease.ts";
import type { BackgroundTurns } from "./background-turns.ts";
import type { AgentMessage } from "./messaging-tools.ts";

/** What delivering a message needs from the runtime. */
export interface DeliveryServices {
  ctx: EngineContext;
  messages: MessageService;
  /** Runs the receiving agent's turn on the message; resolves when it is persisted. */
  answer(target: Agent, message: AgentMessage, responder: ResponderName | undefined): Promise<TurnResult>;
  /** The job queue's settings: attempts, and the wait before a retry. */
  queue: { maxAttempts: number; retryDelayMs: number };
  background: BackgroundTurns;
}

const via = z.enum(["wait", "async"]);
const id = z.string().min(1).max(200);

/** A delivery job's payload: the message, as the receiving turn takes it, and the responder to answer with. */
const deliveryPayload = z.strictObject({
  message: z.strictObject({
    content: z.string().min(1),
    name: z.string().min(1),
    userId: id.optional(),
    sessionId: id.optional(),
    origin: z.strictObject({
      agentId: id,
      agentName: z.string(),
      turnId: id,
      toolCallId: id,
      mode: via,
      chain: z.array(z.strictObject({ agentId: id, agentName: z.string(), turnId: id, via: via.nullable() })),
    }),
  }),
  responder: z.enum(RESPONDERS).optional(),
});

/**
 * Sends a message without waiting for its answer, durably: the delivery is queued as a job before
 * this returns (so the sender's "delivered" survives a crash), then run at once in the background.
 * Should this process die before the receiving turn is persisted, the job's lease lapses and a
 * runner (`engram serve`'s, or `engram.sleeptime.runPending({ kinds: ["deliver"] })`) delivers it
 * again. Sending the same tool call twice queues one delivery.
 */
export async function sendLater(
  s: DeliveryServices,
  target: Agent,
  message: AgentMessage,
  responder: ResponderName | undefined,
): Promise<Job> {
  const payload = JSON.parse(JSON.stringify({ message, responder })) as JsonObject;
  const [job] = await s.ctx.store.jobs.enqueue([
    queuedJob(s.ctx, target, {
      kind: DELIVER_JOB,
      trigger: "agent",
      payload,
      maxAttempts: s.queue.maxAttempts,
      idempotencyKey: `deliver:${message.origin.turnId}:${message.origin.toolCallId}`,
    }),
  ]);
  const queued = job as Job;
  if (queued.status === "queued") s.background.add(deliverNow(s, queued));
  return queued;
}

async function deliverNow(s: DeliveryServices, job: Job): Promise<Job | null> {
  const now = s.ctx.now();
  const claimed = await s.ctx.store.jobs.claim({
    now: toIso(now),
    leaseExpiresAt: toIso(now + TURN_LEASE_MS),
    ids: [job.id],
  });
  return claimed === null ? null : runDelivery(s, claimed);
}

/**
 * Runs one claimed attempt of a delivery job: the receiving agent's turn on the message. The job
 * succeeds when the turn is persisted (its result names the turn). A turn that failed after
 * recording the message (the model failed, say) has delivered it: the job fails for good, with the
 * turn's error, and the conversation holds the message and the failure. A turn that could not
 * start (the conversation stayed busy) is retried with the queue's backoff. An attempt after an
 * interrupted one first looks for the message in the conversation, so a turn persisted just before a
 * crash is not run twice.
 */
export async function runDelivery(s: DeliveryServices, job: Job): Promise<Job> {
  const { ctx } = s;
  const lease = holdLease(ctx, job);
  try {
    await lease.renewed;
    const parsed = parseInput(deliveryPayload, job.payload, `job ${job.id} payload`);
    const { responder } = parsed;
    const message: AgentMessage = {
      ...parsed.message,
      userId: parsed.message.userId,
      sessionId: parsed.message.sessionId,
    };
    const target = await ctx.store.agents.get(job.agentId);
    if (target === null) throw new NotFoundError(`agent ${job.agentId} not found`);
    // Only an attempt after another may find the message delivered already (the look is a scan).
    const earlier = job.attempts > 1 ? await earlierDelivery(s, target, message) : null;
    const result = earlier ?? (await answer(s, target, message, responder));
    const work = ctx.store.unitOfWork();
    work.jobs.complete({
      id: job.id,
      attempt: job.attempts,
      result,
      finishedAt: toIso(ctx.now()),
      checkpoint: null,
    });
    await work.commit();
    return (await ctx.store.jobs.get(job.id)) ?? job;
  } catch (error) {
    return recordFailure(ctx, s.queue.retryDelayMs, job, error);
  } finally {
    lease.stop();
  }
}

async function answer(
  s: DeliveryServices,
  target: Agent,
  message: AgentMessage,
  responder: ResponderName | undefined,
): Promise<JsonObject> {
  try {
    const turn = await s.answer(target, message, responder);
    return { turnId: turn.turnId, messageIds: turn.messages.map((m) => m.id) };
  } catch (error) {
    // Recorded with the failure: delivered, and retrying would deliver it twice.
    if (recordedIds(error).length > 0) throw permanent(error);
    throw error;
  }
}

/** The message ids a failed turn says it recorded (the user's message and the failure). */
function recordedIds(error: unknown): unknown[] {
  if (!EngramError.isInstance(error)) return [];
  const ids = error.details?.messageIds;
  return Array.isArray(ids) ? ids : [];
}

/** The turn an earlier attempt ran on this message, if the receiving conversation holds it. */
async function earlierDelivery(
  s: DeliveryServices,
  target: Agent,
  message: AgentMessage,
): Promise<JsonObject | null> {
  const { items } = await s.messages.list(target.id, {
    userId: message.userId,
    roles: ["user"],
    filter: {
      "metadata.from.turnId": message.origin.turnId,
      "metadata.from.toolCallId": message.origin.toolCallId,
    },
    limit: 1,
  });
  const found = items[0];
  if (found === undefined) return null;
  return { turnId: String(found.metadata.turnId ?? ""), messageIds: [found.id], recovered: true };
}

/**
 * Keeps a delivery's job lease at the turn lease's length, renewed every third of it, so a delivery
 * whose process died is taken over as soon as the conversation it would write to is free.
 */
function holdLease(ctx: EngineContext, job: Job): { renewed: Promise<void>; stop(): void } {
  const renew = async () => {
    await ctx.store.jobs.renew(job.id, job.attempts, toIso(ctx.now() + TURN_LEASE_MS));
  };
  const timer = setInterval(() => renew().catch(() => {}), TURN_LEASE_MS / 3);
  timer.unref();
  return { renewed: renew(), stop: () => clearInterval(timer) };
}
