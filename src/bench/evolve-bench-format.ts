import { asciiPlot } from "./ascii-plot.ts";
import type { EvolveSimResult, GateFigures } from "./evolve-sim-bench.ts";
import type { EvolveTaskBenchResult } from "./evolve-task-bench.ts";

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const f3 = (x: number) => x.toFixed(3);

/** The simulation bench for a terminal: both gates side by side, then true accuracy against rollouts. */
export function formatEvolveSimBench(r: EvolveSimResult): string {
  const { tolerance, sequential } = r.gates;
  const s = r.settings;
  const rows: [string, (g: GateFigures) => string][] = [
    ["false-accept rate", (g) => `${pct(g.falseAcceptRate)} (${g.acceptedWorse} of ${g.accepted})`],
    ["false-reject rate", (g) => `${pct(g.falseRejectRate)} (${g.rejectedBetter} of ${g.betterByMinGain})`],
    ["true accuracy", (g) => `${f3(g.startTrueAccuracy)} -> ${f3(g.finalTrueAccuracy)}`],
    ["oracle", (g) => f3(g.oracleAccuracy)],
    ["final / oracle", (g) => f3(g.oracleShare)],
    ["rollouts a run", (g) => g.rollouts.toFixed(1)],
    ["changes judged", (g) => String(g.changes)],
  ];
  const head = [
    "",
    `tolerance ${s.tolerance}`,
    `sequential (risk ${s.risk}, min gain ${s.minGain}, budget ${s.gateBudget})`,
  ];
  const table = [head, ...rows.map(([name, cell]) => [name, cell(tolerance), cell(sequential)])];
  const widths = [0, 1, 2].map((i) => Math.max(...table.map((row) => (row[i] as string).length)));
  const lines = table.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join("   ")
      .trimEnd(),
  );
  const all = [...tolerance.curve, ...sequential.curve].map((p) => p.trueAccuracy);
  const yMin = Math.max(0, Math.floor(Math.min(...all, tolerance.oracleAccuracy) * 10) / 10);
  const plot = asciiPlot(
    [
      {
        label: `oracle ${f3(tolerance.oracleAccuracy)}`,
        mark: "-",
        points: [
          [0, tolerance.oracleAccuracy],
          [r.budget, tolerance.oracleAccuracy],
        ],
      },
      {
        label: "tolerance",
        mark: "t",
        points: tolerance.curve.map((p) => [p.rollouts, p.trueAccuracy] as const),
      },
      {
        label: "sequential",
        mark: "s",
        points: sequential.curve.map((p) => [p.rollouts, p.trueAccuracy] as const),
      },
    ],
    { xMax: r.budget, yMin, yMax: 1, xLabel: "rollouts" },
  );
  return [
    `${r.seeds.length} simulated runs a gate (seeds ${seedText(r.seeds)}), ${r.budget} rollouts each, ${r.seconds} s`,
    "",
    ...lines,
    "",
    `Mean true accuracy against rollouts:`,
    plot,
  ].join("\n");
}

/** The task-set bench for a terminal. */
export function formatEvolveTaskBench(r: EvolveTaskBenchResult): string {
  const est = (e: { accuracy: number; interval: [number, number] }) =>
    `${f3(e.accuracy)} (95 % interval ${f3(e.interval[0])} to ${f3(e.interval[1])})`;
  const gate =
    r.gate === undefined
      ? "tolerance"
      : r.gate.kind === "tolerance"
        ? `tolerance ${r.gate.tolerance}`
        : `sequential (risk ${r.gate.risk}, min gain ${r.gate.minGain}, budget ${r.gate.budget})`;
  return [
    `${r.source} with ${r.model}, seed ${r.seed}: ${r.roundsDone} of ${r.rounds} rounds, gate ${gate}`,
    `tasks: ${r.tasks.train} training, ${r.tasks.validation} validation, ${r.tasks.heldOut} held out`,
    `held-out accuracy before: ${est(r.before)}`,
    `held-out accuracy after:  ${est(r.after)}`,
    `gain: ${r.gain.estimate >= 0 ? "+" : ""}${f3(r.gain.estimate)} (95 % interval ${f3(r.gain.interval[0])} to ${f3(r.gain.interval[1])})`,
    `candidates: ${r.accepted} accepted, ${r.rejected} rejected`,
    `rollouts: ${r.rollouts.total} (${r.rollouts.evolution} evolving, ${r.rollouts.finalEvaluation} scoring the final context)`,
    `tokens: ${r.tokens.total} (${r.tokens.input} in, ${r.tokens.output} out) over ${r.tokens.calls} model calls`,
    `time: ${r.seconds} s`,
  ].join("\n");
}

function seedText(seeds: readonly number[]): string {
  const sorted = [...seeds].sort((a, b) => a - b);
  const contiguous = sorted.every((s, i) => i === 0 || s === (sorted[i - 1] as number) + 1);
  return contiguous && sorted.length > 2 ? `${sorted[0]}-${sorted.at(-1)}` : sorted.join(",");
}
