import { EngramError, InvalidInputError } from "../../core/errors.ts";
import { startSleeptimeScheduler } from "../../sleeptime/scheduler.ts";
import { type Command, defineCommand, durationOption, intOption } from "../command.ts";
import { UsageError } from "../usage-error.ts";

/** Where the server listens unless told otherwise: only this machine. */
export const DEFAULT_PORT = 8420;
export const DEFAULT_HOST = "127.0.0.1";

const serve = defineCommand({
  name: "serve",
  summary: "Run the HTTP API until SIGINT or SIGTERM",
  args: [],
  options: {
    port: {
      type: "string",
      arg: "PORT",
      help: `port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)`,
    },
    host: { type: "string", arg: "HOST", help: `interface to listen on (default ${DEFAULT_HOST})` },
    sleep: {
      type: "boolean",
      help: "run sleep-time jobs in the background: due ones every 5 s, scheduled ones each interval (default; --no-sleep: not)",
    },
    "sleep-interval": {
      type: "string",
      arg: "DURATION",
      help: "how often scheduled sleep-time jobs are enqueued, e.g. 30m (default 1h)",
    },
  },
  async run({ options }, ctx) {
    const port = intOption(options.port, "port", "serve") ?? DEFAULT_PORT;
    if (port < 0 || port > 65535)
      throw new UsageError(`--port must be from 0 to 65535, got ${port}`, "serve");
    const host = options.host ?? DEFAULT_HOST;
    const interval = durationOption(options["sleep-interval"], "sleep-interval", "serve");
    if (interval !== undefined && interval < 1000)
      throw new UsageError(
        `--sleep-interval must be at least 1s, got "${options["sleep-interval"]}"`,
        "serve",
      );
    // Listen for the stop request before starting, so one that arrives during start-up is not lost.
    const stopped = ctx.io.shutdown?.() ?? new Promise<string>(() => {});
    const { startServer } = await import("../../server/index.ts");
    const engram = ctx.engram();
    // Fail at start, not on the first request, when the embedding model disagrees with stored vectors.
    await engram.ready();
    const server = await startServer({ engram, port, host }).catch((error: unknown) => {
      throw listenError(error, host, port);
    });
    const scheduler =
      options.sleep === false
        ? null
        : startSleeptimeScheduler(engram.sleeptime, {
            intervalMs: interval,
            onError: (error) => ctx.io.stderr.write(`engram: sleep-time: ${(error as Error).message}\n`),
          });
    const url = `http://${server.host.includes(":") ? `[${server.host}]` : server.host}:${server.port}`;
    if (ctx.json) {
      const ready = {
        url,
        host: server.host,
        port: server.port,
        database: ctx.dbPath,
        warnings: engram.warnings,
      };
      ctx.io.stdout.write(`${JSON.stringify(ready)}\n`);
    } else {
      ctx.io.stdout.write(`engram listening on ${url} (database: ${ctx.dbPath})\n`);
      for (const warning of engram.warnings) ctx.io.stderr.write(`warning: ${warning}\n`);
    }
    const signal = await stopped;
    if (!ctx.json) ctx.io.stderr.write(`engram: ${signal}, shutting down\n`);
    await server.close();
    await scheduler?.stop();
    await ctx.close();
    return undefined;
  },
});

/** `engram serve` */
export const serveCommands: readonly Command[] = [serve];

/** A port in use or not allowed is the caller's to fix, not an engram failure. */
function listenError(error: unknown, host: string, port: number): unknown {
  if (EngramError.isInstance(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE")
    return new InvalidInputError(`cannot listen on ${host}:${port}: the port is in use`, { cause: error });
  if (code === "EACCES")
    return new InvalidInputError(`cannot listen on ${host}:${port}: permission denied`, { cause: error });
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return new InvalidInputError(`cannot listen on ${host}:${port}: no such address here`, { cause: error });
  return error;
}
