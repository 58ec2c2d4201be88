import type { EmbeddingModel } from "ai";
import { EngramError } from "../core/errors.ts";
import { aiSdk, openaiCompatibleProvider, openaiProvider } from "./ai-sdk.ts";
import type { Embedder } from "./embedder.ts";
import { ollamaBaseUrl, parseModelSpec, requireEnv } from "./provider-env.ts";

/**
 * Resolves an embedding model string through the AI SDK:
 * - `openai:<model>` with `OPENAI_API_KEY` (and optional `OPENAI_BASE_URL`),
 * - `ollama:<model>` at `OLLAMA_BASE_URL` (default http://127.0.0.1:11434),
 * - `openai-compatible:<model>` at `OPENAI_COMPATIBLE_BASE_URL`, with optional `OPENAI_COMPATIBLE_API_KEY`.
 */
export function resolveEmbeddingModel(spec: string, env: NodeJS.ProcessEnv = process.env): EmbeddingModel {
  const { provider, model } = parseModelSpec(spec);
  switch (provider) {
    case "openai":
      return openaiProvider()
        .createOpenAI({
          apiKey: requireEnv(env, "OPENAI_API_KEY", `embedding model ${spec}`),
          ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
        })
        .embedding(model);
    case "ollama":
      return openaiCompatibleProvider()
        .createOpenAICompatible({ name: "ollama", baseURL: ollamaBaseUrl(env) })
        .embeddingModel(model);
    case "openai-compatible":
      return openaiCompatibleProvider()
        .createOpenAICompatible({
          name: "openai-compatible",
          baseURL: requireEnv(env, "OPENAI_COMPATIBLE_BASE_URL", `embedding model ${spec}`),
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
  /** Retries of retryable provider errors, with backoff (default 2). */
  maxRetries?: number;
}

/** An Embedder over any AI SDK embedding model, batched. */
export function createAiSdkEmbedder(
  id: string,
  model: EmbeddingModel,
  options: AiSdkEmbedderOptions = {},
): Embedder {
  const batchSize = options.batchSize ?? 64;
  return {
    id,
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const values = texts.slice(i, i + batchSize);
        try {
          const { embeddings } = await aiSdk().embedMany({
            model,
            values,
            maxRetries: options.maxRetries ?? 2,
          });
          for (const embedding of embeddings) out.push(Float32Array.from(embedding));
        } catch (error) {
          throw new EngramError("unavailable", `embedding model ${id} failed: ${(error as Error).message}`, {
            cause: error,
          });
        }
      }
      return out;
    },
  };
}

/** The embedder named by `spec` (e.g. from `ENGRAM_EMBEDDING_MODEL`). */
export function embedderFromSpec(spec: string, env: NodeJS.ProcessEnv = process.env): Embedder {
  return createAiSdkEmbedder(spec, resolveEmbeddingModel(spec, env));
}
