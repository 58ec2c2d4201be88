/**
 * Groups of a project's agents (migration 5). A group goes with its project and with its manager; a
 * member agent deleted leaves the group.
 */
export const GROUP_TABLES = `
CREATE TABLE agent_groups (
  id TEXT COLLATE "C" PRIMARY KEY,
  project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT COLLATE "C" NOT NULL,
  pattern TEXT COLLATE "C" NOT NULL,
  manager_id TEXT COLLATE "C" REFERENCES agents(id) ON DELETE CASCADE,
  max_turns INTEGER,
  created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX agent_groups_by_project ON agent_groups(project_id, id);

CREATE TABLE agent_group_members (
  group_id TEXT COLLATE "C" NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  agent_id TEXT COLLATE "C" NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  responder TEXT COLLATE "C",
  PRIMARY KEY (group_id, position)
);
CREATE INDEX agent_group_members_by_agent ON agent_group_members(agent_id);
`;
