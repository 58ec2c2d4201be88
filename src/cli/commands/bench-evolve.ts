import { InvalidInputError } from "../../core/errors.ts";
import { positiveInt, seedList } from "../bench-options.ts";
import { defineCommand, intOption } from "../command.ts";
import { readUserFile } from "../files.ts";
import { GATE_OPTIONS, gateSettings } from "../gate-options.ts";
import { progressBar } from "../progress.ts";
import { UsageError } from "../usage-error.ts";

const NAME = "bench evolve";

/** `engram bench evolve`: the gates on simulated runs with known truth, or one run on a real task set. */
export const evolveBench = defineCommand({
  name: NAME,
  summary: "Evolution's gates on simulated runs with known truth (--simulate), or one run on a task set",
  args: [],
  options: {
    simulate: { type: "boolean", help: "simulated runs: a student and a teacher model with known truth" },
    seeds: {
      type: "string",
      arg: "LIST",
      help: "--simulate: one world and run per seed, e.g. 1-20 (default)",
    },
    budget: { type: "string", arg: "N", help: "--simulate: task attempts a run may make (default 200)" },
    tasks: {
      type: "string",
      arg: "FILE|NAME",
      help: "a task set (JSON Lines), or gsm8k, game24, bbh:TASK from --data-dir",
    },
    "data-dir": {
      type: "string",
      arg: "DIR",
      help: "folder of the built-in task sets (default $ENGRAM_EVOLVE_DATA)",
    },
    model: {
      type: "string",
      arg: "PROVIDER:MODEL",
      help: "the model that answers and reflects (default $ENGRAM_MODEL)",
    },
    rounds: { type: "string", arg: "N", help: "rounds of the run (default 10)" },
    seed: { type: "string", arg: "S", help: "seed of the run (default 1)" },
    limit: { type: "string", arg: "N", help: "use only the first N tasks of the set" },
    ...GATE_OPTIONS,
    "max-rollouts": { type: "string", arg: "N", help: "task attempts the run may make (default: no limit)" },
  },
  details: [
    "--simulate: for each seed, a simulated world (tasks with latent skills; rules that help, hurt or do",
    "nothing; a sampled student; a teacher whose rule edits help with probability 0.5) and two runs of the",
    "real evolution loop on it, with the tolerance rule (tolerance 0) and with the sequential gate, each",
    "stopped after --budget task attempts. Prints each gate's false-accept and false-reject rates, the",
    "final context's true accuracy against the start and the best reachable (the oracle), rollouts, and",
    "an ASCII plot of true accuracy against rollouts. No model is called.",
    "--tasks: one run of a fresh agent on the task set (in a throwaway database; --db is ignored), then",
    "the held-out accuracy before and after with 95 % intervals, tokens and rollouts. The task file and",
    "the settings are checked before any model call. See docs/evolution.md.",
  ].join("\n"),
  async run({ options }, ctx) {
    const settings = {
      ...gateSettings(options, NAME),
      maxRollouts: positiveInt(options["max-rollouts"], "max-rollouts", NAME),
      rounds: positiveInt(options.rounds, "rounds", NAME) ?? 10,
      seed: intOption(options.seed, "seed", NAME),
    };
    const defined = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
    // Loaded on use: the settings schema brings zod, which `engram --help` must not load.
    const { parseInput } = await import("../../core/validation.ts");
    const { evolveSettings } = await import("../../evolution/run-config.ts");
    if (options.simulate === true) {
      for (const flag of [
        "tasks",
        "model",
        "data-dir",
        "limit",
        "gate",
        "tolerance",
        "seed",
        "rounds",
        "max-rollouts",
      ] as const)
        if (options[flag] !== undefined) throw new UsageError(`--simulate takes no --${flag}`, NAME);
      // The same checks as a run's, so a risk outside (0, 1) or a budget too small is refused up front.
      const checked = parseInput(evolveSettings, { ...defined, gate: "sequential" }, "evolution settings");
      const seeds = options.seeds === undefined ? range(1, 20) : seedList(options.seeds, NAME);
      const budget = positiveInt(options.budget, "budget", NAME);
      const { runEvolveSimBench } = await import("../../bench/evolve-sim-bench.ts");
      const { formatEvolveSimBench } = await import("../../bench/evolve-bench-format.ts");
      const result = await runEvolveSimBench({
        seeds,
        budget,
        risk: checked.risk,
        minGain: checked.minGain,
        gateBudget: checked.gateBudget,
        onProgress: progressBar(ctx.io.stderr),
      });
      return { data: result, text: formatEvolveSimBench(result) };
    }
    if (options.tasks === undefined)
      throw new UsageError("give --simulate, or --tasks FILE|gsm8k|game24|bbh:TASK", NAME);
    for (const flag of ["seeds", "budget"] as const)
      if (options[flag] !== undefined) throw new UsageError(`--${flag} applies to --simulate only`, NAME);
    const checked = parseInput(evolveSettings, defined, "evolution settings");
    const { resolveTaskSet, runEvolveTaskBench, EVOLVE_DATA_ENV } = await import(
      "../../bench/evolve-task-bench.ts"
    );
    const file = resolveTaskSet(options.tasks, options["data-dir"] ?? ctx.io.env[EVOLVE_DATA_ENV]);
    const text = await readUserFile(file, "tasks file");
    const limit = positiveInt(options.limit, "limit", NAME);
    const { formatEvolveTaskBench } = await import("../../bench/evolve-bench-format.ts");
    const result = await runEvolveTaskBench({
      tasks: text,
      source: file,
      model: options.model,
      env: ctx.io.env,
      limit,
      settings: { ...defined, rounds: checked.rounds },
      onProgress: progressBar(ctx.io.stderr),
    }).catch((error: unknown) => {
      if (error instanceof InvalidInputError && limit !== undefined && /split is empty/.test(error.message))
        throw new InvalidInputError(`${error.message} (--limit ${limit} leaves too few tasks)`, {
          cause: error,
        });
      throw error;
    });
    return { data: result, text: formatEvolveTaskBench(result) };
  },
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
