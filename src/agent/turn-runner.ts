import type { LanguageModel, Tool } from "ai";
import type { z } from "zod";
import { untilAborted } from "../core/abort.ts";
import { EngramError, toEngramError } from "../core/errors.ts";
import type { GroupStep } from "../core/group-types.ts";
import { wellFormedPrefix } from "../core/input-limits.ts";
import type { Agent, Message } from "../core/types.ts";
import type { ImageInput } from "../images/content-parts.ts";
import type { ImageRecord } from "../images/image-record.ts";
import { imageMetadata } from "../images/image-record.ts";
import { nowIso } from "../memory/context.ts";
import type { MessageInput } from "../memory/messages/message-service.ts";
import type { RuntimeServices } from "./agent-runtime.ts";
import { pendingToolCalls } from "./client-tools.ts";
import type { CompiledTurn, CompilerServices } from "./context-compiler.ts";
import { renderBlocks } from "./context-render.ts";
import type { MessageOrigin } from "./messaging/message-chain.ts";
import { runModel, StreamFailure } from "./model-call.ts";
import { type AbortState, modelFailure } from "./model-errors.ts";
import type { Responder } from "./responders/responder.ts";
import type { RuntimeSettings } from "./runtime-config.ts";
import { summarise } from "./summariser.ts";
import { MESSAGE_OVERHEAD_TOKENS } from "./tokenizer.ts";
import { turnContextRecord } from "./turn-context-record.ts";
import {
  addUsage,
  type MemoryEdit,
  type TurnEvent,
  type TurnResult,
  type TurnUsage,
  ZERO_USAGE,
} from "./turn-events.ts";
import { storeImages } from "./turn-images.ts";
import type { turnInput } from "./turn-input.ts";
import { answerOf, countedText, isToolResult, stepMessages, summaryInfo } from "./turn-messages.ts";

/** Everything one turn needs, decided before it runs. */
export interface TurnPlan {
  turnId: string;
  agent: Agent;
  /** The input, its content the message's text (the images are in `images`). */
  input: Omit<z.output<typeof turnInput>, "content"> & { content: string };
  /** The new message's images, checked; stored when the turn runs. */
  images: ImageInput[];
  /** What the message's metadata says of its images, once stored (and captioned). */
  imageRecord: ImageRecord | null;
  settings: RuntimeSettings;
  responder: Responder;
  model: LanguageModel;
  modelName: string;
  streaming: boolean;
  emit(event: TurnEvent): void;
  abortSignal: AbortSignal | undefined;
  startedAt: string;
  edits: MemoryEdit[];
  /** Tools called so far, for the record of a turn that fails. */
  toolCalls: { toolCallId: string; toolName: string }[];
  tools: Record<string, Tool>;
  compiled: CompiledTurn | undefined;
  /** Names of the caller's own tools: a call of one ends the turn, left for the caller to run. */
  clientTools: ReadonlySet<string>;
  /** In a continuation after client tool calls, the tool results it stored; else null. */
  resumed: Message[] | null;
  /** Set when the message comes from another agent (its messaging tools): recorded as `metadata.from`. */
  origin: MessageOrigin | null;
  /** Set when the turn answers a group's message: recorded as `metadata.group`. */
  group: GroupStep | null;
}

export interface RunnerServices extends RuntimeServices {
  compile(plan: TurnPlan): Promise<CompiledTurn>;
  compilerServices: CompilerServices;
}

/**
 * Runs a prepared turn: summarises older messages if they overflow the context, calls the model
 * through the responder, then appends the user's message, the tool calls and results and the answer
 * in one transaction. A turn that fails appends the user's message and an error record instead
 * (role `system`, `metadata.error`), never a partial answer; block commits and memories its tools
 * already made stay, and the record lists them.
 */
