import { EngramError, InvalidInputError } from "../../core/errors.ts";
import type { Engram } from "../../engram.ts";
import { startSleeptimeScheduler } from "../../sleeptime/scheduler.ts";
import { formatDatabaseLocation } from "../../store/database-location.ts";
import { parseAllowPattern } from "../../webhooks/outbound-policy.ts";
import { type Command, defineCommand, durationOption, intOption, numberOption } from "../command.ts";
import type { CommandContext } from "../context.ts";
import {
  isClusterWorker,
  leaveCluster,
  primaryStops,
  reportFailure,
  reportListening,
  startCluster,
} from "../serve-cluster.ts";
import { UsageError } from "../usage-error.ts";

/** Where the server listens unless told otherwise: only this machine. */
export const DEFAULT_PORT = 8420;
export const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_GRACE_MS = 10_000;

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
    host: {
      type: "string",
      arg: "HOST",
      help: `interface to listen on (default ${DEFAULT_HOST}); any non-loopback one requires API keys`,
    },
    auth: { type: "boolean", help: "require API keys on loopback too (always on beyond loopback)" },
    sleep: {
      type: "boolean",
      help: "run sleep-time jobs in the background: due ones every 5 s, scheduled ones each interval (default; --no-sleep: not)",
    },
    "sleep-interval": {
      type: "string",
      arg: "DURATION",
      help: "how often scheduled sleep-time jobs are enqueued, e.g. 30m (default 1h)",
    },
    ui: {
      type: "boolean",
      help: "serve the inspector, a web page over the API, at / (default; --no-ui: not)",
    },
    workers: {
      type: "string",
      arg: "N",
      help: "server processes sharing the port and the database (default 1)",
    },
    "rate-limit": {
      type: "string",
      arg: "N",
      help: "requests per second per key, or per client address without auth; 0: off (default 100 with auth, off without)",
    },
    "rate-burst": {
      type: "string",
      arg: "N",
      help: "requests allowed at once after a quiet spell (default 2×N)",
    },
    "auth-failures": {
      type: "string",
      arg: "N",
      help: "failed authentications allowed per minute per client address, then 429 for it; 0: off (default 30)",
    },
    "allow-model": {
      type: "string",
      multiple: true,
      arg: "PROVIDER:MODEL",
      help: "with auth, a model keys may give agents, besides ENGRAM_MODEL (repeatable; default: that one only)",
    },
    "allow-mcp": {
      type: "string",
      multiple: true,
      arg: "COMMAND",
      help: 'with auth, a command keys may run as an agent\'s stdio MCP server: CMD (any arguments) or "CMD ARG…" (exactly those) (repeatable; default: none)',
    },
    timeout: {
      type: "string",
      arg: "MS",
      help: "time a response may take to start, else 503 (default 30000; 0: none); turns keep their own timeoutMs",
    },
    "max-body": {
      type: "string",
      arg: "BYTES",
      help: "largest request body (default 1048576; /v1/import 64 MiB)",
    },
    "allow-url": {
      type: "string",
      multiple: true,
      arg: "PATTERN",
      help: "a URL pattern webhooks and agents' MCP servers may reach, e.g. https://hooks.example.com or https://*.example.com/in (repeatable)",
    },
    "shutdown-grace": {
      type: "string",
      arg: "MS",
      help: `on SIGTERM/SIGINT, how long requests in flight may finish (default ${DEFAULT_GRACE_MS})`,
    },
  },
  details: [
    "On SIGTERM or SIGINT the server stops accepting connections, lets requests in flight finish (up to",
    "--shutdown-grace), closes the database and exits 0. With auth on, at least one API key must exist",
    "(engram keys create --project NAME). --json prints one line {url, host, port, auth, workers, database,",
    "warnings} when listening. With --workers N, rate limits are kept by each worker. After",
    "--auth-failures failed authentications in a minute, a client address gets 429 for every request,",
    "valid key or not, until its allowance refills. With auth, keys may give agents (and evolution or",
    "insight runs) only the server's own model (ENGRAM_MODEL) and those named by --allow-model: any other",
    "is refused with 403, so no tenant can send an agent's context to a host of its choosing. Likewise",
    "agents' MCP servers: a command must be named by --allow-mcp, a URL match an --allow-url pattern.",
  ].join("\n"),
  async run({ options }, ctx) {
    const port = intOption(options.port, "port", "serve") ?? DEFAULT_PORT;
    if (port < 0 || port > 65535)
      throw new UsageError(`--port must be from 0 to 65535, got ${port}`, "serve");
    const host = options.host ?? DEFAULT_HOST;
    const workers = intOption(options.workers, "workers", "serve") ?? 1;
    if (workers < 1 || workers > 64)
      throw new UsageError(`--workers must be from 1 to 64, got ${workers}`, "serve");
    const rate = nonNegative(numberOption(options["rate-limit"], "rate-limit", "serve"), "rate-limit");
    const burst = nonNegative(intOption(options["rate-burst"], "rate-burst", "serve"), "rate-burst");
    const authFailures = nonNegative(
      numberOption(options["auth-failures"], "auth-failures", "serve"),
      "auth-failures",
    );
    const timeout = nonNegative(intOption(options.timeout, "timeout", "serve"), "timeout");
    const maxBody = nonNegative(intOption(options["max-body"], "max-body", "serve"), "max-body");
    const grace =
      nonNegative(intOption(options["shutdown-grace"], "shutdown-grace", "serve"), "shutdown-grace") ??
      DEFAULT_GRACE_MS;
    const allowModels = (options["allow-model"] ?? []).map((spec) => {
      if (!/^[a-z][a-z0-9-]*:.+$/.test(spec))
        throw new UsageError(
          `--allow-model must be provider:model, e.g. openai:gpt-4o-mini; got "${spec}"`,
          "serve",
        );
      return spec;
    });
    const interval = durationOption(options["sleep-interval"], "sleep-interval", "serve");
    if (interval !== undefined && interval < 1000)
      throw new UsageError(
        `--sleep-interval must be at least 1s, got "${options["sleep-interval"]}"`,
        "serve",
      );
    const allowUrls = options["allow-url"] ?? [];
    const allowMcp = (options["allow-mcp"] ?? []).map((command) => {
      if (command.trim() === "" || /[\r\n\0]/.test(command))
        throw new UsageError(`--allow-mcp must name a command, got ${JSON.stringify(command)}`, "serve");
      return command;
    });
    for (const pattern of allowUrls) parseAllowPattern(pattern);
    const worker = isClusterWorker();
    // Listen for the stop request before starting, so one that arrives during start-up is not lost.
    const signalled = ctx.io.shutdown?.() ?? new Promise<string>(() => {});
    const stopped = worker ? Promise.race([signalled, primaryStops()]) : signalled;
    // server/serve.ts, not the server's index: that one also re-exports the MCP server, which loads on
    // the first /mcp request instead.
    const { startServer, isLoopback } = await import("../../server/serve.ts");
    const loopback = isLoopback(host);
    const auth = options.auth === true || !loopback;
    // A worker that cannot start says why to the primary and lets go of it, so that it exits.
    const notStarted = (error: unknown): never => {
      if (worker) {
        reportFailure(error);
        leaveCluster();
      }
      throw error;
    };
    // Fail at start, not on every turn, when ENGRAM_MODEL names a model no turn could call: an
    // unknown provider, a missing API key, a base URL that is not one.
    const model = ctx.io.env.ENGRAM_MODEL;
    if (model !== undefined && model !== "") {
      const { checkLanguageModel } = await import("../../models/language-model.ts");
      try {
        checkLanguageModel(model, ctx.io.env);
      } catch (error) {
        if (!EngramError.isInstance(error)) throw error;
        notStarted(new EngramError(error.code, `ENGRAM_MODEL: ${error.message}`, { cause: error }));
      }
    }
    // Opening a SQLite file migrates it there and then: a file too new fails here.
    const engram = (() => {
      try {
        return ctx.engram();
      } catch (error) {
        return notStarted(error);
      }
    })();
    // Fail at start, not on the first request, when the embedding model disagrees with stored vectors.
    await engram.ready().catch(notStarted);
    if (auth)
      await requireAKey(engram, loopback ? "--auth is on" : `${host} is not a loopback address`).catch(
        notStarted,
      );

    if (workers > 1 && !worker) {
      // The primary only hands out connections: each worker opens the database itself.
      await ctx.close();
      const sleep = { enabled: options.sleep !== false, interval: options["sleep-interval"] };
      const flags = {
        auth,
        rate,
        burst,
        authFailures,
        timeout,
        maxBody,
        grace,
        sleep,
        allowModels,
        ui: options.ui !== false,
        allowUrls,
        allowMcp,
      };
      const running = await startCluster({
        workers,
        argv: workerArgv(ctx, port, host, flags),
        env: workerEnv(ctx),
        stderr: ctx.io.stderr,
        stopTimeoutMs: grace + 5_000,
      });
      announce(ctx, { ...running, workers, warnings: [] });
      const signal = await stopped;
      if (!ctx.json) ctx.io.stderr.write(`engram: ${signal}, shutting down ${workers} workers\n`);
      await running.stop();
      return undefined;
    }

    const server = await startServer({
      engram,
      port,
      host,
      auth,
      rateLimit: rate === undefined ? undefined : rate === 0 ? false : { requestsPerSecond: rate, burst },
      authFailureLimit:
        authFailures === undefined ? undefined : authFailures === 0 ? false : { perMinute: authFailures },
      allowModels,
      requestTimeoutMs: timeout,
      maxBodyBytes: maxBody === 0 ? undefined : maxBody,
      shutdownGraceMs: grace,
      inspector: options.ui !== false,
      allowUrls,
      allowMcp,
    }).catch((error: unknown) => notStarted(listenError(error, host, port)));
    // Every worker may run jobs: the queue leases each job to one runner at a time.
    const scheduler =
      options.sleep === false
        ? null
        : startSleeptimeScheduler(engram.sleeptime, {
            intervalMs: interval,
            onError: (error) => ctx.io.stderr.write(`engram: sleep-time: ${(error as Error).message}\n`),
          });
    const url = `http://${server.host.includes(":") ? `[${server.host}]` : server.host}:${server.port}`;
    if (worker) reportListening({ url, host: server.host, port: server.port, auth: server.auth });
    else
      announce(ctx, {
        url,
        host: server.host,
        port: server.port,
        auth: server.auth,
        workers: 1,
        warnings: engram.warnings,
      });
    const signal = await stopped;
    if (!ctx.json && !worker) ctx.io.stderr.write(`engram: ${signal}, shutting down\n`);
    await server.close();
    await scheduler?.stop();
    await ctx.close();
    if (worker) leaveCluster();
    return undefined;
  },
});

