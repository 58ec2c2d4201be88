/**
 * Agent names are unique within a project. When a copy needs a name of its own (a fork or an import
 * with new ids, or a database from before names were unique), it takes the first free of `NAME`,
 * `NAME-2`, `NAME-3`, …, in this order.
 */
export function* agentNameCandidates(name: string): Generator<string, never> {
  yield name;
  for (let n = 2; ; n++) yield `${name}-${n}`;
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
