import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3StreamPart,
} from "@ai-sdk/provider";

/** One model call of a script: what the model says and which tools it calls, or how it fails. */
export type ScriptStep =
  | {
      text?: string;
      /** `input` is sent as JSON; a string is sent as is (e.g. malformed JSON). */
      toolCalls?: { name: string; input: unknown; id?: string }[];
      usage?: { input: number; output: number };
    }
  /** The call fails with this error (e.g. an `APICallError` with a status). */
  | { error: unknown }
  /** The call waits until it is aborted. */
  | { hang: true }
  /** A stream sends `textBefore`, then breaks with `error` (a blocking call just fails). */
  | { textBefore: string; streamError: unknown };

/** A model that plays a script, one step per call, recording the calls it got. */
export interface ScriptedModel extends LanguageModelV3 {
  /** Every call, blocking or streaming, in order (empty when created with `record: false`). */
  readonly calls: LanguageModelV3CallOptions[];
}

/**
 * A deterministic stand-in for a language model, for tests and benchmarks: each call (blocking or
 * streaming) plays the next step of `script`, or asks `script` for it when it is a function.
 *
 * @example
 * const model = scriptedModel([
 *   { toolCalls: [{ name: "memory_append", input: { label: "human", text: "Likes tea" } }] },
 *   { text: "Noted!" },
 * ]);
 * const engram = createTestEngram({ model });
 */
export function scriptedModel(
  script: readonly ScriptStep[] | ((call: number, options: LanguageModelV3CallOptions) => ScriptStep),
  /** `record: false` keeps no calls (a benchmark's thousands of prompts would only load the GC). */
  options: { modelId?: string; record?: boolean } = {},
): ScriptedModel {
  const calls: LanguageModelV3CallOptions[] = [];
  let count = 0;
  const next = (callOptions: LanguageModelV3CallOptions): ScriptStep => {
    const index = count++;
    if (options.record !== false) calls.push(callOptions);
    const step = typeof script === "function" ? script(index, callOptions) : script[index];
    if (step === undefined) throw new Error(`scripted model: no step ${index + 1} in the script`);
    return step;
  };
  return {
    specificationVersion: "v3",
    provider: "scripted",
    modelId: options.modelId ?? "scripted-model",
    supportedUrls: {},
    calls,
    doGenerate: async (callOptions) => {
      const step = next(callOptions);
      if ("error" in step) throw step.error;
      if ("hang" in step) return hang(callOptions.abortSignal);
      if ("streamError" in step) throw step.streamError;
      return {
        content: content(step, count),
        finishReason: finish(step),
        usage: usage(step),
        warnings: [],
      };
    },
    doStream: async (callOptions) => {
      const step = next(callOptions);
      if ("error" in step) throw step.error;
      if ("hang" in step) return hang(callOptions.abortSignal);
      return { stream: streamOf(step, count) };
    },
  };
}

type Answer = Extract<ScriptStep, { text?: string }>;

function content(step: Answer, call: number): LanguageModelV3Content[] {
  const parts: LanguageModelV3Content[] = [];
  if (step.text !== undefined && step.text !== "") parts.push({ type: "text", text: step.text });
  (step.toolCalls ?? []).forEach((c, i) => {
    parts.push({
      type: "tool-call",
      toolCallId: c.id ?? `call_${call}_${i}`,
      toolName: c.name,
      input: typeof c.input === "string" ? c.input : JSON.stringify(c.input),
    });
  });
  return parts;
}

function finish(step: Answer) {
  return (step.toolCalls?.length ?? 0) > 0
    ? { unified: "tool-calls" as const, raw: "tool_calls" }
    : { unified: "stop" as const, raw: "stop" };
}

function usage(step: Answer) {
  const input = step.usage?.input ?? 10;
  const output = step.usage?.output ?? 5;
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}

function streamOf(
  step: Exclude<ScriptStep, { error: unknown } | { hang: true }>,
  call: number,
): ReadableStream<LanguageModelV3StreamPart> {
  const parts: LanguageModelV3StreamPart[] = [{ type: "stream-start", warnings: [] }];
  const text = "streamError" in step ? step.textBefore : (step.text ?? "");
  if (text !== "") {
    parts.push({ type: "text-start", id: "t" });
    // Word by word, as a real stream would send it.
    for (const piece of text.match(/\S+\s*|\s+/g) ?? [])
      parts.push({ type: "text-delta", id: "t", delta: piece });
    if (!("streamError" in step)) parts.push({ type: "text-end", id: "t" });
  }
  if ("streamError" in step) {
    const error = step.streamError;
    let next = 0;
    // Pulled one part at a time: erroring a stream drops what is still queued, so break only at the end.
    return new ReadableStream({
      pull(controller) {
        const part = parts[next++];
        if (part === undefined) controller.error(error);
        else controller.enqueue(part);
      },
    });
  }
  // With no text, content() gives only tool calls, which are stream parts as they are.
  for (const part of content({ toolCalls: step.toolCalls }, call))
    parts.push(part as LanguageModelV3StreamPart);
  parts.push({ type: "finish", finishReason: finish(step), usage: usage(step) });
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}

function hang(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal === undefined) return;
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
