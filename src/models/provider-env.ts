import { EngramError } from "../core/errors.ts";

/** A `provider:model` string split in two. `ollama:qwen3:8b` → provider `ollama`, model `qwen3:8b`. */
export function parseModelSpec(spec: string): { provider: string; model: string } {
  const index = spec.indexOf(":");
  if (index <= 0 || index === spec.length - 1) {
    throw new EngramError(
      "invalid_input",
      `model "${spec}" must be provider:model, e.g. openai:text-embedding-3-small, ollama:nomic-embed-text or openai-compatible:<name>`,
    );
  }
  return { provider: spec.slice(0, index), model: spec.slice(index + 1) };
}

export const DEFAULT_OLLAMA_BASE_URL = "http://127.0.0.1:11434";

/** Ollama serves an OpenAI-compatible API under `/v1`. */
export function ollamaBaseUrl(env: NodeJS.ProcessEnv): string {
  const base = (env.OLLAMA_BASE_URL ?? DEFAULT_OLLAMA_BASE_URL).replace(/\/+$/, "");
  return base.endsWith("/v1") ? base : `${base}/v1`;
}

export function requireEnv(env: NodeJS.ProcessEnv, name: string, forWhat: string): string {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new EngramError("unavailable", `${forWhat} needs ${name} to be set`);
  }
  return value;
}
