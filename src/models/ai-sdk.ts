import { lazyModule } from "../core/lazy-module.ts";

// Each loaded on first use: importing the AI SDK and its providers takes a good part of a short
// command's start-up, and most commands call no model.

/** The AI SDK (`ai`), loaded when a model is first called or a tool declared. */
export const aiSdk = lazyModule<typeof import("ai")>(import.meta.resolve("ai"));

/** `@ai-sdk/openai`, loaded when an `openai:` model is first resolved. */
export const openaiProvider = lazyModule<typeof import("@ai-sdk/openai")>(
  import.meta.resolve("@ai-sdk/openai"),
);

/** `@ai-sdk/anthropic`, loaded when an `anthropic:` model is first resolved. */
export const anthropicProvider = lazyModule<typeof import("@ai-sdk/anthropic")>(
  import.meta.resolve("@ai-sdk/anthropic"),
);

/** `@ai-sdk/openai-compatible`, loaded when an `ollama:` or `openai-compatible:` model is first resolved. */
export const openaiCompatibleProvider = lazyModule<typeof import("@ai-sdk/openai-compatible")>(
  import.meta.resolve("@ai-sdk/openai-compatible"),
);
