/** The entity graph (schema version 3): as on SQLite, keyed by (agent, user). */
export const GRAPH_TABLES = `
CREATE TABLE graph_entities (
  agent_id TEXT COLLATE "C" NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  user_key TEXT COLLATE "C" NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  mentions INTEGER NOT NULL,
  first_seen TEXT COLLATE "C" NOT NULL,
  last_seen TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (agent_id, user_key, key)
);
CREATE TABLE graph_mentions (
  agent_id TEXT COLLATE "C" NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  user_key TEXT COLLATE "C" NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  source TEXT COLLATE "C" NOT NULL,
  item_id TEXT COLLATE "C" NOT NULL,
  at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (agent_id, user_key, key, item_id)
);
CREATE INDEX graph_mentions_by_item ON graph_mentions(agent_id, item_id);
CREATE TABLE graph_relations (
  agent_id TEXT COLLATE "C" NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  user_key TEXT COLLATE "C" NOT NULL,
  source TEXT COLLATE "C" NOT NULL,
  target TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  weight INTEGER NOT NULL,
  valid_from TEXT COLLATE "C" NOT NULL,
  valid_to TEXT COLLATE "C",
  provenance JSONB NOT NULL,
  PRIMARY KEY (agent_id, user_key, source, target, type)
);
CREATE INDEX graph_relations_by_target ON graph_relations(agent_id, user_key, target);
`;
