import type { z } from "zod";
import { EngramError, InvalidInputError } from "../../core/errors.ts";
import type { Memory } from "../../core/types.ts";
import type { Engram } from "../../engram.ts";
import type { MemoryInput, MemoryPatch } from "../../memory/memories/schemas.ts";
import type { SearchInput } from "../../retrieval/search-schema.ts";
import { type Command, defineCommand, intOption, numberOption, type OptionSpecs } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { type JsonLine, parseJsonObjectFlag, readJsonLines } from "../files.ts";
import {
  formatMemories,
  formatMemory,
  formatMemoryHistory,
  formatSearch,
  searchHint,
  warningsHint,
} from "../format.ts";
import { listResult } from "../output.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

/** Fields of a memory settable by flag, on `memory add` (and defaults for `--file` lines). */
const FIELD_OPTIONS = {
  kind: { type: "string", arg: "KIND", help: "fact (default), observation, summary, note, insight…" },
  tag: { type: "string", multiple: true, arg: "TAG", help: "a tag (repeatable)" },
  importance: { type: "string", arg: "X", help: "0 (trivial) to 1 (vital) (default 0.5)" },
  "valid-from": { type: "string", arg: "ISO", help: "when the fact became true" },
  "valid-to": { type: "string", arg: "ISO", help: "when the fact stopped being true" },
} as const satisfies OptionSpecs;

const add = defineCommand({
  name: "memory add",
  summary: "Add a memory (TEXT '-' reads stdin), or a batch from a JSONL file",
  args: ["agent", "text?"],
  options: {
    ...PROJECT_OPTION,
    ...FIELD_OPTIONS,
    key: {
      type: "string",
      arg: "KEY",
      help: "what the fact is about, e.g. user.city: closes the open fact of the same key and user",
    },
    user: { type: "string", arg: "USER", help: "the end user it is about (default: the agent's own)" },
    scope: {
      type: "string",
      arg: "SCOPE",
      help: "agent (default) or project: a project memory is found by every agent of the project",
    },
    "source-message": {
      type: "string",
      multiple: true,
      arg: "ID",
      help: "a message it came from (repeatable)",
    },
    "external-id": { type: "string", multiple: true, arg: "ID", help: "an outside source id (repeatable)" },
    metadata: { type: "string", arg: "JSON", help: "a JSON object of metadata" },
    file: { type: "string", arg: "FILE", help: "add the memories in FILE, one JSON object per line" },
  },
  details: [
    'A line of FILE is a memory as the API takes it, e.g. {"text":"Likes tea","kind":"fact",',
    '"tags":["drinks"],"importance":0.7,"userId":"ada","validFrom":"2025-01-01T00:00:00Z"}; the flags',
    "give defaults for fields a line leaves out (or sets to null). The whole file is added, or nothing.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    if (args.text !== undefined && options.file !== undefined)
      throw new UsageError("give TEXT or --file, not both", "memory add");
    if (args.text === undefined && options.file === undefined)
      throw new UsageError("missing argument TEXT (or --file)", "memory add");
    const defaults = memoryFields(options);
    if (options.file !== undefined) {
      const lines = await readJsonLines(options.file, "memories file");
      const inputs = await memoryLines(lines, defaults, options.file);
      const engram = ctx.engram();
      const agent = await findAgent(engram, args.agent, options.project);
      const { value, warnings } = await renamingItems("memory", lineOf(lines, "memory", options.file), () =>
        engram.memories.addMany(agent.id, inputs),
      );
      return {
        data: { memories: value, warnings },
        text: `added ${value.length} memor${value.length === 1 ? "y" : "ies"}\n${formatMemories(value)}`,
        hint: warningsHint(warnings),
      };
    }
    const text = args.text === "-" ? await ctx.readStdin() : (args.text as string);
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const { value, warnings } = await renamingItems(
      "memory",
      () => "memory",
      () => engram.memories.addMany(agent.id, [{ ...defaults, text }]),
    );
    const memory = value[0] as Memory;
    return {
      data: { memory, warnings },
      text: formatMemory(memory, engineNow(engram)),
      hint: warningsHint(warnings),
    };
  },
});

