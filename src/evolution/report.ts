import type { AttemptRecord, EvolutionCandidate, EvolutionRun } from "../core/evolution-types.ts";
import { diffLines, formatDiffLines } from "../memory/blocks/line-diff.ts";
import { scoresOf } from "./evaluation.ts";
import { gateFigures, gateText, heldOutNote } from "./gate-text.ts";
import type { GateDecision } from "./paired-gate.ts";
import type { RunConfig } from "./run-config.ts";

export interface ReportChange {
  component: string;
  before: string;
  after: string;
  /** Unified line diff (` ` kept, `-` removed, `+` added). */
  diff: string;
}

export interface ReportCandidate {
  id: string;
  round: number;
  operation: string;
  component: string | null;
  parents: string[];
  decision: string;
  reason: string | null;
  /** Mean scores: training minibatch (parent, then child), validation, held-out, and the gate's baseline. */
  minibatch: { parent: number; child: number | null } | null;
  validation: number | null;
  heldOut: number | null;
  baseline: number | null;
  commit: string | null;
  /** The sequential gate's decision: estimate, interval, draws and rollouts (null under the tolerance rule). */
  gate: GateDecision | null;
  /** Task attempts the candidate's round made, and the run's total when it was decided. */
  rollouts: { candidate: number; run: number } | null;
  scores: { validation: Record<string, number>; heldOut: Record<string, number> };
  changes: ReportChange[];
}

/** A run's report: scores per round, and every candidate with its decision and diff. */
export interface EvolutionReport {
  run: {
    id: string;
    agentId: string;
    branch: string;
    seed: number;
    status: string;
    attempt: number;
    rounds: number;
    roundsDone: number;
    /** Task attempts the run has made. */
    rollouts: number;
    startedAt: string;
    finishedAt: string | null;
    error: string | null;
  };
  config: Omit<RunConfig, "tasks"> & { tasks: number };
  splits: { train: string[]; validation: string[]; test: string[]; generated: string[] };
  baseline: { candidate: string; validation: number | null; heldOut: number | null } | null;
  final: {
    candidate: string;
    validation: number | null;
    /**
     * Mean held-out score: over every held-out task (as the baseline's), or, for a candidate the
     * sequential gate accepted, over the gate's draws (`heldOutDraws`).
     */
    heldOut: number | null;
    /** The gate's draws behind `heldOut`, when they are what it is the mean of; else null. */
    heldOutDraws: number | null;
    commit: string | null;
  } | null;
  accepted: number;
  rejected: number;
  candidates: ReportCandidate[];
}

const mean = (attempts: AttemptRecord[] | undefined) =>
  attempts === undefined || attempts.length === 0
    ? null
    : Math.round((attempts.reduce((s, a) => s + a.score, 0) / attempts.length) * 1e6) / 1e6;

/** The report of a run, from its records (works for runs still going, failed or finished). */
export function buildReport(run: EvolutionRun, candidates: readonly EvolutionCandidate[]): EvolutionReport {
  const { tasks, ...config } = run.config as unknown as RunConfig;
  const state = run.state as {
    current?: string;
    splits?: EvolutionReport["splits"];
    generated?: { id: string }[];
  };
  const seed = candidates.find((c) => c.round === 0 && c.decision === "accepted");
  const current = candidates.find((c) => c.id === state.current);
  const lastCommit = candidates.filter((c) => c.decision === "accepted" && c.commitId !== null).at(-1);
  return {
    run: {
      id: run.id,
      agentId: run.agentId,
      branch: run.branch,
      seed: run.seed,
      status: run.status,
      attempt: run.attempt,
      rounds: config.rounds,
      roundsDone: run.round,
      rollouts: (run.state.rollouts as number | undefined) ?? 0,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      error: run.error,
    },
    config: { ...config, tasks: tasks.length },
    splits: {
      train: state.splits?.train ?? [],
      validation: state.splits?.validation ?? [],
      test: state.splits?.test ?? [],
      generated: (state.generated ?? []).map((t) => t.id),
    },
    baseline:
      seed === undefined ? null : { candidate: seed.id, validation: seed.aggregate, heldOut: seed.heldOut },
    final:
      current === undefined
        ? null
        : {
            candidate: current.id,
            validation: current.aggregate,
            heldOut: current.heldOut,
            heldOutDraws:
              current.round > 0
                ? ((current.evaluation.gate as GateDecision | undefined)?.draws ?? null)
                : null,
            commit: lastCommit?.commitId ?? null,
          },
    accepted: candidates.filter((c) => c.round > 0 && c.decision === "accepted").length,
    rejected: candidates.filter((c) => c.decision === "rejected").length,
    candidates: candidates.map(reportCandidate),
  };
}

