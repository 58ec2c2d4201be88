/**
 * The full-text index: engram's own postings and statistics, so that ranking is the same BM25 as
 * the SQLite backend's FTS5 (PostgreSQL's `ts_rank` is not BM25).
 *
 * - `*_postings`: one row per (agent, analysed term, document), with how often the term occurs in
 *   each indexed column and the document's length in terms (all columns), which BM25 weighs.
 *   Archived memories have none. A posting goes with its document (`ON DELETE CASCADE`).
 * - `*_terms`: per agent and term, in how many documents it occurs (in any column, and in the
 *   document's own text): what the posting budget chooses terms by and what `documentFrequencies`
 *   reports, without counting postings.
 * - `search_stats`: per agent and space, how many documents were indexed and their total length (for
 *   BM25's N and average length). As in FTS5 with `contentless_delete` (the SQLite backend's index),
 *   these count every document ever indexed: taking a document out (a delete, an archive, the old
 *   text of an update, a re-indexed message) removes its postings but not its counts. Each agent's
 *   counts are spread over a few slots (by document), summed on read, so concurrent writers of one
 *   agent seldom wait on the same row.
 *
 * Every statistic is per agent: no agent's ranking depends on another's. All are kept in step in the
 * transaction of the write that changes them.
 */
export const SEARCH_TABLES = `
CREATE TABLE memory_postings (
  agent_id TEXT COLLATE "C" NOT NULL,
  term TEXT COLLATE "C" NOT NULL,
  doc BIGINT NOT NULL REFERENCES memories(rowid) ON DELETE CASCADE,
  text_tf INTEGER NOT NULL,
  tag_tf INTEGER NOT NULL,
  length INTEGER NOT NULL,
  PRIMARY KEY (agent_id, term, doc)
);
CREATE INDEX memory_postings_by_doc ON memory_postings(doc);

CREATE TABLE memory_terms (
  agent_id TEXT COLLATE "C" NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  term TEXT COLLATE "C" NOT NULL,
  docs INTEGER NOT NULL,
  text_docs INTEGER NOT NULL,
  PRIMARY KEY (agent_id, term)
);

CREATE TABLE message_postings (
  agent_id TEXT COLLATE "C" NOT NULL,
  term TEXT COLLATE "C" NOT NULL,
  doc BIGINT NOT NULL REFERENCES messages(rowid) ON DELETE CASCADE,
  text_tf INTEGER NOT NULL,
  caption_tf INTEGER NOT NULL,
  prev_tf INTEGER NOT NULL,
  next_tf INTEGER NOT NULL,
  window_tf INTEGER NOT NULL,
  date_tf INTEGER NOT NULL,
  length INTEGER NOT NULL,
  PRIMARY KEY (agent_id, term, doc)
);
CREATE INDEX message_postings_by_doc ON message_postings(doc);

CREATE TABLE message_terms (
  agent_id TEXT COLLATE "C" NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  term TEXT COLLATE "C" NOT NULL,
  docs INTEGER NOT NULL,
  text_docs INTEGER NOT NULL,
  PRIMARY KEY (agent_id, term)
);

CREATE TABLE search_stats (
  agent_id TEXT COLLATE "C" NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  space TEXT COLLATE "C" NOT NULL,
  slot SMALLINT NOT NULL,
  docs BIGINT NOT NULL,
  tokens BIGINT NOT NULL,
  PRIMARY KEY (agent_id, space, slot)
);
`;
