/** Context window assumed for a model the table does not know. */
export const DEFAULT_CONTEXT_WINDOW = 8192;

/**
 * Context windows (tokens) of common models, matched on the model name after `provider:`. First match
 * wins, so more specific patterns come first. Local models (Ollama, llama.cpp, vLLM) run with whatever
 * window their server was started with: set it per agent (`metadata.runtime.contextWindow`) or call.
 */
const WINDOWS: readonly (readonly [RegExp, number])[] = [
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-5/, 400_000],
  [/^gpt-4o/, 128_000],
  [/^gpt-4-turbo/, 128_000],
  [/^gpt-4-32k/, 32_768],
  [/^gpt-4(-|$)/, 8192],
  [/^gpt-3\.5-turbo/, 16_385],
  [/^o[134](-|$)/, 200_000],
  [/^claude-/, 200_000],
  [/^(llama-?3\.[1-3]|qwen2\.5|qwen3|mistral-(small|large|nemo))/i, 32_768],
];

/** The context window of a `provider:model` name; the default when unknown. */
export function contextWindowFor(modelName: string | null): number {
  if (modelName === null) return DEFAULT_CONTEXT_WINDOW;
  const id = modelName.slice(modelName.indexOf(":") + 1);
  for (const [pattern, window] of WINDOWS) if (pattern.test(id)) return window;
  return DEFAULT_CONTEXT_WINDOW;
}
