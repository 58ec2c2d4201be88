export type { ErrorCode } from "./core/errors.ts";
export {
  ConflictError,
  EngramError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  UnsupportedFormatError,
} from "./core/errors.ts";
export type {
  AttemptRecord,
  EvolutionCandidate,
  EvolutionRun,
  LearnedContext,
} from "./core/evolution-types.ts";
export type {
  Actor,
  Agent,
  Author,
  Block,
  Branch,
  Commit,
  EngramEvent,
  Job,
  JobStatus,
  Memory,
  Page,
  Project,
  TreeEntry,
} from "./core/types.ts";
export type { Engram, EngramOptions } from "./engram.ts";
export { createEngram, defaultDatabasePath } from "./engram.ts";
export type {
  Checker,
  CheckInput,
  CheckResult,
  DistillOptions,
  DistillResult,
  EvolutionReport,
  EvolutionResult,
  EvolveOptions,
  RunDrivers,
  RunInput,
  Task,
  TaskRunner,
} from "./evolution/index.ts";
export { modelTaskRunner, reportMarkdown, systemPrompt } from "./evolution/index.ts";
export type { BlockAt, BlockSet, CommitResult } from "./memory/blocks/block-service.ts";
export type { BlockDiff, CommitDiff } from "./memory/blocks/history-service.ts";
export type { JobChange } from "./sleeptime/change-set.ts";
export type { SleepJobKind, SleeptimeConfig, SleeptimeOptions } from "./sleeptime/options.ts";
export { SLEEP_JOB_KINDS, SLEEPTIME_DEFAULTS } from "./sleeptime/options.ts";
export type { RunningScheduler, SchedulerOptions } from "./sleeptime/scheduler.ts";
export { startSleeptimeScheduler } from "./sleeptime/scheduler.ts";
export type { SleepInput, SleepRun, SleeptimeService } from "./sleeptime/sleeptime-service.ts";
export { createSqliteStore } from "./store/sqlite/sqlite-store.ts";
export type { Store, StoreCapabilities } from "./store/store.ts";
export type { ExportDocument } from "./transfer/format.ts";
export { EXPORT_FORMAT, EXPORT_VERSION } from "./transfer/format.ts";
