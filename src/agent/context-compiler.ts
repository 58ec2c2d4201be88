import type { ModelMessage, Tool } from "ai";
import { z } from "zod";
import { InvalidInputError } from "../core/errors.ts";
import type { Agent, Insight, Message } from "../core/types.ts";
import type { SimilarRecord } from "../experience/observation-index.ts";
import { ADVICE_MIN_SIMILARITY, type TurnAdviceItem, turnAdvice } from "../feedback/turn-advice.ts";
import { FEEDBACK_TASK } from "../feedback/turn-step.ts";
import type { ImageInput } from "../images/content-parts.ts";
import type { InsightService } from "../insights/insight-service.ts";
import type { BlockService } from "../memory/blocks/block-service.ts";
import type { SearchInput } from "../retrieval/search-schema.ts";
import type { SearchResponse, SearchResult } from "../retrieval/search-service.ts";
import type { Store } from "../store/store.ts";
import {
  renderBlocks,
  renderClock,
  renderGuidance,
  renderInsights,
  renderInstructions,
  renderMemories,
  renderMemory,
  renderSummary,
} from "./context-render.ts";
import type { ConversationCache } from "./conversation-cache.ts";
import { scanConversation } from "./message-window.ts";
import type { RuntimeSettings } from "./runtime-config.ts";
import { MESSAGE_OVERHEAD_TOKENS, type TokenCounter } from "./tokenizer.ts";
import { imagePart } from "./turn-images.ts";
import { countedText, summaryInfo, toModelMessages } from "./turn-messages.ts";

/** Shares of the room left after instructions, blocks, tools and the new message. */
export const BUDGET_SHARES = { insights: 0.1, memories: 0.15, advice: 0.05, summary: 0.1 } as const;
/** Kept free of the window for the tokenizer's error on models that do not use o200k_base. */
export const SAFETY_MARGIN = 0.05;
const MAX_INSIGHTS = 20;
/** What an image is counted as: about what providers charge for a large one (OpenAI: 765 at high detail). */
export const IMAGE_TOKENS = 800;

/** The compiled context of one agent, with what each section costs, for a turn or for inspection. */
export interface CompiledContext {
  agentId: string;
  model: string | null;
  responder: string;
  /** What retrieval searched for: the new message, or the latest user message when inspecting. */
  query: string | null;
  userId: string | null;
  budget: {
    contextWindow: number;
    reserveOutputTokens: number;
    /** The window less the output reserve and the safety margin. */
    available: number;
    used: number;
  };
  sections: {
    instructions: { tokens: number };
    guidance: { tokens: number };
    blocks: {
      tokens: number;
      items: { label: string; description: string; limit: number; size: number; readOnly: boolean }[];
    };
    tools: { tokens: number; names: string[] };
    insights: { tokens: number; items: { id: string; text: string; count: number }[]; omitted: number };
    summary: { tokens: number; messageId: string; covered: number } | null;
    memories: {
      tokens: number;
      items: { id: string; kind: string; text: string; score: number }[];
      omitted: number;
    };
    messages: {
      tokens: number;
      count: number;
      budget: number;
      /** Older messages no summary covers yet; the next turn summarises them. */
      overflow: number;
      /** False when `overflow` is a lower bound. */
      overflowExact: boolean;
    };
    pending: { tokens: number } | null;
    /** Advice learned from feedback on similar earlier messages (see docs/experience.md). */
    advice: { tokens: number; items: TurnAdviceItem[] };
  };
  system: string;
  messages: ModelMessage[];
  /**
   * The retrieved memories, as they go at the start of the new message (so the system prompt and the
   * history before it stay the same from turn to turn, and a provider's prompt cache can reuse them).
   * In `messages` when there is a new message; shown here on its own when inspecting without one.
   */
  retrieved: string;
  /** The advice, as it goes at the start of the new message after the retrieved memories. */
  advice: string;
}

