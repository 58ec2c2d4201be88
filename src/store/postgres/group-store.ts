import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { Group } from "../../core/group-types.ts";
import type { NewEvent } from "../../core/types.ts";
import {
  GROUP_COLUMNS,
  GROUP_MEMBER_COLUMNS,
  type GroupMemberRow,
  type GroupRow,
  groupAgentIds,
  groupValues,
  memberValues,
  toGroup,
} from "../rows/group-rows.ts";
import type { GroupStore, ListOptions } from "../store.ts";
import { writeEvents } from "./event-writer.ts";
import { insertRows } from "./insert-rows.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import { requireProject } from "./project-store.ts";

export class PgGroupStore implements GroupStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async create(group: Group, event: NewEvent): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await requireProject(tx, group.projectId);
      // Locked against deletion until the group's rows refer to them.
      const ids = groupAgentIds(group);
      const found = await tx.all<{ id: string }>(
        "SELECT id FROM agents WHERE id = ANY($1::text[]) AND project_id = $2 FOR KEY SHARE",
        [ids, group.projectId],
      );
      const missing = ids.find((id) => !found.some((row) => row.id === id));
      if (missing !== undefined) throw new NotFoundError(`agent ${missing} not found in the group's project`);
      const inserted = await insertRows(
        tx,
        `agent_groups (${GROUP_COLUMNS})`,
        [groupValues(group)],
        "ON CONFLICT DO NOTHING",
      );
      if (inserted === 0) throw new ConflictError(`a group with id ${group.id} already exists`);
      await insertRows(tx, `agent_group_members (${GROUP_MEMBER_COLUMNS})`, memberValues(group), "");
      await writeEvents(tx, [event]);
    });
  }

  async get(id: string): Promise<Group | null> {
    const row = await this.#db.get<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM agent_groups WHERE id = $1`, [id]);
    return row === undefined ? null : toGroup(row, (await members(this.#db, [row.id])).get(row.id) ?? []);
  }

  async list(options: ListOptions & { projectId?: string | undefined }): Promise<Group[]> {
    const params: unknown[] = [options.after ?? ""];
    const where = ["id > $1"];
    if (options.projectId !== undefined) {
      params.push(options.projectId);
      where.push(`project_id = $${params.length}`);
    }
    params.push(options.limit);
    const rows = await this.#db.all<GroupRow>(
      `SELECT ${GROUP_COLUMNS} FROM agent_groups WHERE ${where.join(" AND ")} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    const byGroup = await members(
      this.#db,
      rows.map((r) => r.id),
    );
    return rows.map((row) => toGroup(row, byGroup.get(row.id) ?? []));
  }

  async delete(id: string, event: NewEvent): Promise<void> {
    await this.#db.transaction(async (tx) => {
      if ((await tx.run("DELETE FROM agent_groups WHERE id = $1", [id])) === 0)
        throw new NotFoundError(`group ${id} not found`);
      await writeEvents(tx, [event]);
    });
  }
}

/** The groups an agent manages or is a member of, by id (inside the caller's transaction). */
export async function groupsOfAgent(sql: Sql, agentId: string): Promise<Group[]> {
  const rows = await sql.all<GroupRow>(
    `SELECT ${GROUP_COLUMNS} FROM agent_groups WHERE manager_id = $1
       OR id IN (SELECT group_id FROM agent_group_members WHERE agent_id = $1)
     ORDER BY id`,
    [agentId],
  );
  const byGroup = await members(
    sql,
    rows.map((r) => r.id),
  );
  return rows.map((row) => toGroup(row, byGroup.get(row.id) ?? []));
}

/** The member rows of each group, in position order. */
async function members(sql: Sql, groupIds: readonly string[]): Promise<Map<string, GroupMemberRow[]>> {
  const byGroup = new Map<string, GroupMemberRow[]>();
  if (groupIds.length === 0) return byGroup;
  const rows = await sql.all<GroupMemberRow>(
    `SELECT ${GROUP_MEMBER_COLUMNS} FROM agent_group_members WHERE group_id = ANY($1::text[]) ORDER BY group_id, position`,
    [groupIds],
  );
  for (const row of rows) byGroup.set(row.group_id, [...(byGroup.get(row.group_id) ?? []), row]);
  return byGroup;
}
