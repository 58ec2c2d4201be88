export {
  BUILT_IN_CHECKERS,
  type Checker,
  CheckerRegistry,
  type CheckInput,
  type CheckResult,
} from "./checkers.ts";
export {
  DISTILL_FORMATS,
  DISTILL_SOURCES,
  type DistillOptions,
  type DistillResult,
  type DistillSource,
} from "./distill.ts";
export {
  type EvolutionResult,
  type EvolutionRollback,
  EvolutionService,
  type EvolveOptions,
  type RunDrivers,
} from "./evolution-service.ts";
export { type ContextBlock, type LearnedContext, systemPrompt } from "./learned-context.ts";
export type { GateDecision, PairedGateSettings } from "./paired-gate.ts";
export { type EvolutionReport, type ReportCandidate, type ReportChange, reportMarkdown } from "./report.ts";
export type { EvolveSettings, GateConfig, GateKind, RunConfig } from "./run-config.ts";
export { modelTaskRunner, type RunInput, type TaskRunner } from "./task-runner.ts";
export {
  type EnvironmentTask,
  parseTaskJsonl,
  parseTasks,
  type Split,
  type Task,
  type TextTask,
} from "./task-set.ts";