/** What the turn needs beyond the inspectable context. */
export interface CompiledTurn {
  context: CompiledContext;
  window: Message[];
  summary: Message | null;
  overflow: Message[];
  /** The blocks section as it stands in `context.system`, to swap when a tool edits a block. */
  blocksText: string;
  /** Tokens the window may hold, and the summary may take. */
  messageBudget: number;
  summaryBudget: number;
}

export interface CompileInput {
  agent: Agent;
  settings: RuntimeSettings;
  model: string | null;
  guidance: string;
  responder: string;
  tools: Record<string, Tool>;
  /** The message being answered (with its images); null when inspecting. */
  pending: { content: string; name?: string | undefined; images?: readonly ImageInput[] } | null;
  /** Query for retrieval; null means none given (the latest user message then). */
  query: string | null;
  userId: string | undefined;
  /** Collect every message that overflows (to summarise them); else only count them. */
  collectOverflow: boolean;
}

export interface CompilerServices {
  store: Store;
  blocks: BlockService;
  insights: InsightService;
  search(agentId: string, input: SearchInput): Promise<SearchResponse>;
  counter: TokenCounter;
  cache: ConversationCache;
  nowIso(): string;
  /** Experience records of `task` with observations similar to the message (the runtime's advice). */
  similarExperience?(
    agentId: string,
    query: { task: string; observation: string; k: number; min: number },
  ): Promise<SimilarRecord[]>;
}

const schemaText = new WeakMap<object, string>();

/**
 * Builds the prompt: instructions, how to respond, memory blocks, tools, insights and the summary of
 * older messages in the system prompt, then the recent messages, then the new one preceded by the
 * long-term memories retrieved for it (marked as data), within the model's token budget. Only what must be there is fixed; insights, memories and the
 * summary get capped shares, and recent messages fill the rest newest first.
 */
