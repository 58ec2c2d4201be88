import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { EngramError, InvalidInputError, toEngramError } from "../../core/errors.ts";
import type { EvolutionRun } from "../../core/evolution-types.ts";
import type { Checker } from "../../evolution/checkers.ts";
import type { DistillSource } from "../../evolution/distill.ts";
import type { EvolutionReport } from "../../evolution/report.ts";
import { type Command, defineCommand, intOption, numberOption } from "../command.ts";
import { readUserFile, writeUserFile } from "../files.ts";
import { formatDistill, formatReport, formatRuns } from "../format-evolution.ts";
import { GATE_OPTIONS, gateSettings } from "../gate-options.ts";
import { listResult } from "../output.ts";
import { progressBar } from "../progress.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

const MODEL_OPTION = {
  model: {
    type: "string",
    arg: "PROVIDER:MODEL",
    help: "e.g. openai:gpt-4o-mini (default: the agent's model, else $ENGRAM_MODEL)",
  },
} as const;

const evolve = defineCommand({
  name: "evolve",
  summary: "Evolve an agent's learned context over a task set; commit what the gate shows to be better",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    ...MODEL_OPTION,
    tasks: { type: "string", arg: "FILE", help: "task set, JSON Lines (required unless --resume)" },
    rounds: { type: "string", arg: "N", help: "rounds: one candidate each (required unless --resume)" },
    seed: { type: "string", arg: "S", help: "seed of splits, sampling and selection (default 1)" },
    ...GATE_OPTIONS,
    "max-rollouts": {
      type: "string",
      arg: "N",
      help: "end the run before a round once it made N task attempts (default: no limit)",
    },
    holdout: { type: "string", arg: "F", help: "share of tasks held out for the gate (default 0.3)" },
    validation: {
      type: "string",
      arg: "F",
      help: "share of tasks in the Pareto validation set (default 0.3)",
    },
    minibatch: { type: "string", arg: "N", help: "training tasks per round (default 3)" },
    pool: { type: "string", arg: "N", help: "most candidates kept in the pool (default 6)" },
    components: {
      type: "string",
      arg: "A,B",
      help: "what may change: instructions, insights, block:LABEL, exemplars",
    },
    exemplars: {
      type: "string",
      arg: "K",
      help: "keep up to K worked examples in the exemplars block (default 0: off)",
    },
    "merge-every": {
      type: "string",
      arg: "N",
      help: "every Nth round merges two Pareto candidates (default 0: off)",
    },
    objective: {
      type: "string",
      arg: "TEXT",
      help: "also write training tasks for this objective (self-consistency)",
    },
    branch: { type: "string", arg: "BRANCH", help: "branch to evolve (default: the agent's default branch)" },
    checkers: { type: "string", arg: "MODULE", help: "a JS/TS module whose exports are custom checkers" },
    report: { type: "string", arg: "FILE.md", help: "also write the run report as Markdown" },
    resume: { type: "string", arg: "RUN", help: "continue a run that crashed or failed" },
  },
  details: [
    "Each round picks a parent from the Pareto front of the candidate pool, runs it on training tasks,",
    "has the model reflect on the failures and rewrite one component, and scores the child on the",
    "validation and held-out tasks. The sequential gate (the default) draws held-out tasks for the child and",
    "the current context with the same seeds and commits the child (author evolver) once its gain is shown",
    "above 0 at the given risk; the tolerance rule commits a child whose held-out score does not fall by more",
    "than the tolerance. Any other child is recorded as rejected. Every candidate, score and decision",
    "is recorded: `engram evolution show AGENT RUN`. Tasks: one JSON object per line, {input, expected} or",
    "{input, checker, ...} (checkers: exact, numeric, contains, regex, json) or {environment, seed}.",
    "Needs a language model: --model, the agent's model, or ENGRAM_MODEL. See docs/evolution.md.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    const name = "evolve";
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const checkers = options.checkers === undefined ? undefined : await loadCheckers(options.checkers);
    const drivers = { model: options.model, checkers, onProgress: progressBar(ctx.io.stderr) };
    let started: { run: EvolutionRun; done: Promise<EvolutionRun> };
    if (options.resume !== undefined) {
      if (options.tasks !== undefined || options.rounds !== undefined)
        throw new UsageError(
          "--resume continues a run with its own tasks and rounds: drop --tasks and --rounds",
          name,
        );
      started = await engram.evolution.startResume(agent.id, options.resume, drivers);
    } else {
      if (options.tasks === undefined) throw new UsageError("missing --tasks FILE", name);
      const rounds = intOption(options.rounds, "rounds", name);
      if (rounds === undefined) throw new UsageError("missing --rounds N", name);
      started = await engram.evolution.start(agent.id, {
        ...drivers,
        tasks: await readUserFile(options.tasks, "tasks file"),
        source: options.tasks,
        rounds,
        seed: intOption(options.seed, "seed", name),
        ...gateSettings(options, name),
        maxRollouts: intOption(options["max-rollouts"], "max-rollouts", name),
        holdout: numberOption(options.holdout, "holdout", name),
        validation: numberOption(options.validation, "validation", name),
        minibatch: intOption(options.minibatch, "minibatch", name),
        poolSize: intOption(options.pool, "pool", name),
        components: options.components?.split(",").map((c) => c.trim()),
        exemplars: intOption(options.exemplars, "exemplars", name),
        mergeEvery: intOption(options["merge-every"], "merge-every", name),
        objective: options.objective === undefined ? undefined : { text: options.objective },
        branch: options.branch,
      });
    }
    try {
      await started.done;
    } catch (error) {
      const failure = toEngramError(error);
      const next =
        failure.code === "conflict"
          ? "start a new run"
          : `resume it with: engram evolve ${args.agent} --resume ${started.run.id}`;
      throw new EngramError(
        failure.code,
        `evolution run ${started.run.id} ended: ${failure.message}; ${next}`,
        {
          cause: error,
        },
      );
    }
    const report = await engram.evolution.report(agent.id, started.run.id);
    if (options.report !== undefined)
      await writeUserFile(options.report, await markdownOf(report), "report file");
    return { data: report, text: formatReport(report) };
  },
});

