/**
 * Memory for apps built on the Vercel AI SDK: a middleware for `wrapLanguageModel` that brings an
 * agent's blocks and retrieved memories into the prompt and records each exchange, in-process or
 * against a remote engram server through a client.
 *
 * @module engram/ai-sdk
 */
export {
  DEFAULT_MEMORY_RESULTS,
  type EngramMemoryMiddleware,
  type EngramMemoryOptions,
  engramMemory,
} from "./engram-memory.ts";
export type { EngramMemoryBackend } from "./memory-backend.ts";
