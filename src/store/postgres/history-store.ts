import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { Blob, Branch, Commit, NewEvent } from "../../core/types.ts";
import { COMMIT_INSERT_COLUMNS, commitValues } from "../rows/agent-values.ts";
import {
  type BranchRow,
  COMMIT_COLUMNS,
  type HeadRow,
  headQuery,
  toBranch,
  toHead,
} from "../rows/branch-row.ts";
import { type CommitRow, toCommit } from "../sqlite/rows.ts";
import type { AppendCommit, HistorySnapshot, HistoryStore } from "../store.ts";
import { writeEvents } from "./event-writer.ts";
import { insertRows } from "./insert-rows.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import { lockSharedEdit, writeSharedEdit } from "./shared-block-store.ts";

/**
 * Ancestors of commit $1 of agent $2 (itself first) along parent links, with their distance, at most
 * $3 steps back, going no further than $4 (null: to the root). The seed is typed `COLLATE "C"` like the column it joins.
 */
const CHAIN = `WITH RECURSIVE chain(id, depth) AS (
    SELECT $1::text COLLATE "C", 0
    UNION ALL
    SELECT c.parent_id, chain.depth + 1 FROM commits c JOIN chain ON c.agent_id = $2 AND c.id = chain.id
    WHERE c.parent_id IS NOT NULL AND chain.depth < $3::bigint AND chain.id IS DISTINCT FROM $4
  )`;

/** Any 32-bit tag, so that the advisory locks that order an agent's commits name no other lock. */
const COMMIT_SEQ_LOCK = 0x656e6763;

