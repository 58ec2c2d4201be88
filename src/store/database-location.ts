import { InvalidInputError } from "../core/errors.ts";
import { redactUrl } from "./postgres/pg-errors.ts";
import { defaultDatabasePath } from "./sqlite/database-path.ts";

/**
 * Where engram's data lives: a SQLite file, or a PostgreSQL database (and schema). Parsed from one
 * string, so that a flag, an environment variable and a library option all take the same values.
 */
export type DatabaseLocation =
  | {
      kind: "sqlite";
      /** The file, or `:memory:`. */
      path: string;
      /** What to show people: the path. */
      label: string;
    }
  | {
      kind: "postgres";
      /** The connection URL for the driver, without engram's own parameters. */
      url: string;
      /** The schema engram's tables live in; `public` when the URL names none. */
      schema: string | undefined;
      /** Most connections the pool opens, from the URL's `connection_limit`. */
      connectionLimit: number | undefined;
      /**
       * Whether hot statements are kept prepared on each connection, from the URL's
       * `prepared_statements` (`true` or `false`; on when not given). Off for a pooler that cannot
       * track named prepared statements (PgBouncer before 1.21 in transaction mode).
       */
      preparedStatements: boolean | undefined;
      /** What to show people: the URL as given, with any password replaced. */
      label: string;
    };

const POSTGRES_PROTOCOLS = new Set(["postgres:", "postgresql:"]);
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const MAX_CONNECTION_LIMIT = 1000;

/**
 * Reads a database string: a `postgres://` or `postgresql://` URL, or else a SQLite file path. The URL
 * may carry engram's own query parameters `schema` (a plain lower-case name), `connection_limit`
 * (the pool's size) and `prepared_statements` (`true` or `false`); the rest of it goes to the driver
 * as given.
 *
 * @param field What to call the value in errors (e.g. `--database`, `ENGRAM_DATABASE_URL`).
 * @throws InvalidInputError naming `field` when the value is empty, a URL of another scheme, or a
 *   PostgreSQL URL that does not parse. Messages never contain the password.
 * @example
 * parseDatabaseLocation("postgres://engram@db.internal/engram?schema=agents", "--database");
 * parseDatabaseLocation("./agents.db", "--db"); // { kind: "sqlite", path: "./agents.db", … }
 */
export function parseDatabaseLocation(value: string, field: string): DatabaseLocation {
  if (value.trim() === "") throw new InvalidInputError(`${field} must not be empty`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1];
  if (scheme === undefined) return { kind: "sqlite", path: value, label: value };
  if (!POSTGRES_PROTOCOLS.has(`${scheme.toLowerCase()}:`)) {
    throw new InvalidInputError(
      `${field} must be a postgres:// or postgresql:// URL or a SQLite file path, got a ${scheme}:// URL`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value is not echoed: it may hold a password.
    throw new InvalidInputError(`${field} is not a valid PostgreSQL URL`);
  }
  const schema = url.searchParams.get("schema") ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new InvalidInputError(
      `${field}: schema must be a plain lower-case SQL name (letters, digits, _), got "${schema}"`,
    );
  }
  const limit = url.searchParams.get("connection_limit") ?? undefined;
  if (
    limit !== undefined &&
    !(/^\d+$/.test(limit) && Number(limit) >= 1 && Number(limit) <= MAX_CONNECTION_LIMIT)
  ) {
    throw new InvalidInputError(
      `${field}: connection_limit must be an integer from 1 to ${MAX_CONNECTION_LIMIT}, got "${limit}"`,
    );
  }
  const prepared = url.searchParams.get("prepared_statements") ?? undefined;
  if (prepared !== undefined && prepared !== "true" && prepared !== "false") {
    throw new InvalidInputError(`${field}: prepared_statements must be true or false, got "${prepared}"`);
  }
  url.searchParams.delete("schema");
  url.searchParams.delete("connection_limit");
  url.searchParams.delete("prepared_statements");
  return {
    kind: "postgres",
    url: url.toString(),
    schema,
    connectionLimit: limit === undefined ? undefined : Number(limit),
    preparedStatements: prepared === undefined ? undefined : prepared === "true",
    label: redactUrl(value),
  };
}

/**
 * The database used when none is named: `ENGRAM_DATABASE_URL`, else the file `ENGRAM_DB`, else
 * `~/.engram/engram.db`. `ENGRAM_DATABASE_URL` may also name a SQLite file.
 *
 * @throws InvalidInputError naming the variable when its value is not a database.
 */
export function defaultDatabaseLocation(env: NodeJS.ProcessEnv = process.env): DatabaseLocation {
  const url = env.ENGRAM_DATABASE_URL;
  if (url !== undefined && url !== "") return parseDatabaseLocation(url, "ENGRAM_DATABASE_URL");
  const path = defaultDatabasePath(env);
  return { kind: "sqlite", path, label: path };
}

/**
 * The string that `parseDatabaseLocation` reads back as `location`: the path, or the URL with engram's
 * parameters (password included, so not for messages: use `label`).
 *
 * @example
 * formatDatabaseLocation({ ...location, schema: "bench_1" }); // "postgres://…/db?schema=bench_1"
 */
export function formatDatabaseLocation(location: DatabaseLocation): string {
  if (location.kind === "sqlite") return location.path;
  const url = new URL(location.url);
  if (location.schema !== undefined) url.searchParams.set("schema", location.schema);
  if (location.connectionLimit !== undefined)
    url.searchParams.set("connection_limit", String(location.connectionLimit));
  if (location.preparedStatements !== undefined)
    url.searchParams.set("prepared_statements", String(location.preparedStatements));
  return url.toString();
}
