import { ConflictError } from "../../core/errors.ts";
import type { Memory } from "../../core/types.ts";
import type { KeyedMatch, MemoryStore, Supersession } from "../../store/store.ts";
import { addIds, markOf, withMark } from "./memory-mark.ts";

/**
 * Keyed facts: a fact that carries a `key` (`user.city`) is the one current value of that key for its
 * agent and user; a newer one closes it. The memory service reads the open facts, the functions
 * here decide, and the store applies what they decide in one transaction.
 */

/**
 * What a keyed fact is matched on: the same owner, user and key. This is the one place the match is
 * defined. The owner carries the scope: an agent's own memory is owned by the agent, a project memory
 * by its project's holder (project-memory.ts), so a keyed project fact closes the project's previous
 * fact of that key and user, whichever agent wrote either, and never an agent's own fact.
 */
export function keyedMatch(memory: Memory): KeyedMatch | null {
  if (memory.key === null) return null;
  return { agentId: memory.agentId, userId: memory.userId, key: memory.key };
}

/** A match as a map key. */
export const matchKey = (match: KeyedMatch): string =>
  JSON.stringify([match.agentId, match.userId, match.key]);

/** When a memory became true: its validFrom, else its creation (memories without one). */
export const startOf = (memory: Memory): string => memory.validFrom ?? memory.createdAt;

/**
 * The open facts of one key, existing ones first then new ones in write order, ordered by when they
 * became true (a tie keeps that order) and each closed where the next one starts, marked
 * `supersededBy` it (the next marked `supersedes`), as sleep-time consolidation marks a contradiction.
 * Returns every fact, changed or not, in the new order; the last one stays open.
 */
export function chainFacts(facts: readonly Memory[]): Memory[] {
  const ordered = facts
    .map((memory, i) => ({ memory, i }))
    .sort((a, b) => compare(startOf(a.memory), startOf(b.memory)) || a.i - b.i)
    .map((x) => x.memory);
  for (let i = 0; i + 1 < ordered.length; i++) {
    const older = ordered[i] as Memory;
    const newer = ordered[i + 1] as Memory;
    ordered[i] = withMark({ ...older, validTo: startOf(newer) }, { supersededBy: newer.id });
    ordered[i + 1] = withMark(newer, { supersedes: addIds(markOf(newer).supersedes, older.id) });
  }
  return ordered;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Asked of `MemoryStore.keyFacts` as `since`, it reads a key's open facts alone (validTo null). */
const OPEN_ONLY = "9999-12-31T23:59:59.999Z";

/**
 * A key has one open fact at a time: an open keyed write closes the one before it (`chainFacts`).
 * An update or a restore that leaves a keyed fact open when it was not (its validTo cleared, or
 * brought back from the archive) is refused while another fact of its key is open: chaining them
 * would close one of the two again, undoing what was asked. Returns the key's open facts as read,
 * for the write to check in its transaction (none); undefined when the write opens nothing.
 * @throws ConflictError naming the open fact.
 */
export async function keepOneOpenFact(
  store: Pick<MemoryStore, "keyFacts">,
  before: Memory,
  after: Memory,
  problem: (other: Memory) => string,
): Promise<Supersession["keys"] | undefined> {
  const match = keyedMatch(after);
  const open = (m: Memory) => m.validTo === null && m.archivedAt === null;
  if (match === null || !open(after) || open(before)) return undefined;
  const request = { ...match, since: OPEN_ONLY };
  const [facts = []] = await store.keyFacts([request]);
  const other = facts.find((m) => m.id !== after.id);
  if (other !== undefined) throw new ConflictError(problem(other));
  return [{ ...request, ids: facts.map((m) => m.id) }];
}
