import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { EngramError, toEngramError } from "../../core/errors.ts";
import { secretBoxFromEnv } from "../../core/secret-box.ts";
import { type DatabaseLocation, parseDatabaseLocation } from "../../store/database-location.ts";
import type { Store } from "../../store/store.ts";
import type { CopyProgress, CopyReport } from "../../transfer/copy-database.ts";
import { type Command, defineCommand } from "../command.ts";
import type { Writable } from "../context.ts";
import { type CopyDestination, prepareDestination } from "../copy-destination.ts";
import { agentCountsText, plural } from "../counts-text.ts";
import { UsageError } from "../usage-error.ts";

const copy = defineCommand({
  name: "copy",
  summary: "Copy a whole database into an empty one: SQLite file or PostgreSQL URL, either way",
  args: [],
  options: {
    from: { type: "string", arg: "PATH_OR_URL", help: "the database to copy: a SQLite file or postgres://…" },
    to: {
      type: "string",
      arg: "PATH_OR_URL",
      help: "an empty database to copy into: a new SQLite file or postgres://…",
    },
  },
  details: [
    "Carries projects, API keys, webhooks, settings, agent groups and every agent with all it has",
    "learned and its MCP servers, keeping ids, commit hashes and histories; then exports each agent",
    "from both sides and compares them (and each group), and exits non-zero if any differs. Vectors",
    "are not copied: run `engram memory reindex` on the copy.",
    "The event log, evolution runs, sleep-time jobs and webhook delivery logs stay behind. Stop the",
    "servers using the source first: writes made during the copy may or may not be carried.",
    "A copy that fails or is stopped (Ctrl-C) leaves no partial database: a SQLite copy is written to",
    "FILE.partial and renamed when complete; in PostgreSQL what the copy created is dropped again.",
  ].join("\n"),
  async run({ options }, ctx) {
    const from = locate(options.from, "from");
    const to = locate(options.to, "to");
    if (from.kind === "sqlite" && !existsSync(from.path))
      throw new UsageError(`--from: there is no database file at ${from.label}`, "copy");
    if (sameDatabase(from, to)) throw new UsageError("--from and --to name the same database", "copy");
    const signal = stopSignal(ctx.io.shutdown);
    const { openStore } = await import("../../store/open-store.ts");
    // Secrets are opened with the key of the environment and sealed again with it.
    const secrets = secretBoxFromEnv(ctx.io.env);
    const source = openStore(from, { secrets });
    try {
      const destination = await prepareDestination(to);
      const report = await copyInto(source, () => openStore(destination.location, { secrets }), destination, {
        label: to.label,
        signal,
        onProgress: progressLines(ctx.io.stderr),
      });
      return {
        data: { from: from.label, to: to.label, ...report },
        text: formatReport(report, from.label, to.label),
      };
    } finally {
      await source.close();
    }
  },
});

/**
 * Copies into the destination's store and puts the copy in place. When the copy fails, differs from
 * the source or is stopped, what it wrote is taken away (as far as it can be) and the error says what
 * is left.
 */
export async function copyInto(
  source: Store,
  open: () => Store,
  destination: CopyDestination,
  options: { label: string; signal: AbortSignal; onProgress: (progress: CopyProgress) => void },
): Promise<CopyReport> {
  const { copyDatabase, requireEmpty } = await import("../../transfer/copy-database.ts");
  const { signal, onProgress } = options;
  let target: Store | undefined;
  let refused = false;
  let writing = false;
  try {
    target = open();
    await Promise.all([source.ready(), target.ready()]);
    await requireEmpty(target).catch((error: unknown) => {
      refused = true;
      throw error;
    });
    writing = true;
    const report = await copyDatabase(source, target, { signal, onProgress });
    if (report.agents.differing.length > 0 || report.groups.differing.length > 0)
      throw new EngramError("internal", differs(report), { details: { report } });
    await target.close();
    signal.throwIfAborted();
    await destination.finish();
    return report;
  } catch (error) {
    // The copy's own failure is the one to report, not one of closing after it.
    await target?.close().catch(() => {});
    // A PostgreSQL schema found not empty (filled since it was first looked at) is left as it is:
    // what it holds is not the copy's. A SQLite copy's `.partial` is its own, and goes.
    const keep = refused && destination.location.kind === "postgres";
    const left = keep ? null : await destination.undo();
    throw failure(error, signal, writing ? left : null, options.label);
  }
}

