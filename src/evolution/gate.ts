import { ConflictError } from "../core/errors.ts";
import type { Agent } from "../core/types.ts";
import type { InsightOperation, InsightService } from "../insights/insight-service.ts";
import type { AgentService } from "../memory/agents/agent-service.ts";
import type { BlockService } from "../memory/blocks/block-service.ts";
import type { BlockChange } from "../memory/blocks/schemas.ts";
import type { Store } from "../store/store.ts";
import { type LearnedContext, normaliseRule } from "./learned-context.ts";
import type { ContextWrite } from "./save-run.ts";

/** The services the gate reads and writes the agent through. */
export interface AgentAccess {
  store: Store;
  agents: AgentService;
  blocks: BlockService;
  insights: InsightService;
}

/** An agent's learned context on a branch, with the head it was read at. */
export async function loadContext(
  access: AgentAccess,
  agent: Agent,
  branch: string,
): Promise<{ context: LearnedContext; head: string }> {
  const set = await access.blocks.list(agent.id, { branch });
  const insights = await access.store.insights.list(agent.id);
  return {
    head: set.commit,
    context: {
      instructions: agent.instructions,
      blocks: set.blocks.map((b) => ({
        label: b.label,
        description: b.description,
        value: b.value,
        limit: b.limit,
        readOnly: b.readOnly,
      })),
      insights: insights.map((i) => i.text),
    },
  };
}

/** Whether the gate decides for the candidate: its held-out score fell by no more than the tolerance. */
export function passesGate(candidate: number, baseline: number, tolerance: number): boolean {
  // Scores are rounded to 6 decimals; compare on that grid so 0.1 + 0.2 style noise cannot decide.
  return Math.round((candidate - baseline + tolerance) * 1e6) >= 0;
}

/** What the agent must look like for a candidate to be applied: the run's view of it. */
export interface Expected {
  head: string;
  context: LearnedContext;
}

/** Whether two lists of insight rules hold the same rules, whatever their order and spelling. */
export const sameRules = (a: readonly string[], b: readonly string[]) => {
  const x = new Set(a.map(normaliseRule));
  const y = new Set(b.map(normaliseRule));
  return x.size === y.size && [...x].every((r) => y.has(r));
};

/**
 * Prepares a candidate's context for the agent: its blocks as one commit authored `evolver` on the
 * expected head, its instructions and its insight rules, as one write for the run to store with its
 * record of the candidate (so the agent changes together with that record, or not at all). Every
 * part is checked first, and a part already at the target is left out, so a candidate applied by an
 * earlier attempt is not applied twice.
 * @throws ConflictError when the agent changed since the run read it.
 */
export async function prepareContext(
  access: AgentAccess,
  agentId: string,
  branch: string,
  expected: Expected,
  target: LearnedContext,
  commit: { message: string; marker: string },
  /**
   * Who makes the change: the evolver accepting a candidate (blocks are never removed), or a user
   * rolling a run back (`exact`: blocks the target lacks are deleted).
   */
  { by = "evolver", exact = false }: { by?: "evolver" | "user"; exact?: boolean } = {},
): Promise<{ write: ContextWrite; commitId: string | null; head: string }> {
  const agent = await access.agents.get(agentId);
  const now = await loadContext(access, agent, branch);
  let blocksDone = false;
  if (now.head !== expected.head) {
    const head = await access.store.history.getCommit(agent.id, now.head);
    blocksDone =
      head !== null &&
      head.parentId === expected.head &&
      head.author === "evolver" &&
      head.message.includes(commit.marker);
    if (!blocksDone)
      throw changed(
        `branch "${branch}" moved from ${expected.head.slice(0, 12)} to ${now.head.slice(0, 12)}`,
      );
  }
  const instructionsDone = now.context.instructions === target.instructions;
  if (!instructionsDone && now.context.instructions !== expected.context.instructions)
    throw changed("its instructions were edited");
  const rulesDone = sameRules(now.context.insights, target.insights);
  if (!rulesDone && !sameRules(now.context.insights, expected.context.insights))
    throw changed("its insight rules changed");

  const write: ContextWrite = { agentId: agent.id, commit: null, instructions: null, insights: null };
  let commitId: string | null = blocksDone ? now.head : null;
  let head = now.head;
  if (!blocksDone) {
    const changes = blockChanges(now.context, target, exact);
    if (changes.length > 0) {
      const prepared = await access.blocks.prepareCommit(agent.id, {
        changes,
        branch,
        expectedHead: expected.head,
        author: by,
        message: commit.message,
      });
      write.commit = prepared.append;
      commitId = prepared.changed ? prepared.commit.id : null;
      head = prepared.commit.id;
    }
  }
  if (!instructionsDone) {
    const { after, event } = await access.agents.prepareUpdate(
      agent.id,
      { instructions: target.instructions },
      { actor: by },
    );
    write.instructions = {
      value: after.instructions,
      expected: now.context.instructions,
      updatedAt: after.updatedAt,
      event,
    };
  }
  if (!rulesDone) {
    const rules = await access.store.insights.list(agent.id);
    const wanted = new Set(target.insights.map(normaliseRule));
    const present = new Set(rules.map((r) => normaliseRule(r.text)));
    // REMOVE takes one support at a time: one operation per point removes the rule whatever its count.
    const operations: InsightOperation[] = [
      ...rules
        .filter((r) => !wanted.has(normaliseRule(r.text)))
        .flatMap((r) => Array.from({ length: r.count }, () => ({ op: "remove" as const, id: r.id }))),
      ...target.insights
        .filter((t) => !present.has(normaliseRule(t)))
        .map((text) => ({ op: "add" as const, text })),
    ];
    if (operations.length > 0) {
      const plan = await access.insights.prepare(agent.id, operations, { actor: by, strict: false });
      write.insights = {
        upserts: plan.upserts,
        deletes: plan.deletes,
        expected: plan.expected,
        events: plan.events,
      };
    }
  }
  return { write, commitId, head };
}

function changed(what: string): ConflictError {
  return new ConflictError(
    `the agent changed while the evolution run was deciding (${what}): the candidate was not applied`,
  );
}

/**
 * Set operations turning the blocks of `now` into those of `target`; blocks `target` lacks are
 * removed only when `exact`.
 */
function blockChanges(now: LearnedContext, target: LearnedContext, exact: boolean): BlockChange[] {
  const changes: BlockChange[] = [];
  if (exact)
    for (const block of now.blocks)
      if (!target.blocks.some((b) => b.label === block.label))
        changes.push({ op: "delete", label: block.label });
  for (const block of target.blocks) {
    const current = now.blocks.find((b) => b.label === block.label);
    if (current?.value === block.value) continue;
    changes.push(
      current === undefined
        ? {
            op: "set",
            label: block.label,
            value: block.value,
            description: block.description,
            limit: block.limit,
          }
        : { op: "set", label: block.label, value: block.value },
    );
  }
  return changes;
}
