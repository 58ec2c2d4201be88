import assert from "node:assert/strict";
import { it } from "node:test";
import { NotFoundError } from "../core/errors.ts";
import type { Group } from "../core/group-types.ts";
import type { Agent } from "../core/types.ts";
import type { Store } from "./store.ts";
import type { SuiteKit } from "./store-suite-jobs.ts";

/** Groups' part of `runStoreSuite`: a group with its ordered members, held to its project. */
export function groupCases(kit: SuiteKit): void {
  const { id, at, event, withStore, seed } = kit;

  /** Another agent of the project, with the seeded agent's first commit shape. */
  const addAgent = async (store: Store, projectId: string, name: string): Promise<Agent> => {
    const agent: Agent = {
      id: id("agt"),
      projectId,
      name,
      model: null,
      instructions: "",
      metadata: {},
      defaultBranch: "main",
      createdAt: at(0),
      updatedAt: at(0),
    };
    await store.agents.create(agent, { commits: [], blobs: [], branches: [] }, [
      event(projectId, "agent.created", agent.id),
    ]);
    return agent;
  };

  const group = (projectId: string, fields: Partial<Group>): Group => ({
    id: id("grp"),
    projectId,
    name: "team",
    pattern: "supervisor",
    managerId: null,
    members: [],
    maxTurns: null,
    createdAt: at(1),
    ...fields,
  });

  it("groups: stores a group with its members in order, pages them by project, and deletes them", async () => {
    await withStore(async (store) => {
      const { project, agent: boss } = await seed(store);
      const w1 = await addAgent(store, project.id, "w1");
      const w2 = await addAgent(store, project.id, "w2");
      const a = group(project.id, {
        managerId: boss.id,
        members: [
          { agentId: w2.id, responder: "reactive" },
          { agentId: w1.id, responder: null },
        ],
      });
      const b = group(project.id, {
        pattern: "round-robin",
        maxTurns: 4,
        members: [
          { agentId: w1.id, responder: null },
          { agentId: w2.id, responder: "simple" },
        ],
      });
      await store.groups.create(a, event(project.id, "group.created"));
      await store.groups.create(b, event(project.id, "group.created"));
      assert.deepEqual(await store.groups.get(a.id), a);
      assert.deepEqual(await store.groups.get(b.id), b);
      assert.equal(await store.groups.get(id("grp")), null);
      assert.deepEqual(await store.groups.list({ projectId: project.id, limit: 1 }), [a]);
      assert.deepEqual(await store.groups.list({ projectId: project.id, after: a.id, limit: 5 }), [b]);
      assert.deepEqual(await store.groups.list({ projectId: id("prj"), limit: 5 }), []);
      await store.groups.delete(a.id, event(project.id, "group.deleted"));
      assert.equal(await store.groups.get(a.id), null);
      await assert.rejects(store.groups.delete(a.id, event(project.id, "group.deleted")), NotFoundError);
      const kinds = (await store.events.list({ projectId: project.id, limit: 50 })).map((e) => e.kind);
      assert.deepEqual(
        kinds.filter((k) => k.startsWith("group.")),
        ["group.created", "group.created", "group.deleted"],
      );
    });
  });

  it("groups: deleting an agent hands its groups, as they were, to groupEvents, in the same transaction", async () => {
    await withStore(async (store) => {
      const { project, agent: boss } = await seed(store);
      const w1 = await addAgent(store, project.id, "w1");
      const w2 = await addAgent(store, project.id, "w2");
      const managed = group(project.id, { managerId: w1.id, members: [{ agentId: w2.id, responder: null }] });
      const joined = group(project.id, {
        managerId: boss.id,
        members: [
          { agentId: w1.id, responder: null },
          { agentId: w2.id, responder: null },
        ],
      });
      const apart = group(project.id, { managerId: boss.id, members: [{ agentId: w2.id, responder: null }] });
      for (const g of [managed, joined, apart])
        await store.groups.create(g, event(project.id, "group.created"));
      let seen: Group[] = [];
      await store.agents.delete(w1.id, event(project.id, "agent.deleted", w1.id), (groups) => {
        seen = groups;
        return groups.map((g) => event(project.id, `group.changed.${g.id}`));
      });
      assert.deepEqual(
        seen,
        [managed, joined].sort((x, y) => (x.id < y.id ? -1 : 1)),
      );
      assert.equal(await store.groups.get(managed.id), null);
      assert.deepEqual((await store.groups.get(joined.id))?.members, [{ agentId: w2.id, responder: null }]);
      assert.deepEqual(await store.groups.get(apart.id), apart);
      const kinds = (await store.events.list({ projectId: project.id, limit: 50 })).map((e) => e.kind);
      assert.deepEqual(kinds.slice(-3), ["agent.deleted", ...seen.map((g) => `group.changed.${g.id}`)]);
      // A delete that fails writes none of them.
      await assert.rejects(
        store.agents.delete(w1.id, event(project.id, "agent.deleted"), () => [event(project.id, "group.x")]),
        NotFoundError,
      );
      assert.ok(
        !(await store.events.list({ projectId: project.id, limit: 50 })).some((e) => e.kind === "group.x"),
      );
    });
  });

  it("groups: refuses an agent of another project or a missing one, writing nothing", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const { agent: foreign } = await seed(store);
      for (const members of [
        [{ agentId: foreign.id, responder: null }],
        [{ agentId: id("agt"), responder: null }],
      ])
        await assert.rejects(
          store.groups.create(
            group(project.id, { managerId: agent.id, members }),
            event(project.id, "group.created"),
          ),
          (error: unknown) =>
            error instanceof NotFoundError && error.message.includes(members[0]?.agentId ?? "?"),
        );
      await assert.rejects(
        store.groups.create(
          group(project.id, { managerId: foreign.id, members: [{ agentId: agent.id, responder: null }] }),
          event(project.id, "group.created"),
        ),
        NotFoundError,
      );
      await assert.rejects(
        store.groups.create(group(id("prj"), { members: [] }), event(project.id, "group.created")),
        NotFoundError,
      );
      assert.deepEqual(await store.groups.list({ projectId: project.id, limit: 5 }), []);
      const kinds = (await store.events.list({ projectId: project.id, limit: 50 })).map((e) => e.kind);
      assert.ok(!kinds.includes("group.created"));
    });
  });

  it("groups: a deleted member leaves the group; a deleted manager takes the group with it", async () => {
    await withStore(async (store) => {
      const { project, agent: boss } = await seed(store);
      const w1 = await addAgent(store, project.id, "w1");
      const w2 = await addAgent(store, project.id, "w2");
      const g = group(project.id, {
        managerId: boss.id,
        members: [
          { agentId: w1.id, responder: null },
          { agentId: w2.id, responder: null },
        ],
      });
      await store.groups.create(g, event(project.id, "group.created"));
      await store.agents.delete(w1.id, event(project.id, "agent.deleted", w1.id));
      assert.deepEqual((await store.groups.get(g.id))?.members, [{ agentId: w2.id, responder: null }]);
      await store.agents.delete(boss.id, event(project.id, "agent.deleted", boss.id));
      assert.equal(await store.groups.get(g.id), null);
    });
  });
}