export async function runTurn(s: RunnerServices, plan: TurnPlan): Promise<TurnResult> {
  const abort: AbortState = {
    timedOut: false,
    timeoutMs: plan.settings.timeoutMs,
    aborted: false,
    runningTools: new Map(),
    waitingOn: [],
  };
  const controller = new AbortController();
  const timer = setTimeout(() => {
    abort.timedOut = true;
    abort.waitingOn = [...new Set(abort.runningTools.values())];
    controller.abort(new Error(`timed out after ${plan.settings.timeoutMs} ms`));
  }, plan.settings.timeoutMs);
  const onCallerAbort = () => {
    abort.aborted = true;
    controller.abort(plan.abortSignal?.reason);
  };
  if (plan.abortSignal?.aborted) onCallerAbort();
  else plan.abortSignal?.addEventListener("abort", onCallerAbort, { once: true });
  let partialText = "";
  const emit = (event: TurnEvent) => {
    if (event.type === "text-delta") partialText += event.text;
    plan.emit(event);
  };
  let usage = ZERO_USAGE;
  /** Model calls fail as `unavailable` with a reason; anything else is engram's own error. */
  const viaModel = async <T>(streaming: boolean, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      const stream = error instanceof StreamFailure;
      throw modelFailure(stream ? error.cause : error, plan.modelName, abort, streaming || stream);
    }
  };
  let summaryMessageId: string | null = null;
  try {
    emit({
      type: "start",
      turnId: plan.turnId,
      agentId: plan.agent.id,
      model: plan.modelName,
      responder: plan.responder.name,
    });
    if (plan.images.length > 0) plan.imageRecord = await storeImages(s, plan, controller.signal);
    let compiled = plan.compiled as CompiledTurn;
    if (compiled.overflow.length > 0) {
      const summary = await writeSummary(s, plan, compiled, (fn) => viaModel(false, fn), controller.signal);
      usage = addUsage(usage, summary.usage);
      summaryMessageId = summary.message.id;
      emit({ type: "summary", messageId: summary.message.id, covered: summary.covered });
      compiled = await s.compile(plan);
    }
    const steps = await viaModel(plan.streaming, async () => {
      const steps = await runModel(
        {
          model: plan.model,
          system: compiled.context.system,
          messages: compiled.context.messages,
          tools: track(compiled.context.sections.tools.names.length > 0 ? plan.tools : {}, plan, abort),
          responder: plan.responder,
          abortSignal: controller.signal,
          maxOutputTokens: plan.settings.reserveOutputTokens,
          emit,
          now: () => nowIso(s.ctx),
          refreshSystem: refresher(s, plan, compiled),
        },
        plan.streaming,
      );
      // A turn timed out or cancelled while a tool ran does not end as if it had answered.
      controller.signal.throwIfAborted();
      return steps;
    });
    for (const step of steps) usage = addUsage(usage, step.usage);
    const pending = pendingToolCalls(steps, plan.clientTools);
    const answer = pending.length > 0 ? (steps.at(-1)?.text.trim() ?? "") : answerOf(steps);
    if (answer === "" && pending.length === 0)
      throw new EngramError("unavailable", `model ${plan.modelName} gave no answer after its tool calls`, {
        details: { reason: "empty_answer" },
      });
    const written = await s.messages.appendMany(plan.agent.id, [
      ...(plan.resumed === null ? [userMessage(plan, compiled)] : []),
      ...stepMessages(steps, {
        turnId: plan.turnId,
        userId: plan.input.userId,
        sessionId: plan.input.sessionId,
        model: plan.modelName,
      }),
    ]);
    for (const message of written) emit({ type: "message", message });
    const messages = [...(plan.resumed ?? []), ...written];
    const waiting = pending.length === 0 ? {} : { pendingToolCalls: pending };
    const result: TurnResult = {
      turnId: plan.turnId,
      agentId: plan.agent.id,
      answer,
      messages,
      usage,
      edits: plan.edits,
      steps: steps.length,
      summaryMessageId,
      ...waiting,
    };
    emit({
      type: "done",
      turnId: plan.turnId,
      answer,
      messageIds: messages.map((m) => m.id),
      usage,
      edits: plan.edits,
      ...waiting,
    });
    return result;
  } catch (thrown) {
    const failure = toEngramError(thrown);
    const messageIds = await recordFailure(s, plan, failure, partialText).catch(() => []);
    const error = new EngramError(failure.code, failure.message, {
      cause: failure,
      details: { ...failure.details, turnId: plan.turnId, messageIds, edits: plan.edits },
    });
    emit({ type: "error", turnId: plan.turnId, error: failure.toJSON(), messageIds });
    throw error;
  } finally {
    clearTimeout(timer);
    plan.abortSignal?.removeEventListener("abort", onCallerAbort);
  }
}

/**
 * After a tool edits a block, the next model call sees the block as it now is (Letta's behaviour):
 * the blocks section of the system prompt is rendered again and swapped in.
 */
function refresher(s: RunnerServices, plan: TurnPlan, compiled: CompiledTurn) {
  let system = compiled.context.system;
  let blocksText = compiled.blocksText;
  let seen = 0;
  return async (): Promise<string | undefined> => {
    const edited = plan.edits.slice(seen).some((e) => e.target === "block");
    seen = plan.edits.length;
    if (!edited) return seen === 0 ? undefined : system;
    const { blocks } = await s.blocks.list(plan.agent.id);
    const fresh = renderBlocks(blocks, compiled.context.sections.tools.names);
    system = system.replace(blocksText, () => fresh);
    blocksText = fresh;
    return system;
  };
}

