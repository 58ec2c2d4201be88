import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/**
 * A module loaded on first use instead of at start-up: a command that never calls a model should not
 * pay for loading the AI SDK or a tokenizer's encoding. Loading is synchronous (`require` of an ES
 * module), so code that uses the module keeps its synchronous API; the module is the same instance a
 * static `import` of it gets.
 *
 * @param url The module's URL, as the caller's `import.meta.resolve(specifier)` gives it, so that it is
 *   resolved from the caller as a static import would be.
 * @example
 * const ai = lazyModule<typeof import("ai")>(import.meta.resolve("ai"));
 * await ai().generateText({ model, prompt });
 */
export function lazyModule<T>(url: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(fileURLToPath(url)) as T;
    return loaded;
  };
}
