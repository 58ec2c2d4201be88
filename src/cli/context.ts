import type { Engram } from "../engram.ts";
import type { DatabaseLocation } from "../store/database-location.ts";
import { UsageError } from "./usage-error.ts";
import { decodeUserText } from "./user-text.ts";

/** Something text can be written to: `process.stdout`, or a capture in tests. */
export interface Writable {
  write(chunk: string): unknown;
  /** True when it is a terminal (progress is shown only then). */
  isTTY?: boolean | undefined;
}

/** The outside world of one CLI run. Injected, so tests run commands in-process. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  /** Read by `-` arguments (`block set … -`, `import -`). */
  stdin?: AsyncIterable<string | Uint8Array> | undefined;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); `serve` runs until then. */
  shutdown?: (() => Promise<string>) | undefined;
}

/** What a command gets: the io, the output mode and the database, opened on first use. */
export interface CommandContext {
  readonly io: CliIo;
  readonly json: boolean;
  /** The database the command runs on (`--database`, `--db` or their defaults). */
  readonly database: DatabaseLocation;
  /** The engine over `database`, opened on the first call; closed by `run` afterwards. */
  engram(): Engram;
  /**
   * Why the database could not be opened, once the engine has been opened and the database has
   * answered; undefined when it opened, or when the engine was never opened.
   */
  openFailure(): Promise<unknown>;
  /** Closes the engine if it was opened. Safe to call more than once. */
  close(): Promise<void>;
  /** All of stdin as UTF-8. */
  readStdin(): Promise<string>;
}

/**
 * The context of one command. `open` opens the engine over a database: `run` passes it in once it has
 * loaded the engine, so that this module (and `--help`, `--version`) does not load it.
 */
export function createContext(
  io: CliIo,
  options: { json: boolean; database: DatabaseLocation; open: (database: DatabaseLocation) => Engram },
): CommandContext {
  let engram: Engram | undefined;
  let opening: Promise<unknown> | undefined;
  return {
    io,
    json: options.json,
    database: options.database,
    engram() {
      if (engram === undefined) {
        engram = options.open(options.database);
        // A database that opens in the background (PostgreSQL) is asked now, so that a failure to
        // reach it is known, and reported as itself, whatever the command was doing when it failed.
        opening = engram.store.ready().then(
          () => undefined,
          (error: unknown) => error,
        );
      }
      return engram;
    },
    openFailure: async () => opening,
    async close() {
      const open = engram;
      engram = undefined;
      await open?.close();
    },
    async readStdin() {
      if (io.stdin === undefined) throw new UsageError("'-' reads stdin, but there is no stdin");
      const chunks: Buffer[] = [];
      for await (const chunk of io.stdin)
        chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
      return decodeUserText(Buffer.concat(chunks), "stdin");
    },
  };
}