/** Flags both search commands take. */
/** `--filter JSON`: a metadata filter (docs/filters.md). */
const FILTER_OPTION = {
  type: "string",
  arg: "JSON",
  help: 'a metadata filter, e.g. \'{"metadata.topic":"billing"}\' (operators eq ne in nin gt gte lt lte contains exists; AND OR NOT)',
} as const;

export const SEARCH_FILTERS = {
  k: { type: "string", arg: "N", help: "at most N results (default 10, at most 200)" },
  user: { type: "string", arg: "USER", help: "only this end user's memories and messages" },
  after: { type: "string", arg: "ISO", help: "only items created at or after this time" },
  before: { type: "string", arg: "ISO", help: "only items created before this time" },
  weights: {
    type: "string",
    arg: "JSON",
    help: "ranking weights to override, e.g. '{\"recency\":0}' (lexical, vector, recency, importance, access, graph, related)",
  },
  filter: FILTER_OPTION,
} as const satisfies OptionSpecs;

const search = defineCommand({
  name: "memory search",
  readOnly: true,
  summary: "Search memories (and messages), best first, showing why each ranked",
  args: ["agent", "query"],
  options: {
    ...PROJECT_OPTION,
    ...SEARCH_FILTERS,
    shared: {
      type: "boolean",
      help: "with --user, also the agent's memories of no user (default; --no-shared: not)",
    },
    kind: { type: "string", multiple: true, arg: "KIND", help: "only memories of this kind (repeatable)" },
    tag: { type: "string", multiple: true, arg: "TAG", help: "only memories with this tag (repeatable)" },
    "valid-at": {
      type: "string",
      arg: "ISO",
      help: "only memories valid at this time (default: valid now)",
    },
    "include-superseded": {
      type: "boolean",
      help: "closed and superseded facts too, whatever their validity (history)",
    },
    messages: { type: "boolean", help: "search the agent's messages too" },
  },
  details: [
    "QUERY '-' reads stdin. Each result shows its score and the signals behind it: its rank in the",
    "full-text (LEXICAL) and the vector (VECTOR) ranking, recency and importance (0 to 1).",
  ].join("\n"),
  async run({ args, options }, ctx) {
    return runSearch(ctx, "memory search", args.agent, args.query, options, {
      sources: options.messages === true ? ["memories", "messages"] : ["memories"],
      includeShared: options.shared,
      kinds: options.kind,
      tags: options.tag,
      validAt: options["valid-at"],
      includeSuperseded: options["include-superseded"],
    });
  },
});

const get = defineCommand({
  name: "memory get",
  readOnly: true,
  summary: "Show one memory",
  args: ["agent", "memory_id"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const memory = await engram.memories.get(agent.id, args.memory_id);
    return { data: memory, text: formatMemory(memory, engineNow(engram)) };
  },
});

const update = defineCommand({
  name: "memory update",
  summary: "Change a memory; the old version stays in its history",
  args: ["agent", "memory_id"],
  options: {
    ...PROJECT_OPTION,
    text: { type: "string", arg: "TEXT", help: "new text ('-' reads stdin)" },
    ...FIELD_OPTIONS,
    kind: { type: "string", arg: "KIND", help: "new kind: fact, observation, summary, note, insight…" },
    importance: { type: "string", arg: "X", help: "new importance, 0 (trivial) to 1 (vital)" },
    tag: { type: "string", multiple: true, arg: "TAG", help: "the new tags, replacing the old (repeatable)" },
    metadata: { type: "string", arg: "JSON", help: "new metadata (a JSON object; replaces the old)" },
    "expect-version": {
      type: "string",
      arg: "N",
      help: "change it only if it is still at version N (else conflict)",
    },
  },
  details: "--valid-from '' or --valid-to '' clears the time; --tag '' clears the tags.",
  async run({ args, options }, ctx) {
    const expectedVersion = intOption(options["expect-version"], "expect-version", "memory update");
    const patch: MemoryPatch = {
      text: options.text === "-" ? await ctx.readStdin() : options.text,
      kind: options.kind,
      tags: options.tag === undefined ? undefined : options.tag.filter((t) => t !== ""),
      importance: numberOption(options.importance, "importance", "memory update"),
      validFrom: clearable(options["valid-from"]),
      validTo: clearable(options["valid-to"]),
      metadata:
        options.metadata === undefined ? undefined : parseJsonObjectFlag(options.metadata, "metadata"),
    };
    if (Object.values(patch).every((v) => v === undefined))
      throw new UsageError(
        "nothing to update: give --text, --kind, --tag, --importance, --valid-from, --valid-to or --metadata",
        "memory update",
      );
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const { value, warnings, changed } = await engram.memories.update(agent.id, args.memory_id, {
      ...patch,
      expectedVersion,
    });
    return {
      data: { memory: value, warnings, changed },
      text: changed
        ? formatMemory(value, engineNow(engram))
        : `nothing changed: memory ${value.id} stays at version ${value.version}`,
      hint: warningsHint(warnings),
    };
  },
});

