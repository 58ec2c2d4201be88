import type { EvolutionRun } from "../core/evolution-types.ts";
import type { DistillResult } from "../evolution/distill.ts";
import { gateFigures, gateText, heldOutNote } from "../evolution/gate-text.ts";
import type { EvolutionReport } from "../evolution/report.ts";
import { fields, oneLine, shortTime, table } from "./output.ts";

const score = (value: number | null | undefined) =>
  value === null || value === undefined ? "-" : String(value);

/** A run's report for a terminal: a summary, then one line per candidate. */
export function formatReport(report: EvolutionReport): string {
  const { run } = report;
  const summary = fields([
    ["run", run.id],
    [
      "status",
      `${run.status}, ${run.roundsDone} of ${run.rounds} rounds${run.error === null ? "" : `: ${run.error}`}`,
    ],
    [
      "held-out",
      `${score(report.baseline?.heldOut)} -> ${score(report.final?.heldOut)}${heldOutNote(report)}`,
    ],
    ["validation", `${score(report.baseline?.validation)} -> ${score(report.final?.validation)}`],
    ["candidates", `${report.accepted} accepted, ${report.rejected} rejected`],
    ["gate", gateText(report.config)],
    ["rollouts", String(run.rollouts)],
    ["commit", report.final?.commit ?? "(none)"],
  ]);
  const rows = report.candidates.map((c) => [
    String(c.round),
    c.component === null ? c.operation : `${c.operation} ${c.component}`,
    score(c.validation),
    score(c.heldOut),
    c.gate === null ? "-" : gateFigures(c.gate),
    c.decision,
    oneLine(c.reason ?? "", 60),
  ]);
  return `${summary}\n\n${table(["ROUND", "CHANGE", "VALID", "HELD-OUT", "GATE", "DECISION", "WHY"], rows)}`;
}

export function formatRuns(runs: readonly EvolutionRun[]): string {
  if (runs.length === 0) return "no evolution runs";
  return table(
    ["ID", "STATUS", "ROUNDS", "SEED", "STARTED"],
    runs.map((r) => [
      r.id,
      r.status,
      `${r.round}/${(r.config as { rounds?: number }).rounds ?? "?"}`,
      String(r.seed),
      shortTime(r.startedAt),
    ]),
  );
}

export function formatDistill(result: DistillResult, out: string): string {
  const { episodes, messages, evolution } = result.sources;
  return `wrote ${result.count} ${result.format} example${result.count === 1 ? "" : "s"} to ${out} (episodes ${episodes}, conversations ${messages}, evolution ${evolution})`;
}
