import { EngramError } from "../../core/errors.ts";
import { JOB_KINDS, SLEEP_JOB_KINDS } from "../../sleeptime/job-kinds.ts";
import type { JobOverrides } from "../../sleeptime/options.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { parseJsonObjectFlag } from "../files.ts";
import { formatJob, formatJobs, formatSleepRun } from "../format-jobs.ts";
import { listResult } from "../output.ts";
import { progressBar } from "../progress.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

const KINDS = SLEEP_JOB_KINDS.join(", ");

const sleep = defineCommand({
  name: "sleep",
  summary: "Run an agent's sleep-time jobs now: consolidate, reflect, rethink, forget",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    jobs: {
      type: "string",
      arg: "LIST",
      help: `which jobs, comma-separated: ${KINDS} (default: every one that can run, but decide, which fact writes queue)`,
    },
    enqueue: {
      type: "boolean",
      help: "only queue the jobs; a runner (engram serve, engram jobs run) runs them",
    },
    force: {
      type: "boolean",
      help: "run past reflection's importance threshold (default; --no-force: respect it)",
    },
    options: {
      type: "string",
      arg: "JSON",
      help: 'settings for this run, e.g. \'{"forget":{"threshold":0.1}}\' (see docs/sleeptime.md)',
    },
    key: { type: "string", arg: "KEY", help: "idempotency key: the same key again returns the same jobs" },
  },
  details: [
    "consolidate  merge near-duplicate memories (no model needed); with a model, close contradicted facts",
    "             (validTo) and link related memories",
    "reflect      derive insights and rules from recent messages, memories and episodes (needs a model)",
    "rethink      rewrite the agent's writable blocks to integrate what was learned (needs a model)",
    "forget       archive memories faded on the forgetting curve R = e^(-t/S) (no model needed)",
    "",
    "Without a language model (the agent's, or ENGRAM_MODEL) the default run does consolidate and",
    "forget and says why reflect and rethink were skipped; naming them in --jobs makes them fail with",
    "set-up help. Each job's changes apply in one transaction, as one commit/checkpoint authored",
    "sleeptime. Exits 1 when a job failed.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    const jobs = kindsIn(options.jobs, SLEEP_JOB_KINDS, "--jobs", "sleep");
    const overrides =
      options.options === undefined
        ? undefined
        : (parseJsonObjectFlag(options.options, "options") as JobOverrides);
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const input = { jobs, force: options.force, options: overrides, idempotencyKey: options.key };
    const run = options.enqueue
      ? await engram.sleeptime.enqueue(agent.id, input)
      : await engram.sleeptime.run(agent.id, { ...input, onProgress: progressBar(ctx.io.stderr) });
    const failed = run.jobs.filter((j) => j.status === "failed");
    if (failed.length > 0) {
      if (!ctx.json) ctx.io.stdout.write(`${formatSleepRun(run)}\n`);
      const first = failed[0]?.error;
      throw new EngramError(
        first?.code === "unavailable" || first?.code === "conflict" ? first.code : "internal",
        `${failed.length} of ${run.jobs.length} sleep-time job(s) failed: ${failed.map((j) => `${j.kind}: ${j.error?.message ?? "failed"}`).join("; ")}`,
        { details: { jobs: run.jobs, skipped: run.skipped } },
      );
    }
    return { data: run, text: formatSleepRun(run) };
  },
});

const list = defineCommand({
  name: "jobs list",
  readOnly: true,
  summary: "List an agent's background jobs, newest first",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    status: {
      type: "string",
      arg: "STATUS",
      help: "only jobs in this state: queued, running, succeeded, failed",
    },
    kind: { type: "string", arg: "KIND", help: `only jobs of this kind: ${JOB_KINDS.join(", ")}` },
    limit: { type: "string", arg: "N", help: "page size (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "the page after this cursor" },
  },
  async run({ args, options }, ctx) {
    const limit = intOption(options.limit, "limit", "jobs list");
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const page = await engram.sleeptime.list(agent.id, {
      status: options.status as never,
      kind: options.kind as never,
      limit,
      cursor: options.cursor,
    });
    return listResult(page, (items) => formatJobs(items));
  },
});

const show = defineCommand({
  name: "jobs show",
  readOnly: true,
  summary: "Show a job: its state, its error, and what it changed",
  args: ["agent", "job_id"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const job = await engram.sleeptime.get(agent.id, args.job_id);
    return { data: job, text: formatJob(job) };
  },
});

const runDue = defineCommand({
  name: "jobs run",
  summary: "Run the queued jobs that are due (e.g. ones triggered by new messages), then exit",
  args: [],
  options: {
    ...PROJECT_OPTION,
    agent: { type: "string", arg: "AGENT", help: "only this agent's jobs" },
    kind: {
      type: "string",
      arg: "KIND[,KIND]",
      help: `only jobs of these kinds: ${JOB_KINDS.join(", ")} (e.g. deliver: messages between agents a crash left undelivered)`,
    },
    limit: { type: "string", arg: "N", help: "run at most N jobs" },
  },
  async run({ options }, ctx) {
    const limit = intOption(options.limit, "limit", "jobs run");
    const kinds = kindsIn(options.kind, JOB_KINDS, "--kind", "jobs run");
    if (limit !== undefined && limit < 1) throw new UsageError("--limit must be at least 1", "jobs run");
    const engram = ctx.engram();
    const agentId =
      options.agent === undefined ? undefined : (await findAgent(engram, options.agent, options.project)).id;
    const jobs = await engram.sleeptime.runPending({
      agentId,
      limit,
      kinds,
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: jobs, text: jobs.length === 0 ? "no jobs were due" : formatJobs(jobs) };
  },
});

/**
 * A comma-separated list of kinds (`--jobs` of `sleep`, `--kind` of `jobs run`): known ones only,
 * the unknown named in the error otherwise.
 */
function kindsIn<K extends string>(
  value: string | undefined,
  known: readonly K[],
  flag: string,
  command: string,
): K[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  const unknown = names.filter((n) => !(known as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0)
    throw new UsageError(`${flag} takes ${known.join(", ")}; got "${unknown.join(", ") || value}"`, command);
  return names as K[];
}

/** `engram sleep` and `engram jobs …` */
export const sleepCommands: readonly Command[] = [sleep, list, show, runDue];
