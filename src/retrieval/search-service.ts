import { InvalidInputError } from "../core/errors.ts";
import { filterMentions } from "../core/filter/filter-ast.ts";
import { checkFilterValidity, checkMessageFilter } from "../core/filter/filter-parse.ts";
import type { Memory, Message } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import {
  expandThroughGraph,
  type GraphExpansion,
  type GraphHit,
  namesAny,
} from "../graph/graph-expansion.ts";
import { keepsGraph } from "../graph/graph-mode.ts";
import { type EngineContext, nowIso } from "../memory/context.ts";
import {
  type MemoryScope,
  projectMemoryAccess,
  requireAgentAndHolder,
  writerOf,
} from "../memory/memories/project-memory.ts";
import { checkSpan } from "../memory/memories/schemas.ts";
import { searchableText } from "../memory/messages/message-service.ts";
import type { LexicalHit, MemoryFilter, MessageFilter, VectorHit } from "../store/store.ts";
import { rankMessages } from "./conversation-ranker.ts";
import { suppressNearDuplicates } from "./dedupe.ts";
import { accessScore, matchShare, recencyScore, rrf } from "./fusion.ts";
import { graphMemories, graphMessages, graphUsers } from "./graph-candidates.ts";
import { queryTerms } from "./query-terms.ts";
import { type RelatedHit, relatedLinks, relatedMemories } from "./related-links.ts";
import { DEFAULT_WEIGHTS, type ParsedSearch, type SearchInput, searchInput } from "./search-schema.ts";
import type { QueryVector } from "./vector-index.ts";

/** Why a result ranked where it did. */
export interface ScoreComponents {
  /** BM25 of the full-text match (higher is better), null when it did not match the text. */
  bm25: number | null;
  /**
   * The lexical ranking's score: BM25 for memories; for messages, BM25 normalised and adjusted by
   * query expansion, speaker and session (see docs/retrieval.md). Null when not found by text.
   */
  lexicalScore: number | null;
  lexicalRank: number | null;
  /** Cosine distance to the query (0 is identical), null without vectors. */
  vectorDistance: number | null;
  vectorRank: number | null;
  /** Fused rank relevance in [0, 1]. */
  relevance: number;
  /**
   * How well the item matches the query beside the best match, in [0, 1]: its score's share of the
   * top score of the ranking that found it (the better of the two), 1 within a fifth of the top.
   * Recency, importance and access count in proportion (to the largest of `match`, `graph` and
   * `related`), so that they order items that match alike but cannot lift a weak match over a much
   * better one. 1 for items no ranking scored.
   */
  match: number;
  recency: number;
  importance: number;
  access: number;
  /**
   * Connection through the entity graph to the entities the query names, in [0, 1] (0 when not
   * reached); `graphEntities` are the entities it was reached through.
   */
  graph: number;
  graphEntities: string[];
  /**
   * Linked as related (by sleep-time consolidation) to one of the search's best results, as that
   * result's share of the best score, in [0, 1] (0 when not linked); `relatedTo` are those results.
   */
  related: number;
  relatedTo: string[];
}

export interface SearchResult {
  source: "memory" | "message";
  /** For a memory: the agent's own, or its project's (found by every agent of the project). */
  scope?: MemoryScope;
  /** For a project memory: the agent that wrote it, when known. */
  writtenBy?: string;
  id: string;
  text: string;
  score: number;
  components: ScoreComponents;
  memory?: Memory;
  message?: Message;
}

export interface SearchResponse {
  results: SearchResult[];
  /** Ids left out as near-duplicates of a higher result. */
  suppressed: { id: string; duplicateOf: string }[];
  warnings: string[];
}

type Candidate = { source: "memory"; item: Memory } | { source: "message"; item: Message };

/** A candidate found by text, with its BM25 where the ranking's score is another (messages). */
type TextHit = LexicalHit<Candidate> & { bm25?: number | null };

