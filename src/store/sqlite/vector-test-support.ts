import { copyFileSync } from "node:fs";
import { cosineDistance } from "../cosine-distance.ts";
import type { VectorHit, VectorSpace } from "../store.ts";
import { openDatabase } from "./database.ts";
import { seededRandom } from "./ivf.ts";
import { migrate } from "./migrations.ts";
import { Statements } from "./statements.ts";
import { SqliteVectorStore, type SqliteVectorStoreOptions } from "./vector-store.ts";

/**
 * Test support for the vector store: a database with two agents, items inserted with known vectors,
 * and brute-force search to check the index against.
 */

/** The dimension of the test vectors. */
export const D = 16;
export const A = "agt_aaaaaaaaaaaaaaaaaaaaaaaaaa";
export const B = "agt_bbbbbbbbbbbbbbbbbbbbbbbbbb";

/** Points around `clusters` random centres in D dimensions, from a seeded generator. */
export function clustered(seed: number, count: number, clusters = 12, spread = 0.25): Float32Array[] {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: D }, gaussian));
  return Array.from({ length: count }, (_, i) => {
    const centre = centres[i % clusters] as Float32Array;
    return Float32Array.from(centre, (x) => x + spread * gaussian());
  });
}

export class Fixture {
  readonly s: Statements;
  readonly store: SqliteVectorStore;
  readonly vectors = new Map<string, { agentId: string; space: VectorSpace; vector: Float32Array }>();
  readonly path: string;
  #next = 0;

  /**
   * A fresh database (`:memory:` by default), or, with `existing`, one set up before. Searches
   * probe lists at any size (`minProbeVectors` 0 unless given): the fixtures' agents hold thousands
   * of vectors, which the default floor would scan in full.
   */
  constructor(options: SqliteVectorStoreOptions = {}, path = ":memory:", existing = false) {
    this.path = path;
    const { db } = openDatabase(path);
    migrate(db);
    this.s = new Statements(db);
    this.store = new SqliteVectorStore(this.s, { minProbeVectors: 0, ...options });
    if (existing) return;
    this.s.run(
      "INSERT INTO projects (id, name, metadata, created_at, updated_at) VALUES ('prj_1', 'p', '{}', 'x', 'x')",
    );
    for (const agent of [A, B]) {
      this.s.run(
        `INSERT INTO agents (id, project_id, name, model, instructions, metadata, default_branch, created_at, updated_at)
         VALUES (?, 'prj_1', ?, NULL, '', '{}', 'main', 'x', 'x')`,
        agent,
        agent,
      );
    }
  }

  /**
   * Copies this fixture's file to `path`, its write-ahead log checkpointed into it first. Wait for
   * this fixture's retrainings to settle first.
   */
  copyFileTo(path: string): void {
    if (this.path === ":memory:") throw new Error("a database in memory has no file to copy");
    const checkpoint = this.s.db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number };
    if (checkpoint.busy !== 0) throw new Error(`${this.path} is busy: its log cannot be checkpointed`);
    copyFileSync(this.path, path);
  }

  /**
   * A copy of this fixture's file at `path` (see `copyFileTo`), opened with `options`, knowing the
   * same vectors and numbering new items after the same ones: cheaper than inserting and training
   * them again.
   */
  copyTo(path: string, options: SqliteVectorStoreOptions = {}): Fixture {
    this.copyFileTo(path);
    const copy = new Fixture(options, path, true);
    for (const [id, v] of this.vectors) copy.vectors.set(id, v);
    copy.#next = this.#next;
    return copy;
  }

  /** Inserts items (memories or messages) without vectors; returns their ids. */
  items(agentId: string, n: number, space: VectorSpace = "memories"): string[] {
    const ids = Array.from(
      { length: n },
      () => `${space === "memories" ? "mem" : "msg"}_${String(++this.#next).padStart(26, "0")}`,
    );
    for (const id of ids) {
      if (space === "memories") {
        this.s.run(
          `INSERT INTO memories (id, agent_id, kind, text, tags, importance, provenance, metadata, version,
             created_at, created_ms, updated_at)
           VALUES (?, ?, 'fact', 't', '[]', 0.5, '{}', '{}', 1, 'x', 0, 'x')`,
          id,
          agentId,
        );
      } else {
        this.s.run(
          `INSERT INTO messages (id, agent_id, role, content, provenance, metadata, created_at, created_ms)
           VALUES (?, ?, 'user', 't', '{}', '{}', 'x', 0)`,
          id,
          agentId,
        );
      }
    }
    return ids;
  }

  /**
   * Inserts items with these vectors; returns their ids. Unless `settle` is false, waits for any
   * (re)training it set off in the background.
   */
  async add(
    agentId: string,
    vectors: Float32Array[],
    space: VectorSpace = "memories",
    settle = true,
  ): Promise<string[]> {
    const ids = this.items(agentId, vectors.length, space);
    await this.store.upsert(
      space,
      agentId,
      ids.map((id, i) => ({ id, vector: vectors[i] as Float32Array })),
    );
    ids.forEach((id, i) => {
      this.vectors.set(id, { agentId, space, vector: vectors[i] as Float32Array });
    });
    if (settle) await this.store.settled();
    return ids;
  }

  /** Brute-force k nearest of an agent's vectors. */
  exact(agentId: string, query: Float32Array, k: number, space: VectorSpace = "memories"): VectorHit[] {
    return [...this.vectors]
      .filter(([, v]) => v.agentId === agentId && v.space === space)
      .map(([id, v]) => ({ id, distance: cosineDistance(query, v.vector) }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, k);
  }

  parts(table = "memory_vectors"): Map<number, string> {
    return new Map(
      this.s
        .all<{ rowid: number; part: string }>(`SELECT rowid, part FROM ${table}`)
        .map((r) => [r.rowid, r.part]),
    );
  }

  /** The number of the first list of the agent's active generation. */
  first(agentId: string, space: VectorSpace = "memories"): number {
    return (
      this.s.get<{ first: number }>(
        "SELECT first FROM vector_lists WHERE space = ? AND agent_id = ?",
        space,
        agentId,
      ) as { first: number }
    ).first;
  }

  rowid(id: string): number {
    return (this.s.get<{ rowid: number }>("SELECT rowid FROM memories WHERE id = ?", id) as { rowid: number })
      .rowid;
  }
}
