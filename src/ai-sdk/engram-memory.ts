import type {
  LanguageModelV3CallOptions,
  LanguageModelV3Middleware,
  LanguageModelV3StreamPart,
} from "@ai-sdk/provider";
import { renderBlocks, renderMemories, renderMemory } from "../agent/context-render.ts";
import { untilAborted } from "../core/abort.ts";
import { InvalidInputError } from "../core/errors.ts";
import { MAX_SESSION_ID, MAX_USER_ID } from "../core/input-limits.ts";
import type { MessageInput } from "../memory/messages/message-service.ts";
import type { EngramMemoryBackend } from "./memory-backend.ts";
import { type NewestUserMessage, newestUserMessage, withMemory } from "./memory-prompt.ts";

/** How many memories are retrieved for a message unless `memoryResults` says otherwise (as the runtime). */
export const DEFAULT_MEMORY_RESULTS = 8;
/** The query is cut to this many characters, as the runtime's automatic retrieval cuts it. */
const MAX_QUERY_CHARS = 4000;

export interface EngramMemoryOptions {
  /** An `Engram` (in-process) or a client of a remote server: anything with these four methods. */
  engram: EngramMemoryBackend;
  /** The agent whose memory is used: its id or its name. */
  agent: string;
  /** The end user: retrieval sees this user's memories (and the agent's shared ones), and the exchange is recorded under it. */
  userId?: string | undefined;
  /** The conversation session the exchange is recorded in. */
  sessionId?: string | undefined;
  /** Memories retrieved for the newest user message (0 for none); default 8. */
  memoryResults?: number | undefined;
  /**
   * Called when the exchange could not be recorded after the model answered. The answer is returned
   * all the same; by default the problem is written to the console as a warning.
   */
  onError?: ((error: unknown) => void) | undefined;
}

/** The middleware, with a way to wait for the exchanges it is still recording. */
export interface EngramMemoryMiddleware extends LanguageModelV3Middleware {
  /**
   * Resolves once every exchange answered so far is stored (or its failure passed to `onError`); it
   * never rejects. Await it before a serverless function returns, or before reading the conversation.
   */
  flush(): Promise<void>;
}

/** What the prompt transform leaves for the recording after the call. */
interface CallMemory {
  agentId: string;
  newest: NewestUserMessage | null;
}

/**
 * Memory for an app built on the AI SDK, as a middleware for `wrapLanguageModel`: before each call it
 * puts the agent's blocks and the memories retrieved for the newest user message into the prompt;
 * once the answer is complete (a stream's when it ends) it records the exchange in the agent's
 * conversation, which also counts towards sleep-time learning. The answer does not wait for the
 * recording: exchanges are stored in order, behind it, and `flush()` waits for them. The app keeps its
 * own model, provider and tools.
 *
 * @throws InvalidInputError when an option is missing or malformed; the call itself fails with the
 * engram error (e.g. `NotFoundError` for an unknown agent) before the model is called.
 *
 * @example
 * import { generateText, wrapLanguageModel } from "ai";
 * import { openai } from "@ai-sdk/openai";
 * import { createEngram } from "engram";
 * import { engramMemory } from "engram/ai-sdk";
 *
 * const engram = createEngram({ path: "./agents.db" });
 * const memory = engramMemory({ engram, agent: "support", userId: "ada" });
 * const model = wrapLanguageModel({ model: openai("gpt-4.1-mini"), middleware: memory });
 * const { text } = await generateText({ model, prompt: "When does my contract renew?" });
 * await memory.flush();
 */
