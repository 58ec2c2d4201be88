import type { Job } from "../core/types.ts";
import type { JobChange } from "../sleeptime/change-set.ts";
import type { SleepRun } from "../sleeptime/sleeptime-service.ts";
import { fields, oneLine, shortId, shortTime, table } from "./output.ts";

export function formatJobs(jobs: readonly Job[]): string {
  if (jobs.length === 0) return "no jobs";
  return table(
    ["ID", "KIND", "STATUS", "TRIES", "TRIGGER", "CREATED", "SUMMARY"],
    jobs.map((j) => [
      j.id,
      j.kind,
      j.status,
      `${j.attempts}/${j.maxAttempts}`,
      j.trigger,
      shortTime(j.createdAt),
      oneLine(summaryOf(j), 60),
    ]),
  );
}

/** One job in full: its state, then what it changed. */
export function formatJob(job: Job): string {
  const head = fields([
    ["id", job.id],
    ["kind", job.kind],
    ["status", job.status],
    ["attempts", `${job.attempts} of ${job.maxAttempts}`],
    ["trigger", job.trigger],
    ["created", job.createdAt],
    ...(job.startedAt === null ? [] : [["started", job.startedAt] as const]),
    ...(job.finishedAt === null ? [] : [["finished", job.finishedAt] as const]),
    ...(job.status === "queued" && job.attempts > 0 ? [["retry at", job.runAfter] as const] : []),
    ...(job.error === null ? [] : [["error", `${job.error.code}: ${job.error.message}`] as const]),
    ...(job.checkpoint === null
      ? []
      : [
          [
            "checkpoint",
            `event ${job.checkpoint.eventSeq}${job.checkpoint.commitId === null ? "" : `, commit ${shortId(job.checkpoint.commitId)}`}`,
          ] as const,
        ]),
    ...(job.result === null ? [] : [["summary", summaryOf(job)] as const]),
  ]);
  const lines = changesOf(job).map((c) => `  ${describeChange(c)}`);
  const warnings = warningsOf(job).map((w) => `  warning: ${w}`);
  return [head, ...(lines.length > 0 ? ["changes:", ...lines] : []), ...warnings].join("\n");
}

/** A sleep run: each job with what it changed, then what was left out and why. */
export function formatSleepRun(run: SleepRun): string {
  const parts = run.jobs.map((job) => {
    const status = job.status === "succeeded" ? summaryOf(job) : statusLine(job);
    const lines = changesOf(job).map((c) => `    ${describeChange(c)}`);
    const warnings = warningsOf(job).map((w) => `    warning: ${w}`);
    return [`${job.kind.padEnd(11)} ${job.status.padEnd(9)} ${status}`, ...lines, ...warnings].join("\n");
  });
  // One line per reason: the set-up help is long, and usually the same for every skipped job.
  const reasons = new Map<string, string[]>();
  for (const { kind, reason } of run.skipped) reasons.set(reason, [...(reasons.get(reason) ?? []), kind]);
  const skipped = [...reasons].map(([reason, kinds]) => `skipped ${kinds.join(", ")}: ${reason}`);
  return [...parts, ...skipped].join("\n") || "no jobs";
}

function statusLine(job: Job): string {
  if (job.status === "queued")
    return job.attempts === 0
      ? `queued as ${job.id}`
      : `will retry at ${job.runAfter}: ${job.error?.message ?? ""}`;
  if (job.status === "running") return `running (${job.id}) under another runner`;
  return job.error === null ? "" : `${job.error.message}`;
}

export function describeChange(change: JobChange): string {
  switch (change.type) {
    case "merged":
      return `merged ${change.duplicates.join(", ")} into ${change.memoryId} (${change.reason})`;
    case "superseded":
      return `closed ${change.memoryId} at ${change.validTo}: superseded by ${change.by} (${change.reason})`;
    case "linked":
      return `linked ${change.memoryIds.join(" and ")} (${change.reason})`;
    case "archived":
      return `archived ${change.memoryId} (${change.reason})`;
    case "insight":
      return `new insight ${change.memoryId}${change.userId === null ? "" : ` for ${change.userId}`}: ${oneLine(change.text, 80)}`;
    case "rules":
      return `rules: ${change.applied.length} operation(s), ${change.upserts} rule(s) written, ${change.deletes} removed`;
    case "blocks":
      return `committed ${shortId(change.commit)} rewriting ${change.labels.join(", ")}`;
  }
}

function summaryOf(job: Job): string {
  const summary = job.result?.summary;
  if (typeof summary === "string") return summary;
  return job.error === null ? "" : job.error.message;
}

function changesOf(job: Job): JobChange[] {
  const changes = job.result?.changes;
  return Array.isArray(changes) ? (changes as JobChange[]) : [];
}

function warningsOf(job: Job): string[] {
  const warnings = job.result?.warnings;
  return Array.isArray(warnings) ? warnings.map(String) : [];
}