/** Hybrid retrieval over an agent's memories and messages. */
export class SearchService {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  async search(agentId: string, input: SearchInput): Promise<SearchResponse> {
    const q = parseInput(searchInput, input, "search");
    checkFilterValidity(q.filter, q.validAt, "search");
    checkSpan("search", ["after", q.after], ["before", q.before]);
    if (q.includeSuperseded && q.validAt !== undefined)
      throw new InvalidInputError(
        "invalid search: includeSuperseded: finds facts whatever their validity; validAt finds those valid at one instant: give one or the other",
      );
    if (q.sources.includes("messages")) checkMessageFilter(q.filter, "search");
    const { agent, holderId } = await requireAgentAndHolder(this.#ctx, agentId);
    const terms = queryTerms(q.query);
    const weights = { ...DEFAULT_WEIGHTS, ...q.weights };
    const warnings: string[] = [];
    const scored: SearchResult[] = [];
    // Each pass may meet the same failure (the query's embedding): it is said once.
    const warnOnce = (warning: string | null) => {
      if (warning !== null && !warnings.includes(warning)) warnings.push(warning);
    };
    const now = this.#ctx.now();
    // One instant for the whole search: the graph's candidates are held to the same validity.
    const at = nowIso(this.#ctx);
    // The query is embedded while the graph and full-text searches run (a model behind an API
    // answers in tens of milliseconds or more), once for every pass below. An HTTP client writes
    // its request on a later turn of the event loop, so the loop is let turn a few times first,
    // unless the embedding is there already (a model computed in this process).
    let embedded: QueryVector | undefined;
    const queryVector =
      weights.vector > 0 && q.query.trim() !== ""
        ? this.#ctx.vectors.embedQuery(q.query).then((v) => {
            embedded = v;
            return v;
          })
        : null;
    if (queryVector !== null) await Promise.race([queryVector, loopTurns(REQUEST_TURNS)]);
    // Project memories are ranked as a list of their own (the holder's index and statistics) and
    // fused with the agent's by score, as memories and messages are.
    const holder = q.sources.includes("memories") && projectMemoryAccess(agent) !== "none" ? holderId : null;
    const passes: { source: "memories" | "messages"; ownerId: string; scope: MemoryScope }[] = [];
    for (const source of q.sources) {
      passes.push({ source, ownerId: agent.id, scope: "agent" });
      if (source === "memories" && holder !== null)
        passes.push({ source, ownerId: holder, scope: "project" });
    }
    // Nearest neighbours a vector stage asks for: more when a filter will leave some out.
    const vectorK = (source: "memories" | "messages") =>
      source === "memories" && q.filter !== undefined
        ? Math.min(q.candidates * FILTER_OVERFETCH, 1000)
        : q.candidates;
    // With the query's embedding at hand, the first pass's vector stage begins now: the part of its
    // scan the helper thread takes runs while the graph and the text are searched here.
    const head = passes[0];
    const early =
      embedded?.vector != null && head !== undefined
        ? this.#ctx.vectors.startSearch(head.source, head.ownerId, embedded.vector, vectorK(head.source))
        : null;
    try {
      const graph: GraphExpansion =
        (q.graph ?? keepsGraph(agent)) && weights.graph > 0 && q.query.trim() !== ""
          ? await expandThroughGraph(
              this.#ctx.store,
              agent.id,
              graphUsers(q.userId, q.includeShared),
              q.query,
              q.validAt ?? at,
            )
          : { hits: new Map(), named: [] };
      // Every pass's full-text stage first, then every pass's vector stage: the query's embedding is
      // awaited only once the text has been searched.
      const ranked: {
        source: "memories" | "messages";
        ownerId: string;
        scope: MemoryScope;
        lexical: TextHit[];
        byId: Map<string, Candidate>;
      }[] = [];
      for (const { source, ownerId, scope } of passes) {
        const lexical: TextHit[] = [];
        const byId = new Map<string, Candidate>();
        if (source === "memories") {
          const filter = memoryFilter(ownerId, q, at);
          for (const hit of presentFirst(
            await this.#ctx.store.memories.searchText(filter, terms, q.candidates),
            q.validAt ?? at,
          )) {
            lexical.push({ item: { source: "memory", item: hit.item }, score: hit.score });
          }
          // Hits were ranked by some of these terms, so they were not all too common: no need to ask.
          if (
            terms.length === 0 ||
            (lexical.length === 0 && (await this.#ctx.store.memories.tooCommonToRank(ownerId, terms)))
          ) {
            for (const memory of await this.#ctx.store.memories.list(filter, { limit: q.candidates })) {
              byId.set(memory.id, { source: "memory", item: memory });
            }
          }
        } else {
          const filter = messageFilter(agent.id, q);
          for (const hit of await rankMessages(this.#ctx.store, filter, q.query, q.candidates)) {
            lexical.push({
              item: { source: "message", item: hit.message },
              score: hit.score,
              bm25: hit.bm25,
            });
          }
          // As for memories: hits (one user's own messages, say) were ranked, so no recency stand-in.
          if (
            terms.length === 0 ||
            (lexical.length === 0 && (await this.#ctx.store.messages.tooCommonToRank(agent.id, terms)))
          ) {
            for (const message of await this.#ctx.store.messages.list(filter, {
              limit: q.candidates,
              newestFirst: true,
            })) {
              byId.set(message.id, { source: "message", item: message });
            }
          }
        }
        ranked.push({ source, ownerId, scope, lexical, byId });
      }
      for (const [pass, { source, ownerId, scope, lexical, byId }] of ranked.entries()) {
        let vector: VectorHit[] | null = null;
        // The first pass's was begun already, when the query's embedding was at hand.
        const nearest = (query: Promise<QueryVector>) =>
          pass === 0 && early !== null
            ? early.result()
            : this.#ctx.vectors.search(source, ownerId, query, vectorK(source));
        if (source === "memories") {
          const filter = memoryFilter(ownerId, q, at);
          if (queryVector !== null) {
            // A filter leaves out some nearest neighbours: take more, keep the best that pass.
            const found = await nearest(queryVector);
            warnOnce(found.warning);
            vector = found.hits;
            const missing = (vector ?? [])
              .map((h) => h.id)
              .filter((id) => !lexical.some((l) => l.item.item.id === id));
            if (q.filter === undefined) {
              for (const memory of await this.#ctx.store.memories.getMany(ownerId, missing)) {
                if (memoryMatches(memory, filter)) byId.set(memory.id, { source: "memory", item: memory });
              }
            } else if (vector !== null) {
              // The store holds the hits to every condition, the metadata filter included, in one query.
              const kept = await this.#ctx.store.memories.list(
                { ...filter, ids: missing },
                { limit: missing.length + 1 },
              );
              for (const memory of kept) byId.set(memory.id, { source: "memory", item: memory });
              const passed = new Set([...kept.map((m) => m.id), ...lexical.map((l) => l.item.item.id)]);
              vector = vector.filter((hit) => passed.has(hit.id)).slice(0, q.candidates);
            }
          }
        } else {
          const filter = messageFilter(agent.id, q);
          if (queryVector !== null) {
            const found = await nearest(queryVector);
            warnOnce(found.warning);
            vector = found.hits;
            for (const hit of vector ?? []) {
              if (lexical.some((l) => l.item.item.id === hit.id)) continue;
              const message = await this.#ctx.store.messages.get(agent.id, hit.id);
              if (message !== null && messageMatches(message, filter))
                byId.set(message.id, { source: "message", item: message });
            }
            if (q.filter !== undefined && vector !== null) {
              // Messages found only by vector are held to the metadata filter by the store.
              const ids = vector.map((hit) => hit.id);
              const kept = new Set(
                (await this.#ctx.store.messages.list({ ...filter, ids }, { limit: ids.length + 1 })).map(
                  (m) => m.id,
                ),
              );
              for (const hit of vector) if (!kept.has(hit.id)) byId.delete(hit.id);
              vector = vector.filter((hit) => kept.has(hit.id));
            }
          }
        }
        for (const hit of lexical) byId.set(hit.item.item.id, hit.item);
        // The graph is the agent's own: it brings in the agent's memories and messages, not the project's.
        if (graph.hits.size > 0 && scope === "agent") {
          const found = new Set(byId.keys());
          const added: Candidate[] =
            source === "memories"
              ? (await graphMemories(this.#ctx.store, graph.hits, memoryFilter(agent.id, q, at), found)).map(
                  (item) => ({ source: "memory", item }),
                )
              : (await graphMessages(this.#ctx.store, graph.hits, messageFilter(agent.id, q), found)).map(
                  (item) => ({ source: "message", item }),
                );
          // A memory that names an entity the query names has no graph part (`graphPart`): not taken in.
          for (const candidate of added)
            if (!namesQueried(graph, candidate)) byId.set(candidate.item.id, candidate);
        }
        const lexicalRank = new Map(
          lexical.map((hit, i) => [
            hit.item.item.id,
            { rank: i + 1, score: hit.score, bm25: hit.bm25 === undefined ? hit.score : hit.bm25 },
          ]),
        );
        const vectorRank = new Map(
          (vector ?? []).map((hit, i) => [hit.id, { rank: i + 1, distance: hit.distance }]),
        );
        const activeLexical = weights.lexical;
        const activeVector = vector === null ? 0 : weights.vector;
        const best = (activeLexical + activeVector) * rrf(1);
        const topLexical = Math.max(0, ...lexical.map((hit) => hit.score));
        const topSimilarity = Math.max(0, ...(vector ?? []).map((hit) => 1 - hit.distance));
        for (const [id, candidate] of byId) {
          const lex = lexicalRank.get(id);
          const vec = vectorRank.get(id);
          const relevance =
            best === 0 ? 0 : (activeLexical * rrf(lex?.rank) + activeVector * rrf(vec?.rank)) / best;
          // Found by neither ranking (a graph neighbour, the recent items of an empty query): no match
          // to weigh its standing by.
          const match =
            lex === undefined && vec === undefined
              ? 1
              : Math.max(
                  lex === undefined || activeLexical === 0 ? 0 : matchShare(lex.score, topLexical),
                  vec === undefined || activeVector === 0 ? 0 : matchShare(1 - vec.distance, topSimilarity),
                );
          const components: ScoreComponents = {
            bm25: lex?.bm25 ?? null,
            lexicalScore: lex?.score ?? null,
            lexicalRank: lex?.rank ?? null,
            vectorDistance: vec?.distance ?? null,
            vectorRank: vec?.rank ?? null,
            relevance: round(relevance),
            match: round(match),
            ...standing(candidate, now, q.recencyHalfLifeDays),
            ...linkParts(graph, candidate),
          };
          scored.push(resultOf(candidate, scope, components, weights));
        }
      }
      // The best results bring in the memories sleep-time consolidation linked to them as related.
      const related = weights.related > 0 ? relatedLinks(scored) : new Map<string, RelatedHit>();
      if (related.size > 0) {
        const found = new Set(scored.map((r) => r.id));
        for (const memory of await relatedMemories(
          this.#ctx.store,
          related,
          memoryFilter(agent.id, q, at),
          found,
        )) {
          const candidate = { source: "memory", item: memory } as const;
          const components: ScoreComponents = {
            ...UNRANKED,
            ...standing(candidate, now, q.recencyHalfLifeDays),
            ...linkParts(graph, candidate),
          };
          scored.push(resultOf(candidate, "agent", components, weights));
        }
        for (const [i, result] of scored.entries()) {
          const hit = related.get(result.id);
          if (hit === undefined) continue;
          const components = { ...result.components, related: round(hit.score), relatedTo: hit.from };
          scored[i] = { ...result, components, score: round(total(components, weights)) };
        }
      }

      scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
      const { kept, dropped } = suppressNearDuplicates(scored, (r) => r.text, q.dedupeThreshold, q.k);
      if (q.recordAccess) {
        const owners = new Map<string, string[]>();
        for (const r of kept) {
          if (r.memory === undefined) continue;
          owners.set(r.memory.agentId, [...(owners.get(r.memory.agentId) ?? []), r.id]);
        }
        for (const [ownerId, ids] of owners) {
          await this.#ctx.store.memories.recordAccess(ownerId, ids, nowIso(this.#ctx));
        }
      }
      return {
        results: kept,
        suppressed: dropped.map((d) => ({ id: d.item.id, duplicateOf: d.duplicateOf.id })),
        warnings,
      };
    } finally {
      early?.cancel();
    }
  }
}

/** The weight of each part of a score. */
type Weights = Record<keyof typeof DEFAULT_WEIGHTS, number>;

/**
 * Memories the text ranks alike, in the order a reader of what is true wants: what holds at `at`
 * before what no longer does (or not yet), then the one true since later (`validFrom`, else when it
 * was written), then the one written later. Ties are common among facts about one thing ("Ada
 * lives in Berlin", "… in Lisbon"), keyed ones returned together by `includeSuperseded` and unkeyed
 * ones all holding; a store breaks them by row order, the oldest first. Only runs of equal scores
 * are reordered.
 */
function presentFirst<T extends { item: Memory; score: number }>(hits: T[], at: string): T[] {
  const t = Date.parse(at);
  const holds = (m: Memory) => holdsAt(m, t);
  for (let start = 0; start < hits.length; ) {
    let end = start + 1;
    while (end < hits.length && hits[end]?.score === hits[start]?.score) end++;
    if (end - start > 1) {
      const run = hits.slice(start, end).sort((a, b) => {
        const held = Number(holds(b.item)) - Number(holds(a.item));
        if (held !== 0) return held;
        const since = (b.item.validFrom ?? b.item.createdAt).localeCompare(
          a.item.validFrom ?? a.item.createdAt,
        );
        return since !== 0 ? since : b.item.createdAt.localeCompare(a.item.createdAt);
      });
      hits.splice(start, run.length, ...run);
    }
    start = end;
  }
  return hits;
}

/** The parts of a score that no ranking found: those of an item brought in by a link alone. */
const UNRANKED = {
  bm25: null,
  lexicalScore: null,
  lexicalRank: null,
  vectorDistance: null,
  vectorRank: null,
  relevance: 0,
  match: 1,
} as const;

/** The parts of a score that the item holds whatever the query: recency, importance, access. */
function standing(
  candidate: Candidate,
  now: number,
  halfLifeDays: number,
): Pick<ScoreComponents, "recency" | "importance" | "access"> {
  const memory = candidate.source === "memory" ? candidate.item : null;
  return {
    recency: round(recencyScore(now - Date.parse(candidate.item.createdAt), halfLifeDays)),
    importance: memory?.importance ?? 0,
    access: memory === null ? 0 : round(accessScore(memory.accessCount)),
  };
}

/**
 * The parts of a score that links give: the entity graph's (`graphPart`), and related links' (none
 * yet: the search adds them once the best results are known).
 */
function linkParts(
  graph: GraphExpansion,
  candidate: Candidate,
): Pick<ScoreComponents, "graph" | "graphEntities" | "related" | "relatedTo"> {
  const hit = graphPart(graph, candidate);
  return { graph: round(hit?.score ?? 0), graphEntities: hit?.entities ?? [], related: 0, relatedTo: [] };
}

/**
 * The graph's hit for a candidate, unless the candidate names an entity the query names
 * (`namesQueried`): then how it matches the query is the rankings' to judge, and the neighbours it
 * also names add nothing.
 */
function graphPart(graph: GraphExpansion, candidate: Candidate): GraphHit | undefined {
  const hit = graph.hits.get(candidate.item.id);
  return hit === undefined || namesQueried(graph, candidate) ? undefined : hit;
}

/**
 * Whether a memory's text names an entity the query names, so that the text ranking, which
 * searches for the name, has judged it. Messages are not held to this: conversation search takes
 * a name that is a speaker's out of the words it searches for (conversation-ranker.ts), so a turn
 * naming the person asked about may be found through the graph alone.
 */
function namesQueried(graph: GraphExpansion, candidate: Candidate): boolean {
  return candidate.source === "memory" && namesAny(candidate.item.text, graph.named);
}

/** The score the weights make of its parts. */
function total(c: ScoreComponents, weights: Weights): number {
  return (
    c.relevance +
    Math.max(c.match, c.graph, c.related) *
      (weights.recency * c.recency + weights.importance * c.importance + weights.access * c.access) +
    weights.graph * c.graph +
    weights.related * c.related
  );
}

function resultOf(
  candidate: Candidate,
  scope: MemoryScope,
  components: ScoreComponents,
  weights: Weights,
): SearchResult {
  const { source, item } = candidate;
  return {
    source,
    ...(candidate.source === "memory" ? scopeOf(candidate.item, scope) : {}),
    id: item.id,
    text: candidate.source === "memory" ? candidate.item.text : searchableText(candidate.item),
    score: round(total(components, weights)),
    components,
    ...(candidate.source === "memory" ? { memory: candidate.item } : { message: candidate.item }),
  };
}

/** Turns of the event loop a search lets pass for its query's embedding request to be sent. */
const REQUEST_TURNS = 3;

/** Resolves after `n` turns of the event loop (each runs the I/O callbacks due). */
async function loopTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Where a memory result came from. */
function scopeOf(memory: Memory, scope: MemoryScope): { scope: MemoryScope; writtenBy?: string } {
  const writer = scope === "project" ? writerOf(memory) : null;
  return writer === null ? { scope } : { scope, writtenBy: writer };
}

function memoryFilter(agentId: string, q: ParsedSearch, now: string): MemoryFilter {
  return {
    agentId,
    userId: q.userId,
    includeShared: q.includeShared,
    kinds: q.kinds,
    tags: q.tags,
    createdAfter: q.after,
    createdBefore: q.before,
    validAt: validityInstant(q, now),
    filter: q.filter,
  };
}

/**
 * The instant a search's memories must be valid at: the one asked for, else now, unless history is
 * asked for (`includeSuperseded`) or the filter sets its own conditions on validFrom/validTo.
 */
function validityInstant(
  q: Pick<ParsedSearch, "validAt" | "includeSuperseded" | "filter">,
  now: string,
): string | undefined {
  if (q.validAt !== undefined) return q.validAt;
  if (q.includeSuperseded) return undefined;
  if (q.filter !== undefined && filterMentions(q.filter, ["validFrom", "validTo"])) return undefined;
  return now;
}

function messageFilter(agentId: string, q: ParsedSearch): MessageFilter {
  return { agentId, userId: q.userId, roles: q.roles, after: q.after, before: q.before, filter: q.filter };
}

/** The same conditions as the store's SQL filter, for candidates that came from vector search. */
export function memoryMatches(m: Memory, f: MemoryFilter): boolean {
  if (m.agentId !== f.agentId) return false;
  const archived = f.archived ?? "exclude";
  if (archived !== "include" && (m.archivedAt !== null) !== (archived === "only")) return false;
  if (f.userId !== undefined && m.userId !== f.userId && !(f.includeShared !== false && m.userId === null))
    return false;
  if (f.kinds !== undefined && f.kinds.length > 0 && !f.kinds.includes(m.kind)) return false;
  if (f.tags !== undefined && !f.tags.every((t) => m.tags.includes(t))) return false;
  const created = Date.parse(m.createdAt);
  if (f.createdAfter !== undefined && created < Date.parse(f.createdAfter)) return false;
  if (f.createdBefore !== undefined && created >= Date.parse(f.createdBefore)) return false;
  if (f.validAt !== undefined && !holdsAt(m, Date.parse(f.validAt))) return false;
  return true;
}

/** Whether a memory is true at instant `t` (ms): begun by then (`validFrom`), not yet ended (`validTo`). */
function holdsAt(m: Memory, t: number): boolean {
  return (
    (m.validFrom === null || Date.parse(m.validFrom) <= t) &&
    (m.validTo === null || Date.parse(m.validTo) > t)
  );
}

function messageMatches(m: Message, f: MessageFilter): boolean {
  if (m.agentId !== f.agentId) return false;
  if (f.userId !== undefined && m.userId !== f.userId) return false;
  if (f.roles !== undefined && f.roles.length > 0 && !f.roles.includes(m.role)) return false;
  const created = Date.parse(m.createdAt);
  if (f.after !== undefined && created < Date.parse(f.after)) return false;
  if (f.before !== undefined && created >= Date.parse(f.before)) return false;
  return true;
}

/** How many more vector neighbours a filtered search takes, so the filter still leaves a full set. */
const FILTER_OVERFETCH = 4;

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
