import type { SQLInputValue } from "node:sqlite";
import { NotFoundError } from "../../core/errors.ts";
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
import { inWriteTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import type { Statements } from "./statements.ts";

export class SqliteGroupStore implements GroupStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async create(group: Group, event: NewEvent): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      if (this.#s.get("SELECT 1 AS x FROM projects WHERE id = ?", group.projectId) === undefined)
        throw new NotFoundError(`project ${group.projectId} not found`);
      // Checked here too, not only by the service: an agent may have been deleted since it was read.
      for (const agentId of groupAgentIds(group)) {
        const found = this.#s.get(
          "SELECT 1 AS x FROM agents WHERE id = ? AND project_id = ?",
          agentId,
          group.projectId,
        );
        if (found === undefined) throw new NotFoundError(`agent ${agentId} not found in the group's project`);
      }
      this.#s.run(
        `INSERT INTO agent_groups (${GROUP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ...groupValues(group),
      );
      for (const values of memberValues(group))
        this.#s.run(
          `INSERT INTO agent_group_members (${GROUP_MEMBER_COLUMNS}) VALUES (?, ?, ?, ?)`,
          ...(values as SQLInputValue[]),
        );
      writeEvents(this.#s, [event]);
    });
  }

  async get(id: string): Promise<Group | null> {
    const row = this.#s.get<GroupRow>(`SELECT ${GROUP_COLUMNS} FROM agent_groups WHERE id = ?`, id);
    return row === undefined ? null : toGroup(row, members(this.#s, [row.id]).get(row.id) ?? []);
  }

  async list(options: ListOptions & { projectId?: string | undefined }): Promise<Group[]> {
    const rows = this.#s.all<GroupRow>(
      `SELECT ${GROUP_COLUMNS} FROM agent_groups WHERE (?1 IS NULL OR project_id = ?1) AND (?2 IS NULL OR id > ?2)
       ORDER BY id LIMIT ?3`,
      options.projectId ?? null,
      options.after ?? null,
      options.limit,
    );
    const byGroup = members(
      this.#s,
      rows.map((r) => r.id),
    );
    return rows.map((row) => toGroup(row, byGroup.get(row.id) ?? []));
  }

  async delete(id: string, event: NewEvent): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      const { changes } = this.#s.run("DELETE FROM agent_groups WHERE id = ?", id);
      if (Number(changes) === 0) throw new NotFoundError(`group ${id} not found`);
      writeEvents(this.#s, [event]);
    });
  }
}

/** The groups an agent manages or is a member of, by id (inside the caller's transaction). */
export function groupsOfAgent(s: Statements, agentId: string): Group[] {
  const rows = s.all<GroupRow>(
    `SELECT ${GROUP_COLUMNS} FROM agent_groups WHERE manager_id = ?1
       OR id IN (SELECT group_id FROM agent_group_members WHERE agent_id = ?1)
     ORDER BY id`,
    agentId,
  );
  const byGroup = members(
    s,
    rows.map((r) => r.id),
  );
  return rows.map((row) => toGroup(row, byGroup.get(row.id) ?? []));
}

/** The member rows of each group, in position order. */
function members(s: Statements, groupIds: readonly string[]): Map<string, GroupMemberRow[]> {
  const byGroup = new Map<string, GroupMemberRow[]>();
  if (groupIds.length === 0) return byGroup;
  const rows = s.all<GroupMemberRow>(
    `SELECT ${GROUP_MEMBER_COLUMNS} FROM agent_group_members WHERE group_id IN (SELECT value FROM json_each(?))
       ORDER BY group_id, position`,
    JSON.stringify(groupIds),
  );
  for (const row of rows) byGroup.set(row.group_id, [...(byGroup.get(row.group_id) ?? []), row]);
  return byGroup;
}
