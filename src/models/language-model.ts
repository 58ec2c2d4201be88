import type { LanguageModel } from "ai";
import { EngramError } from "../core/errors.ts";
import { anthropicProvider, openaiCompatibleProvider, openaiProvider } from "./ai-sdk.ts";
import { checkModelAllowed, type ModelPolicy } from "./model-policy.ts";
import {
  anthropicBaseUrl,
  anthropicCredentials,
  DEFAULT_OPENAI_BASE_URL,
  ollamaBaseUrl,
  optionalUrl,
  parseModelSpec,
  requireEnv,
  requireUrl,
} from "./provider-env.ts";

/** What to tell a caller who needs a model and has none. */
export const NO_MODEL_HELP =
  "no language model is configured: set ENGRAM_MODEL (or the agent's model) to provider:model, e.g. openai:gpt-4o-mini with OPENAI_API_KEY, anthropic:claude-sonnet-4-5 with ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), ollama:qwen3:8b (OLLAMA_BASE_URL), or openai-compatible:<model> with OPENAI_COMPATIBLE_BASE_URL";

/** What a `provider:model` string needs of its provider: checked, and not yet loaded. */
type Wiring =
  | { provider: "openai"; model: string; apiKey: string; baseURL: string }
  | {
      provider: "anthropic";
      model: string;
      credentials: { apiKey: string } | { authToken: string };
      baseURL: string;
    }
  | { provider: "openai-compatible"; name: string; model: string; baseURL: string; apiKey?: string };

/**
 * The settings a `provider:model` string needs, read from `env` and checked, without loading any
 * provider. @throws EngramError naming the setting that is missing or malformed, or the provider
 * that is not known.
 */
function wiringOf(spec: string, env: NodeJS.ProcessEnv): Wiring {
  const { provider, model } = parseModelSpec(spec, "model");
  const forWhat = `model ${spec}`;
  switch (provider) {
    case "openai":
      return {
        provider,
        model,
        apiKey: requireEnv(env, "OPENAI_API_KEY", forWhat),
        baseURL: optionalUrl(env, "OPENAI_BASE_URL", forWhat) ?? DEFAULT_OPENAI_BASE_URL,
      };
    case "anthropic":
      return {
        provider,
        model,
        credentials: anthropicCredentials(env, forWhat),
        baseURL: anthropicBaseUrl(env, forWhat),
      };
    case "ollama":
      return { provider: "openai-compatible", name: "ollama", model, baseURL: ollamaBaseUrl(env, forWhat) };
    case "openai-compatible":
      return {
        provider,
        name: "openai-compatible",
        model,
        baseURL: requireUrl(env, "OPENAI_COMPATIBLE_BASE_URL", forWhat),
        ...(env.OPENAI_COMPATIBLE_API_KEY ? { apiKey: env.OPENAI_COMPATIBLE_API_KEY } : {}),
      };
    default:
      throw new EngramError(
        "invalid_input",
        `unknown model provider "${provider}" in "${spec}": use openai:, anthropic:, ollama: or openai-compatible:`,
      );
  }
}

/**
 * Checks that a `provider:model` string names a known provider and that the settings it needs are
 * there and well-formed, without loading the provider: for a server to refuse to start with a
 * model it could never call. @throws EngramError as `resolveLanguageModel` would.
 */
export function checkLanguageModel(spec: string, env: NodeJS.ProcessEnv = process.env): void {
  wiringOf(spec, env);
}

/**
 * Resolves a `provider:model` string through the AI SDK: `openai:` (OPENAI_API_KEY, optional
 * OPENAI_BASE_URL), `anthropic:` (ANTHROPIC_API_KEY or the bearer token ANTHROPIC_AUTH_TOKEN,
 * optional ANTHROPIC_BASE_URL), `ollama:` (OLLAMA_BASE_URL, default http://127.0.0.1:11434),
 * `openai-compatible:` (OPENAI_COMPATIBLE_BASE_URL, optional OPENAI_COMPATIBLE_API_KEY) for vLLM,
 * llama.cpp, LM Studio and the like. Those two ask a stream
 * for its usage (`stream_options.include_usage`), as the OpenAI provider does: without it, these
 * servers send none, and a streamed turn would record no tokens.
 */
