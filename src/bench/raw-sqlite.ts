import type { DatabaseSync, StatementSync } from "node:sqlite";
import { inTransaction, openDatabase } from "../store/sqlite/database.ts";
import { POSTING_BUDGET } from "../store/term-choice.ts";

/** Rows per partition of the raw vector table: a search scans whole partitions, as engram scans whole lists. */
export const RAW_PARTITION_ROWS = 1000;

/** The tokenizer of engram's full-text tables (see migrations.ts), so both sides index the same terms. */
const TOKENIZE = `tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"`;

/** A row as it is hit by a search: rowid and score or distance. */
interface Hit {
  rowid: number;
  score: number;
}

/**
 * The same work as engram's retrieval, done directly in SQLite with nothing on top: an FTS5 table
 * (storing the text, as any store must, with engram's tokenizer) and, with vectors, a sqlite-vec
 * `vec0` table. Opened through engram's own `openDatabase`, so the pragmas and the extension are the same.
 */
export class RawSqlite {
  readonly db: DatabaseSync;
  readonly #insertText: StatementSync;
  readonly #insertVector: StatementSync | null;
  readonly #documentFrequency: StatementSync;
  readonly #frequencies = new Map<string, number>();
  /** Prepared once, as engram's statements are, so that no side pays for compiling SQL per query. */
  readonly #statements = new Map<string, StatementSync>();
  #rows = 0;

  constructor(path: string, dimensions: number | null) {
    const opened = openDatabase(path, { vectorExtension: dimensions === null ? false : undefined });
    if (dimensions !== null && !opened.vectors) throw new Error(`bench: ${opened.warnings.join("; ")}`);
    this.db = opened.db;
    this.db.exec(`CREATE VIRTUAL TABLE fts USING fts5(text, ${TOKENIZE});
      CREATE VIRTUAL TABLE fts_vocab USING fts5vocab(fts, row);`);
    if (dimensions !== null)
      this.db.exec(
        `CREATE VIRTUAL TABLE vec USING vec0(part INTEGER PARTITION KEY, embedding float[${dimensions}] distance_metric=cosine)`,
      );
    this.#insertText = this.db.prepare("INSERT INTO fts (rowid, text) VALUES (?, ?)");
    this.#insertVector =
      dimensions === null
        ? null
        : this.db.prepare("INSERT INTO vec (rowid, part, embedding) VALUES (?, ?, ?)");
    this.#documentFrequency = this.db.prepare("SELECT doc FROM fts_vocab WHERE term = ?");
  }

  /** Inserts a batch in one transaction, fsync'd at commit as engram's writes are. */
  insert(texts: readonly string[], vectors?: readonly Float32Array[]): void {
    inTransaction(this.db, () => {
      texts.forEach((text, i) => {
        const rowid = ++this.#rows;
        this.#insertText.run(rowid, text);
        const vector = vectors?.[i];
        if (vector !== undefined && this.#insertVector !== null)
          this.#insertVector.run(
            BigInt(rowid),
            BigInt(Math.floor((rowid - 1) / RAW_PARTITION_ROWS)),
            blob(vector),
          );
      });
    });
    // As engram's term budget does: cached frequencies are dropped after writes.
    this.#frequencies.clear();
  }

  /**
   * Budgeted BM25: the query's terms rarest first, while their postings fit engram's posting budget,
   * then the best 100 rows.
   */
  searchText(query: string): Hit[] {
    const terms = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [])]
      .map((term) => ({ term, df: this.#df(term) }))
      .sort((a, b) => a.df - b.df);
    const kept: string[] = [];
    let postings = 0;
    for (const { term, df } of terms) {
      if (df === 0 || postings + df > POSTING_BUDGET) continue;
      kept.push(`"${term}"`);
      postings += df;
    }
    if (kept.length === 0) return [];
    return this.#prepare(
      "SELECT rowid, bm25(fts) AS score FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 100",
    ).all(kept.join(" OR ")) as unknown as Hit[];
  }

  /** The k nearest among the vectors of `partitions`, one sqlite-vec k-NN per partition. */
  scanVectors(vector: Float32Array, k: number, partitions: readonly number[]): Hit[] {
    const statement = this.#prepare(
      "SELECT rowid, distance AS score FROM vec WHERE embedding MATCH ? AND k = ? AND part = ?",
    );
    const query = blob(vector);
    let best: Hit[] = [];
    for (const part of partitions) {
      best = best.concat(statement.all(query, k, BigInt(part)) as unknown as Hit[]);
      best.sort((a, b) => a.score - b.score);
      if (best.length > k) best.length = k;
    }
    return best;
  }

  /** Brute-force k-NN over every vector. */
  knn(vector: Float32Array, k: number): Hit[] {
    return this.#prepare("SELECT rowid, distance AS score FROM vec WHERE embedding MATCH ? AND k = ?").all(
      blob(vector),
      k,
    ) as unknown as Hit[];
  }

  /** Partitions holding the rows inserted so far. */
  get partitions(): number {
    return Math.ceil(this.#rows / RAW_PARTITION_ROWS);
  }

  close(): void {
    this.db.close();
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #df(term: string): number {
    let df = this.#frequencies.get(term);
    if (df === undefined) {
      df = ((this.#documentFrequency.get(term) as { doc?: number } | undefined)?.doc ?? 0) as number;
      this.#frequencies.set(term, df);
    }
    return df;
  }
}

function blob(vector: Float32Array): Uint8Array {
  return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
}
