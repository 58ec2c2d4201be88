import { z } from "@hono/zod-openapi";
import { JOB_STATUSES } from "../core/types.ts";
import { JOB_KINDS, SLEEP_JOB_KINDS } from "../sleeptime/options.ts";

const timestamp = z.string().openapi({ description: "ISO 8601 time", example: "2025-01-01T12:00:00.000Z" });

export const JobSchema = z
  .object({
    id: z.string().openapi({ example: "job_01jd8x0k5m2n3p4q5r6s7t8v9w" }),
    projectId: z.string(),
    agentId: z.string(),
    kind: z.string().openapi({ description: `one of ${JOB_KINDS.join(", ")}` }),
    status: z.enum(JOB_STATUSES),
    attempts: z.number().int().openapi({ description: "attempts started so far" }),
    maxAttempts: z.number().int(),
    idempotencyKey: z.string().nullable(),
    trigger: z.string().openapi({
      description:
        "manual, messages, episodes, schedule, facts (a fact write queued it), writes (a write queued an extraction) or agent (a deliver job: a message another agent sent)",
    }),
    payload: z
      .record(z.string(), z.unknown())
      .openapi({ description: "force, and setting overrides; for deliver, the message and its origin" }),
    result: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: "summary, changes (what the job changed and why), warnings, stats" }),
    error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .openapi({ description: "why the last attempt failed" }),
    runAfter: timestamp,
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    leaseExpiresAt: timestamp.nullable(),
    checkpoint: z
      .object({ eventSeq: z.number().int(), commitId: z.string().nullable() })
      .nullable()
      .openapi({ description: "the event-log position after the job's changes, and its block commit" }),
  })
  .openapi("Job", { description: "a background (sleep-time) job of an agent" });

export const SleepRunSchema = z
  .object({
    jobs: z.array(JobSchema),
    skipped: z
      .array(z.object({ kind: z.enum(SLEEP_JOB_KINDS), reason: z.string() }))
      .openapi({ description: "jobs left out of a default run, with why (e.g. no language model)" }),
  })
  .openapi("SleepRun");
