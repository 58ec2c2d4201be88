import { RULE_RELATIONS } from "../core/graph-types.ts";

import type { JsonObject, Memory, Message } from "../core/types.ts";
import { graphMode } from "../graph/graph-mode.ts";
import { memoryRecord, messageRecord, saysSomething } from "../graph/graph-records.ts";
import {
  checkExtraction,
  type ExtractionItem,
  extractionAnswer,
  extractionPrompt,
  type KnownRelation,
} from "../graph/model-extraction.ts";
import { aiSdk } from "../models/ai-sdk.ts";
import { committedSince, creationSeq } from "./committed-since.ts";
import type { JobRun } from "./job-run.ts";
import { lastResult } from "./last-run.ts";
import { modelFailure } from "./model-json.ts";

/** Open relations of the batch's entities shown to the model, so that it can end them. */
const KNOWN_RELATIONS = 50;

/** The events that write what extraction reads, by source. */
const SOURCES = { memory: ["memory.created"], message: ["message.appended"] } as const;

/**
 * Structured extraction with the agent's model, for agents whose graph mode is `model`: the memories
 * and messages committed since the last extraction (read from the event log after its cursors, in
 * commit order, so that a write in flight while a job ran is read by the next; at most
 * `extract.maxItems`) are sent in batches of `extract.batchItems`, each of one end user's items, one
 * model call each, with the open relations the graph holds about the entities they name; the answer
 * (entities with types, typed relations with validity) is checked item by item and recorded with the job's completion, in its transaction. Items the model
 * got wrong keep their deterministic record; a batch whose answer is unusable is skipped, with a
 * warning. A failing model call fails the attempt (it is retried; nothing is written).
 */
export async function extract(run: JobRun): Promise<void> {
  if (graphMode(run.agent) !== "model") {
    run.note('the agent\'s graph mode is not "model": nothing extracted');
    return;
  }
  const options = run.options.extract;
  const last = await lastResult(run);
  const memories = await committedSince(
    run,
    SOURCES.memory,
    await startSeq(run, last, "memory"),
    options.maxItems,
    (ids) => memoriesOf(run, ids),
    "stop",
  );
  const messages = await committedSince(
    run,
    SOURCES.message,
    await startSeq(run, last, "message"),
    options.maxItems - memories.batch.length,
    (ids) => messagesOf(run, ids),
    "stop",
  );
  run.extra.extractedThroughSeq = { memory: memories.cursor, message: messages.cursor };
  const items: ExtractionItem[] = [
    ...memories.batch.map((m) => ({ record: memoryRecord(m), text: m.text })),
    ...messages.batch.filter(saysSomething).map((m) => ({
      record: messageRecord(m),
      text: m.name === null ? m.content : `${m.name}: ${m.content}`,
    })),
  ];
  run.stats.items = items.length;
  if (items.length === 0) {
    run.note("nothing new to extract from");
    return;
  }
  let relations = 0;
  // One end user's items at a time (and the agent's own apart): a prompt never shows the model one
  // user's words or relations beside another's, which it could attribute to the wrong user's item.
  const byUser = new Map<string | null, ExtractionItem[]>();
  for (const item of items) {
    const group = byUser.get(item.record.userId);
    if (group === undefined) byUser.set(item.record.userId, [item]);
    else group.push(item);
  }
  const batches = [...byUser.values()].flatMap((group) =>
    Array.from({ length: Math.ceil(group.length / options.batchItems) }, (_, i) =>
      group.slice(i * options.batchItems, (i + 1) * options.batchItems),
    ),
  );
  for (const [i, batch] of batches.entries()) {
    const answer = await ask(run, batch, await knownRelations(run, batch));
    const checked = checkExtraction(answer, batch);
    for (const warning of checked.warnings) run.warnings.push(`extraction batch ${i + 1}: ${warning}`);
    run.graphRecords.push(...checked.records);
    relations += checked.records.reduce((n, r) => n + r.relations.length, 0);
  }
  run.stats.extracted = run.graphRecords.length;
  run.stats.relations = relations;
  run.note(`extracted ${relations} relation(s) from ${run.graphRecords.length} of ${items.length} item(s)`);
}