/** Aborts when the process is asked to stop (SIGINT, SIGTERM); never without `shutdown`. */
function stopSignal(shutdown: (() => Promise<string>) | undefined): AbortSignal {
  const controller = new AbortController();
  void shutdown?.().then((signal) =>
    controller.abort(new EngramError("unavailable", `stopped by ${signal}`)),
  );
  return controller.signal;
}

/** The error a failed copy ends with: what stopped it, and what it left at the destination. */
function failure(error: unknown, signal: AbortSignal, left: string | null, label: string): unknown {
  if (signal.aborted) {
    const reason = (signal.reason as Error).message;
    return new EngramError(
      "unavailable",
      `the copy was ${reason}: ${left ?? `nothing was written to ${label}`}`,
    );
  }
  if (left === null) return error;
  const failed = toEngramError(error);
  return new EngramError(failed.code, `${failed.message}: ${left}`, {
    cause: error,
    details: failed.details,
  });
}

/** The database a flag names; a SQLite file by its full path, so that its label says which file. */
function locate(value: string | undefined, flag: "from" | "to"): DatabaseLocation {
  if (value === undefined || value === "") throw new UsageError(`missing --${flag} PATH_OR_URL`, "copy");
  const location = parseDatabaseLocation(value, `--${flag}`);
  if (location.kind === "postgres") return location;
  const path = resolve(location.path);
  return { ...location, path, label: path };
}

function sameDatabase(a: DatabaseLocation, b: DatabaseLocation): boolean {
  if (a.kind === "sqlite" || b.kind === "sqlite")
    return a.kind === "sqlite" && b.kind === "sqlite" && a.path === b.path;
  // The same server, database and schema, whoever connects (credentials and options aside).
  const where = (url: string) => {
    const { host, pathname } = new URL(url);
    return `${host}${pathname}`;
  };
  return where(a.url) === where(b.url) && (a.schema ?? "public") === (b.schema ?? "public");
}

/** One line per agent on stderr as it is copied, and one as it is verified. */
function progressLines(stream: Writable): (progress: CopyProgress) => void {
  return ({ phase, agent, done, total, counts, difference }) => {
    const which = `${done}/${total} ${agent.name} (${agent.id})`;
    if (phase === "copy" && counts !== undefined) {
      stream.write(`copied ${which}: ${agentCountsText(counts)}\n`);
    } else if (difference === null) stream.write(`verified ${which}\n`);
    else stream.write(`DIFFERS ${which}: at ${difference}\n`);
  };
}

function differs(report: CopyReport): string {
  const { differing, copied } = report.agents;
  const which = differing.map((d) => `${d.name} (${d.id}) at ${d.path}`).join("; ");
  const groups = report.groups.differing.map((g) => `${g.name} (${g.id})`).join("; ");
  return [
    differing.length > 0 ? `for ${differing.length} of ${plural(copied, "agent")}: ${which}` : "",
    groups === ""
      ? ""
      : `for ${report.groups.differing.length} of ${plural(report.groups.copied, "group")}: ${groups}`,
  ]
    .filter((part) => part !== "")
    .map((part) => `the copy differs from the source ${part}`)
    .join("; ");
}

/** Agents as `agent list` counts them, the hidden holders of project memory apart. */
function agentsText(agents: number, holders: number): string {
  const shown = plural(agents - holders, "agent");
  return holders === 0 ? shown : `${shown} (and ${plural(holders, "project memory holder")})`;
}

/** Printed only for a copy found the same as its source: every agent and group verified. */
function formatReport(report: CopyReport, from: string, to: string): string {
  const { agents, groups } = report;
  const holders = agents.projectMemoryHolders;
  const counts = [
    plural(report.projects, "project"),
    plural(report.keys, "key"),
    plural(report.webhooks, "webhook"),
    plural(report.settings, "setting"),
  ];
  return [
    `copied ${from} to ${to}:`,
    `  ${counts.join(", ")}`,
    `  ${agentsText(agents.copied, holders)}: ${agentCountsText(report.totals)}`,
    `  ${plural(report.mcpServers, "MCP server")}, ${plural(groups.copied, "agent group")}`,
    `verified ${agents.verified - holders} of ${agentsText(agents.copied, holders)}: each one's export and MCP servers are the same from both databases`,
    `verified ${groups.copied - groups.differing.length} of ${plural(groups.copied, "agent group")}`,
    ...report.notes.map((note) => `note: ${note}`),
  ].join("\n");
}

/** `engram copy` */
export const copyCommands: readonly Command[] = [copy];
