import type { ResponderName } from "../../agent/responder-names.ts";
import type { Group, GroupPattern } from "../../core/group-types.ts";

/** A `groups` row, as both backends store it. */
export interface GroupRow {
  id: string;
  project_id: string;
  name: string;
  pattern: string;
  manager_id: string | null;
  max_turns: number | null;
  created_at: string;
}

/** A `group_members` row. */
export interface GroupMemberRow {
  group_id: string;
  position: number;
  agent_id: string;
  responder: string | null;
}

/** The columns of `GroupRow`, in the order `groupValues` gives them. */
export const GROUP_COLUMNS = "id, project_id, name, pattern, manager_id, max_turns, created_at";

/** The columns of `GroupMemberRow`, in the order `memberValues` gives them. */
export const GROUP_MEMBER_COLUMNS = "group_id, position, agent_id, responder";

export const groupValues = (group: Group) => [
  group.id,
  group.projectId,
  group.name,
  group.pattern,
  group.managerId,
  group.maxTurns,
  group.createdAt,
];

export const memberValues = (group: Group) =>
  group.members.map((member, position) => [group.id, position, member.agentId, member.responder]);

/** Every agent a group names: its manager, then its members. */
export const groupAgentIds = (group: Group) => [
  ...new Set([
    ...(group.managerId === null ? [] : [group.managerId]),
    ...group.members.map((m) => m.agentId),
  ]),
];

/** A group from its row and its member rows (in position order). */
export const toGroup = (row: GroupRow, members: readonly GroupMemberRow[]): Group => ({
  id: row.id,
  projectId: row.project_id,
  name: row.name,
  pattern: row.pattern as GroupPattern,
  managerId: row.manager_id,
  members: members.map((m) => ({ agentId: m.agent_id, responder: m.responder as ResponderName | null })),
  maxTurns: row.max_turns === null ? null : Number(row.max_turns),
  createdAt: row.created_at,
});
