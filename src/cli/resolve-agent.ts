import { NotFoundError } from "../core/errors.ts";
import type { Agent } from "../core/types.ts";
import type { Engram } from "../engram.ts";
import { DEFAULT_PROJECT } from "../memory/projects/default-project.ts";
import type { OptionSpecs } from "./command.ts";

/** `--project`, for commands that look an agent up by name. */
export const PROJECT_OPTION = {
  project: {
    type: "string",
    arg: "NAME",
    help: `project of AGENT, when named (default: ${DEFAULT_PROJECT})`,
  },
} as const satisfies OptionSpecs;

/**
 * The agent an AGENT argument names: an id, or a name unique in the project. With `--project`, an id
 * of another project's agent is not found either.
 */
export async function findAgent(engram: Engram, ref: string, project: string | undefined): Promise<Agent> {
  // Without this, a name on a fresh database reports "project default not found", which misleads.
  if (
    project === undefined &&
    !ref.startsWith("agt_") &&
    (await engram.projects.find(DEFAULT_PROJECT)) === null
  )
    throw await notFoundByName(engram, ref);
  let agent: Agent;
  try {
    agent = await engram.agents.find(ref, { project });
  } catch (error) {
    if (project === undefined && !ref.startsWith("agt_") && error instanceof NotFoundError)
      throw await notFoundByName(engram, ref);
    throw error;
  }
  if (project !== undefined && agent.projectId !== (await engram.projects.get(project)).id)
    throw new NotFoundError(`agent ${ref} not found in project ${project}`);
  return agent;
}

/**
 * An agent named without --project is looked for in the default project only: when other projects
 * have an agent of that name, the error names them, so that the fix (--project) is plain.
 */
async function notFoundByName(engram: Engram, name: string): Promise<NotFoundError> {
  const elsewhere: string[] = [];
  for (const projectName of (await projectNames(engram)).values()) {
    if (projectName === DEFAULT_PROJECT) continue;
    const found = await engram.agents.find(name, { project: projectName }).catch(() => null);
    if (found !== null) elsewhere.push(projectName);
  }
  if (elsewhere.length === 0) return new NotFoundError(`agent ${name} not found`);
  const where =
    elsewhere.length === 1
      ? `project ${elsewhere[0]} has one: add --project ${elsewhere[0]}`
      : `projects ${elsewhere.join(", ")} have one: add --project NAME`;
  return new NotFoundError(`agent ${name} not found in project ${DEFAULT_PROJECT}; ${where}`);
}

/** Project names by id, so that people see names where records carry ids (`--json` keeps the ids). */
export async function projectNames(engram: Engram): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await engram.projects.list({ cursor, limit: 500 });
    for (const project of page.items) names.set(project.id, project.name);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return names;
}

/** The name of the project with this id. */
export async function projectNameOf(engram: Engram, projectId: string): Promise<string> {
  return (await engram.projects.get(projectId)).name;
}