export async function compileContext(services: CompilerServices, input: CompileInput): Promise<CompiledTurn> {
  const { agent, settings } = input;
  const counter = services.counter;
  const count = (text: string) => counter.countLines(text);
  const [blockSet, insights] = await Promise.all([
    services.blocks.list(agent.id),
    services.insights.list(agent.id),
  ]);
  const instructions = renderInstructions(agent.instructions);
  const guidance = renderGuidance(input.guidance);
  const toolNames = Object.keys(input.tools);
  const blocks = renderBlocks(blockSet.blocks, toolNames);
  const clock = renderClock(services.nowIso());
  const toolTokens = toolNames.reduce(
    (sum, name) => sum + toolCost(counter, name, input.tools[name] as Tool),
    0,
  );
  const pendingTokens =
    input.pending === null
      ? 0
      : count(pendingText(input.pending)) +
        MESSAGE_OVERHEAD_TOKENS +
        IMAGE_TOKENS * (input.pending.images?.length ?? 0);
  const fixed = count(instructions) + count(guidance) + count(blocks) + count(clock) + toolTokens;
  const available = Math.floor((settings.contextWindow - settings.reserveOutputTokens) * (1 - SAFETY_MARGIN));
  const rest = available - fixed - pendingTokens;
  if (rest < 0)
    throw new InvalidInputError(
      `the context window (${settings.contextWindow} tokens, ${available} usable) cannot hold the instructions, blocks and tools (${fixed} tokens) and the message (${pendingTokens} tokens): shorten them or set a larger contextWindow in the agent's metadata.runtime`,
    );

  const insightBudget = Math.floor(rest * BUDGET_SHARES.insights);
  const chosenInsights: Insight[] = [];
  let insightTokens = 0;
  for (const insight of insights.slice(0, MAX_INSIGHTS)) {
    const cost = count(`${insight.text} (support ${insight.count})`) + 3;
    if (insightTokens + cost > insightBudget) break;
    chosenInsights.push(insight);
    insightTokens += cost;
  }
  const insightsText = renderInsights(chosenInsights);
  insightTokens = count(insightsText);

  const summaryBudget = Math.max(64, Math.floor(rest * BUDGET_SHARES.summary));
  let query = input.query ?? input.pending?.content ?? null;
  // Retrieval depends on the query, which for inspection is the latest user message: find it first.
  if (query === null) query = await latestUserMessage(services.store, agent.id, input.userId);

  const memoryBudget = Math.floor(rest * BUDGET_SHARES.memories);
  const memories: { result: SearchResult; line: string }[] = [];
  let memoryTokens = 0;
  let memoriesOmitted = 0;
  const now = services.nowIso();
  if (query !== null && query.trim() !== "" && settings.memoryResults > 0) {
    // Only memories valid now (the search's default): a closed fact never reaches the prompt unasked.
    const { results } = await services.search(agent.id, {
      query: query.slice(0, 4000),
      k: settings.memoryResults,
      userId: input.userId,
      sources: ["memories"],
      // Fewer candidates than a search's default: the context takes a handful, and it is on every turn.
      candidates: 32,
      // Automatic retrieval is not counted as access: that would make what was retrieved once rank
      // higher next time for no better reason. memory_search, the agent's own choice, is counted.
      recordAccess: false,
    });
    for (const result of results) {
      if (result.memory === undefined) continue;
      const line = renderMemory(result.memory, { now }, result.scope);
      const cost = count(line);
      if (memoryTokens + cost > memoryBudget) {
        memoriesOmitted++;
        continue;
      }
      memories.push({ result, line });
      memoryTokens += cost;
    }
  }
  const memoriesText = renderMemories(
    memories.map((m) => m.line),
    toolNames,
  );
  if (memoriesText !== "") memoryTokens = count(memoriesText);

  const advice = await compileAdvice(services, input, query, Math.floor(rest * BUDGET_SHARES.advice), count);

  const messageBudget = Math.max(0, rest - insightTokens - memoryTokens - advice.tokens - summaryBudget);
  const tokensOf = (m: Message) => counter.countById(m.id, () => countedText(m)) + MESSAGE_OVERHEAD_TOKENS;
  const scan = await scanConversation(services.store, {
    agentId: agent.id,
    userId: input.userId,
    budget: messageBudget,
    maxMessages: settings.maxRecentMessages,
    tokens: tokensOf,
    collectOverflow: input.collectOverflow,
    cache: services.cache,
  });

  let summaryText = "";
  let summaryTokens = 0;
  const info = scan.summary === null ? null : summaryInfo(scan.summary);
  if (scan.summary !== null && info !== null) {
    summaryText = renderSummary(scan.summary, info, toolNames);
    summaryTokens = count(summaryText);
    // A summary written for a larger window may not fit this one: give it room from the oldest messages.
    let spare = messageBudget - scan.windowTokens + summaryBudget - summaryTokens;
    while (spare < 0 && scan.window.length > 0) {
      const oldest = scan.window.shift() as Message;
      const cost = tokensOf(oldest);
      scan.windowTokens -= cost;
      spare += cost;
      scan.overflowCount++;
      if (input.collectOverflow) scan.overflow.push(oldest);
    }
  }

  // Only what changes seldom goes into the system prompt: the retrieved memories change with every
  // message, so they travel with it, and the prompt up to the new message is a stable prefix.
  const system = [instructions, guidance, blocks, insightsText, summaryText, clock]
    .filter((part) => part !== "")
    .join("\n\n");
  const messages = toModelMessages(scan.window);
  if (input.pending !== null) {
    const text = [memoriesText, advice.text, pendingText(input.pending)].filter((t) => t !== "").join("\n\n");
    const images = input.pending.images ?? [];
    messages.push({
      role: "user",
      content: images.length === 0 ? text : [{ type: "text", text }, ...images.map(imagePart)],
    });
  }
  const used =
    fixed + insightTokens + summaryTokens + memoryTokens + advice.tokens + scan.windowTokens + pendingTokens;

  const context: CompiledContext = {
    agentId: agent.id,
    model: input.model,
    responder: input.responder,
    query,
    userId: input.userId ?? null,
    budget: {
      contextWindow: settings.contextWindow,
      reserveOutputTokens: settings.reserveOutputTokens,
      available,
      used,
    },
    sections: {
      instructions: { tokens: count(instructions) },
      guidance: { tokens: count(guidance) },
      blocks: {
        tokens: count(blocks),
        items: blockSet.blocks.map((b) => ({
          label: b.label,
          description: b.description,
          limit: b.limit,
          size: b.size,
          readOnly: b.readOnly,
        })),
      },
      tools: { tokens: toolTokens, names: toolNames },
      insights: {
        tokens: insightTokens,
        items: chosenInsights.map((i) => ({ id: i.id, text: i.text, count: i.count })),
        omitted: insights.length - chosenInsights.length,
      },
      summary:
        scan.summary === null || info === null
          ? null
          : { tokens: summaryTokens, messageId: scan.summary.id, covered: info.covered },
      memories: {
        tokens: memoryTokens,
        items: memories.map(({ result }) => ({
          id: result.id,
          kind: result.memory?.kind ?? "",
          text: result.text,
          score: result.score,
        })),
        omitted: memoriesOmitted,
      },
      messages: {
        tokens: scan.windowTokens,
        count: scan.window.length,
        budget: messageBudget,
        overflow: scan.overflowCount,
        overflowExact: scan.complete,
      },
      pending: input.pending === null ? null : { tokens: pendingTokens },
      advice: { tokens: advice.tokens, items: advice.items },
    },
    system,
    messages,
    retrieved: memoriesText,
    advice: advice.text,
  };
  return {
    context,
    window: scan.window,
    summary: scan.summary,
    overflow: scan.overflow,
    blocksText: blocks,
    messageBudget,
    summaryBudget,
  };
}