const remove = defineCommand({
  name: "memory delete",
  summary: "Delete a memory; its history stays readable",
  args: ["agent", "memory_id"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    await engram.memories.delete(agent.id, args.memory_id);
    return { data: { deleted: true, id: args.memory_id }, text: `deleted memory ${args.memory_id}` };
  },
});

const history = defineCommand({
  name: "memory history",
  readOnly: true,
  summary: "List every version of a memory, oldest first, deletion included",
  args: ["agent", "memory_id"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const versions = await engram.memories.history(agent.id, args.memory_id);
    return listResult(versions, formatMemoryHistory);
  },
});

const list = defineCommand({
  name: "memory list",
  readOnly: true,
  summary: "List an agent's memories, newest first (--oldest-first: the first written first)",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    user: { type: "string", arg: "USER", help: "only this end user's memories" },
    shared: {
      type: "boolean",
      help: "with --user, also the agent's memories of no user (default; --no-shared: not)",
    },
    kind: { type: "string", multiple: true, arg: "KIND", help: "only memories of this kind (repeatable)" },
    tag: { type: "string", multiple: true, arg: "TAG", help: "only memories with this tag (repeatable)" },
    "valid-at": { type: "string", arg: "ISO", help: "only memories valid at this time" },
    archived: {
      type: "string",
      arg: "MODE",
      help: "archived memories: exclude (default), include, or only",
    },
    scope: {
      type: "string",
      arg: "SCOPE",
      help: "agent (default): its own memories; project: its project's",
    },
    filter: FILTER_OPTION,
    limit: { type: "string", arg: "N", help: "page size (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "the page after this cursor" },
    "oldest-first": { type: "boolean", help: "the first written first" },
  },
  async run({ args, options }, ctx) {
    const limit = intOption(options.limit, "limit", "memory list");
    const filter = options.filter === undefined ? undefined : parseJsonObjectFlag(options.filter, "filter");
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const page = await engram.memories.list(agent.id, {
      userId: options.user,
      includeShared: options.shared,
      kinds: options.kind,
      tags: options.tag,
      validAt: options["valid-at"],
      archived: options.archived as "exclude" | "include" | "only" | undefined,
      scope: options.scope as "agent" | "project" | undefined,
      filter,
      limit,
      cursor: options.cursor,
      oldestFirst: options["oldest-first"],
    });
    return listResult(page, (items) => formatMemories(items));
  },
});

/** `engram memory …` */
export const memoryCommands: readonly Command[] = [add, search, get, update, remove, history, list];

/**
 * A search over an agent's memories and/or messages, with the flags both search commands share.
 * QUERY '-' reads stdin.
 */
export async function runSearch(
  ctx: CommandContext,
  command: string,
  agentRef: string,
  query: string,
  options: {
    project?: string | undefined;
    k?: string | undefined;
    user?: string | undefined;
    after?: string | undefined;
    before?: string | undefined;
    weights?: string | undefined;
    filter?: string | undefined;
  },
  input: Omit<SearchInput, "query">,
) {
  const k = intOption(options.k, "k", command);
  const weights = options.weights === undefined ? undefined : parseJsonObjectFlag(options.weights, "weights");
  const text = query === "-" ? await ctx.readStdin() : query;
  const engram = ctx.engram();
  const agent = await findAgent(engram, agentRef, options.project);
  const response = await engram.search(agent.id, {
    ...input,
    query: text,
    k,
    userId: options.user,
    after: options.after,
    before: options.before,
    weights: weights as SearchInput["weights"],
    filter: options.filter === undefined ? undefined : parseJsonObjectFlag(options.filter, "filter"),
  });
  // Labels are judged where the search looked: at its validAt, else at the engine's now.
  const reference = { now: engineNow(engram), validAt: input.validAt };
  return { data: response, text: formatSearch(response, reference), hint: searchHint(response) };
}

