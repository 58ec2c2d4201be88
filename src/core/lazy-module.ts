import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/** `make()`'s value, computed on the first call and kept. */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

/**
 * A module loaded on first use instead of at start-up: a command that never calls a model should not
 * pay for loading the AI SDK or a tokenizer's encoding. Loading is synchronous (`require` of an ES
 * module), so code that uses the module keeps its synchronous API; the module is the same instance a
 * static `import` of it gets.
 *
 * @param url The module's URL: for a package, the caller's `import.meta.resolve(specifier)`, so that it
 *   is resolved from the caller as a static import would be; for one of engram's own, `moduleUrl(…).href`.
 * @example
 * const ai = lazyModule<typeof import("ai")>(import.meta.resolve("ai"));
 * await ai().generateText({ model, prompt });
 */
export function lazyModule<T>(url: string): () => T {
  return once(() => require(fileURLToPath(url)) as T);
}
