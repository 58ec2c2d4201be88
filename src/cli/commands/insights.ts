import { InvalidInputError } from "../../core/errors.ts";
import type { InsightOperation } from "../../insights/insight-service.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { parseUserJson, readUserFile } from "../files.ts";
import { formatInsightResult, formatInsights } from "../format.ts";
import { listResult } from "../output.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

const list = defineCommand({
  name: "insights list",
  readOnly: true,
  summary: "List an agent's rules distilled from experience, strongest first",
  args: ["agent"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const insights = await engram.insights.list(agent.id);
    return listResult(insights, formatInsights);
  },
});

const add = defineCommand({
  name: "insights add",
  summary: "Add a rule (TEXT '-' reads stdin); it starts with a support count of 2",
  args: ["agent", "text"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const text = args.text === "-" ? await ctx.readStdin() : args.text;
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const result = await engram.insights.apply(agent.id, [{ op: "add", text }]);
    const skipped = result.skipped[0];
    const head =
      skipped === undefined ? `added ${JSON.stringify(text.trim())}` : `not added: ${skipped.reason}`;
    return { data: result, text: `${head}\n\n${formatInsights(result.insights)}` };
  },
});

const apply = defineCommand({
  name: "insights apply",
  summary: "Apply rule operations from a JSON file ('-' reads stdin), all in one transaction",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    file: { type: "string", arg: "FILE", help: "the operations as JSON (required)" },
    strict: {
      type: "boolean",
      help: "an operation naming an unknown rule fails them all (default; --no-strict: it is skipped)",
    },
  },
  details: [
    'FILE holds a list of operations, or {"operations": [...]}: {"op":"add","text":"…"},',
    '{"op":"edit","id":"ins_…","text":"…"}, {"op":"agree","id":"ins_…"}, {"op":"remove","id":"ins_…"}.',
    "ADD starts a rule at 2, EDIT rewrites it (+1), AGREE adds 1, REMOVE takes 1; a rule at 0 is dropped.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    const file = options.file;
    if (file === undefined) throw new UsageError("missing --file FILE", "insights apply");
    const source = file === "-" ? "operations from stdin" : `operations file ${file}`;
    const text = file === "-" ? await ctx.readStdin() : await readUserFile(file, "operations file");
    const operations = operationsOf(parseUserJson(text, source), source);
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const result = await engram.insights.apply(agent.id, operations, { strict: options.strict });
    return { data: result, text: formatInsightResult(result) };
  },
});

const extract = defineCommand({
  name: "insights extract",
  summary: "Have a language model compare successful and failed episodes and update the rules",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    task: { type: "string", arg: "TASK", help: "only episodes of this task" },
    model: {
      type: "string",
      arg: "PROVIDER:MODEL",
      help: "e.g. openai:gpt-4o-mini (default: the agent's model, else $ENGRAM_MODEL)",
    },
    "max-pairs": { type: "string", arg: "N", help: "most success/failure pairs compared (default 3)" },
  },
  details: [
    "ExpeL's extraction: for each task with a successful and a failed episode, the model compares them",
    "against the current rules and answers with ADD, EDIT, AGREE and REMOVE operations, which are applied.",
    "Needs a language model: --model, the agent's model, or ENGRAM_MODEL with the provider's key.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    const maxPairs = intOption(options["max-pairs"], "max-pairs", "insights extract");
    if (maxPairs !== undefined && maxPairs < 1)
      throw new UsageError(`--max-pairs must be a positive integer, got "${maxPairs}"`, "insights extract");
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const result = await engram.insights.extract(agent.id, {
      task: options.task,
      model: options.model,
      maxPairs,
    });
    return { data: result, text: formatInsightResult(result) };
  },
});

/** A list of operations, or `{operations: [...]}`. */
function operationsOf(value: unknown, source: string): InsightOperation[] {
  const list =
    typeof value === "object" && value !== null && !Array.isArray(value) && "operations" in value
      ? (value as { operations: unknown }).operations
      : value;
  if (!Array.isArray(list))
    throw new InvalidInputError(`${source} must hold a list of operations, or {"operations": [...]}`);
  return list as InsightOperation[];
}

/** `engram insights …` */
export const insightCommands: readonly Command[] = [list, add, apply, extract];
