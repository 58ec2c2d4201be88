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
  return `${gate.estimate > 0 ? "+" : ""}${gate.estimate} [${gate.interval[0]}, ${gate.interval[1]}], ${gate.draws} draws, ${gate.rollouts} rollouts`;
}