export function resolveLanguageModel(spec: string, env: NodeJS.ProcessEnv = process.env): LanguageModel {
  const wiring = wiringOf(spec, env);
  switch (wiring.provider) {
    case "openai":
      return openaiProvider()
        .createOpenAI({ apiKey: wiring.apiKey, baseURL: wiring.baseURL })
        .chat(wiring.model);
    case "anthropic":
      return anthropicProvider().createAnthropic({ ...wiring.credentials, baseURL: wiring.baseURL })(
        wiring.model,
      );
    case "openai-compatible":
      return openaiCompatibleProvider()
        .createOpenAICompatible({
          name: wiring.name,
          baseURL: wiring.baseURL,
          ...(wiring.apiKey === undefined ? {} : { apiKey: wiring.apiKey }),
          includeUsage: true,
        })
        .chatModel(wiring.model);
  }
}

/**
 * The model to use: a model object or `provider:model` given by the caller, else the agent's model,
 * else `ENGRAM_MODEL`. @throws EngramError `unavailable` with set-up help when there is none.
 */
export function chooseLanguageModel(
  candidates: (LanguageModel | string | null | undefined)[],
  env: NodeJS.ProcessEnv = process.env,
): LanguageModel {
  for (const candidate of [...candidates, env.ENGRAM_MODEL]) {
    if (unset(candidate)) continue;
    return typeof candidate === "string" ? resolveLanguageModel(candidate, env) : candidate;
  }
  throw new EngramError("unavailable", NO_MODEL_HELP);
}

/**
 * Whether nothing names a model for this agent (no override, agent model, engine default or
 * `ENGRAM_MODEL`): what `modelForAgent` would refuse with NO_MODEL_HELP, answered without building
 * and catching that error, for checks made on every write.
 */
export function noModelFor(
  ctx: { env: NodeJS.ProcessEnv; model: LanguageModel | string | undefined },
  agent: { model: string | null },
): boolean {
  return [agent.model, ctx.model, ctx.env.ENGRAM_MODEL].every(unset);
}

/** A model choice that names nothing: skipped for the next one. */
function unset(candidate: LanguageModel | string | null | undefined): candidate is null | undefined | "" {
  return candidate === undefined || candidate === null || candidate === "";
}

/**
 * The `provider:model` name of the model `modelForAgent` chooses, for messages (a model object is
 * named by its provider and id); null when nothing names one.
 */
export function modelNameForAgent(
  ctx: { env: NodeJS.ProcessEnv; model: LanguageModel | string | undefined },
  agent: { model: string | null },
  override?: LanguageModel | string,
): string | null {
  for (const candidate of [override, agent.model, ctx.model, ctx.env.ENGRAM_MODEL]) {
    if (unset(candidate)) continue;
    return typeof candidate === "string" ? candidate : `${candidate.provider}:${candidate.modelId}`;
  }
  return null;
}

/**
 * The model an agent's work uses: the caller's override, else the agent's own model, else the
 * engine's default (`createEngram({ model })`), else `ENGRAM_MODEL`.
 * @throws EngramError `unavailable` with set-up help when there is none.
 */
export function modelForAgent(
  ctx: {
    env: NodeJS.ProcessEnv;
    model: LanguageModel | string | undefined;
    modelPolicy?: ModelPolicy | undefined;
  },
  agent: { model: string | null },
  override?: LanguageModel | string,
): LanguageModel {
  if (ctx.modelPolicy !== undefined) {
    // A tenant's choice (the call's model, else the agent's) must be one the operator allows.
    const chosen = override ?? agent.model;
    if (typeof chosen === "string" && chosen !== "")
      checkModelAllowed(ctx, chosen, override === undefined ? "the agent's model" : "model");
  }
  return chooseLanguageModel([override, agent.model, ctx.model], ctx.env);
}
