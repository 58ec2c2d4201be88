import type { LanguageModelV3Content, LanguageModelV3StreamPart } from "@ai-sdk/provider";
import type {
  ContentPart,
  generateText,
  LanguageModel,
  ModelMessage,
  StepResult,
  streamText,
  Tool,
} from "ai";
import { aiSdk } from "../models/ai-sdk.ts";
import { errorMessage } from "./model-errors.ts";
import type { Responder, StepView } from "./responders/responder.ts";
import { type TurnEvent, usageOf } from "./turn-events.ts";
import { passUrlsThrough } from "./turn-images.ts";
import { outputText, type StepRecord } from "./turn-messages.ts";

export interface ModelCallInput {
  model: LanguageModel;
  system: string;
  messages: ModelMessage[];
  tools: Record<string, Tool>;
  responder: Responder;
  abortSignal: AbortSignal;
  maxOutputTokens: number;
  emit(event: TurnEvent): void;
  now(): string;
  /** The system prompt for the next call when a tool changed what it shows (e.g. a block); else undefined. */
  refreshSystem?: () => Promise<string | undefined>;
}

/** Thrown out of a stream that ended in an error part or was aborted, carrying what it reported. */
export class StreamFailure extends Error {
  constructor(cause: unknown) {
    super(errorMessage(cause), { cause });
    this.name = "StreamFailure";
  }
}

/**
 * Runs the responder's tool loop through the AI SDK, blocking (`generateText`, one non-streaming
 * request per step) or streaming (`streamText`, events as they arrive). Retries live in the model
 * (see retry.ts), so the SDK's own are off. Returns the steps; a failed call throws.
 */
export async function runModel(input: ModelCallInput, streaming: boolean): Promise<StepRecord[]> {
  const withTools = input.responder.maxSteps > 1 && Object.keys(input.tools).length > 0;
  // The SDK checks the messages it is given against its zod schema on every call, which for a
  // window of a hundred or more messages was the largest part of a turn's allocation and a tenth
  // of its CPU. The history is built by engram from stored messages in the SDK's message types
  // (see toModelMessages), so only the newest message goes through that check; each step gets the
  // history back in front of it through `prepareStep`, which the SDK passes on as it is.
  const history = input.messages.slice(0, -1);
  const settings = {
    model: withTools ? answersWhenTold(input.model) : input.model,
    system: input.system,
    messages: input.messages.slice(-1),
    maxRetries: 0,
    maxOutputTokens: input.maxOutputTokens,
    // Image URLs in messages go to the model as they are: engram fetches no URL a caller names.
    experimental_download: passUrlsThrough,
    abortSignal: input.abortSignal,
    prepareStep: async ({
      steps,
      stepNumber,
      messages,
    }: {
      steps: StepResult<Record<string, Tool>>[];
      stepNumber: number;
      messages: ModelMessage[];
    }) => {
      const system = stepNumber === 0 || !withTools ? undefined : await input.refreshSystem?.();
      return {
        messages: history.length === 0 ? messages : [...history, ...messages],
        ...(withTools && input.responder.mustAnswer(steps.map(view), stepNumber)
          ? { toolChoice: "none" as const }
          : {}),
        ...(system === undefined ? {} : { system }),
      };
    },
    ...(withTools ? { tools: input.tools, stopWhen: aiSdk().stepCountIs(input.responder.maxSteps) } : {}),
  };
  return streaming ? stream(input, settings) : generate(input, settings);
}

/**
 * The model, held to tool choice `none`: a call that must answer gets no tool calls back, even from a
 * server that ignores tool_choice (Ollama does), for which the SDK would fail the whole turn. What
 * the model wrote is its answer; the tools it tried to call in that call are not run.
 */
function answersWhenTold(model: LanguageModel): LanguageModel {
  if (typeof model === "string" || model.specificationVersion !== "v3") return model;
  const isCall = (part: LanguageModelV3Content | LanguageModelV3StreamPart) =>
    part.type === "tool-call" || part.type.startsWith("tool-input-");
  const answered = <R extends { unified: string; raw: string | undefined }>(reason: R): R =>
    reason.unified === "tool-calls" ? { ...reason, unified: "stop" } : reason;
  return aiSdk().wrapLanguageModel({
    model,
    middleware: {
      specificationVersion: "v3",
      wrapGenerate: async ({ doGenerate, params }) => {
        const result = await doGenerate();
        if (params.toolChoice?.type !== "none" || !result.content.some(isCall)) return result;
        return {
          ...result,
          content: result.content.filter((part) => !isCall(part)),
          finishReason: answered(result.finishReason),
        };
      },
      wrapStream: async ({ doStream, params }) => {
        const result = await doStream();
        if (params.toolChoice?.type !== "none") return result;
        const stream = result.stream.pipeThrough(
          new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
            transform(part, controller) {
              if (isCall(part)) return;
              controller.enqueue(
                part.type === "finish" ? { ...part, finishReason: answered(part.finishReason) } : part,
              );
            },
          }),
        );
        return { ...result, stream };
      },
    },
  });
}

