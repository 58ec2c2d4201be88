import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { EngramError } from "../../core/errors.ts";
import type { Store } from "../../store/store.ts";
import type { CopiedCounts, CopyProgress, CopyReport } from "../../transfer/copy-database.ts";
import { type Command, defineCommand } from "../command.ts";
import type { Writable } from "../context.ts";
import { UsageError } from "../usage-error.ts";

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

const copy = defineCommand({
  name: "copy",
  summary: "Copy a whole database into an empty one: SQLite file or PostgreSQL URL, either way",
  args: [],
  options: {
    from: { type: "string", arg: "PATH_OR_URL", help: "the database to copy: a SQLite file or postgres://…" },
    to: {
      type: "string",
      arg: "PATH_OR_URL",
      help: "an empty database to copy into: a SQLite file (created when missing) or postgres://…",
    },
  },
  details: [
    "Carries projects, API keys, webhooks, settings and every agent with all it has learned, keeping",
    "ids, commit hashes and histories; then exports each agent from both sides and compares them, and",
    "exits non-zero if any differs. Vectors are not copied: run `engram memory reindex` on the copy.",
    "The event log, evolution runs, sleep-time jobs and webhook delivery logs stay behind. Stop the",
    "servers using the source first: writes made during the copy may or may not be carried.",
  ].join("\n"),
  async run({ options }, ctx) {
    const from = required(options.from, "from");
    const to = required(options.to, "to");
    if (!POSTGRES_URL.test(from) && !existsSync(from))
      throw new UsageError(`--from: there is no database file at ${from}`, "copy");
    if (location(from) === location(to))
      throw new UsageError("--from and --to name the same database", "copy");
    const { copyDatabase } = await import("../../transfer/copy-database.ts");
    const source = await openStore(from);
    try {
      const target = await openStore(to);
      try {
        const report = await copyDatabase(source, target, { onProgress: progressLines(ctx.io.stderr) });
        const text = formatReport(report, location(from), location(to));
        if (report.agents.differing.length > 0)
          throw new EngramError("internal", differs(report), { details: { report } });
        return { data: { from: location(from), to: location(to), ...report }, text };
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
  },
});

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`missing --${flag} PATH_OR_URL`, "copy");
  return value;
}

/** A file (the SQLite store) or a URL (PostgreSQL, loaded only then). */
async function openStore(at: string): Promise<Store> {
  if (POSTGRES_URL.test(at)) {
    const { createPostgresStore } = await import("../../store/postgres/postgres-store.ts");
    const store = createPostgresStore({ url: at });
    await store.ready().catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
    return store;
  }
  const { createSqliteStore } = await import("../../store/sqlite/sqlite-store.ts");
  return createSqliteStore({ path: resolve(at) });
}

/** How a database is named in output: a file by its full path, a URL without its password. */
function location(at: string): string {
  if (!POSTGRES_URL.test(at)) return resolve(at);
  try {
    const url = new URL(at);
    if (url.password !== "") url.password = "***";
    return url.href;
  } catch {
    return "(a PostgreSQL URL)";
  }
}

/** One line per agent on stderr as it is copied, and one as it is verified. */
function progressLines(stream: Writable): (progress: CopyProgress) => void {
  return ({ phase, agent, done, total, counts, difference }) => {
    const which = `${done}/${total} ${agent.name} (${agent.id})`;
    if (phase === "copy" && counts !== undefined) {
      stream.write(`copied ${which}: ${countsText(counts)}\n`);
    } else if (difference === null) stream.write(`verified ${which}\n`);
    else stream.write(`DIFFERS ${which}: at ${difference}\n`);
  };
}

function differs(report: CopyReport): string {
  const { differing, copied } = report.agents;
  const which = differing.map((d) => `${d.name} (${d.id}) at ${d.path}`).join("; ");
  return `the copy differs from the source for ${differing.length} of ${copied} agents: ${which}`;
}

function countsText(counts: CopiedCounts): string {
  return [
    `${counts.commits} commits`,
    `${counts.memories} memories`,
    `${counts.messages} messages`,
    `${counts.episodes} episodes`,
    `${counts.experienceRecords} experience records`,
    `${counts.insights} insights`,
  ].join(", ");
}

function formatReport(report: CopyReport, from: string, to: string): string {
  const { agents } = report;
  return [
    `copied ${from} to ${to}:`,
    `  ${report.projects} projects, ${report.keys} keys, ${report.webhooks} webhooks, ${report.settings} settings`,
    `  ${agents.copied} agents: ${countsText(report.totals)}`,
    `verified ${agents.verified} of ${agents.copied} agents: each one's export is the same from both databases`,
    ...report.notes.map((note) => `note: ${note}`),
  ].join("\n");
}

/** `engram copy` */
export const copyCommands: readonly Command[] = [copy];
