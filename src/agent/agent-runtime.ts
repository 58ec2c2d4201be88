import type { LanguageModel } from "ai";
import { followingController } from "../core/abort.ts";
import { InvalidInputError } from "../core/errors.ts";
import type { GroupStep } from "../core/group-types.ts";
import type { Agent, Job } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import type { ExperienceService } from "../experience/experience-service.ts";
import { splitContent } from "../images/content-parts.ts";
import type { InsightService } from "../insights/insight-service.ts";
import type { McpConnectionPool } from "../mcp-tools/mcp-connection-pool.ts";
import { listMcpTools, type McpServerStatus, mcpToolSet } from "../mcp-tools/mcp-tool-set.ts";
import type { BlockService } from "../memory/blocks/block-service.ts";
import { type EngineContext, nowIso, requireAgent } from "../memory/context.ts";
import type { MemoryService } from "../memory/memories/memory-service.ts";
import type { MessageService } from "../memory/messages/message-service.ts";
import { modelForAgent, modelNameForAgent } from "../models/language-model.ts";
import type { SearchInput } from "../retrieval/search-schema.ts";
import type { SearchResponse } from "../retrieval/search-service.ts";
import { type ClientTool, type ClientToolResult, clientToolSet, toolResultMessages } from "./client-tools.ts";
import { type CompiledContext, compileContext } from "./context-compiler.ts";
import type { ConversationCache } from "./conversation-cache.ts";
import { EventChannel } from "./event-channel.ts";
import { BLOCK_TOOL_NAMES, MEMORY_TOOL_NAMES, memoryTools } from "./memory-tools.ts";
import type { BackgroundTurns } from "./messaging/background-turns.ts";
import { type DeliveryServices, runDelivery, sendLater } from "./messaging/delivery.ts";
import type { EarlierMessages } from "./messaging/earlier-messages.ts";
import { findProjectAgent } from "./messaging/find-agent.ts";
import type { MessageOrigin } from "./messaging/message-chain.ts";
import {
  type AgentMessage,
  MESSAGING_TOOL_NAMES,
  type MessagingServices,
  messagingTools,
} from "./messaging/messaging-tools.ts";
import type { ResponderName } from "./responder-names.ts";
import { reactiveResponder } from "./responders/reactive.ts";
import type { Responder, StepView } from "./responders/responder.ts";
import { simpleResponder } from "./responders/simple.ts";
import { withRetries } from "./retry.ts";
import {
  RETRY_DEFAULTS,
  type RuntimeOptions,
  type RuntimeSettings,
  resolveSettings,
} from "./runtime-config.ts";
import type { TokenCounter } from "./tokenizer.ts";
import type { AgentTool, ToolRegistry } from "./tool-registry.ts";
import type { TurnEvent, TurnResult } from "./turn-events.ts";
import { type ContextInput, contextInput, type TurnInput, turnInput } from "./turn-input.ts";
import { type HeldConversation, holdConversation } from "./turn-lease.ts";
import { runTurn, type TurnPlan } from "./turn-runner.ts";

/** Per-call options of `send` and `stream` that JSON cannot carry. */
export interface TurnOptions {
  /** Use this model for the turn: a model object or `provider:model`. */
  model?: LanguageModel | string;
  /** Cancels the turn; it is then recorded as failed (`cancelled`). */
  abortSignal?: AbortSignal;
  /** For the reactive responder: once this holds, the next model call must answer. */
  stopWhen?: (steps: readonly StepView[]) => boolean;
  /** Told every event as it happens (`send` only; `stream` yields them). */
  onEvent?: (event: TurnEvent) => void;
  /**
   * Tools the caller runs itself (by name), offered to the model beside the agent's own. A turn whose
   * model calls one ends there, with the call in `pendingToolCalls` (see ClientTool).
   */
  clientTools?: Record<string, ClientTool>;
  /**
   * Continues the conversation after a turn that ended on client tool calls: these results are
   * stored as tool messages and the model answers from them. The input's `content` is then only what
   * memories are retrieved for; no new user message is stored.
   */
  toolResults?: readonly ClientToolResult[];
  /**
   * Offers the agent-messaging tools in this turn whatever the agent's `messaging` setting, and lets
   * them reach only these agents of its project, each answering with its `responder` when one is
   * given: how a group's supervisor routes work.
   */
  messageTargets?: readonly MessageTarget[];
  /** The group message, and its step, the turn answers: recorded in the user's message as `metadata.group`. */
  group?: GroupStep;
  /**
   * What the earlier attempts of a retried group message sent to other agents: the turn's messaging
   * tools take these results instead of sending the same messages again.
   */
  earlierMessages?: EarlierMessages;
}

