import pg from "pg";
import { sha256 } from "../../core/hash.ts";
import { describeConnectionError, isConnectionError, isUnavailable, redactUrl } from "./pg-errors.ts";
import { StatisticsUpkeep, type StatisticsUpkeepOptions } from "./statistics-upkeep.ts";

/** How to run one statement. */
export interface QueryOptions {
  /**
   * Keep the statement prepared on each connection (named after its text), so that running it
   * again skips parsing and planning. PostgreSQL may then settle on a generic plan after five runs.
   * By default a statement with parameters (one statement, its values apart) is prepared when it
   * has at most PREPARE_UP_TO of them: texts with more are mostly multi-row inserts whose form
   * changes with their number of rows. False runs it unprepared.
   */
  prepare?: boolean;
  /**
   * The rows the statement adds to each table, for the statistics upkeep, when it is not a plain
   * `INSERT INTO table …` (whose count is its row count): a statement that writes several tables
   * through `WITH … AS (INSERT …)` says what it wrote here.
   */
  adds?: Readonly<Record<string, number>>;
}

/** A place to run SQL: the pool (each statement on its own) or one transaction. */
export interface Sql {
  /** Every row of the result. Parameters are `$1`, `$2`… */
  all<T>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]>;
  /** The first row, or undefined. */
  get<T>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<T | undefined>;
  /** Runs a statement; returns how many rows it touched. */
  run(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<number>;
  /**
   * Runs a statement whose result nothing reads together with the next one its transaction sends
   * (the next statement, or the COMMIT), in one round trip. Order is kept: it runs before that
   * statement. Its error, if any, fails that statement's call or the commit, and the transaction
   * rolls back. Outside a transaction it runs at once.
   */
  defer(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<void>;
}

export interface PgDatabaseOptions {
  /** `postgres://user:password@host:port/database` (any libpq-style URL the `pg` driver takes). */
  url: string;
  /** The schema engram's tables live in (created when missing); `public` by default. */
  schema?: string | undefined;
  /** Most connections the pool opens (10 by default). */
  max?: number | undefined;
  /**
   * Honour `prepare` (true by default): false runs every statement unprepared, for a pooler that
   * hands a client's statements to several server connections without tracking what each prepared.
   */
  preparedStatements?: boolean | undefined;
  /**
   * When the pool vacuums and analyses a table its own inserts have grown (see statistics-upkeep.ts); false
   * leaves statistics to autovacuum alone.
   */
  statistics?: StatisticsUpkeepOptions | false | undefined;
}

/**
 * Most distinct statements a pool keeps prepared: past it, statements run unprepared, so a caller
 * that prepares texts of many forms costs the server no more than this many plans per connection.
 */
const MAX_PREPARED = 200;

/** Most parameters a statement may have to be prepared by default (see QueryOptions.prepare). */
const PREPARE_UP_TO = 32;

/** A statement held back to be sent with its transaction's next one (see `Sql.defer`). */
interface Deferred {
  text: string;
  params: readonly unknown[];
  options: QueryOptions | undefined;
}

/** SQLSTATEs after which a whole transaction may simply run again. */
const RETRYABLE = new Set(["40001", "40P01"]);
const MAX_TRANSACTION_ATTEMPTS = 5;

// int8 (bigint, counts, sequences) as JS numbers: engram's sequences and counters stay far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));
// numeric too (SUM over integers yields numeric).
pg.types.setTypeParser(1700, (value) => Number(value));

/**
 * A pool of connections to one PostgreSQL database (and schema). Every query waits until `ready()`,
 * which the store sets to its migration, so a store can be built synchronously and opened lazily.
 */
export class PgDatabase implements Sql {
  readonly pool: pg.Pool;
  readonly schema: string;
  /** The URL without its password, for messages and logs. */
  readonly where: string;
  /** What makes the database ready (see `setReady`), and its run: null until asked again. */
  #open: () => Promise<void> = () => Promise.resolve();
  #ready: Promise<void> | null = Promise.resolve();
  /** The names of prepared statements, by text. */
  readonly #prepared = new Map<string, string>();
  readonly #prepare: boolean;
  readonly #statistics: StatisticsUpkeep | null;

  constructor(options: PgDatabaseOptions) {
    this.schema = options.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) {
      throw new Error(`schema: "${this.schema}" is not a plain lower-case SQL name`);
    }
    this.where = redactUrl(options.url);
    this.#prepare = options.preparedStatements ?? true;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.max ?? 10,
      // A statement never waits forever on a dead server; a checkout never waits forever on a full pool.
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      // Idle connections do not keep a process alive whose work is done (one that never closed engram).
      allowExitOnIdle: true,
      ...(this.schema === "public" ? {} : { options: `-c search_path=${this.schema}` }),
      application_name: "engram",
    });
    // An idle connection that breaks (server restart) is dropped from the pool, not fatal to the process.
    this.pool.on("error", () => {});
    this.#statistics =
      options.statistics === false
        ? null
        : new StatisticsUpkeep(async (table) => {
            await this.pool.query(`VACUUM (ANALYZE) "${table}"`);
            const row = await this.pool.query<{ rows: number }>(
              "SELECT GREATEST(reltuples, 0)::float8 AS rows FROM pg_class WHERE oid = to_regclass($1)",
              [table],
            );
            return row.rows[0]?.rows ?? 0;
          }, options.statistics);
  }

  /**
   * Makes every query wait for `open` (e.g. migrations), run now, first. A failed run fails every
   * query, except that one that could not reach the server (`unavailable`: it is down, restarting,
   * failing over) is run again by the next query, so the database opens once the server is back.
   */
  setReady(open: () => Promise<void>): void {
    this.#open = open;
    this.#ready = null;
    void this.ready();
  }

  ready(): Promise<void> {
    if (this.#ready === null) {
      const step: Promise<void> = this.#open().catch((error: unknown) => {
        if (isUnavailable(error) && this.#ready === step) this.#ready = null;
        throw error;
      });
      // Callers see the failure on their own query; this keeps it from also being an unhandled rejection.
      step.catch(() => {});
      this.#ready = step;
    }
    return this.#ready;
  }

  async all<T>(text: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<T[]> {
    await this.ready();
    try {
      return (await this.#query<T>(this.pool, text, params, options)).rows;
    } catch (error) {
      // A read on a connection that died (server restart, network) is asked again once on a fresh one.
      if (!isUnavailable(error)) throw error;
      return (await this.#query<T>(this.pool, text, params, options)).rows;
    }
  }

  async get<T>(
    text: string,
    params: readonly unknown[] = [],
    options?: QueryOptions,
  ): Promise<T | undefined> {
    return (await this.all<T>(text, params, options))[0];
  }

  async run(text: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<number> {
    await this.ready();
    return (await this.#query(this.pool, text, params, options)).rowCount ?? 0;
  }

  async defer(text: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<void> {
    await this.run(text, params, options);
  }

  /**
   * Runs `fn` in one transaction on one connection: committed when it returns, rolled back when it
   * throws. Run again from the start (up to 5 times) when PostgreSQL reports a serialization failure
   * or a deadlock, so `fn` must only touch the database.
   */
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    await this.ready();
    return this.transactionNow(fn);
  }

  /** As `transaction`, without waiting for `ready()` (for the steps that make it ready). */
  async transactionNow<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const { client, release } = await this.#checkout();
      // Statements whose results nothing waits for travel with the next one: BEGIN with the
      // transaction's first statement, and those given to `defer` with whatever runs after them
      // (another statement, or the COMMIT). Each is a round trip less. On the wire they are
      // separate messages, each with its own sync point, so the server runs them in order; when
      // one fails, the transaction is aborted and the rest fail or (COMMIT) roll it back.
      const pipelined = client as pg.PoolClient & { pipeline: boolean };
      pipelined.pipeline = true;
      const waiting: Deferred[] = [{ text: "BEGIN", params: [], options: undefined }];
      let begun = false;
      const send = async (text: string, params: readonly unknown[], options?: QueryOptions) => {
        begun = true;
        const batch = [...waiting.splice(0), { text, params, options }];
        const outcomes = await Promise.allSettled(
          batch.map((statement) => this.#query(client, statement.text, statement.params, statement.options)),
        );
        for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
        return (outcomes.at(-1) as PromiseFulfilledResult<pg.QueryResult>).value;
      };
      let broken = false;
      try {
        const tx: Sql = {
          all: async (text, params = [], options) => (await send(text, params, options)).rows as never,
          get: async (text, params = [], options) => (await send(text, params, options)).rows[0] as never,
          run: async (text, params = [], options) => (await send(text, params, options)).rowCount ?? 0,
          defer: async (text, params = [], options) => {
            waiting.push({ text, params, options });
          },
        };
        const result = await fn(tx);
        // A transaction that ran nothing has nothing to commit.
        if (begun || waiting.length > 1) await send("COMMIT", []);
        return result;
      } catch (error) {
        if (begun) {
          try {
            await client.query("ROLLBACK");
          } catch {
            broken = true;
          }
        }
        const code = (error as { code?: unknown }).code;
        if (typeof code === "string" && RETRYABLE.has(code) && attempt < MAX_TRANSACTION_ATTEMPTS) continue;
        throw describeConnectionError(error, this.where);
      } finally {
        pipelined.pipeline = false;
        release(broken);
      }
    }
  }

  /** Runs `fn` with one connection of its own (e.g. for a session-level advisory lock). */
  async withConnection<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const { client, release } = await this.#checkout();
    let broken = false;
    try {
      return await fn(client);
    } catch (error) {
      broken = isConnectionError(error);
      throw describeConnectionError(error, this.where);
    } finally {
      release(broken);
    }
  }

  async close(): Promise<void> {
    await this.#statistics?.close();
    await this.pool.end();
  }

  /**
   * A connection taken out of the pool until `release`. While out, a connection the server ends
   * (a restart, `pg_terminate_backend`) is reported as an `error` event on it, which would end the
   * process if nothing listened: here it marks the connection lost (the statement in flight fails
   * on its own), and a lost connection is closed on release, not put back.
   */
  async #checkout(): Promise<{ client: pg.PoolClient; release: (broken: boolean) => void }> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw describeConnectionError(error, this.where);
    }
    let lost = false;
    const onError = () => {
      lost = true;
    };
    client.on("error", onError);
    return {
      client,
      release: (broken) => {
        client.removeListener("error", onError);
        client.release(broken || lost);
      },
    };
  }

  async #query<T>(
    on: pg.Pool | pg.PoolClient,
    text: string,
    params: readonly unknown[],
    options?: QueryOptions,
  ) {
    const prepare = options?.prepare ?? (params.length > 0 && params.length <= PREPARE_UP_TO);
    const name = prepare && this.#prepare ? this.#statementName(text) : undefined;
    try {
      const result = await on.query<T & pg.QueryResultRow>({ text, values: params as unknown[], name });
      if (options?.adds === undefined) this.#statistics?.noteStatement(text, result.rowCount);
      else for (const [table, rows] of Object.entries(options.adds)) this.#statistics?.noteRows(table, rows);
      return result;
    } catch (error) {
      throw describeConnectionError(error, this.where);
    }
  }

  /** The name a statement is prepared under (the driver prepares it on each connection's first use). */
  #statementName(text: string): string | undefined {
    let name = this.#prepared.get(text);
    if (name === undefined && this.#prepared.size < MAX_PREPARED) {
      name = `engram_${sha256(text).slice(0, 32)}`;
      this.#prepared.set(text, name);
    }
    return name;
  }
}
