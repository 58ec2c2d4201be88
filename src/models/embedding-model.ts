import type { EmbeddingModel } from "ai";
import { EngramError } from "../core/errors.ts";
import { aiSdk, openaiCompatibleProvider, openaiProvider } from "./ai-sdk.ts";
import type { Embedder } from "./embedder.ts";
import {
  DEFAULT_OPENAI_BASE_URL,
  ollamaBaseUrl,
  optionalUrl,
  parseModelSpec,
  requireEnv,
  requireUrl,
} from "./provider-env.ts";

/**
 * Resolves an embedding model string through the AI SDK:
 * - `openai:<model>` with `OPENAI_API_KEY` (and optional `OPENAI_BASE_URL`),
 * - `ollama:<model>` at `OLLAMA_BASE_URL` (default http://127.0.0.1:11434),
 * - `openai-compatible:<model>` at `OPENAI_COMPATIBLE_BASE_URL`, with optional `OPENAI_COMPATIBLE_API_KEY`.
 */
export function resolveEmbeddingModel(spec: string, env: NodeJS.ProcessEnv = process.env): EmbeddingModel {
  const { provider, model } = parseModelSpec(spec, "embedding model");
  switch (provider) {
    case "openai":
      return openaiProvider()
        .createOpenAI({
          apiKey: requireEnv(env, "OPENAI_API_KEY", `embedding model ${spec}`),
          baseURL: optionalUrl(env, "OPENAI_BASE_URL", `embedding model ${spec}`) ?? DEFAULT_OPENAI_BASE_URL,
        })
        .embedding(model);
    case "ollama":
      return openaiCompatibleProvider()
        .createOpenAICompatible({ name: "ollama", baseURL: ollamaBaseUrl(env, `embedding model ${spec}`) })
        .embeddingModel(model);
    case "openai-compatible":
      return openaiCompatibleProvider()
        .createOpenAICompatible({
          name: "openai-compatible",
          baseURL: requireUrl(env, "OPENAI_COMPATIBLE_BASE_URL", `embedding model ${spec}`),
          ...(env.OPENAI_COMPATIBLE_API_KEY ? { apiKey: env.OPENAI_COMPATIBLE_API_KEY } : {}),
        })
        .embeddingModel(model);
    default:
      throw new EngramError(
        "invalid_input",
        `unknown embedding provider "${provider}" in "${spec}": use openai:, ollama: or openai-compatible:`,
      );
  }
}

export interface AiSdkEmbedderOptions {
  /** Texts per request (default 64). */
  batchSize?: number;
  /** Requests in flight at once, for more texts than one batch (default 4). */
  parallelCalls?: number;
  /** Retries of retryable provider errors, with backoff (default 2). */
  maxRetries?: number;
  /**
   * The most bytes of UTF-8 of one text sent to the model (default 8,191, at least 16): a longer
   * text is embedded by its beginning, cut at a character. No tokenizer makes more tokens of a text
   * than it has bytes, so a text so cut never exceeds a model's window of that many tokens, where a
   * longer one would fail its whole batch (OpenAI's models take 8,191 tokens; a message may hold
   * 100,000 characters).
   */
  maxInputBytes?: number | undefined;
}

/** Requests in flight at once by default: a bulk write's batches overlap their network time. */
const DEFAULT_PARALLEL_CALLS = 4;

/** OpenAI's embedding models take 8,191 tokens; as bytes of UTF-8, that is never more tokens. */
const DEFAULT_MAX_INPUT_BYTES = 8191;

/**
 * An Embedder over any AI SDK embedding model: texts go in batches, up to `parallelCalls` requests
 * at a time, and come back in order. The first failed batch fails the call and cancels the others.
 */