/** Block history on PostgreSQL: commits, blobs and branches of each agent. */
export class PgHistoryStore implements HistoryStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async getBranch(agentId: string, name: string): Promise<Branch | null> {
    const row = await this.#db.get<BranchRow>(
      "SELECT name, commit_id, updated_at FROM branches WHERE agent_id = $1 AND name = $2",
      [agentId, name],
    );
    return row === undefined ? null : toBranch(row);
  }

  async getHead(agentId: string, name: string): Promise<{ branch: Branch; commit: Commit | null } | null> {
    const row = await this.#db.get<HeadRow>(headQuery("$1", "$2"), [agentId, name]);
    return row === undefined ? null : toHead(row);
  }

  async listBranches(agentId: string): Promise<Branch[]> {
    return listBranches(this.#db, agentId);
  }

  async getCommit(agentId: string, id: string): Promise<Commit | null> {
    const row = await this.#db.get<CommitRow>(
      `SELECT ${COMMIT_COLUMNS} FROM commits c WHERE c.agent_id = $1 AND c.id = $2`,
      [agentId, id],
    );
    return row === undefined ? null : toCommit(row);
  }

  async findCommitIds(agentId: string, prefix: string, limit: number): Promise<string[]> {
    // A prefix match on the primary key (byte-wise collation, so the index serves it); a `%` or `_`
    // in the prefix is matched as itself.
    const pattern = `${prefix.replace(/[\\%_]/g, "\\$&")}%`;
    const rows = await this.#db.all<{ id: string }>(
      "SELECT id FROM commits WHERE agent_id = $1 AND id LIKE $2 ESCAPE '\\' ORDER BY id LIMIT $3",
      [agentId, pattern, limit],
    );
    return rows.map((row) => row.id);
  }

  async getBlobs(agentId: string, hashes: readonly string[]): Promise<Map<string, string>> {
    return getBlobs(this.#db, agentId, hashes);
  }

  async log(agentId: string, from: string, options: { limit: number }): Promise<Commit[]> {
    const rows = await this.#db.all<CommitRow>(
      `${CHAIN} SELECT ${COMMIT_COLUMNS} FROM chain JOIN commits c ON c.agent_id = $2 AND c.id = chain.id
       ORDER BY chain.depth`,
      [from, agentId, Math.max(0, options.limit - 1), null],
    );
    return rows.map(toCommit);
  }

  async isAncestor(agentId: string, ancestor: string, descendant: string): Promise<boolean> {
    const row = await this.#db.get(`${CHAIN} SELECT 1 FROM chain WHERE id = $4 LIMIT 1`, [
      descendant,
      agentId,
      Number.MAX_SAFE_INTEGER,
      ancestor,
    ]);
    return row !== undefined;
  }

  async append(input: AppendCommit): Promise<void> {
    await this.#db.transaction((tx) => appendCommit(tx, input));
  }

  async setBranch(input: {
    agentId: string;
    name: string;
    commitId: string;
    expectedHead: string | null;
    event: NewEvent;
  }): Promise<void> {
    const { agentId, name } = input;
    await this.#db.transaction(async (tx) => {
      if (
        (await tx.get("SELECT 1 FROM commits WHERE agent_id = $1 AND id = $2", [agentId, input.commitId])) ===
        undefined
      )
        throw new NotFoundError(`commit ${input.commitId} not found on agent ${agentId}`);
      if (input.expectedHead === null) {
        const created = await tx.run(
          `INSERT INTO branches (agent_id, name, commit_id, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (agent_id, name) DO NOTHING`,
          [agentId, name, input.commitId, input.event.createdAt],
        );
        if (created === 0) throw new ConflictError(`branch "${name}" already exists`);
      } else {
        await moveBranch(tx, agentId, name, input.expectedHead, input.commitId, input.event.createdAt);
      }
      await writeEvents(tx, [input.event]);
    });
  }

  async deleteBranch(input: {
    agentId: string;
    name: string;
    expectedHead: string;
    event: NewEvent;
  }): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const deleted = await tx.run(
        "DELETE FROM branches WHERE agent_id = $1 AND name = $2 AND commit_id = $3",
        [input.agentId, input.name, input.expectedHead],
      );
      if (deleted === 0) await refuseHead(tx, input.agentId, input.name, input.expectedHead);
      await writeEvents(tx, [input.event]);
    });
  }

  async snapshot(agentId: string, from?: string): Promise<HistorySnapshot> {
    // One snapshot of the database for the commits, branches and blobs, whatever other servers write.
    return this.#db.transaction(async (tx) => {
      await tx.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      if (from === undefined) {
        const rows = await tx.all<CommitRow>(
          `SELECT ${COMMIT_COLUMNS} FROM commits c WHERE c.agent_id = $1 ORDER BY c.seq`,
          [agentId],
        );
        const branches = (await listBranches(tx, agentId)).map(({ name, head }) => ({ name, head }));
        const blobs = await tx.all<Blob>("SELECT hash, value FROM blobs WHERE agent_id = $1 ORDER BY hash", [
          agentId,
        ]);
        return { commits: rows.map(toCommit), blobs, branches };
      }
      const rows = await tx.all<CommitRow>(
        `${CHAIN} SELECT ${COMMIT_COLUMNS} FROM chain JOIN commits c ON c.agent_id = $2 AND c.id = chain.id
         ORDER BY chain.depth DESC`,
        [from, agentId, Number.MAX_SAFE_INTEGER, null],
      );
      const commits = rows.map(toCommit);
      const hashes = new Set<string>();
      for (const commit of commits) for (const entry of commit.tree) hashes.add(entry.valueHash);
      const values = await getBlobs(tx, agentId, [...hashes].sort());
      return { commits, blobs: [...values].map(([hash, value]) => ({ hash, value })), branches: [] };
    });
  }
}

async function listBranches(sql: Sql, agentId: string): Promise<Branch[]> {
  const rows = await sql.all<BranchRow>(
    "SELECT name, commit_id, updated_at FROM branches WHERE agent_id = $1 ORDER BY name",
    [agentId],
  );
  return rows.map(toBranch);
}

/** The values of the agent's blobs among `hashes`, in the order asked (as SQLite's store gives them). */
async function getBlobs(sql: Sql, agentId: string, hashes: readonly string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(hashes)];
  const rows = await sql.all<Blob>(
    "SELECT hash, value FROM blobs WHERE agent_id = $1 AND hash = ANY($2::text[])",
    [agentId, wanted],
  );
  const found = new Map(rows.map((row) => [row.hash, row.value]));
  const values = new Map<string, string>();
  for (const hash of wanted) {
    const value = found.get(hash);
    if (value !== undefined) values.set(hash, value);
  }
  return values;
}

/**
 * Adds a commit (with its new blobs and event) and moves the branch to it, inside `tx`, if the branch
 * is still at `input.expectedHead`. @throws ConflictError otherwise (and the caller's transaction rolls back).
 *
 * The branch moves first, by a conditional UPDATE: it locks the branch's row, so of several servers
 * appending on one head, one moves it and the others, once it commits, find it elsewhere.
 */
