import type { DatabaseSync } from "node:sqlite";
import { freeAgentName } from "../../core/agent-names.ts";
import { createIdGenerator } from "../../core/ids.ts";

/**
 * Before agent names were unique within a project, two agents could share one. So that the unique
 * index can be built on such a database, every agent but the oldest of each shared name (by creation
 * time, then id) is renamed to the first free `NAME-2`, `NAME-3`, …, and each rename is recorded in
 * the event log as `agent.renamed`.
 */
export function renameDuplicateAgents(db: DatabaseSync): void {
  const duplicates = db
    .prepare(
      `SELECT a.id AS id, a.project_id AS projectId, a.name AS name
       FROM agents a
       WHERE EXISTS (
         SELECT 1 FROM agents b
         WHERE b.project_id = a.project_id AND b.name = a.name
           AND (b.created_at < a.created_at OR (b.created_at = a.created_at AND b.id < a.id))
       )
       ORDER BY a.project_id, a.name, a.created_at, a.id`,
    )
    .all() as { id: string; projectId: string; name: string }[];
  if (duplicates.length === 0) return;
  const taken = db.prepare("SELECT 1 FROM agents WHERE project_id = ? AND name = ?");
  const rename = db.prepare("UPDATE agents SET name = ? WHERE id = ?");
  const record = db.prepare(
    `INSERT INTO events (id, project_id, agent_id, actor, kind, target_type, target_id, before, after, created_at)
     VALUES (?, ?, ?, 'user', 'agent.renamed', 'agent', ?, ?, ?, ?)`,
  );
  const generateId = createIdGenerator();
  const at = new Date().toISOString();
  for (const agent of duplicates) {
    const name = freeAgentName(
      agent.name,
      (candidate) => taken.get(agent.projectId, candidate) !== undefined,
    );
    rename.run(name, agent.id);
    record.run(
      generateId("event"),
      agent.projectId,
      agent.id,
      agent.id,
      JSON.stringify({ name: agent.name }),
      JSON.stringify({ name, reason: "agent names became unique within a project" }),
      at,
    );
  }
}