const list = defineCommand({
  name: "evolution list",
  readOnly: true,
  summary: "List an agent's evolution runs, newest first",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    limit: { type: "string", arg: "N", help: "runs per page (default 50)" },
    cursor: { type: "string", arg: "CURSOR", help: "the next page, as given by the previous one" },
  },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const page = await engram.evolution.list(agent.id, {
      limit: intOption(options.limit, "limit", "evolution list"),
      cursor: options.cursor,
    });
    return listResult(page, (items) => formatRuns(items));
  },
});

const show = defineCommand({
  name: "evolution show",
  readOnly: true,
  summary: "Show an evolution run's report: scores per round, candidates and decisions",
  args: ["agent", "run"],
  options: {
    ...PROJECT_OPTION,
    report: { type: "string", arg: "FILE.md", help: "also write the report as Markdown, with diffs" },
  },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const report: EvolutionReport = await engram.evolution.report(agent.id, args.run);
    if (options.report !== undefined)
      await writeUserFile(options.report, await markdownOf(report), "report file");
    return { data: report, text: formatReport(report) };
  },
});

const rollback = defineCommand({
  name: "evolution rollback",
  summary: "Put an agent's learned context back as an evolution run found it (blocks, instructions, rules)",
  args: ["agent", "run"],
  options: { ...PROJECT_OPTION },
  details: [
    "Undoes what the run's accepted candidates changed, in one commit authored user: blocks, instructions",
    "and insight rules. Refused (exit 1, nothing changed) while the run runs, or when the agent changed",
    "since the run's last accepted candidate.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const result = await engram.evolution.rollback(agent.id, args.run);
    const text = !result.changed
      ? `nothing to roll back: run ${args.run} left ${agent.name}'s learned context as it found it, or was rolled back already`
      : `rolled back run ${args.run} on ${agent.name}: ${result.candidates.length} accepted candidate(s) undone${
          result.commitId === null ? "" : `, blocks restored in commit ${result.commitId.slice(0, 12)}`
        }`;
    return { data: result, text };
  },
});

const distill = defineCommand({
  name: "distill",
  readOnly: true,
  summary: "Export what an agent learned as fine-tuning data: SFT chat or DPO preference JSONL",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    format: { type: "string", arg: "sft|dpo", help: "sft: chat examples; dpo: preference pairs (required)" },
    out: { type: "string", arg: "FILE", help: "write the JSONL here (default: stdout)" },
    sources: { type: "string", arg: "A,B", help: "episodes, messages, evolution (default: all)" },
    branch: { type: "string", arg: "BRANCH", help: "branch whose learned context is the system prompt" },
  },
  details: [
    "Every example starts with the agent's learned context (instructions, blocks, insights) as the system",
    "prompt. SFT: successful episodes, conversations, and answers that passed their checker in evolution",
    "runs. DPO: a success and a failure of the same task. OpenAI's fine-tuning formats; the same database",
    "gives the same bytes. With --json, prints the counts and the JSONL as a string.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    if (options.format === undefined) throw new UsageError("missing --format sft|dpo", "distill");
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const result = await engram.evolution.distill(agent.id, {
      format: options.format as "sft",
      sources: options.sources?.split(",").map((s) => s.trim() as DistillSource),
      branch: options.branch,
    });
    if (options.out !== undefined) {
      await writeUserFile(options.out, result.jsonl, "output file");
      return {
        data: { ...result, jsonl: undefined, out: options.out },
        text: formatDistill(result, options.out),
      };
    }
    if (ctx.json) return { data: result, text: "" };
    ctx.io.stdout.write(result.jsonl);
    return undefined;
  },
});

/**
 * Custom checkers from a module: a default export that is an object of checkers, and/or named
 * exports that are functions.
 */
async function loadCheckers(path: string): Promise<Record<string, Checker>> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidInputError(`cannot load checkers module ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const found: Record<string, Checker> = {};
  const fromDefault = module.default;
  if (fromDefault !== null && typeof fromDefault === "object") {
    for (const [key, value] of Object.entries(fromDefault))
      if (typeof value === "function") found[key] = value as Checker;
  }
  for (const [key, value] of Object.entries(module)) {
    if (key !== "default" && typeof value === "function") found[key] = value as Checker;
  }
  if (Object.keys(found).length === 0)
    throw new InvalidInputError(`checkers module ${path} exports no functions to use as checkers`);
  return found;
}

/** `engram evolve`, `engram distill`, `engram evolution …` */
export const evolutionCommands: readonly Command[] = [evolve, distill, list, show, rollback];

/** The report as Markdown; its module (and the evaluation code it reaches) loads only for --report. */
async function markdownOf(report: EvolutionReport): Promise<string> {
  const { reportMarkdown } = await import("../../evolution/report.ts");
  return reportMarkdown(report);
}
