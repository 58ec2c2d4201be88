import { isDeepStrictEqual } from "node:util";
import { ConflictError, InvalidInputError, NotFoundError } from "../../core/errors.ts";
import { checkFilterValidity } from "../../core/filter/filter-parse.ts";
import type { Actor, Agent, Memory, MemoryVersion, Page } from "../../core/types.ts";
import { parseInput } from "../../core/validation.ts";
import { keepsGraph } from "../../graph/graph-mode.ts";
import { emptyRecord, memoryRecord } from "../../graph/graph-records.ts";
import { storeWith } from "../../retrieval/vector-index.ts";
import type { KeyedMatch, MemoryWrite, Supersession } from "../../store/store.ts";
import type { UnitOfWork } from "../../store/unit-of-work.ts";
import { analyseTexts } from "../../threads/text-analysis.ts";
import { type EngineContext, makeEvent, nowIso, requireAgent } from "../context.ts";
import { checkCursor, dropUndefined, pageOf } from "../pagination.ts";
import { chainFacts, closeGap, keepOneOpenFact, keyedMatch, matchKey, startOf } from "./keyed-facts.ts";
import { markOf, withoutSupersededBy } from "./memory-mark.ts";
import {
  checkProjectWrite,
  findProjectHolder,
  keepWriter,
  projectHolder,
  WRITTEN_BY,
  withWriter,
} from "./project-memory.ts";
import {
  checkSpan,
  MAX_BATCH,
  type MemoryInput,
  type MemoryListInput,
  type MemoryPatch,
  memoryInput,
  memoryListInput,
  memoryPatch,
  validityInOrder,
} from "./schemas.ts";

/** How often a keyed write reads the open facts again when another write of the key got in first. */
const KEYED_ATTEMPTS = 5;
/** Messages looked up for when a memory drawn from them was stated. */
const STATED_MESSAGES = 20;

type ParsedMemoryInput = ReturnType<typeof memoryInput.parse>;

export interface MemoryWriteResult<T> {
  value: T;
  /** Non-fatal problems, e.g. an embedding that failed (the memory is stored; search is lexical). */
  warnings: string[];
}

/** An update's result: the memory as it now stands, and whether the update changed it. */
export interface MemoryUpdateResult extends MemoryWriteResult<Memory> {
  /**
   * False when every field given already had the value given: nothing was written (no version, no
   * event) and `value` is the memory as stored.
   */
  changed: boolean;
}

/** Long-term memories: add, read, update (old versions kept), delete (recorded), history. */
export class MemoryService {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  async add(agentId: string, input: MemoryInput, options: { actor?: Actor } = {}): Promise<Memory> {
    const [memory] = (await this.addMany(agentId, [input], options)).value;
    return memory as Memory;
  }