async function generate(
  input: ModelCallInput,
  settings: Parameters<typeof generateText>[0],
): Promise<StepRecord[]> {
  const finishedAt: string[] = [];
  const result = await aiSdk().generateText({
    ...settings,
    onStepFinish: () => void finishedAt.push(input.now()),
  });
  return result.steps.map((step, index) => {
    const record = fromContent(step.content, step, finishedAt[index] ?? input.now());
    report(input, index, record);
    return record;
  });
}

async function stream(
  input: ModelCallInput,
  settings: Parameters<typeof streamText>[0],
): Promise<StepRecord[]> {
  const result = aiSdk().streamText({ ...settings, onError: () => {} });
  const steps: StepRecord[] = [];
  let current = emptyStep();
  for await (const part of result.fullStream) {
    const step = steps.length;
    switch (part.type) {
      case "start-step":
        current = emptyStep();
        break;
      case "text-delta":
        current.text += part.text;
        input.emit({ type: "text-delta", step, text: part.text });
        break;
      case "tool-call": {
        const call = toolCallOf(part);
        current.toolCalls.push(call);
        input.emit({ type: "tool-call", step, ...call });
        break;
      }
      case "tool-result":
      case "tool-error": {
        const result = toolResultOf(part);
        current.toolResults.push(result);
        input.emit({ type: "tool-result", step, ...result });
        break;
      }
      case "finish-step":
        if (endedUnsaid(part)) throw new StreamFailure(new Error(INCOMPLETE));
        current.usage = usageOf(part.usage);
        current.finishReason = part.finishReason;
        current.finishedAt = input.now();
        steps.push(current);
        input.emit({ type: "step-finish", step, finishReason: part.finishReason, usage: current.usage });
        break;
      case "error":
        throw new StreamFailure(part.error);
      case "abort":
        throw new StreamFailure(input.abortSignal.reason ?? new Error("aborted"));
      default:
        break;
    }
  }
  return steps;
}

const INCOMPLETE = "it ended without a finish reason, so the answer is incomplete";

/**
 * Whether a streamed step ended without the provider saying why. A stream that closes cleanly but
 * early (a proxy or connection cut before OpenAI's `finish_reason` chunk or Anthropic's
 * `message_delta`) reaches the AI SDK as finish reason `other` with no raw reason; what it sent is
 * then only part of the answer and must not be stored as the answer.
 */
function endedUnsaid(part: { finishReason: string; rawFinishReason: string | undefined }): boolean {
  return part.finishReason === "other" && part.rawFinishReason === undefined;
}

function emptyStep(): StepRecord {
  return {
    text: "",
    toolCalls: [],
    toolResults: [],
    usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    finishReason: "unknown",
    finishedAt: "",
  };
}

function fromContent(
  content: readonly ContentPart<Record<string, Tool>>[],
  step: { usage: Parameters<typeof usageOf>[0]; finishReason: string },
  finishedAt: string,
): StepRecord {
  const record = emptyStep();
  for (const part of content) {
    if (part.type === "text") record.text += part.text;
    else if (part.type === "tool-call") record.toolCalls.push(toolCallOf(part));
    else if (part.type === "tool-result" || part.type === "tool-error")
      record.toolResults.push(toolResultOf(part));
  }
  record.usage = usageOf(step.usage);
  record.finishReason = step.finishReason;
  record.finishedAt = finishedAt;
  return record;
}

/** The blocking path reports each step's events once it is done (the stream reports them live). */
function report(input: ModelCallInput, step: number, record: StepRecord): void {
  if (record.text !== "") input.emit({ type: "text-delta", step, text: record.text });
  for (const call of record.toolCalls) input.emit({ type: "tool-call", step, ...call });
  for (const result of record.toolResults) input.emit({ type: "tool-result", step, ...result });
  input.emit({ type: "step-finish", step, finishReason: record.finishReason, usage: record.usage });
}

function toolCallOf(part: { toolCallId: string; toolName: string; input: unknown; invalid?: boolean }) {
  return {
    toolCallId: part.toolCallId,
    toolName: part.toolName,
    input: part.input,
    invalid: part.invalid === true,
  };
}

function toolResultOf(
  part:
    | { type: "tool-result"; toolCallId: string; toolName: string; output: unknown }
    | { type: "tool-error"; toolCallId: string; toolName: string; error: unknown },
) {
  return part.type === "tool-result"
    ? { toolCallId: part.toolCallId, toolName: part.toolName, output: part.output, isError: false }
    : {
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        output: outputText(part.error instanceof Error ? part.error.message : part.error),
        isError: true,
      };
}

function view(step: StepResult<Record<string, Tool>>): StepView {
  return { toolCalls: step.toolCalls.map((c) => ({ toolName: c.toolName, input: c.input })) };
}
