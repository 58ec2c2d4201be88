import type { Random } from "../environments/random.ts";

/** A candidate of the pool as selection sees it: its score on each validation task. */
export interface PoolMember {
  id: string;
  scores: Readonly<Record<string, number>>;
  aggregate: number;
}

const scoreOf = (member: PoolMember, taskId: string) => member.scores[taskId] ?? 0;

/** Whether `a` is at least as good as `b` on every task and better on one. */
export function dominates(a: PoolMember, b: PoolMember, taskIds: readonly string[]): boolean {
  let better = false;
  for (const id of taskIds) {
    if (scoreOf(a, id) < scoreOf(b, id)) return false;
    if (scoreOf(a, id) > scoreOf(b, id)) better = true;
  }
  return better;
}

/**
 * GEPA's Pareto front: the candidates that reach the best score on at least one task, less those
 * another of them dominates; each with the number of tasks it is best on (its weight in selection).
 * In pool order.
 */
export function paretoFront(
  pool: readonly PoolMember[],
  taskIds: readonly string[],
): { member: PoolMember; wins: number }[] {
  const wins = new Map<string, number>();
  for (const id of taskIds) {
    const best = Math.max(...pool.map((m) => scoreOf(m, id)));
    for (const member of pool)
      if (scoreOf(member, id) === best) wins.set(member.id, (wins.get(member.id) ?? 0) + 1);
  }
  const leaders = pool.filter((m) => wins.has(m.id));
  return leaders
    .filter((m) => !leaders.some((other) => other !== m && dominates(other, m, taskIds)))
    .map((member) => ({ member, wins: wins.get(member.id) ?? 0 }));
}

/** A parent drawn from the front, each member weighted by the tasks it is best on. */
export function selectParent(
  pool: readonly PoolMember[],
  taskIds: readonly string[],
  random: Random,
): PoolMember {
  const front = paretoFront(pool, taskIds);
  const total = front.reduce((sum, f) => sum + f.wins, 0);
  if (front.length === 0 || total === 0) {
    const first = pool[0];
    if (first === undefined) throw new Error("the candidate pool is empty");
    return first;
  }
  let ticket = random.integer(total);
  for (const { member, wins } of front) {
    if (ticket < wins) return member;
    ticket -= wins;
  }
  return (front.at(-1) as { member: PoolMember }).member;
}

/**
 * The pool cut to `max` members: first those off the front go, then front members, lowest aggregate
 * first (the older on a tie). Members in `keep` (the agent's current context) always stay.
 */
export function prunePool(
  pool: readonly PoolMember[],
  taskIds: readonly string[],
  max: number,
  keep: ReadonlySet<string>,
): PoolMember[] {
  const kept = [...pool];
  while (kept.length > max) {
    const onFront = new Set(paretoFront(kept, taskIds).map((f) => f.member.id));
    const removable = kept.filter((m) => !keep.has(m.id));
    if (removable.length === 0) break;
    const off = removable.filter((m) => !onFront.has(m.id));
    const from = off.length > 0 ? off : removable;
    const victim = from.reduce((worst, m) => (m.aggregate < worst.aggregate ? m : worst));
    kept.splice(kept.indexOf(victim), 1);
  }
  return kept;
}

/** The pool after these members joined it in order, cut to `max` as each joined (the newest kept). */
export function replayPool(
  joined: readonly PoolMember[],
  taskIds: readonly string[],
  max: number,
): PoolMember[] {
  let pool: PoolMember[] = [];
  for (const member of joined) pool = prunePool([...pool, member], taskIds, max, new Set([member.id]));
  return pool;
}