/** An agent a turn may message (see `TurnOptions.messageTargets`). */
export interface MessageTarget {
  id: string;
  name: string;
  /** The responder its turns answer with; absent: its own setting. */
  responder?: ResponderName | undefined;
}

/** A streamed turn: its events, ending with `done` or `error`. */
export interface TurnStream extends AsyncIterable<TurnEvent> {
  readonly turnId: string;
  /** Cancels the turn: it is recorded as failed, and the stream ends with an `error` event. */
  cancel(): void;
}

export interface RuntimeServices {
  ctx: EngineContext;
  blocks: BlockService;
  memories: MemoryService;
  messages: MessageService;
  insights: InsightService;
  /** The experience memory, whose advice for similar messages goes into contexts. */
  experience(): ExperienceService;
  search(agentId: string, input: SearchInput): Promise<SearchResponse>;
  tools: ToolRegistry;
  counter: TokenCounter;
  cache: ConversationCache;
  options: RuntimeOptions;
  mcpPool: McpConnectionPool;
  /** Turns started by `send_message_to_agent`, which the engine waits for when it closes. */
  background: BackgroundTurns;
  /** The job queue's settings, for the deliveries of messages sent with `send_message_to_agent`. */
  queue: { maxAttempts: number; retryDelayMs: number };
}

/** A tool an agent's model is offered, as `tools list` shows it. */
export interface AgentToolInfo {
  name: string;
  /** `memory`: built in; `app`: added with `addTool`; `mcp`: from one of the agent's MCP servers. */
  source: "memory" | "app" | "mcp";
  description: string;
  /** For an MCP tool: its server, and the server's own name for it. */
  server?: string;
  tool?: string;
}

/**
 * The agent runtime: runs turns (a message in; the model answers with the agent's memory in context
 * and may edit that memory with tools; everything is persisted), and shows the compiled context.
 *
 * @example
 * const result = await engram.runtime.send(agent.id, { content: "I moved to Lisbon", userId: "ada" });
 * for await (const event of await engram.runtime.stream(agent.id, { content: "Where do I live?" })) {
 *   if (event.type === "text-delta") process.stdout.write(event.text);
 * }
 */
export class AgentRuntime {
  readonly #s: RuntimeServices;

  constructor(services: RuntimeServices) {
    this.#s = services;
  }

  /** Runs a turn and resolves when its messages are persisted. @throws EngramError if it fails. */
  async send(agentId: string, input: TurnInput, options: TurnOptions = {}): Promise<TurnResult> {
    const { result } = await this.#begin(agentId, input, options, options.onEvent ?? (() => {}), false);
    return result;
  }

  /** Resolves once the turns that agents' `send_message_to_agent` calls started have ended. */
  settled(): Promise<void> {
    return this.#s.background.settled();
  }