export function engramMemory(options: EngramMemoryOptions): EngramMemoryMiddleware {
  const { engram, userId, sessionId } = checkOptions(options);
  const k = options.memoryResults ?? DEFAULT_MEMORY_RESULTS;
  const onError = options.onError ?? warnOnConsole;
  const calls = new WeakMap<LanguageModelV3CallOptions, CallMemory>();
  let agentId: string | undefined;
  // One chain, so that exchanges are stored in the order they were answered, even through a client.
  let recorded: Promise<void> = Promise.resolve();

  const resolveAgent = async () => {
    agentId ??= (await engram.agents.find(options.agent)).id;
    return agentId;
  };

  const record = (params: LanguageModelV3CallOptions, answer: string) => {
    const call = calls.get(params);
    if (call === undefined) return;
    const messages: MessageInput[] = [];
    const common = { userId, sessionId, metadata: { source: "ai-sdk" } };
    if (call.newest?.isLast && call.newest.text !== "")
      messages.push({ role: "user", content: call.newest.text, ...common });
    if (answer.trim() !== "") messages.push({ role: "assistant", content: answer, ...common });
    if (messages.length === 0) return;
    const store = async () => {
      try {
        await engram.messages.appendMany(call.agentId, messages);
      } catch (error) {
        try {
          onError(error);
        } catch {
          // A throwing onError must not stop the exchanges queued behind this one.
        }
      }
    };
    recorded = recorded.then(afterAnswer).then(store);
  };

  return {
    specificationVersion: "v3",
    flush: async () => {
      // Recording may queue more behind the current tail while it is awaited: wait until none is left.
      let tail: Promise<void>;
      do {
        tail = recorded;
        await tail;
      } while (tail !== recorded);
    },
    transformParams: async ({ params }) => {
      const newest = newestUserMessage(params.prompt);
      const query = newest?.text.slice(0, MAX_QUERY_CHARS) ?? "";
      const retrieve = async () => {
        const id = await resolveAgent();
        const [blockSet, found] = await Promise.all([
          engram.blocks.list(id),
          query === "" || k === 0
            ? null
            : engram.search(id, {
                query,
                k,
                userId,
                sources: ["memories"],
                candidates: 32,
                // Automatic retrieval is not the model's choice: it is not counted as access (as in the runtime).
                recordAccess: false,
              }),
        ]);
        return { id, blockSet, found };
      };
      // The backend's methods take no signal: a server that stops answering must not hold the app's
      // call past its own abort signal (or timeout), so the call fails with the abort's reason.
      const { id, blockSet, found } = await untilAborted(retrieve(), params.abortSignal);
      // The app's model has no memory tools: the prompt names none.
      const memories = renderMemories(
        (found?.results ?? []).flatMap((r) =>
          r.memory === undefined ? [] : [renderMemory(r.memory, undefined, r.scope)],
        ),
        [],
      );
      const blocks = renderBlocks(blockSet.blocks, []);
      const transformed = { ...params, prompt: withMemory(params.prompt, blocks, memories, newest) };
      calls.set(transformed, { agentId: id, newest });
      return transformed;
    },
    wrapGenerate: async ({ doGenerate, params }) => {
      const result = await doGenerate();
      const answer = result.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
      record(params, answer);
      return result;
    },
    wrapStream: async ({ doStream, params }) => {
      const { stream, ...rest } = await doStream();
      let answer = "";
      let failed = false;
      const recording = new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
        transform(part, controller) {
          if (part.type === "text-delta") answer += part.delta;
          else if (part.type === "error") failed = true;
          controller.enqueue(part);
        },
        flush() {
          if (!failed) record(params, answer);
        },
      });
      return { stream: stream.pipeThrough(recording), ...rest };
    },
  };
}

/**
 * Resolves on a later turn of the event loop. The store is synchronous SQLite in-process: started at
 * once, its write would run among the promise callbacks that deliver the answer, and the app would
 * wait for it after all.
 */
function afterAnswer(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}

function checkOptions(options: EngramMemoryOptions): EngramMemoryOptions {
  if (typeof options !== "object" || options === null)
    throw new InvalidInputError("invalid engramMemory options: must be an object");
  const { engram, agent, userId, sessionId, memoryResults, onError } = options;
  const methods = [
    ["agents.find", engram?.agents?.find],
    ["blocks.list", engram?.blocks?.list],
    ["search", engram?.search],
    ["messages.appendMany", engram?.messages?.appendMany],
  ] as const;
  const missing = methods.filter(([, fn]) => typeof fn !== "function").map(([name]) => name);
  if (missing.length > 0)
    throw new InvalidInputError(
      `invalid engramMemory options: engram: must be an Engram or a client with ${missing.join(", ")}`,
    );
  if (typeof agent !== "string" || agent === "")
    throw new InvalidInputError("invalid engramMemory options: agent: must be an agent's id or name");
  // The limits of a message's userId and sessionId, so that recording cannot fail on them later.
  for (const [field, value, max] of [
    ["userId", userId, MAX_USER_ID],
    ["sessionId", sessionId, MAX_SESSION_ID],
  ] as const) {
    if (value !== undefined && (typeof value !== "string" || value === "" || value.length > max))
      throw new InvalidInputError(
        `invalid engramMemory options: ${field}: must be a string of 1 to ${max} characters`,
      );
  }
  if (
    memoryResults !== undefined &&
    !(Number.isInteger(memoryResults) && memoryResults >= 0 && memoryResults <= 50)
  )
    throw new InvalidInputError(
      "invalid engramMemory options: memoryResults: must be a whole number from 0 to 50",
    );
  if (onError !== undefined && typeof onError !== "function")
    throw new InvalidInputError("invalid engramMemory options: onError: must be a function");
  return options;
}

function warnOnConsole(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.warn(`engram: the exchange was not recorded: ${message}`);
}
