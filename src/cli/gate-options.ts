import { intOption, numberOption } from "./command.ts";

/** The evolution gate's flags, shared by `engram evolve` and `engram bench evolve`. */
export const GATE_OPTIONS = {
  gate: {
    type: "string",
    arg: "NAME",
    help: "sequential (default; tolerance when --tolerance is given) or tolerance",
  },
  risk: {
    type: "string",
    arg: "P",
    help: "sequential gate: largest false-accept probability (default 0.2)",
  },
  "min-gain": {
    type: "string",
    arg: "G",
    help: "sequential gate: smallest held-out gain worth accepting (default 0.05)",
  },
  "gate-budget": {
    type: "string",
    arg: "N",
    help: "sequential gate: task attempts one decision may spend (default 80)",
  },
  tolerance: {
    type: "string",
    arg: "X",
    help: "tolerance gate: held-out fall a candidate may cause and still pass (default 0)",
  },
} as const;

/** The gate's settings from its flags (checked with the run's other settings, not here). */
export function gateSettings(
  options: { gate?: string; risk?: string; "min-gain"?: string; "gate-budget"?: string; tolerance?: string },
  command: string,
) {
  return {
    gate: options.gate as "sequential" | "tolerance" | undefined,
    risk: numberOption(options.risk, "risk", command),
    minGain: numberOption(options["min-gain"], "min-gain", command),
    gateBudget: intOption(options["gate-budget"], "gate-budget", command),
    tolerance: numberOption(options.tolerance, "tolerance", command),
  };
}