export function createAiSdkEmbedder(
  id: string,
  model: EmbeddingModel,
  options: AiSdkEmbedderOptions = {},
): Embedder {
  const batchSize = countOption("batchSize", options.batchSize, 64);
  const parallelCalls = countOption("parallelCalls", options.parallelCalls, DEFAULT_PARALLEL_CALLS);
  const maxInputBytes = countOption("maxInputBytes", options.maxInputBytes, DEFAULT_MAX_INPUT_BYTES);
  if (maxInputBytes < MIN_INPUT_BYTES)
    throw new EngramError(
      "invalid_input",
      `maxInputBytes: must be at least ${MIN_INPUT_BYTES}, not ${maxInputBytes}`,
    );
  return {
    id,
    async embed(texts) {
      const batches: string[][] = [];
      for (let i = 0; i < texts.length; i += batchSize)
        batches.push(texts.slice(i, i + batchSize).map((text) => cutToBytes(text, maxInputBytes)));
      const embedded: Float32Array[][] = [];
      const cancel = new AbortController();
      let next = 0;
      const caller = async () => {
        while (next < batches.length && !cancel.signal.aborted) {
          const index = next++;
          try {
            const { embeddings } = await aiSdk().embedMany({
              model,
              values: batches[index] as string[],
              maxRetries: options.maxRetries ?? 2,
              abortSignal: cancel.signal,
            });
            embedded[index] = embeddings.map((embedding) => Float32Array.from(embedding));
          } catch (error) {
            cancel.abort();
            throw new EngramError(
              "unavailable",
              `embedding model ${id} failed: ${(error as Error).message}`,
              {
                cause: error,
              },
            );
          }
        }
      };
      // Every caller's failure is handled here: the first rejects the call, the rest were cancelled.
      await Promise.all(Array.from({ length: Math.min(parallelCalls, batches.length) }, caller));
      return embedded.flat();
    },
  };
}

/**
 * The embedder named by `spec` (e.g. from `ENGRAM_EMBEDDING_MODEL`); `ENGRAM_EMBEDDING_PARALLEL`
 * sets its requests in flight at once (1–64, default 4), `ENGRAM_EMBEDDING_MAX_BYTES` the most bytes
 * of one text it sends (default 8,191).
 */
export function embedderFromSpec(spec: string, env: NodeJS.ProcessEnv = process.env): Embedder {
  return createAiSdkEmbedder(spec, resolveEmbeddingModel(spec, env), {
    parallelCalls: parallelCallsOf(env),
    maxInputBytes: maxInputBytesOf(env),
  });
}

/** The fewest bytes a text may be cut to: fewer would embed next to nothing of it. */
const MIN_INPUT_BYTES = 16;

const encoder = new TextEncoder();

/**
 * `text`, or its beginning of at most `maxBytes` bytes of UTF-8, cut between characters (never
 * inside one, nor between the halves of a surrogate pair).
 */
export function cutToBytes(text: string, maxBytes: number): string {
  // A UTF-16 code unit is at most three bytes of UTF-8 (a pair, two units, is four).
  if (text.length * 3 <= maxBytes) return text;
  const { read } = encoder.encodeInto(text, new Uint8Array(maxBytes));
  return read === text.length ? text : text.slice(0, read);
}

/** A whole number of at least 1, or the default when not given. @throws EngramError naming the option */
function countOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new EngramError("invalid_input", `${name}: must be a whole number of at least 1, not ${value}`);
  return value;
}

function maxInputBytesOf(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.ENGRAM_EMBEDDING_MAX_BYTES;
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < MIN_INPUT_BYTES)
    throw new EngramError(
      "invalid_input",
      `ENGRAM_EMBEDDING_MAX_BYTES: must be a whole number of bytes of at least ${MIN_INPUT_BYTES}, not "${raw}"`,
    );
  return value;
}

function parallelCallsOf(env: NodeJS.ProcessEnv): number {
  const raw = env.ENGRAM_EMBEDDING_PARALLEL;
  if (raw === undefined || raw === "") return DEFAULT_PARALLEL_CALLS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > 64)
    throw new EngramError(
      "invalid_input",
      `ENGRAM_EMBEDDING_PARALLEL: must be a whole number of requests from 1 to 64, not "${raw}"`,
    );
  return value;
}
