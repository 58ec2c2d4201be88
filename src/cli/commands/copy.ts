import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { EngramError } from "../../core/errors.ts";
import { secretBoxFromEnv } from "../../core/secret-box.ts";
import { type DatabaseLocation, parseDatabaseLocation } from "../../store/database-location.ts";
import type { CopiedCounts, CopyProgress, CopyReport } from "../../transfer/copy-database.ts";
import { type Command, defineCommand } from "../command.ts";
import type { Writable } from "../context.ts";
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
      help: "an empty database to copy into: a SQLite file (created when missing) or postgres://…",
    },
  },
  details: [
    "Carries projects, API keys, webhooks, settings, agent groups and every agent with all it has",
    "learned and its MCP servers, keeping ids, commit hashes and histories; then exports each agent",
    "from both sides and compares them (and each group), and exits non-zero if any differs. Vectors",
    "are not copied: run `engram memory reindex` on the copy.",
    "The event log, evolution runs, sleep-time jobs and webhook delivery logs stay behind. Stop the",
    "servers using the source first: writes made during the copy may or may not be carried.",
  ].join("\n"),
  async run({ options }, ctx) {
    const from = locate(options.from, "from");
    const to = locate(options.to, "to");
    if (from.kind === "sqlite" && !existsSync(from.path))
      throw new UsageError(`--from: there is no database file at ${from.label}`, "copy");
    if (sameDatabase(from, to)) throw new UsageError("--from and --to name the same database", "copy");
    const [{ copyDatabase }, { openStore }] = await Promise.all([
      import("../../transfer/copy-database.ts"),
      import("../../store/open-store.ts"),
    ]);
    // Secrets are opened with the key of the environment and sealed again with it.
    const secrets = secretBoxFromEnv(ctx.io.env);
    const source = openStore(from, { secrets });
    try {
      const target = openStore(to, { secrets });
      try {
        const report = await copyDatabase(source, target, { onProgress: progressLines(ctx.io.stderr) });
        if (report.agents.differing.length > 0 || report.groups.differing.length > 0)
          throw new EngramError("internal", differs(report), { details: { report } });
        return {
          data: { from: from.label, to: to.label, ...report },
          text: formatReport(report, from.label, to.label),
        };
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
  },
});

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
      stream.write(`copied ${which}: ${countsText(counts)}\n`);
    } else if (difference === null) stream.write(`verified ${which}\n`);
    else stream.write(`DIFFERS ${which}: at ${difference}\n`);
  };
}

function differs(report: CopyReport): string {
  const { differing, copied } = report.agents;
  const which = differing.map((d) => `${d.name} (${d.id}) at ${d.path}`).join("; ");
  const groups = report.groups.differing.map((g) => `${g.name} (${g.id})`).join("; ");
  return [
    differing.length > 0 ? `for ${differing.length} of ${copied} agents: ${which}` : "",
    groups === "" ? "" : `for ${report.groups.differing.length} of ${report.groups.copied} groups: ${groups}`,
  ]
    .filter((part) => part !== "")
    .map((part) => `the copy differs from the source ${part}`)
    .join("; ");
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
    `  ${report.mcpServers} MCP servers, ${report.groups.copied} agent groups`,
    `verified ${agents.verified} of ${agents.copied} agents: each one's export and MCP servers are the same from both databases`,
    `verified ${report.groups.copied - report.groups.differing.length} of ${report.groups.copied} agent groups`,
    ...report.notes.map((note) => `note: ${note}`),
  ].join("\n");
}

/** `engram copy` */
export const copyCommands: readonly Command[] = [copy];