  /**
   * Runs one claimed attempt of a `deliver` job (a message sent with `send_message_to_agent`): how
   * the job runner finishes a delivery that a crashed process left unanswered. See
   * docs/agent-runtime.md.
   */
  runDelivery(job: Job): Promise<Job> {
    return runDelivery(this.#deliveries(), job);
  }

  /**
   * Starts a turn and returns its events as they happen. Bad input, an unknown agent or no model
   * are thrown here, before anything is written; later failures end the stream with an `error` event.
   * Stopping the iteration early cancels the turn.
   */
  async stream(agentId: string, input: TurnInput, options: TurnOptions = {}): Promise<TurnStream> {
    const controller = followingController(options.abortSignal);
    const channel = new EventChannel<TurnEvent>(() => controller.abort(new Error("the reader stopped")));
    const { turnId, result } = await this.#begin(
      agentId,
      input,
      { ...options, abortSignal: controller.signal },
      (event) => channel.push(event),
      true,
    );
    result.then(
      () => channel.close(),
      () => channel.close(),
    );
    return Object.assign(channel, { turnId });
  }

  /** The context a message would be answered with, section by section with token counts. */
  async context(agentId: string, input: ContextInput = {}, options: { model?: LanguageModel | string } = {}) {
    const parsed = parseInput(contextInput, input, "context request");
    const agent = await requireAgent(this.#s.ctx, agentId);
    const modelName = this.#modelName(agent, options.model);
    const settings = resolveSettings(this.#s.options, agent, settingsOf(parsed), modelName);
    const responder = responderFor(settings, undefined);
    const tools = await this.#tools(
      agent,
      {
        userId: parsed.userId,
        sessionId: undefined,
        turnId: "trn_inspect",
        settings,
        origin: null,
        earlier: null,
      },
      () => {},
    );
    const { context } = await compileContext(this.#compilerServices(), {
      agent,
      settings,
      model: modelName,
      guidance: responder.guidance,
      responder: responder.name,
      tools: responder.maxSteps > 1 ? tools : {},
      pending: null,
      query: parsed.query ?? null,
      userId: parsed.userId,
      collectOverflow: false,
    });
    return context satisfies CompiledContext;
  }

