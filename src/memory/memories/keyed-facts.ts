import { ConflictError } from "../../core/errors.ts";
import type { Memory } from "../../core/types.ts";
import type { KeyedMatch, MemoryStore, Supersession } from "../../store/store.ts";
import { addIds, markOf, withMark, withoutMark } from "./memory-mark.ts";

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

/** Since when what a fact states has been true: from the first fact of a run of restatements. */
export function trueSinceOf(memory: Memory): string {
  const since = markOf(memory).trueSince;
  return typeof since === "string" ? since : startOf(memory);
}

/** Whether two texts state the same thing: the same words, whatever their case, spacing or final stop. */
export function sameStatement(a: string, b: string): boolean {
  const plain = (text: string) =>
    text
      .trim()
      .replace(/[.!]+$/, "")
      .replace(/\s+/g, " ")
      .toLowerCase();
  return plain(a) === plain(b);
}

/**
 * A keyed fact as it follows `older` in its key's chain: a restatement of it (the same statement)
 * carries on its `trueSince`, any other fact has none.
 */
function following(newer: Memory, older: Memory | null): Memory {
  return older !== null && sameStatement(newer.text, older.text)
    ? withMark(newer, { trueSince: trueSinceOf(older) })
    : withoutMark(newer, "trueSince");
}

/**
 * The open facts of one key, existing ones first then new ones in write order, ordered by when they
 * became true (a tie keeps that order) and each closed where the next one starts, marked
 * `supersededBy` it (the next marked `supersedes`), as sleep-time consolidation marks a contradiction.
 * A fact that says again what the one before it said is marked with when that became true
 * (`trueSince`): its own start stays when it was said, so that history and `validAt` read as written.
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
    ordered[i + 1] = following(
      withMark(newer, { supersedes: addIds(markOf(newer).supersedes, older.id) }),
      older,
    );
  }
  return ordered;
}

/**
 * What deleting a fact changes in the facts linked to it, as if it had never been written: the facts
 * it closed (each closed where it began, marked superseded by it) are true again for as long as it
 * was, superseded by what superseded it; that successor supersedes them instead, and its
 * `trueSince` follows the fact now before it. Returns the changed facts.
 */
export function closeGap(deleted: Memory, closed: readonly Memory[], successor: Memory | null): Memory[] {
  const reopened = closed
    .filter((m) => markOf(m).supersededBy === deleted.id && m.validTo === startOf(deleted))
    .map((m) => {
      const longer = { ...m, validTo: deleted.validTo };
      return successor === null
        ? withoutMark(longer, "supersededBy")
        : withMark(longer, { supersededBy: successor.id });
    });
  if (successor === null) return reopened;
  const supersedes = addIds(
    markOf(successor).supersedes?.filter((id) => id !== deleted.id),
    ...reopened.map((m) => m.id),
  );
  const linked =
    supersedes.length === 0 ? withoutMark(successor, "supersedes") : withMark(successor, { supersedes });
  const before = reopened.length === 1 && successor.key !== null ? (reopened[0] as Memory) : null;
  return [...reopened, following(linked, before)];
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