function userMessage(plan: TurnPlan, compiled?: CompiledTurn): MessageInput {
  const context = compiled === undefined ? {} : { context: turnContextRecord(compiled.context) };
  return {
    role: "user",
    content: plan.input.content,
    name: plan.input.name,
    userId: plan.input.userId,
    sessionId: plan.input.sessionId,
    createdAt: plan.startedAt,
    metadata: {
      turnId: plan.turnId,
      ...(plan.origin === null ? {} : { from: { ...plan.origin } }),
      ...(plan.group === null ? {} : { group: { ...plan.group } }),
      ...context,
      ...imageMetadata(plan.imageRecord),
    },
  };
}

/** Appends the user's message and the error record; returns their ids. */
async function recordFailure(
  s: RunnerServices,
  plan: TurnPlan,
  failure: EngramError,
  partialText: string,
): Promise<string[]> {
  const error = toEngramError(failure).toJSON();
  const written = await s.messages.appendMany(plan.agent.id, [
    ...(plan.resumed === null ? [userMessage(plan, plan.compiled)] : []),
    {
      role: "system",
      content: wellFormedPrefix(`The turn failed: ${failure.message}`, 10_000),
      userId: plan.input.userId,
      sessionId: plan.input.sessionId,
      metadata: {
        turnId: plan.turnId,
        error,
        edits: plan.edits,
        toolCalls: plan.toolCalls,
        ...(partialText === "" ? {} : { partialText: wellFormedPrefix(partialText, 10_000) }),
      },
    },
  ]);
  return written.map((m: Message) => m.id);
}

/**
 * Records each tool call as it starts, so a turn that fails can say what ran, and keeps the calls
 * still running in `abort`, so a time-out can say what it waited on.
 */
function track(tools: Record<string, Tool>, plan: TurnPlan, abort: AbortState): Record<string, Tool> {
  const out: Record<string, Tool> = {};
  for (const [name, tool] of Object.entries(tools)) {
    const execute = tool.execute;
    if (execute === undefined) {
      out[name] = tool;
      continue;
    }
    out[name] = {
      ...tool,
      execute: (input: unknown, options: Parameters<typeof execute>[1]) => {
        plan.toolCalls.push({ toolCallId: options.toolCallId, toolName: name });
        const output = execute(input, options);
        if (!isPromiseLike(output)) return output;
        // A tool that ignores its abortSignal cannot hold the turn, and the conversation queued
        // behind it, past the turn's time-out or cancellation.
        const result = untilAborted(output, options.abortSignal);
        abort.runningTools.set(options.toolCallId, name);
        const done = () => {
          abort.runningTools.delete(options.toolCallId);
        };
        result.then(done, done);
        return result;
      },
    } as Tool;
  }
  return out;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

/**
 * Summarises the overflowing messages, and the oldest of the window until it holds at most half the
 * message budget and half the message cap (so a summary is not needed again next turn), into a new
 * summary message.
 */
async function writeSummary(
  s: RunnerServices,
  plan: TurnPlan,
  compiled: CompiledTurn,
  viaModel: <T>(call: () => Promise<T>) => Promise<T>,
  signal: AbortSignal,
): Promise<{ message: Message; usage: TurnUsage; covered: number }> {
  const tokens = (m: Message) => s.counter.countById(m.id, () => countedText(m)) + MESSAGE_OVERHEAD_TOKENS;
  const evicted = [...compiled.overflow];
  const keep = [...compiled.window];
  let kept = keep.reduce((sum, m) => sum + tokens(m), 0);
  const target = Math.floor(compiled.messageBudget / 2);
  const most = Math.floor(plan.settings.maxRecentMessages / 2);
  while (keep.length > 0 && (kept > target || keep.length > most || isToolResult(keep[0] as Message))) {
    const oldest = keep.shift() as Message;
    evicted.push(oldest);
    kept -= tokens(oldest);
  }
  const previous = compiled.summary;
  const previousInfo = previous === null ? null : summaryInfo(previous);
  const { text, usage } = await viaModel(() =>
    summarise({
      model: plan.model,
      previous: previous?.content ?? null,
      messages: evicted,
      counter: s.counter,
      maxTokens: compiled.summaryBudget,
      chunkTokens: Math.max(512, Math.floor(compiled.context.budget.available / 2)),
      abortSignal: signal,
    }),
  );
  const covered = (previousInfo?.covered ?? 0) + evicted.length;
  const [message] = await s.messages.appendMany(plan.agent.id, [
    {
      role: "system",
      content: wellFormedPrefix(text, 100_000),
      userId: plan.input.userId,
      metadata: {
        summary: {
          scope: plan.input.userId ?? null,
          throughMessageId: (evicted.at(-1) as Message).id,
          covered,
          previousSummaryId: previous?.id ?? null,
        },
        turnId: plan.turnId,
        model: plan.modelName,
        usage,
      },
    },
  ]);
  return { message: message as Message, usage, covered };
}
