import type { GateDecision } from "./paired-gate.ts";
import type { GateConfig } from "./run-config.ts";

/** The gate a run used, in words (runs recorded before there was a choice used the tolerance rule). */
export function gateText(config: { gate?: GateConfig | undefined; tolerance: number }): string {
  const gate = config.gate ?? { kind: "tolerance" as const, tolerance: config.tolerance };
  return gate.kind === "tolerance"
    ? `tolerance ${gate.tolerance}`
    : `sequential (risk ${gate.risk}, smallest gain ${gate.minGain}, budget ${gate.budget} rollouts)`;
}

/** A sequential gate decision in a line: estimate, interval, draws and rollouts. */
export function gateFigures(gate: GateDecision): string {
  return `${signed(gate.estimate)} [${gate.interval[0]}, ${gate.interval[1]}], ${gate.draws} draws, ${gate.rollouts} rollouts`;
}

/** A number with its sign, `+0.25` or `-0.1`. */
export const signed = (x: number) => (x > 0 ? `+${x}` : String(x));

/** Why the sequential gate decided as it did, with its numbers. */
export function gateReason(gate: GateDecision): string {
  const figures = `estimate ${signed(gate.estimate)}, interval [${gate.interval[0]}, ${gate.interval[1]}], ${gate.draws} draws, ${gate.rollouts} rollouts`;
  if (gate.stop === "accept") return `the held-out gain is above 0 at risk ${gate.risk} (${figures})`;
  if (gate.stop === "futile")
    return `the held-out gain is below the smallest worth accepting, ${gate.minGain}, at risk ${gate.risk} (${figures})`;
  return `no gain shown within the budget of ${gate.budget} rollouts (${figures})`;
}

/**
 * What the final held-out score is a mean of, when it is not what the baseline's is: the sequential
 * gate scores an accepted candidate on the held-out tasks it draws, not on all of them.
 */
export function heldOutNote(report: {
  final: { heldOutDraws: number | null } | null;
  splits: { test: readonly string[] };
}): string {
  const draws = report.final?.heldOutDraws;
  if (draws === null || draws === undefined) return "";
  return ` (the last accepted candidate: mean of the gate's ${draws} draws; the baseline: all ${report.splits.test.length} held-out tasks)`;
}
