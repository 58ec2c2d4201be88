import { sha256 } from "../core/hash.ts";
import type { Agent, Commit, NewEvent, Project } from "../core/types.ts";
import { makeCommit } from "../memory/blocks/commit-hash.ts";
import type { Store } from "./store.ts";
import type { SuiteKit } from "./store-suite-jobs.ts";

/**
 * The fixtures of the store suite: ids unique to the kit, fixed times, events, and a seeded project
 * with an agent whose `main` has one commit. `withStore` opens a store with `create` and closes it.
 */
export function suiteKit(create: () => Store | Promise<Store>): SuiteKit {
  let counter = 0;
  const id = (prefix: string) => `${prefix}_${String(++counter).padStart(26, "0")}`;
  const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  const event = (projectId: string, kind: string, agentId: string | null = null): NewEvent => ({
    id: id("evt"),
    projectId,
    agentId,
    actor: "user",
    kind,
    targetType: "test",
    targetId: "t",
    before: null,
    after: { kind },
    createdAt: at(0),
  });

  async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
    const store = await create();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  async function seed(store: Store): Promise<{ project: Project; agent: Agent; root: Commit }> {
    const project: Project = {
      id: id("prj"),
      name: `p${counter}`,
      metadata: {},
      createdAt: at(0),
      updatedAt: at(0),
    };
    await store.projects.create(project, event(project.id, "project.created"));
    const agent: Agent = {
      id: id("agt"),
      projectId: project.id,
      name: "a",
      model: null,
      instructions: "",
      metadata: { k: 1 },
      defaultBranch: "main",
      createdAt: at(0),
      updatedAt: at(0),
    };
    const value = "hello";
    const root = makeCommit({
      parentId: null,
      tree: [{ label: "human", description: "", limit: 100, readOnly: false, valueHash: sha256(value) }],
      author: "user",
      message: "root",
      createdAt: at(0),
    });
    await store.agents.create(
      agent,
      {
        commits: [root],
        blobs: [{ hash: sha256(value), value }],
        branches: [{ name: "main", head: root.id }],
      },
      [event(project.id, "agent.created", agent.id)],
    );
    return { project, agent, root };
  }

  function child(
    parent: Commit,
    value: string,
    n: number,
  ): { commit: Commit; blob: { hash: string; value: string } } {
    const hash = sha256(value);
    return {
      commit: makeCommit({
        parentId: parent.id,
        tree: [{ label: "human", description: "", limit: 100, readOnly: false, valueHash: hash }],
        author: "agent",
        message: `c${n}`,
        createdAt: at(n),
      }),
      blob: { hash, value },
    };
  }

  return { id, at, event, withStore, seed, child };
}