/** `engram serve` */
export const serveCommands: readonly Command[] = [serve];

function announce(
  ctx: CommandContext,
  ready: {
    url: string;
    host: string;
    port: number;
    auth: boolean;
    workers: number;
    warnings: readonly string[];
  },
): void {
  if (ctx.json) {
    ctx.io.stdout.write(`${JSON.stringify({ ...ready, database: ctx.database.label })}\n`);
    return;
  }
  const notes = [`database: ${ctx.database.label}`];
  if (ready.auth) notes.push("API keys required");
  if (ready.workers > 1) notes.push(`${ready.workers} workers`);
  ctx.io.stdout.write(`engram listening on ${ready.url} (${notes.join(", ")})\n`);
  for (const warning of ready.warnings) ctx.io.stderr.write(`warning: ${warning}\n`);
}

/** The command line of a worker: the same server, told everything explicitly. */
function workerArgv(
  ctx: CommandContext,
  port: number,
  host: string,
  flags: {
    auth: boolean;
    rate: number | undefined;
    burst: number | undefined;
    authFailures: number | undefined;
    timeout: number | undefined;
    maxBody: number | undefined;
    grace: number;
    sleep: { enabled: boolean; interval: string | undefined };
    allowModels: readonly string[];
    ui: boolean;
    allowUrls: readonly string[];
    allowMcp: readonly string[];
  },
): string[] {
  const argv = ["serve", "--port", String(port), "--host", host];
  // A PostgreSQL URL reaches the workers through their environment (workerEnv), not their command lines.
  if (ctx.database.kind === "sqlite") argv.push("--db", ctx.database.path);
  if (flags.auth) argv.push("--auth");
  if (flags.rate !== undefined) argv.push("--rate-limit", String(flags.rate));
  if (flags.burst !== undefined) argv.push("--rate-burst", String(flags.burst));
  if (flags.authFailures !== undefined) argv.push("--auth-failures", String(flags.authFailures));
  if (flags.timeout !== undefined) argv.push("--timeout", String(flags.timeout));
  if (flags.maxBody !== undefined) argv.push("--max-body", String(flags.maxBody));
  for (const spec of flags.allowModels) argv.push(`--allow-model=${spec}`);
  argv.push("--shutdown-grace", String(flags.grace));
  if (!flags.sleep.enabled) argv.push("--no-sleep");
  if (!flags.ui) argv.push("--no-ui");
  if (flags.sleep.interval !== undefined) argv.push("--sleep-interval", flags.sleep.interval);
  for (const pattern of flags.allowUrls) argv.push("--allow-url", pattern);
  for (const command of flags.allowMcp) argv.push(`--allow-mcp=${command}`);
  return argv;
}

/**
 * What a worker's environment adds to the primary's: the PostgreSQL URL as the primary was given it
 * (password included), kept off command lines, which other users of the machine can list.
 */
function workerEnv(ctx: CommandContext): Record<string, string> {
  if (ctx.database.kind === "sqlite") return {};
  return { ENGRAM_DATABASE_URL: formatDatabaseLocation(ctx.database) };
}

/** A server that needs keys while none exists could only answer 401: say so instead of starting. */
async function requireAKey(engram: Engram, why: string): Promise<void> {
  if ((await engram.keys.countActive()) > 0) return;
  throw new InvalidInputError(
    `${why}, so requests need API keys, but none exists: create one with 'engram keys create --project NAME' first`,
  );
}

function nonNegative(value: number | undefined, flag: string): number | undefined {
  if (value !== undefined && value < 0)
    throw new UsageError(`--${flag} must not be negative, got ${value}`, "serve");
  return value;
}

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