function reportCandidate(c: EvolutionCandidate): ReportCandidate {
  const evaluation = c.evaluation as Record<string, AttemptRecord[] | undefined>;
  const parentMinibatch = mean(evaluation.parentMinibatch);
  return {
    id: c.id,
    round: c.round,
    operation: c.operation,
    component: c.component,
    parents: c.parentIds,
    decision: c.decision,
    reason: c.reason,
    minibatch:
      parentMinibatch === null ? null : { parent: parentMinibatch, child: mean(evaluation.minibatch) },
    validation: c.aggregate,
    heldOut: c.heldOut,
    baseline: c.baseline,
    commit: c.commitId,
    gate: (c.evaluation.gate as GateDecision | undefined) ?? null,
    rollouts: (c.evaluation.rollouts as ReportCandidate["rollouts"] | undefined) ?? null,
    scores: {
      validation: scoresOf(evaluation.validation ?? []),
      heldOut: scoresOf(evaluation.heldOut ?? []),
    },
    changes: c.changes.map((change) => ({
      ...change,
      diff: formatDiffLines(diffLines(change.before, change.after)),
    })),
  };
}

const score = (value: number | null | undefined) =>
  value === null || value === undefined ? "–" : String(value);

/** The report as Markdown: a summary, a table of rounds, then accepted and rejected candidates with diffs. */
export function reportMarkdown(report: EvolutionReport): string {
  const { run } = report;
  const lines = [
    `# Evolution run ${run.id}`,
    "",
    `Agent \`${run.agentId}\`, branch \`${run.branch}\`, seed ${run.seed}: ${run.status}, ${run.roundsDone} of ${run.rounds} rounds.`,
    "",
    `- Held-out score: ${score(report.baseline?.heldOut)} → ${score(report.final?.heldOut)}${heldOutNote(report)}`,
    `- Validation score: ${score(report.baseline?.validation)} → ${score(report.final?.validation)}`,
    `- Candidates: ${report.accepted} accepted, ${report.rejected} rejected`,
    `- Tasks: ${report.splits.train.length} training, ${report.splits.validation.length} validation, ${report.splits.test.length} held out${report.splits.generated.length > 0 ? `, ${report.splits.generated.length} generated` : ""}`,
    `- Gate: ${gateText(report.config)}; minibatch ${report.config.minibatch}, pool ${report.config.poolSize}, model ${report.config.model}`,
    `- Rollouts: ${run.rollouts}`,
  ];
  if (run.error !== null) lines.push(`- Error: ${run.error}`);
  lines.push(
    "",
    "## Rounds",
    "",
    "| round | candidate | operation | minibatch | validation | held-out | baseline | decision |",
    "| ---: | --- | --- | --- | ---: | ---: | ---: | --- |",
  );
  for (const c of report.candidates) {
    const op = c.component === null ? c.operation : `${c.operation} ${c.component}`;
    const mini = c.minibatch === null ? "–" : `${c.minibatch.parent} → ${score(c.minibatch.child)}`;
    lines.push(
      `| ${c.round} | \`${c.id}\` | ${op} | ${mini} | ${score(c.validation)} | ${score(c.heldOut)} | ${score(c.baseline)} | ${c.decision} |`,
    );
  }
  for (const [title, decision] of [
    ["Accepted candidates", "accepted"],
    ["Rejected candidates", "rejected"],
  ] as const) {
    const chosen = report.candidates.filter((c) => c.decision === decision && c.round > 0);
    lines.push("", `## ${title}`, "");
    if (chosen.length === 0) lines.push("None.");
    for (const c of chosen) {
      const op = c.component === null ? c.operation : `${c.operation} ${c.component}`;
      lines.push(`### Round ${c.round}: \`${c.id}\` (${op})`, "", `${c.reason ?? ""}.`);
      if (c.gate !== null) lines.push("", `Gate: held-out gain ${gateFigures(c.gate)}.`);
      if (c.commit !== null) lines.push("", `Commit \`${c.commit.slice(0, 12)}\`.`);
      for (const change of c.changes)
        lines.push("", `\`${change.component}\`:`, "", "```diff", change.diff, "```");
      lines.push("");
    }
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
