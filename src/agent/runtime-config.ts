import { z } from "zod";
import { InvalidInputError } from "../core/errors.ts";
import type { Agent } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import { contextWindowFor } from "./context-window.ts";
import { RESPONDERS } from "./responder-names.ts";

export { RESPONDERS, type ResponderName } from "./responder-names.ts";

/** Whom an agent talks with: one end user, many, or `auto` (many once a second user has talked). */
export const END_USERS = ["auto", "one", "many"] as const;

/**
 * How an agent's turns run. Each setting comes from the call, else the agent's `metadata.runtime`,
 * else the engine's options (`createEngram({ runtime })`), else the default below.
 */
export const runtimeSettings = z.strictObject({
  /** `simple`: one model call with at most `toolRounds` tool rounds; `reactive`: plan-act-observe. */
  responder: z.enum(RESPONDERS, { error: `must be one of ${RESPONDERS.join(", ")}` }),
  /** Tool rounds the simple responder allows before it must answer. */
  toolRounds: z.number().int().min(0).max(10),
  /** Model calls the reactive responder may make in one turn; the last one must answer. */
  maxSteps: z.number().int().min(1).max(50),
  /** Tokens the model reads and writes; defaults to the model table (8,192 when unknown). */
  contextWindow: z.number().int().min(1024).max(10_000_000),
  /** Tokens kept free for the answer; defaults to a quarter of the window, at most 4,096. */
  reserveOutputTokens: z.number().int().min(16).max(1_000_000),
  /** Long-term memories retrieved for each message (0: none). */
  memoryResults: z.number().int().min(0).max(50),
  /**
   * Records of similar earlier messages whose feedback-learned advice goes with each message (0: none).
   * Nothing is added until the agent has feedback on similar messages.
   */
  adviceResults: z.number().int().min(0).max(10),
  /** Ask the model what each new image shows, so the message is found by search (default true). */
  captionImages: z.boolean(),
  /** Most recent messages put in context, however much room is left. */
  maxRecentMessages: z.number().int().min(1).max(10_000),
  /** Longest a turn may take, model calls and tools included. */
  timeoutMs: z.number().int().min(1).max(3_600_000),
  /** Offers the agent the messaging tools (`send_message_to_agent`, `send_message_to_agent_and_wait`). */
  messaging: z.boolean(),
  /** Most agent-to-agent messages in one chain (A → B → C is 2 hops); at least 1. */
  maxHops: z.number().int().min(1, "must be at least 1 (0 would forbid every message)").max(32),
  /** Most agent-to-agent messages one turn may send, so that a chain's width is bounded as its length is. */
  maxMessagesPerTurn: z
    .number()
    .int()
    .min(1, "must be at least 1 (turn messaging off to forbid every message)")
    .max(100),
  /** Longest `send_message_to_agent_and_wait` waits for the other agent's answer. */
  messageWaitMs: z.number().int().min(1).max(3_600_000),
  /**
   * `many`: a turn of an end user is not offered the block tools, so that one user's words never
   * reach every user's prompt; `one`: it is; `auto`: `many` once the agent has talked with another
   * end user than the turn's. A turn of no user is offered them in every mode.
   */
  endUsers: z.enum(END_USERS, { error: `must be one of ${END_USERS.join(", ")}` }),
});
export type RuntimeSettings = z.output<typeof runtimeSettings>;
export type RuntimeSettingsInput = Partial<RuntimeSettings>;

/** Settings an agent or a call gives: any of the above. */
export const runtimeSettingsPatch = runtimeSettings.partial();

export const RUNTIME_DEFAULTS = {
  responder: "simple",
  toolRounds: 1,
  maxSteps: 8,
  memoryResults: 8,
  adviceResults: 3,
  captionImages: true,
  maxRecentMessages: 200,
  timeoutMs: 120_000,
  messaging: false,
  maxHops: 3,
  maxMessagesPerTurn: 8,
  messageWaitMs: 60_000,
  endUsers: "auto",
} as const satisfies Partial<RuntimeSettings>;

/** Retries of a model call that failed with a retryable error (429, 5xx, a dropped connection). */
export interface RetrySettings {
  /** Retries after the first attempt (default 2). */
  maxRetries: number;
  /** Wait before the first retry, doubled each time (default 1,000 ms); a Retry-After header wins. */
  baseDelayMs: number;
  /** Longest wait between attempts (default 20,000 ms). */
  maxDelayMs: number;
}

export const RETRY_DEFAULTS: RetrySettings = { maxRetries: 2, baseDelayMs: 1000, maxDelayMs: 20_000 };

/** Engine-wide runtime options: defaults for every agent's settings, and retries. */
export interface RuntimeOptions extends RuntimeSettingsInput {
  retry?: Partial<RetrySettings>;
}

/** An agent's own settings, from `metadata.runtime`. @throws InvalidInputError naming the field. */
export function agentSettings(agent: Agent): RuntimeSettingsInput {
  const raw = agent.metadata.runtime;
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new InvalidInputError(`invalid agent ${agent.name}: metadata.runtime: must be an object`);
  return parseInput(runtimeSettingsPatch, raw, `agent ${agent.name} metadata.runtime`);
}

/** Settings of one turn: the call's, else the agent's, else the engine's, else the defaults. */
export function resolveSettings(
  engine: RuntimeSettingsInput,
  agent: Agent,
  call: RuntimeSettingsInput,
  modelName: string | null,
): RuntimeSettings {
  const merged = {
    ...RUNTIME_DEFAULTS,
    ...defined(engine),
    ...defined(agentSettings(agent)),
    ...defined(call),
  };
  const contextWindow = merged.contextWindow ?? contextWindowFor(modelName);
  const reserveOutputTokens = merged.reserveOutputTokens ?? Math.min(4096, Math.floor(contextWindow / 4));
  if (reserveOutputTokens >= contextWindow / 2)
    throw new InvalidInputError(
      `invalid runtime settings: reserveOutputTokens (${reserveOutputTokens}) must be under half the context window (${contextWindow})`,
    );
  return { ...merged, contextWindow, reserveOutputTokens };
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