  /** Adds memories in one transaction: all of them or, on any bad item, none. */
  async addMany(
    agentId: string,
    inputs: readonly MemoryInput[],
    options: { actor?: Actor } = {},
  ): Promise<MemoryWriteResult<Memory[]>> {
    if (!Array.isArray(inputs) || inputs.length === 0)
      throw new InvalidInputError("invalid memories: must be a non-empty list");
    if (inputs.length > MAX_BATCH)
      throw new InvalidInputError(`invalid memories: at most ${MAX_BATCH} per batch`);
    // A batch of one is named as one memory; in a longer batch, each by its place.
    const label = (i: number) => (inputs.length === 1 ? "memory" : `memory ${i}`);
    const parsed = inputs.map((input, i) => parseInput(memoryInput, input, label(i)));
    parsed.forEach((m, i) => {
      checkValidity(m.validFrom, m.validTo, label(i));
    });
    const scopes = new Set(parsed.map((m) => m.scope ?? "agent"));
    if (scopes.size > 1)
      throw new InvalidInputError(
        "invalid memories: scope: one batch holds agent or project memories, not both: send two batches",
      );
    // The texts' terms and entities, analysed (for a large batch on the helper thread) while the
    // write is prepared; the write takes them when it stores the full-text rows and the graph's.
    const analyses = analyseTexts(parsed.map((m) => m.text));
    const agent = await requireAgent(this.#ctx, agentId);
    const actor = options.actor ?? "user";
    const project = scopes.has("project");
    // The agent's own tools write project memory only when the agent is allowed to; users may.
    if (project && actor === "agent") checkProjectWrite(agent);
    const owner = project ? await projectHolder(this.#ctx, agent.projectId) : agent;
    const now = nowIso(this.#ctx);
    const stated = await Promise.all(parsed.map((input) => this.#statedAt(agent.id, input)));
    const fresh: Memory[] = parsed.map((input, i) => {
      const createdAt = input.createdAt === undefined ? now : new Date(input.createdAt).toISOString();
      return {
        id: this.#ctx.generateId("memory"),
        agentId: owner.id,
        userId: input.userId ?? null,
        kind: input.kind,
        text: input.text,
        tags: [...new Set(input.tags)],
        importance: input.importance,
        validFrom: input.validFrom ?? defaultStart(stated[i] ?? createdAt, input.validTo),
        validTo: input.validTo ?? null,
        key: input.key ?? null,
        provenance: input.provenance ?? { messageIds: [], externalIds: [] },
        metadata: project ? withWriter(input.metadata, agent.id) : input.metadata,
        version: 1,
        accessCount: 0,
        lastAccessedAt: null,
        archivedAt: null,
        createdAt,
        updatedAt: now,
      };
    });
    const keyed = fresh.some((m) => m.key !== null && m.validTo === null);
    // Embedded before the write, so that each memory commits with its vector.
    const vectors = await this.#ctx.vectors.embedFor(
      "memories",
      owner.id,
      fresh.map((m) => ({ id: m.id, text: m.text })),
    );
    for (let attempt = 1; ; attempt++) {
      const plan = keyed ? await this.#supersession(agent, fresh, actor, now) : null;
      const memories = plan?.memories ?? fresh;
      const writes = memories.map((memory, i) => ({
        ...memoryWrite(this.#ctx, agent, { memory, operation: "create", actor, before: null, at: now }),
        textTerms: () => analyses.terms(i, memory.text),
      }));
      // The graph learns what the memories name in their own transaction: never short of a write.
      const work = this.#ctx.store.unitOfWork();
      work.memories.insert(writes, plan?.supersession);
      if (keepsGraph(agent)) {
        work.graph.record(
          agent.id,
          Object.assign(() => memories.map((m, i) => memoryRecord(m, analyses.facts(i, m.text))), {
            settled: () => analyses.settled(),
          }),
        );
        // The facts it closes are recorded again, closed: a relation that only they stated closes too.
        for (const [owner, closed] of closedByOwner(plan?.supersession))
          work.graph.record(
            owner,
            closed.map((m) => memoryRecord(m)),
          );
      }
      storeWith(work, vectors);
      try {
        await work.commit();
      } catch (error) {
        // Another write of the same key landed first: read its open facts again.
        if (plan !== null && error instanceof ConflictError && attempt < KEYED_ATTEMPTS) continue;
        throw error;
      }
      await this.#ctx.onMemoriesWritten?.(agent, memories);
      return { value: memories, warnings: vectors.warnings };
    }
  }

  /**
   * When a memory drawn from a conversation was stated: the time of the latest message it names (of
   * the first few), when no validFrom or createdAt is given; else null.
   */
  async #statedAt(agentId: string, input: ParsedMemoryInput): Promise<string | null> {
    const ids = input.provenance?.messageIds ?? [];
    if (input.validFrom !== undefined || input.createdAt !== undefined || ids.length === 0) return null;
    const times = await Promise.all(
      ids
        .slice(0, STATED_MESSAGES)
        .map(async (id) => (await this.#ctx.store.messages.get(agentId, id))?.createdAt),
    );
    const known = times.filter((t): t is string => t !== undefined).sort();
    return known.at(-1) ?? null;
  }

  /**
   * The new memories as keyed facts leave them, and what they change: for each key, the facts still
   * true where the earliest new one starts (the open one, and the one it falls within when it comes
   * late) and the new open ones are chained by when they became true (see `chainFacts`).
   */
  async #supersession(
    agent: Agent,
    fresh: readonly Memory[],
    actor: Actor,
    now: string,
  ): Promise<{ memories: Memory[]; supersession: Supersession }> {
    const groups = new Map<string, { match: KeyedMatch; facts: Memory[] }>();
    for (const memory of fresh) {
      const match = keyedMatch(memory);
      if (match === null || memory.validTo !== null) continue;
      const group = groups.get(matchKey(match));
      if (group === undefined) groups.set(matchKey(match), { match, facts: [memory] });
      else group.facts.push(memory);
    }
    const changed = new Map<string, Memory>();
    const supersession: Supersession = { keys: [], closes: [] };
    // Every key's facts in one read: one round trip for a batch on PostgreSQL.
    const asked = [...groups.values()].map(({ match, facts }) => ({
      match,
      facts,
      since: facts.map(startOf).sort()[0] as string,
    }));
    const knownFacts = await this.#ctx.store.memories.keyFacts(
      asked.map(({ match, since }) => ({ ...match, since })),
    );
    for (const [i, { match, facts, since }] of asked.entries()) {
      const known = knownFacts[i] ?? [];
      supersession.keys.push({ ...match, since, ids: known.map((m) => m.id) });
      const before = new Map(known.map((m) => [m.id, m]));
      for (const after of chainFacts([...known, ...facts])) {
        const old = before.get(after.id);
        if (old === undefined) changed.set(after.id, after);
        else if (after.validTo !== old.validTo || !isDeepStrictEqual(after.metadata, old.metadata)) {
          const closed = { ...after, version: old.version + 1, updatedAt: now };
          supersession.closes.push({
            write: memoryWrite(this.#ctx, agent, {
              memory: closed,
              operation: "update",
              actor,
              before: old,
              at: now,
            }),
            expectedVersion: old.version,
          });
        }
      }
    }
    return { memories: fresh.map((m) => changed.get(m.id) ?? m), supersession };
  }

  async get(agentId: string, memoryId: string): Promise<Memory> {
    const agent = await requireAgent(this.#ctx, agentId);
    return this.#require(agent, memoryId);
  }

  async update(
    agentId: string,
    memoryId: string,
    patch: MemoryPatch,
    options: { actor?: Actor } = {},
  ): Promise<MemoryUpdateResult> {
    const input = parseInput(memoryPatch, patch, "memory update");
    const agent = await requireAgent(this.#ctx, agentId);
    const before = await this.#require(agent, memoryId);
    if (input.expectedVersion !== undefined && input.expectedVersion !== before.version) {
      throw new ConflictError(
        `memory ${memoryId} is at version ${before.version}, not the expected ${input.expectedVersion}`,
      );
    }
    const patched: Memory = {
      ...before,
      text: input.text ?? before.text,
      kind: input.kind ?? before.kind,
      tags: input.tags === undefined ? before.tags : [...new Set(input.tags)],
      importance: input.importance ?? before.importance,
      validFrom: input.validFrom === undefined ? before.validFrom : input.validFrom,
      validTo: input.validTo === undefined ? before.validTo : input.validTo,
      provenance: input.provenance ?? before.provenance,
      metadata: input.metadata === undefined ? before.metadata : keepWriter(before, input.metadata),
    };
    // A patch that only restates the memory (or is empty) writes nothing, as a block set to its value.
    if (isDeepStrictEqual(patched, before)) return { value: before, warnings: [], changed: false };
    const now = nowIso(this.#ctx);
    let after: Memory = { ...patched, version: before.version + 1, updatedAt: now };
    checkValidity(after.validFrom ?? undefined, after.validTo ?? undefined, "memory update");
    // A fact made open again is no longer superseded, unless the patch sets its metadata itself.
    if (before.validTo !== null && after.validTo === null && input.metadata === undefined)
      after = withoutSupersededBy(after);
    const keys = await keepOneOpenFact(
      this.#ctx.store.memories,
      before,
      after,
      (other) =>
        `invalid memory update: validTo: memory ${after.id} cannot be open while ${openFact(other)} is: ` +
        "a key has one open fact at a time; close that one first, or write the value again as a new fact",
    );
    const expected = input.expectedVersion ?? before.version;
    // A new text needs a new vector (the store drops the old one with the text it embedded).
    const vectors = await this.#ctx.vectors.embedFor(
      "memories",
      after.agentId,
      after.text === before.text ? [] : [{ id: after.id, text: after.text }],
    );
    const work = this.#ctx.store.unitOfWork();
    work.memories.update(
      memoryWrite(this.#ctx, agent, {
        memory: after,
        operation: "update",
        actor: options.actor ?? "user",
        before,
        at: now,
      }),
      expected,
      keys,
    );
    const restated =
      after.text !== before.text || after.validFrom !== before.validFrom || after.validTo !== before.validTo;
    // Recorded again where it was first recorded: for project memory, the graph of the agent that wrote it.
    if (restated && keepsGraph(agent)) work.graph.record(graphOwner(before), [memoryRecord(after)]);
    storeWith(work, vectors);
    await work.commit();
    return { value: after, warnings: vectors.warnings, changed: true };
  }

  /**
   * Removes the memory from search and listing; its versions stay readable through `history`. The
   * facts it closed as their successor are true again for as long as it was (see `closeGap`).
   */
  async delete(agentId: string, memoryId: string, options: { actor?: Actor } = {}): Promise<void> {
    const agent = await requireAgent(this.#ctx, agentId);
    const actor = options.actor ?? "user";
    for (let attempt = 1; ; attempt++) {
      const before = await this.#require(agent, memoryId);
      const now = nowIso(this.#ctx);
      const write = memoryWrite(this.#ctx, agent, {
        memory: before,
        operation: "delete",
        actor,
        before,
        at: now,
      });
      const work = this.#ctx.store.unitOfWork();
      const linked = await this.#gapClosed(agent, before, actor, now);
      // The key's facts are checked once, before the first change.
      linked.writes.forEach((change, i) => {
        work.memories.update(change.write, change.expectedVersion, i === 0 ? linked.keys : undefined);
      });
      // What the memory named leaves the graph with it, whatever the graph mode is now: first, while
      // its row still tells the graph which of its entities' relations it stated.
      unrecord(work, before);
      if (keepsGraph(agent))
        for (const { write: changed } of linked.writes)
          work.graph.record(graphOwner(changed.memory), [memoryRecord(changed.memory)]);
      work.memories.delete(before.agentId, memoryId, write.version, write.event);
      try {
        await work.commit();
        return;
      } catch (error) {
        // A fact linked to it changed meanwhile: read them again.
        if (linked.writes.length > 0 && error instanceof ConflictError && attempt < KEYED_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /**
   * The writes that close the gap a deleted fact leaves in its links (`closeGap`), and for a keyed
   * fact its key's facts from its start on, as read, for the transaction to check.
   */
  async #gapClosed(
    agent: Agent,
    deleted: Memory,
    actor: Actor,
    now: string,
  ): Promise<{
    writes: { write: MemoryWrite; expectedVersion: number }[];
    keys: Supersession["keys"] | undefined;
  }> {
    const mark = markOf(deleted);
    const read = async (id: string) => this.#ctx.store.memories.get(deleted.agentId, id);
    const closed = (await Promise.all((mark.supersedes ?? []).map(read))).filter((m) => m !== null);
    const successor = mark.supersededBy === undefined ? null : await read(mark.supersededBy);
    const changed = closeGap(deleted, closed, successor);
    const known = new Map([...closed, ...(successor === null ? [] : [successor])].map((m) => [m.id, m]));
    // A fact made true again joins its key's chain as it stands (its own key, whether or not the
    // deleted fact had that one): another fact of the key may have become current meanwhile, written
    // while the deleted one was archived or after it closed this one, and then closes it.
    const since = startOf(deleted);
    const matches = new Map<string, KeyedMatch>();
    if (changed.length > 0)
      for (const m of [deleted, ...changed]) {
        const match = keyedMatch(m);
        if (match !== null) matches.set(matchKey(match), match);
      }
    const requests = [...matches.values()].map((match) => ({ ...match, since }));
    const found = requests.length === 0 ? [] : await this.#ctx.store.memories.keyFacts(requests);
    const keys = requests.map((request, i) => ({ ...request, ids: (found[i] ?? []).map((m) => m.id) }));
    const patched = new Map(changed.map((m) => [m.id, m]));
    const chained = changed.filter((m) => keyedMatch(m) === null);
    requests.forEach((request, i) => {
      const rest = (found[i] ?? []).filter((m) => m.id !== deleted.id);
      for (const m of rest) if (!known.has(m.id)) known.set(m.id, m);
      const reopened = changed.filter((m) => {
        const match = keyedMatch(m);
        return match !== null && matchKey(match) === matchKey(request) && !rest.some((r) => r.id === m.id);
      });
      chained.push(...chainFacts([...reopened, ...rest.map((m) => patched.get(m.id) ?? m)]));
    });
    const writes = chained.flatMap((after) => {
      const old = known.get(after.id) as Memory;
      if (isDeepStrictEqual(after, old)) return [];
      const memory = { ...after, version: old.version + 1, updatedAt: now };
      return [
        {
          write: memoryWrite(this.#ctx, agent, { memory, operation: "update", actor, before: old, at: now }),
          expectedVersion: old.version,
        },
      ];
    });
    return { writes, keys: writes.length === 0 || keys.length === 0 ? undefined : keys };
  }

  /**
   * Archives a memory: it stays (with its history) and can be listed and restored, but search no
   * longer finds it. Archiving an archived memory changes nothing.
   */
  async archive(agentId: string, memoryId: string, options: { actor?: Actor } = {}): Promise<Memory> {
    return this.#setArchived(agentId, memoryId, true, options.actor ?? "user");
  }

  /** Brings an archived memory back into search. Restoring an active memory changes nothing. */
  async restore(agentId: string, memoryId: string, options: { actor?: Actor } = {}): Promise<Memory> {
    return this.#setArchived(agentId, memoryId, false, options.actor ?? "user");
  }

  async #setArchived(agentId: string, memoryId: string, archive: boolean, actor: Actor): Promise<Memory> {
    const agent = await requireAgent(this.#ctx, agentId);
    const before = await this.#require(agent, memoryId);
    if ((before.archivedAt !== null) === archive) return before;
    const now = nowIso(this.#ctx);
    const after: Memory = {
      ...before,
      archivedAt: archive ? now : null,
      version: before.version + 1,
      updatedAt: now,
    };
    const keys = await keepOneOpenFact(
      this.#ctx.store.memories,
      before,
      after,
      (other) =>
        `invalid memory restore: memory ${memoryId} cannot come back open while ${openFact(other)} is: ` +
        "a key has one open fact at a time; close one of them first (validTo), or write the value again as a new fact",
    );
    // The graph, as a rebuild would make it, holds what the memories that are not archived say:
    // archiving takes what this one named out of it (whatever the graph mode), restoring puts it back.
    const work = this.#ctx.store.unitOfWork();
    work.memories.update(
      memoryWrite(this.#ctx, agent, { memory: after, operation: "update", actor, before, at: now }),
      before.version,
      keys,
    );
    if (archive) unrecord(work, before);
    else if (keepsGraph(agent)) work.graph.record(graphOwner(before), [memoryRecord(after)]);
    await work.commit();
    return after;
  }

  /** Every version of a memory, oldest first, including its deletion. */
  async history(agentId: string, memoryId: string): Promise<MemoryVersion[]> {
    const agent = await requireAgent(this.#ctx, agentId);
    let versions = await this.#ctx.store.memories.history(agent.id, memoryId);
    if (versions.length === 0) {
      const holder = await findProjectHolder(this.#ctx, agent.projectId);
      if (holder !== null) versions = await this.#ctx.store.memories.history(holder.id, memoryId);
    }
    if (versions.length === 0) throw new NotFoundError(`memory ${memoryId} not found on agent ${agent.id}`);
    return versions;
  }

  /** Newest first (oldest first with `oldestFirst`), filtered. */
  async list(agentId: string, options: MemoryListInput = {}): Promise<Page<Memory>> {
    const input = parseInput(memoryListInput, dropUndefined(options), "memory list");
    checkSpan("memory list", ["createdAfter", input.createdAfter], ["createdBefore", input.createdBefore]);
    checkFilterValidity(input.filter, input.validAt, "memory list");
    checkCursor(input.cursor, "memory", "memory list");
    const agent = await requireAgent(this.#ctx, agentId);
    const limit = input.limit ?? 50;
    const { scope, oldestFirst, ...filter } = input;
    const owner = scope === "project" ? await findProjectHolder(this.#ctx, agent.projectId) : agent;
    // A project with no project memory yet has no holder: its list is empty.
    if (owner === null) return { items: [], nextCursor: null };
    const rows = await this.#ctx.store.memories.list(
      { ...filter, agentId: owner.id },
      { after: input.cursor, limit: limit + 1, oldestFirst: oldestFirst ?? false },
    );
    return pageOf(rows, limit, (m) => m.id);
  }

  /** The agent's memory, or its project's: project memory is read and kept through any agent of the project. */
  async #require(agent: Agent, memoryId: string): Promise<Memory> {
    const memory =
      typeof memoryId === "string" ? await this.#ctx.store.memories.get(agent.id, memoryId) : null;
    if (memory !== null) return memory;
    const holder = typeof memoryId === "string" ? await findProjectHolder(this.#ctx, agent.projectId) : null;
    const shared = holder === null ? null : await this.#ctx.store.memories.get(holder.id, memoryId);
    if (shared === null) throw new NotFoundError(`memory ${memoryId} not found on agent ${agent.id}`);
    return shared;
  }
}

/**
 * A memory's write for the store: the memory, its version for the history, and its event. The event
 * is `memory.created|updated|deleted`, or `memory.archived|restored` when an update changes only that.
 */
export function memoryWrite(
  ctx: EngineContext,
  agent: Agent,
  change: {
    memory: Memory;
    operation: MemoryVersion["operation"];
    actor: Actor;
    before: Memory | null;
    at: string;
  },
): MemoryWrite {
  const { memory, operation, actor, before, at } = change;
  const version: MemoryVersion = {
    memoryId: memory.id,
    version: operation === "delete" ? memory.version + 1 : memory.version,
    operation,
    actor,
    memory,
    createdAt: at,
  };
  return {
    memory,
    version,
    event: makeEvent(ctx, {
      projectId: agent.projectId,
      agentId: agent.id,
      actor,
      kind: `memory.${eventVerb(operation, before, memory)}`,
      targetType: "memory",
      targetId: memory.id,
      before,
      after: operation === "delete" ? null : memory,
      createdAt: at,
    }),
  };
}

function eventVerb(
  operation: MemoryVersion["operation"],
  before: Memory | null,
  after: Memory,
): "created" | "deleted" | "restored" | "archived" | "updated" {
  if (operation === "create") return "created";
  if (operation === "delete") return "deleted";
  if (before !== null && (before.archivedAt === null) !== (after.archivedAt === null))
    return after.archivedAt === null ? "restored" : "archived";
  return "updated";
}

/**
 * When a memory with no validFrom given became true: when it was stated or formed (or written),
 * unless it is said to have ended before that, when its start is unknown (null: true until its validTo).
 */
function defaultStart(start: string, validTo: string | undefined): string | null {
  return validTo !== undefined && validTo < start ? null : start;
}

function checkValidity(validFrom: string | undefined, validTo: string | undefined, what: string): void {
  if (!validityInOrder(validFrom, validTo))
    throw new InvalidInputError(`invalid ${what}: validTo: must not be before validFrom`);
}

/** The memories a supersession closes, by the graph each was recorded in (see `graphOwner`). */
function closedByOwner(supersession: Supersession | undefined): Map<string, Memory[]> {
  const out = new Map<string, Memory[]>();
  for (const { write } of supersession?.closes ?? []) {
    const owner = graphOwner(write.memory);
    const closed = out.get(owner);
    if (closed === undefined) out.set(owner, [write.memory]);
    else closed.push(write.memory);
  }
  return out;
}

/** Adds to `work` taking what the memory named out of the graph it was recorded in. */
function unrecord(work: UnitOfWork, memory: Memory): void {
  work.graph.record(graphOwner(memory), [emptyRecord("memory", memory.id, memory.userId, memory.createdAt)]);
}

/**
 * Whose graph a memory was first recorded in: its agent's, or for project memory the agent that wrote
 * it (a deletion clears its mentions there; it inserts nothing, so a writer since deleted is harmless).
 */
export function graphOwner(memory: Memory): string {
  const writer = memory.metadata[WRITTEN_BY];
  return typeof writer === "string" ? writer : memory.agentId;
}

/** An open keyed fact, named in an error: its id, key, user and start. */
function openFact(memory: Memory): string {
  const user = memory.userId === null ? "" : ` (user ${memory.userId})`;
  return `memory ${memory.id} of key ${memory.key}${user}, true since ${startOf(memory)},`;
}
