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
import type { AppendCommit, HistorySnapshot, HistoryStore } from "../store.ts";
import { inTransaction, inWriteTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import { type CommitRow, toCommit } from "./rows.ts";
import { writeSharedEdit } from "./shared-block-store.ts";
import type { Statements } from "./statements.ts";

/** Ancestors of a commit (itself first) along parent links, with their distance. */
const CHAIN = `WITH RECURSIVE chain(id, depth) AS (
    SELECT ?1, 0
    UNION ALL
    SELECT c.parent_id, chain.depth + 1 FROM commits c JOIN chain ON c.agent_id = ?2 AND c.id = chain.id
    WHERE c.parent_id IS NOT NULL AND chain.depth < ?3
  )`;

export class SqliteHistoryStore implements HistoryStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async getBranch(agentId: string, name: string): Promise<Branch | null> {
    const row = this.#s.get<BranchRow>(
      "SELECT name, commit_id, updated_at FROM branches WHERE agent_id = ? AND name = ?",
      agentId,
      name,
    );
    return row === undefined ? null : toBranch(row);
  }

  async getHead(agentId: string, name: string): Promise<{ branch: Branch; commit: Commit | null } | null> {
    const row = this.#s.get<HeadRow>(headQuery("?", "?"), agentId, name);
    return row === undefined ? null : toHead(row);
  }

  async listBranches(agentId: string): Promise<Branch[]> {
    return this.#s
      .all<BranchRow>(
        "SELECT name, commit_id, updated_at FROM branches WHERE agent_id = ? ORDER BY name",
        agentId,
      )
      .map(toBranch);
  }

  async getCommit(agentId: string, id: string): Promise<Commit | null> {
    const row = this.#s.get<CommitRow>(
      `SELECT ${COMMIT_COLUMNS} FROM commits c WHERE c.agent_id = ? AND c.id = ?`,
      agentId,
      id,
    );
    return row === undefined ? null : toCommit(row);
  }

  async findCommitIds(agentId: string, prefix: string, limit: number): Promise<string[]> {
    // Range scan on the primary key; prefixes are validated as hex by the caller.
    return this.#s
      .all<{ id: string }>(
        "SELECT id FROM commits WHERE agent_id = ? AND id >= ? AND id < ? ORDER BY id LIMIT ?",
        agentId,
        prefix,
        `${prefix}\u{10FFFF}`,
        limit,
      )
      .map((row) => row.id);
  }

  async getBlobs(agentId: string, hashes: readonly string[]): Promise<Map<string, string>> {
    const values = new Map<string, string>();
    for (const hash of new Set(hashes)) {
      const row = this.#s.get<{ value: string }>(
        "SELECT value FROM blobs WHERE agent_id = ? AND hash = ?",
        agentId,
        hash,
      );
      if (row !== undefined) values.set(hash, row.value);
    }
    return values;
  }

  async log(agentId: string, from: string, options: { limit: number }): Promise<Commit[]> {
    return this.#s
      .all<CommitRow>(
        `${CHAIN} SELECT ${COMMIT_COLUMNS} FROM chain JOIN commits c ON c.agent_id = ?2 AND c.id = chain.id
         ORDER BY chain.depth`,
        from,
        agentId,
        Math.max(0, options.limit - 1),
      )
      .map(toCommit);
  }

  async isAncestor(agentId: string, ancestor: string, descendant: string): Promise<boolean> {
    const row = this.#s.get(
      `${CHAIN} SELECT 1 FROM chain WHERE id = ?4 LIMIT 1`,
      descendant,
      agentId,
      Number.MAX_SAFE_INTEGER,
      ancestor,
    );
    return row !== undefined;
  }

  async append(input: AppendCommit): Promise<void> {
    await inWriteTransaction(this.#s.db, () => this.appendNow(input));
  }

  /** `append`, synchronously: joins the caller's transaction when there is one. */
  appendNow(input: AppendCommit): void {
    const { agentId, commit } = input;
    inTransaction(this.#s.db, () => {
      this.#checkHead(agentId, input.branch, input.expectedHead);
      for (const blob of input.blobs) {
        this.#s.run(
          "INSERT OR IGNORE INTO blobs (agent_id, hash, value) VALUES (?, ?, ?)",
          agentId,
          blob.hash,
          blob.value,
        );
      }
      const exists = this.#s.get("SELECT 1 FROM commits WHERE agent_id = ? AND id = ?", agentId, commit.id);
      if (exists === undefined) {
        const next = this.#s.get<{ seq: number | null }>(
          "SELECT MAX(seq) AS seq FROM commits WHERE agent_id = ?",
          agentId,
        );
        insertCommit(this.#s, agentId, commit, (next?.seq ?? 0) + 1);
      }
      this.#s.run(
        "UPDATE branches SET commit_id = ?, updated_at = ? WHERE agent_id = ? AND name = ?",
        commit.id,
        commit.createdAt,
        agentId,
        input.branch,
      );
      writeEvents(this.#s, [input.event]);
      if (input.shared !== undefined)
        writeSharedEdit(this.#s, input.shared, (other) => this.appendNow(other));
    });
  }

  async setBranch(input: {
    agentId: string;
    name: string;
    commitId: string;
    expectedHead: string | null;
    event: NewEvent;
  }): Promise<void> {
    const { agentId, name } = input;
    await inWriteTransaction(this.#s.db, () => {
      if (
        this.#s.get("SELECT 1 FROM commits WHERE agent_id = ? AND id = ?", agentId, input.commitId) ===
        undefined
      ) {
        throw new NotFoundError(`commit ${input.commitId} not found on agent ${agentId}`);
      }
      if (input.expectedHead === null) {
        if (
          this.#s.get("SELECT 1 FROM branches WHERE agent_id = ? AND name = ?", agentId, name) !== undefined
        ) {
          throw new ConflictError(`branch "${name}" already exists`);
        }
        this.#s.run(
          "INSERT INTO branches (agent_id, name, commit_id, updated_at) VALUES (?, ?, ?, ?)",
          agentId,
          name,
          input.commitId,
          input.event.createdAt,
        );
      } else {
        this.#checkHead(agentId, name, input.expectedHead);
        this.#s.run(
          "UPDATE branches SET commit_id = ?, updated_at = ? WHERE agent_id = ? AND name = ?",
          input.commitId,
          input.event.createdAt,
          agentId,
          name,
        );
      }
      writeEvents(this.#s, [input.event]);
    });
  }

  async deleteBranch(input: {
    agentId: string;
    name: string;
    expectedHead: string;
    event: NewEvent;
  }): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      this.#checkHead(input.agentId, input.name, input.expectedHead);
      this.#s.run("DELETE FROM branches WHERE agent_id = ? AND name = ?", input.agentId, input.name);
      writeEvents(this.#s, [input.event]);
    });
  }

  async snapshot(agentId: string, from?: string): Promise<HistorySnapshot> {
    let commits: Commit[];
    let branches: { name: string; head: string }[];
    if (from === undefined) {
      commits = this.#s
        .all<CommitRow>(
          `SELECT ${COMMIT_COLUMNS} FROM commits c WHERE c.agent_id = ? ORDER BY c.seq`,
          agentId,
        )
        .map(toCommit);
      branches = (await this.listBranches(agentId)).map(({ name, head }) => ({ name, head }));
    } else {
      commits = this.#s
        .all<CommitRow>(
          `${CHAIN} SELECT ${COMMIT_COLUMNS} FROM chain JOIN commits c ON c.agent_id = ?2 AND c.id = chain.id
           ORDER BY chain.depth DESC`,
          from,
          agentId,
          Number.MAX_SAFE_INTEGER,
        )
        .map(toCommit);
      branches = [];
    }
    const hashes = new Set<string>();
    for (const commit of commits) for (const entry of commit.tree) hashes.add(entry.valueHash);
    let blobs: Blob[];
    if (from === undefined) {
      blobs = this.#s.all<Blob>("SELECT hash, value FROM blobs WHERE agent_id = ? ORDER BY hash", agentId);
    } else {
      const values = await this.getBlobs(agentId, [...hashes].sort());
      blobs = [...values].map(([hash, value]) => ({ hash, value }));
    }
    return { commits, blobs, branches };
  }

  #checkHead(agentId: string, branch: string, expectedHead: string): void {
    const row = this.#s.get<{ commit_id: string }>(
      "SELECT commit_id FROM branches WHERE agent_id = ? AND name = ?",
      agentId,
      branch,
    );
    if (row === undefined) throw new NotFoundError(`branch "${branch}" not found`);
    if (row.commit_id !== expectedHead) {
      throw new ConflictError(
        `branch "${branch}" is at ${row.commit_id.slice(0, 12)}, not the expected ${expectedHead.slice(0, 12)}: re-read and retry`,
        { details: { agentId, branch, head: row.commit_id, expectedHead } },
      );
    }
  }
}

/** Writes a commit row as the `seq`-th commit of the agent (its order of arrival). */
export function insertCommit(s: Statements, agentId: string, commit: Commit, seq: number): void {
  s.run(
    `INSERT INTO commits (${COMMIT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ...commitValues(agentId, commit, seq),
  );
}