/**
 * Advice for the message from the experience memory's records of similar earlier messages, within
 * its share of the budget (the least similar records go first when it does not fit).
 */
async function compileAdvice(
  services: CompilerServices,
  input: CompileInput,
  query: string | null,
  budget: number,
  count: (text: string) => number,
): Promise<{ text: string; tokens: number; items: TurnAdviceItem[] }> {
  const k = input.settings.adviceResults;
  if (services.similarExperience === undefined || k === 0 || query === null || query.trim() === "")
    return { text: "", tokens: 0, items: [] };
  const similar = await services.similarExperience(input.agent.id, {
    task: FEEDBACK_TASK,
    observation: query.slice(0, 4000),
    k,
    min: ADVICE_MIN_SIMILARITY,
  });
  let advice = turnAdvice(similar, Object.keys(input.tools));
  while (advice.items.length > 0 && count(advice.text) > budget) {
    const items = advice.items.slice(0, -1);
    advice = turnAdvice(
      similar.filter((s) => items.some((i) => i.recordId === s.record.id)),
      Object.keys(input.tools),
    );
  }
  return { ...advice, tokens: advice.text === "" ? 0 : count(advice.text) };
}

function pendingText(pending: { content: string; name?: string | undefined }): string {
  return pending.name === undefined ? pending.content : `${pending.name}: ${pending.content}`;
}

/** Tokens a tool's definition costs in the request: its name, description and input schema. */
function toolCost(counter: TokenCounter, name: string, tool: Tool): number {
  const schema = tool.inputSchema as object;
  let json = schemaText.get(schema);
  if (json === undefined) {
    json =
      schema instanceof z.ZodType
        ? JSON.stringify(z.toJSONSchema(schema))
        : JSON.stringify("jsonSchema" in schema ? schema.jsonSchema : schema);
    schemaText.set(schema, json);
  }
  return counter.count(`${name}\n${tool.description ?? ""}\n${json}`) + 8;
}

async function latestUserMessage(
  store: Store,
  agentId: string,
  userId: string | undefined,
): Promise<string | null> {
  const [latest] = await store.messages.list(
    { agentId, userId, roles: ["user"] },
    { limit: 1, newestFirst: true },
  );
  return latest?.content ?? null;
}