/**
 * One model call with structured output. An answer that does not match the schema as a whole is
 * still read item by item (the good items are kept); one that is no JSON at all yields nothing.
 */
async function ask(
  run: JobRun,
  batch: readonly ExtractionItem[],
  known: readonly KnownRelation[],
): Promise<unknown> {
  const model = run.model();
  await run.keepAlive();
  const ai = aiSdk();
  run.stats.modelCalls = (run.stats.modelCalls ?? 0) + 1;
  const abortSignal = run.modelSignal();
  try {
    const result = await ai.generateText({
      model,
      prompt: extractionPrompt(batch, known),
      output: ai.Output.object({ schema: extractionAnswer, name: "graph_extraction" }),
      maxRetries: 0,
      abortSignal,
    });
    return result.output;
  } catch (error) {
    if (ai.NoObjectGeneratedError.isInstance(error)) return parsedOrNothing(run, error.text);
    throw modelFailure(run, "extraction", abortSignal, error);
  }
}

function parsedOrNothing(run: JobRun, text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? "");
  } catch {
    run.warnings.push("an extraction answer was not JSON: its batch keeps the deterministic records");
    return null;
  }
}

/** Those of `ids` that are the agent's own memories, not archived. */
async function memoriesOf(run: JobRun, ids: readonly string[]): Promise<Map<string, Memory>> {
  const memories = await run.ctx.store.memories.list(
    { agentId: run.agent.id, archived: "exclude", ids },
    { limit: ids.length },
  );
  return new Map(memories.map((m) => [m.id, m]));
}

/** Those of `ids` that are the agent's messages. */
async function messagesOf(run: JobRun, ids: readonly string[]): Promise<Map<string, Message>> {
  const messages = await run.ctx.store.messages.list({ agentId: run.agent.id, ids }, { limit: ids.length });
  return new Map(messages.map((m) => [m.id, m]));
}

/**
 * Where this job reads the log of `source` from (exclusive): the last job's cursor
 * (`extractedThroughSeq`); for a job after one that kept an id as its watermark (`extractedThrough`,
 * before the cursor was a `seq`), just after that item's event; else the start of the log.
 */
async function startSeq(run: JobRun, last: JsonObject | null, source: keyof typeof SOURCES): Promise<number> {
  const seq = field(last?.extractedThroughSeq, source);
  if (typeof seq === "number" && Number.isInteger(seq) && seq >= 0) return seq;
  const through = field(last?.extractedThrough, source);
  if (typeof through === "string" && through !== "")
    return creationSeq(run, SOURCES[source], through, "after");
  return 0;
}

function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/**
 * Open typed relations about the entities the batch names (its deterministic records'): those the
 * job's earlier batches found (not written yet), then those the graph holds.
 */
async function knownRelations(run: JobRun, batch: readonly ExtractionItem[]): Promise<KnownRelation[]> {
  const byUser = new Map<string | null, Set<string>>();
  for (const { record } of batch) {
    const keys = byUser.get(record.userId) ?? new Set<string>();
    for (const e of record.entities) keys.add(e.key);
    byUser.set(record.userId, keys);
  }
  const out: KnownRelation[] = [];
  for (const record of run.graphRecords) {
    const keys = byUser.get(record.userId);
    for (const r of record.relations)
      if (keys !== undefined && r.validTo === undefined && (keys.has(r.source) || keys.has(r.target)))
        out.push({ source: r.source, target: r.target, type: r.type, validFrom: r.validFrom ?? record.at });
  }
  for (const [user, keys] of byUser) {
    const found = await run.ctx.store.graph.relations(run.agent.id, [user], [...keys], KNOWN_RELATIONS * 4, {
      provenance: false,
    });
    for (const r of found)
      if (r.validTo === null && !RULE_RELATIONS.has(r.type))
        out.push({ source: r.source, target: r.target, type: r.type, validFrom: r.validFrom });
  }
  return out.slice(0, KNOWN_RELATIONS);
}