  /** Gives an agent a tool of its own (replacing one of the same name). Held in this process only. */
  async addTool(agentId: string, name: string, definition: AgentTool): Promise<void> {
    const agent = await requireAgent(this.#s.ctx, agentId);
    this.#s.tools.add(agent.id, name, definition);
  }

  async removeTool(agentId: string, name: string): Promise<boolean> {
    const agent = await requireAgent(this.#s.ctx, agentId);
    return this.#s.tools.remove(agent.id, name);
  }

  /**
   * The names of the tools the agent's model is offered: the memory tools, the messaging tools when
   * its `messaging` setting is on, then its own.
   */
  async toolNames(agentId: string): Promise<string[]> {
    const agent = await requireAgent(this.#s.ctx, agentId);
    const settings = resolveSettings(this.#s.options, agent, {}, null);
    const messaging = settings.messaging ? MESSAGING_TOOL_NAMES : [];
    return [...MEMORY_TOOL_NAMES, ...messaging, ...this.#s.tools.names(agent.id)];
  }

  /**
   * Every tool the agent's model is offered (built in, added in this process, from its MCP servers),
   * and how each MCP server fared: listing starts the servers that are not running.
   */
  async listTools(agentId: string): Promise<{ items: AgentToolInfo[]; servers: McpServerStatus[] }> {
    const agent = await requireAgent(this.#s.ctx, agentId);
    const own = memoryTools(this.#s, {
      agentId: agent.id,
      userId: undefined,
      turnId: "trn_list",
      onEdit: () => {},
    });
    const items: AgentToolInfo[] = [
      ...Object.entries(own).map(([name, t]) => ({
        name,
        source: "memory" as const,
        description: t.description ?? "",
      })),
      ...this.#s.tools
        .definitions(agent.id)
        .map(([name, t]) => ({ name, source: "app" as const, description: t.description })),
    ];
    const mcp = await listMcpTools(await this.#s.ctx.store.mcpServers.list(agent.id), {
      pool: this.#s.mcpPool,
      policy: this.#s.ctx.mcpPolicy,
      taken: new Set(items.map((i) => i.name)),
    });
    for (const t of mcp.tools)
      items.push({ name: t.name, source: "mcp", description: t.description, server: t.server, tool: t.tool });
    return { items, servers: mcp.servers };
  }

  async #begin(
    agentId: string,
    input: TurnInput,
    options: TurnOptions,
    emit: (event: TurnEvent) => void,
    streaming: boolean,
    origin: MessageOrigin | null = null,
  ): Promise<{ turnId: string; result: Promise<TurnResult> }> {
    const { content, ...fields } = parseInput(turnInput, input, "message");
    // Images are decoded and checked here, before anything is written.
    const split = splitContent(content, "content");
    if (split.text.trim() === "" && split.images.length === 0)
      throw new InvalidInputError("invalid message: content: must not be empty");
    const parsed = { ...fields, content: split.text.trim() === "" ? "[image]" : split.text };
    // Calls for one conversation join its turn queue in the order they were made, whatever order
    // their look-ups finish in (on PostgreSQL they run on different connections). The agent is
    // named as given: calls naming it differently (name and id) are ordered only by the turn queue.
    const queued = await this.#s.ctx.writeLock.run(`arrival:${agentId}:${parsed.userId ?? ""}`, async () => {
      const agent = await requireAgent(this.#s.ctx, agentId);
      const baseModel = modelForAgent(this.#s.ctx, agent, options.model);
      const modelName = this.#modelName(agent, options.model) ?? "model";
      const settings = resolveSettings(this.#s.options, agent, settingsOf(parsed), modelName);
      const responder = responderFor(settings, options.stopWhen);
      const retry = { ...RETRY_DEFAULTS, ...this.#s.options.retry };
      const turnId = this.#s.ctx.generateId("turn");
      let ready: (value: TurnPlan | Error) => void = () => {};
      const prepared = new Promise<TurnPlan | Error>((resolve) => {
        ready = resolve;
      });
      // One turn at a time per conversation in this process, so each sees the one before it.
      const result = this.#s.ctx.writeLock.run(`turn:${agent.id}:${parsed.userId ?? ""}`, async () => {
        const plan: TurnPlan = {
          turnId,
          agent,
          input: parsed,
          images: options.toolResults === undefined ? split.images : [],
          imageRecord: null,
          settings,
          responder,
          model: withRetries(baseModel, retry),
          modelName,
          streaming,
          emit,
          abortSignal: options.abortSignal,
          startedAt: nowIso(this.#s.ctx),
          edits: [],
          toolCalls: [],
          tools: {},
          compiled: undefined,
          clientTools: new Set(Object.keys(options.clientTools ?? {})),
          resumed: null,
          origin,
          group: options.group ?? null,
        };
        try {
          plan.tools = await this.#tools(
            agent,
            {
              userId: parsed.userId,
              sessionId: parsed.sessionId,
              turnId,
              settings,
              origin,
              earlier: options.earlierMessages ?? null,
            },
            (edit) => {
              plan.edits.push(edit);
              emit({ type: "memory-edit", ...edit });
            },
            options.messageTargets,
          );
          if (options.clientTools !== undefined)
            Object.assign(plan.tools, clientToolSet(options.clientTools, Object.keys(plan.tools)));
        } catch (error) {
          ready(error instanceof Error ? error : new Error(String(error)));
          return null;
        }
        let held: HeldConversation;
        try {
          // And one at a time across engines: other server processes, on any machine, and the CLI.
          held = await holdConversation(this.#s.ctx.store, {
            agentId: agent.id,
            conversation: parsed.userId ?? "",
            holder: turnId,
            owner: this.#s.ctx.instanceId,
            waitMs: settings.timeoutMs,
            nowMs: () => this.#s.ctx.now(),
            signal: options.abortSignal,
          });
          // A turn whose lease was taken over (this engine stalled past it) stops like a cancelled one.
          plan.abortSignal =
            options.abortSignal === undefined ? held.lost : AbortSignal.any([options.abortSignal, held.lost]);
        } catch (error) {
          ready(error instanceof Error ? error : new Error(String(error)));
          return null;
        }
        try {
          try {
            if (options.toolResults !== undefined)
              plan.resumed = await this.#resume(plan, options.toolResults);
            plan.compiled = await this.#compile(plan);
          } catch (error) {
            ready(error instanceof Error ? error : new Error(String(error)));
            return null;
          }
          ready(plan);
          return await runTurn(
            {
              ...this.#s,
              compile: (p) => this.#compile(p),
              compilerServices: this.#compilerServices(),
            },
            plan,
          );
        } finally {
          // A lease that cannot be released lapses once it is no longer renewed.
          await held.release().catch(() => {});
        }
      });
      return { turnId, prepared, result };
    });
    const outcome = await queued.prepared;
    if (outcome instanceof Error) throw outcome;
    return { turnId: queued.turnId, result: queued.result as Promise<TurnResult> };
  }

  #compile(plan: TurnPlan) {
    return compileContext(this.#compilerServices(), {
      agent: plan.agent,
      settings: plan.settings,
      model: plan.modelName,
      guidance: plan.responder.guidance,
      responder: plan.responder.name,
      tools: plan.responder.maxSteps > 1 ? plan.tools : {},
      // A continuation answers the stored tool results: there is no new message.
      pending:
        plan.resumed === null
          ? { content: plan.input.content, name: plan.input.name, images: plan.images }
          : null,
      query: plan.input.content,
      userId: plan.input.userId,
      collectOverflow: true,
    });
  }

