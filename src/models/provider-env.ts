import { EngramError } from "../core/errors.ts";

const EXAMPLES = {
  model: "openai:gpt-4o-mini, anthropic:claude-sonnet-4-5, ollama:qwen3:8b or openai-compatible:<name>",
  "embedding model": "openai:text-embedding-3-small, ollama:nomic-embed-text or openai-compatible:<name>",
};

/** A `provider:model` string split in two. `ollama:qwen3:8b` → provider `ollama`, model `qwen3:8b`. */
export function parseModelSpec(
  spec: string,
  kind: keyof typeof EXAMPLES = "model",
): { provider: string; model: string } {
  const index = spec.indexOf(":");
  if (index <= 0 || index === spec.length - 1) {
    throw new EngramError(
      "invalid_input",
      `${kind} "${spec}" must be provider:model, e.g. ${EXAMPLES[kind]}`,
    );
  }
  return { provider: spec.slice(0, index), model: spec.slice(index + 1) };
}

export const DEFAULT_OLLAMA_BASE_URL = "http://127.0.0.1:11434";

/**
 * The providers' own addresses, given to them explicitly: left unset, the AI SDK's providers read
 * OPENAI_BASE_URL and ANTHROPIC_BASE_URL from `process.env`, not from the engine's `env`.
 */
export const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";
export const DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com/v1";

/**
 * Ollama serves an OpenAI-compatible API under `/v1`: the server's address (as Ollama documents it,
 * http://127.0.0.1:11434), its `/v1`, or its native `/api` (as some clients take it) all lead there.
 */
export function ollamaBaseUrl(env: NodeJS.ProcessEnv, forWhat: string): string {
  const given = env.OLLAMA_BASE_URL;
  const base = (
    given === undefined || given === ""
      ? DEFAULT_OLLAMA_BASE_URL
      : checkUrl(given, "OLLAMA_BASE_URL", forWhat)
  )
    .replace(/\/+$/, "")
    .replace(/\/api$/, "");
  return base.endsWith("/v1") ? base : `${base}/v1`;
}

/**
 * Where Anthropic's Messages API is: ANTHROPIC_BASE_URL as Anthropic's own SDK and Claude Code take
 * it (without `/v1`, e.g. a gateway at http://localhost:4000, which serves `/v1/messages`), or with
 * `/v1`, as the AI SDK takes it; the API's own address when it is not set.
 */
export function anthropicBaseUrl(env: NodeJS.ProcessEnv, forWhat: string): string {
  const given = optionalUrl(env, "ANTHROPIC_BASE_URL", forWhat);
  if (given === undefined) return DEFAULT_ANTHROPIC_BASE_URL;
  const base = given.replace(/\/+$/, "");
  return base.endsWith("/v1") ? base : `${base}/v1`;
}

/**
 * How a model signs in to Anthropic: ANTHROPIC_API_KEY, sent as `x-api-key`, or ANTHROPIC_AUTH_TOKEN,
 * a bearer token sent as `Authorization: Bearer`, as Anthropic's own SDK and Claude Code accept it
 * (e.g. for a gateway). Both set at once is refused rather than one picked: each is a credential,
 * and the server would be sent one the operator may not mean it to get.
 * @throws EngramError `unavailable` naming both settings when neither or both are set.
 */
export function anthropicCredentials(
  env: NodeJS.ProcessEnv,
  forWhat: string,
): { apiKey: string } | { authToken: string } {
  const apiKey = env.ANTHROPIC_API_KEY;
  const authToken = env.ANTHROPIC_AUTH_TOKEN;
  const hasKey = apiKey !== undefined && apiKey !== "";
  const hasToken = authToken !== undefined && authToken !== "";
  if (hasKey && hasToken)
    throw new EngramError(
      "unavailable",
      `${forWhat} has both ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN set: unset one (the API key is sent as x-api-key, the token as Authorization: Bearer)`,
    );
  if (hasKey) return { apiKey };
  if (hasToken) return { authToken };
  throw new EngramError(
    "unavailable",
    `${forWhat} needs ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN to be set`,
  );
}

export function requireEnv(env: NodeJS.ProcessEnv, name: string, forWhat: string): string {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new EngramError("unavailable", `${forWhat} needs ${name} to be set`);
  }
  return value;
}

/** The base URL set in `name`, which must be an http(s) URL; undefined when it is not set. */
export function optionalUrl(env: NodeJS.ProcessEnv, name: string, forWhat: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : checkUrl(value, name, forWhat);
}

/** The base URL set in `name`, which must be set and be an http(s) URL. */
export function requireUrl(env: NodeJS.ProcessEnv, name: string, forWhat: string): string {
  return checkUrl(requireEnv(env, name, forWhat), name, forWhat);
}

/**
 * @throws EngramError `unavailable` naming the setting when `value` is not an http(s) URL: a
 * provider's fetch would otherwise fail each turn with nothing but "Invalid URL".
 */
function checkUrl(value: string, name: string, forWhat: string): string {
  const url = URL.parse(value);
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:") || url.host === "")
    throw new EngramError(
      "unavailable",
      `${forWhat} needs ${name} to be an http:// or https:// URL, e.g. http://127.0.0.1:8080/v1, not "${value}"`,
    );
  return value;
}