export async function appendCommit(tx: Sql, input: AppendCommit): Promise<void> {
  const { agentId, commit } = input;
  if (input.shared !== undefined) await lockSharedEdit(tx, { ...input, shared: input.shared });
  // Two branches of one agent may take commits at once: the lock gives each its own `seq`. It is
  // taken by the branch's move, so that the next statement, which reads the highest `seq`, starts
  // after it (each statement reads what was committed before it began).
  await moveBranch(tx, agentId, input.branch, input.expectedHead, commit.id, commit.createdAt, true);
  const [, id, , parentId, treeHash, tree, author, message, createdAt] = commitValues(agentId, commit, 0);
  // Deferred: it goes with the events and the COMMIT, still after the move that took the lock.
  await tx.defer(
    `WITH new_blobs AS (
       INSERT INTO blobs (agent_id, hash, value)
       SELECT $1, b.hash, b.value FROM unnest($9::text[], $10::text[]) AS b(hash, value)
       ON CONFLICT DO NOTHING
       RETURNING 1
     )
     INSERT INTO commits (${COMMIT_INSERT_COLUMNS})
     SELECT $1, $2, COALESCE((SELECT MAX(seq) FROM commits WHERE agent_id = $1), 0) + 1, $3, $4, $5, $6, $7, $8
     ON CONFLICT (agent_id, id) DO NOTHING`,
    [
      agentId,
      id,
      parentId,
      treeHash,
      tree,
      author,
      message,
      createdAt,
      input.blobs.map((blob) => blob.hash),
      input.blobs.map((blob) => blob.value),
    ],
    { adds: { commits: 1, blobs: input.blobs.length } },
  );
  await writeEvents(tx, [input.event]);
  if (input.shared !== undefined) await writeSharedEdit(tx, input.shared, appendCommit);
}

/** Writes an agent's whole history as it is, commits numbered in the order given. */
export async function insertHistory(
  tx: Sql,
  agentId: string,
  history: HistorySnapshot,
  at: string,
): Promise<void> {
  await insertRows(
    tx,
    "blobs (agent_id, hash, value)",
    history.blobs.map((blob) => [agentId, blob.hash, blob.value]),
    "ON CONFLICT DO NOTHING",
  );
  await insertRows(
    tx,
    `commits (${COMMIT_INSERT_COLUMNS})`,
    history.commits.map((commit, i) => commitValues(agentId, commit, i + 1)),
  );
  await insertRows(
    tx,
    "branches (agent_id, name, commit_id, updated_at)",
    history.branches.map((branch) => [agentId, branch.name, branch.head, at]),
  );
}

/** Points a branch at `to` if it is at `expectedHead`. @throws NotFoundError / ConflictError. */
async function moveBranch(
  tx: Sql,
  agentId: string,
  name: string,
  expectedHead: string,
  to: string,
  at: string,
  takeSeqLock = false,
): Promise<void> {
  const moved = takeSeqLock
    ? await tx.run(
        `WITH seq_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock($6, hashtext($3)))
         UPDATE branches SET commit_id = $1, updated_at = $2
         WHERE agent_id = $3 AND name = $4 AND commit_id = $5 AND EXISTS (SELECT 1 FROM seq_lock)`,
        [to, at, agentId, name, expectedHead, COMMIT_SEQ_LOCK],
      )
    : await tx.run(
        "UPDATE branches SET commit_id = $1, updated_at = $2 WHERE agent_id = $3 AND name = $4 AND commit_id = $5",
        [to, at, agentId, name, expectedHead],
      );
  if (moved === 0) await refuseHead(tx, agentId, name, expectedHead);
}

/** Says why a branch was not at `expectedHead`: it does not exist, or it is elsewhere. */
async function refuseHead(tx: Sql, agentId: string, branch: string, expectedHead: string): Promise<never> {
  const row = await tx.get<{ commit_id: string }>(
    "SELECT commit_id FROM branches WHERE agent_id = $1 AND name = $2",
    [agentId, branch],
  );
  if (row === undefined) throw new NotFoundError(`branch "${branch}" not found`);
  throw new ConflictError(
    `branch "${branch}" is at ${row.commit_id.slice(0, 12)}, not the expected ${expectedHead.slice(0, 12)}: re-read and retry`,
    { details: { agentId, branch, head: row.commit_id, expectedHead } },
  );
}
