import type { LanguageModel } from "ai";
import { EngramError } from "../core/errors.ts";
import { anthropicProvider, openaiCompatibleProvider, openaiProvider } from "./ai-sdk.ts";
import { checkModelAllowed, type ModelPolicy } from "./model-policy.ts";
import { ollamaBaseUrl, parseModelSpec, requireEnv } from "./provider-env.ts";

/** What to tell a caller who needs a model and has none. */
export const NO_MODEL_HELP =
  "no language model is configured: set ENGRAM_MODEL (or the agent's model) to provider:model, e.g. openai:gpt-4o-mini with OPENAI_API_KEY, anthropic:claude-sonnet-4-5 with ANTHROPIC_API_KEY, ollama:qwen3:8b (OLLAMA_BASE_URL), or openai-compatible:<model> with OPENAI_COMPATIBLE_BASE_URL";

/**
 * Resolves a `provider:model` string through the AI SDK: `openai:` (OPENAI_API_KEY, optional
 * OPENAI_BASE_URL), `anthropic:` (ANTHROPIC_API_KEY, optional ANTHROPIC_BASE_URL), `ollama:` (OLLAMA_BASE_URL, default
 * http://127.0.0.1:11434), `openai-compatible:` (OPENAI_COMPATIBLE_BASE_URL, optional
 * OPENAI_COMPATIBLE_API_KEY) for vLLM, llama.cpp, LM Studio and the like.
 */
export function resolveLanguageModel(spec: string, env: NodeJS.ProcessEnv = process.env): LanguageModel {
  const { provider, model } = parseModelSpec(spec);
  switch (provider) {
    case "openai":
      return openaiProvider()
        .createOpenAI({
          apiKey: requireEnv(env, "OPENAI_API_KEY", `model ${spec}`),
          ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
        })
        .chat(model);
    case "anthropic":
      return anthropicProvider().createAnthropic({
        apiKey: requireEnv(env, "ANTHROPIC_API_KEY", `model ${spec}`),
        ...(env.ANTHROPIC_BASE_URL ? { baseURL: env.ANTHROPIC_BASE_URL } : {}),
      })(model);
    case "ollama":
      return openaiCompatibleProvider()
        .createOpenAICompatible({ name: "ollama", baseURL: ollamaBaseUrl(env) })
        .chatModel(model);
    case "openai-compatible":
      return openaiCompatibleProvider()
        .createOpenAICompatible({
          name: "openai-compatible",
          baseURL: requireEnv(env, "OPENAI_COMPATIBLE_BASE_URL", `model ${spec}`),
          ...(env.OPENAI_COMPATIBLE_API_KEY ? { apiKey: env.OPENAI_COMPATIBLE_API_KEY } : {}),
        })
        .chatModel(model);
    default:
      throw new EngramError(
        "invalid_input",
        `unknown model provider "${provider}" in "${spec}": use openai:, anthropic:, ollama: or openai-compatible:`,
      );
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