/** The engine's present as ISO 8601, which validity labels are judged by when no validAt is asked. */
export function engineNow(engram: Pick<Engram, "now">): string {
  // Not through core/clock.ts, which loads zod: `engram --help` loads every command module.
  return new Date(engram.now()).toISOString();
}

/** The memory fields the flags of `memory add` set, leaving out the ones not given. */
function memoryFields(options: {
  kind?: string | undefined;
  tag?: string[] | undefined;
  importance?: string | undefined;
  user?: string | undefined;
  "valid-from"?: string | undefined;
  "valid-to"?: string | undefined;
  key?: string | undefined;
  "source-message"?: string[] | undefined;
  "external-id"?: string[] | undefined;
  metadata?: string | undefined;
  scope?: string | undefined;
}): Omit<MemoryInput, "text"> {
  const importance = numberOption(options.importance, "importance", "memory add");
  const messageIds = options["source-message"];
  const externalIds = options["external-id"];
  const fields: Omit<MemoryInput, "text"> = {
    kind: options.kind,
    tags: options.tag,
    importance,
    userId: options.user,
    validFrom: options["valid-from"],
    validTo: options["valid-to"],
    key: options.key,
    provenance:
      messageIds === undefined && externalIds === undefined
        ? undefined
        : { messageIds: messageIds ?? [], externalIds: externalIds ?? [] },
    metadata: options.metadata === undefined ? undefined : parseJsonObjectFlag(options.metadata, "metadata"),
    // Checked with the rest of the memory, so a bad scope is named like any other field.
    scope: options.scope as MemoryInput["scope"],
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** Each line of a memories file over the flag defaults, checked here so an error names its line. */
async function memoryLines(
  lines: readonly JsonLine[],
  defaults: object,
  file: string,
): Promise<MemoryInput[]> {
  // Loaded here, not with the command table, so that `engram --help` loads no schema.
  const { MAX_BATCH, memoryInput } = await import("../../memory/memories/schemas.ts");
  const { parseInput } = await import("../../core/validation.ts");
  if (lines.length > MAX_BATCH)
    throw new InvalidInputError(
      `memories file ${file} holds ${lines.length} memories; at most ${MAX_BATCH} are added at once`,
    );
  const name = lineOf(lines, "memory", file);
  return lines.map(({ value }, i) => {
    const input = overDefaults(defaults, value, memoryInput) as MemoryInput;
    parseInput(memoryInput, input, name(i) as string);
    return input;
  });
}

/**
 * Runs a batch write whose errors name items by index (`invalid memory 2: …`, or `invalid memory: …`
 * for a batch of one), naming them by `name(index)` instead, e.g. by the line of the file they came
 * from.
 */
export async function renamingItems<T>(
  item: string,
  name: (index: number) => string | undefined,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!EngramError.isInstance(error)) throw error;
    const match = new RegExp(`^invalid ${item}(?: (\\d+))?: `).exec(error.message);
    const renamed = match === null ? undefined : name(Number(match[1] ?? 0));
    if (match === null || renamed === undefined) throw error;
    throw new EngramError(error.code, `invalid ${renamed}: ${error.message.slice(match[0].length)}`, {
      cause: error,
      details: error.details,
    });
  }
}

/**
 * A line of a file over the flag defaults, which fill in the fields it leaves out. A null that the
 * schema takes as not given (`"userId": null`, as a memory reads back) leaves the default too.
 */
export function overDefaults(defaults: object, value: Record<string, unknown>, schema: z.ZodObject): object {
  const given = Object.entries(value).filter(
    ([field, v]) => v !== null || schema.shape[field]?.safeParse(null).success !== true,
  );
  return { ...defaults, ...Object.fromEntries(given) };
}

/** Names batch items by the line of `file` they came from. */
export function lineOf(lines: readonly JsonLine[], item: string, file: string) {
  return (index: number) => {
    const line = lines[index]?.line;
    return line === undefined ? undefined : `${item} on line ${line} of ${file}`;
  };
}

/** `''` clears a nullable field. */
function clearable(value: string | undefined): string | null | undefined {
  return value === "" ? null : value;
}
