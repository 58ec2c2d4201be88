import { ID_PREFIX } from "./ids.ts";
import { wellFormedPrefix } from "./input-limits.ts";

/** The most characters (UTF-16 units) an agent's name may have. */
export const MAX_AGENT_NAME = 200;

/** How every agent id starts. */
export const AGENT_ID_PREFIX = `${ID_PREFIX.agent}_`;

/**
 * Whether a reference to an agent is its id rather than its name. Lookups go by this alone, so no
 * name may start the same way ({@link ID_LIKE_NAME}).
 */
export function isAgentId(idOrName: string): boolean {
  return idOrName.startsWith(AGENT_ID_PREFIX);
}

/** What is wrong with a name that {@link isAgentId} would read as an id. */
export const ID_LIKE_NAME = `must not start with "${AGENT_ID_PREFIX}", which marks agent ids`;

/**
 * Agent names are unique within a project. When a copy needs a name of its own (a fork or an import
 * with new ids, or a database from before names were unique), it takes the first free of `NAME`,
 * `NAME-2`, `NAME-3`, …, in this order. Each is cut to fit {@link MAX_AGENT_NAME} (never splitting a
 * pair), so a name engram makes is one that an import of its export accepts.
 */
export function* agentNameCandidates(name: string): Generator<string, never> {
  yield wellFormedPrefix(name, MAX_AGENT_NAME);
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    yield `${wellFormedPrefix(name, MAX_AGENT_NAME - suffix.length)}${suffix}`;
  }
}

/** The first of {@link agentNameCandidates} that is not taken. */
export function freeAgentName(name: string, isTaken: (candidate: string) => boolean): string {
  for (const candidate of agentNameCandidates(name)) if (!isTaken(candidate)) return candidate;
  throw new Error("unreachable");
}

/** The error message for a name another agent of the project has. */
export function agentNameTaken(name: string): string {
  return `an agent named "${name}" already exists in this project`;
}