  /** Stores the caller's results of the pending client tool calls, once each is checked. */
  async #resume(plan: TurnPlan, results: readonly ClientToolResult[]) {
    const inputs = await toolResultMessages(
      this.#s.messages,
      {
        agentId: plan.agent.id,
        userId: plan.input.userId,
        sessionId: plan.input.sessionId,
        turnId: plan.turnId,
      },
      results,
      plan.startedAt,
    );
    return this.#s.messages.appendMany(plan.agent.id, inputs);
  }

  #compilerServices() {
    return {
      store: this.#s.ctx.store,
      blocks: this.#s.blocks,
      insights: this.#s.insights,
      search: this.#s.search,
      counter: this.#s.counter,
      cache: this.#s.cache,
      nowIso: () => nowIso(this.#s.ctx),
      similarExperience: (agentId: string, query: Parameters<ExperienceService["similarObservations"]>[1]) =>
        this.#s.experience().similarObservations(agentId, query),
    };
  }

  async #tools(
    agent: Agent,
    turn: ToolTurn,
    onEdit: Parameters<typeof memoryTools>[1]["onEdit"],
    messageTargets?: TurnOptions["messageTargets"],
  ) {
    const { userId, turnId } = turn;
    const memory = memoryTools(this.#s, { agentId: agent.id, userId, turnId, onEdit });
    if (await this.#oneOfMany(agent, turn)) for (const name of BLOCK_TOOL_NAMES) delete memory[name];
    const own = {
      ...memory,
      ...this.#messagingTools(agent, turn, messageTargets),
      ...this.#s.tools.toolSet(agent.id, { agentId: agent.id, userId, turnId }),
    };
    const mcp = await mcpToolSet(await this.#s.ctx.store.mcpServers.list(agent.id), {
      pool: this.#s.mcpPool,
      policy: this.#s.ctx.mcpPolicy,
      taken: new Set(Object.keys(own)),
    });
    return { ...own, ...mcp };
  }

  /**
   * Whether the turn's end user is one of several (its `endUsers` setting, or with `auto` the log),
   * so that the blocks, in every user's prompt, are not this turn's to edit.
   */
  async #oneOfMany(agent: Agent, turn: ToolTurn): Promise<boolean> {
    const { userId, settings } = turn;
    if (userId === undefined || settings.endUsers === "one") return false;
    return settings.endUsers === "many" || this.#s.ctx.store.messages.otherUserExists(agent.id, userId);
  }

  /** The messaging tools, when the agent's setting or the call (a group) turns them on. */
  #messagingTools(agent: Agent, turn: ToolTurn, messageTargets: TurnOptions["messageTargets"]) {
    if (!turn.settings.messaging && messageTargets === undefined) return {};
    const responderOf = (target: Agent) => messageTargets?.find((t) => t.id === target.id)?.responder;
    const hop = {
      agentId: agent.id,
      agentName: agent.name,
      turnId: turn.turnId,
      via: turn.origin?.mode ?? null,
    };
    const services: MessagingServices = {
      findAgent: (projectId, ref) => findProjectAgent(this.#s.ctx, projectId, ref),
      sendLater: (target, message) => {
        modelForAgent(this.#s.ctx, target, undefined);
        return sendLater(this.#deliveries(), target, message, responderOf(target));
      },
      answer: (target, message, abortSignal) =>
        this.#answerMessage(target, message, responderOf(target), abortSignal),
    };
    return messagingTools(services, {
      agent,
      userId: turn.userId,
      sessionId: turn.sessionId,
      chain: [...(turn.origin?.chain ?? []), hop],
      maxHops: turn.settings.maxHops,
      maxMessagesPerTurn: turn.settings.maxMessagesPerTurn,
      waitMs: turn.settings.messageWaitMs,
      targets: messageTargets === undefined ? null : new Map(messageTargets.map((t) => [t.id, t.name])),
      earlier: turn.earlier,
    });
  }

  /** Runs `target`'s turn on a message from another agent; resolves when it is persisted. */
  async #answerMessage(
    target: Agent,
    message: AgentMessage,
    responder: ResponderName | undefined,
    abortSignal: AbortSignal | undefined,
  ): Promise<TurnResult> {
    const { content, name, userId, sessionId } = message;
    const { result } = await this.#begin(
      target.id,
      { content, name, userId, sessionId, responder },
      { abortSignal },
      () => {},
      false,
      message.origin,
    );
    return result;
  }

  #deliveries(): DeliveryServices {
    return {
      ctx: this.#s.ctx,
      messages: this.#s.messages,
      queue: this.#s.queue,
      background: this.#s.background,
      answer: (target, message, responder) => this.#answerMessage(target, message, responder, undefined),
    };
  }

  /** The model's `provider:model` name, chosen in the same order as the model itself. */
  #modelName(agent: Agent, override: LanguageModel | string | undefined): string | null {
    return modelNameForAgent(this.#s.ctx, agent, override);
  }
}

/** The turn the tools serve. */
interface ToolTurn {
  userId: string | undefined;
  sessionId: string | undefined;
  turnId: string;
  settings: RuntimeSettings;
  origin: MessageOrigin | null;
  earlier: EarlierMessages | null;
}

function responderFor(settings: RuntimeSettings, stopWhen: TurnOptions["stopWhen"]): Responder {
  if (settings.responder === "reactive") return reactiveResponder({ maxSteps: settings.maxSteps, stopWhen });
  if (stopWhen !== undefined)
    throw new InvalidInputError(
      "invalid turn options: stopWhen: only the reactive responder takes stop conditions",
    );
  return simpleResponder({ toolRounds: settings.toolRounds });
}

/** The runtime settings a turn or context request names. */
function settingsOf(input: {
  responder?: RuntimeSettings["responder"];
  maxSteps?: number;
  toolRounds?: number;
  contextWindow?: number;
  endUsers?: RuntimeSettings["endUsers"];
}) {
  return {
    responder: input.responder,
    maxSteps: input.maxSteps,
    toolRounds: input.toolRounds,
    contextWindow: input.contextWindow,
    endUsers: input.endUsers,
  };
}
