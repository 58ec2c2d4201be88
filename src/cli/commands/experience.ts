import { EngramError } from "../../core/errors.ts";
import type { EpisodeInput } from "../../experience/schemas.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { parseJsonObjectFlag, parseUserJson, readUserFile } from "../files.ts";
import { formatAdvice, formatEpisode, formatEpisodes, formatExperience } from "../format.ts";
import { listResult } from "../output.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

const EXPLORATION = ["least-tried", "first-untried", "none"] as const;

const record = defineCommand({
  name: "episode record",
  summary: "Record a whole episode from a JSON file ('-' reads stdin) and learn from it",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    file: { type: "string", arg: "FILE", help: "the episode as JSON (required)" },
  },
  details: [
    'FILE holds an episode as the API takes it: {"task":"…","steps":[{"observation":"…",',
    '"availableActions":["left","right"],"action":"right","reward":0},…],"finalObservation":"…",',
    '"success":true,"metadata":{}}; each action must be one of its step\'s availableActions.',
  ].join("\n"),
  async run({ args, options }, ctx) {
    const file = options.file;
    if (file === undefined) throw new UsageError("missing --file FILE", "episode record");
    const source = file === "-" ? "episode from stdin" : `episode file ${file}`;
    const text = file === "-" ? await ctx.readStdin() : await readUserFile(file, "episode file");
    const input = parseUserJson(text, source) as EpisodeInput;
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const episode = await engram.experience.recordEpisode(agent.id, input).catch((error: unknown) => {
      // The engine says "invalid episode: steps.0.action: …"; say which file.
      if (EngramError.isInstance(error) && error.message.startsWith("invalid episode:"))
        throw new EngramError(error.code, error.message.replace("invalid episode", `invalid ${source}`), {
          cause: error,
          details: error.details,
        });
      throw error;
    });
    return { data: episode, text: formatEpisode(episode) };
  },
});

const list = defineCommand({
  name: "episode list",
  readOnly: true,
  summary: "List an agent's episodes, newest first",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    task: { type: "string", arg: "TASK", help: "only episodes of this task" },
    filter: {
      type: "string",
      arg: "JSON",
      help: 'a metadata filter, e.g. \'{"metadata.level":"hard"}\' (fields task, status, totalReward, createdAt, finishedAt, metadata.*)',
    },
    limit: { type: "string", arg: "N", help: "page size (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "the page after this cursor" },
  },
  async run({ args, options }, ctx) {
    const limit = intOption(options.limit, "limit", "episode list");
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const page = await engram.experience.listEpisodes(agent.id, {
      task: options.task,
      filter: options.filter === undefined ? undefined : parseJsonObjectFlag(options.filter, "filter"),
      limit,
      cursor: options.cursor,
    });
    return listResult(page, (items) => formatEpisodes(items));
  },
});

const show = defineCommand({
  name: "episode show",
  readOnly: true,
  summary: "Show an episode with its steps",
  args: ["agent", "episode_id"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const episode = await engram.experience.getEpisode(agent.id, args.episode_id);
    return { data: episode, text: formatEpisode(episode) };
  },
});

const advise = defineCommand({
  name: "advise",
  readOnly: true,
  summary: "Advise actions for an observation from the agent's experience memory",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    task: { type: "string", arg: "TASK", help: "the task at hand (required)" },
    observation: {
      type: "string",
      arg: "TEXT",
      help: "what the agent observes now (required; '-' reads stdin)",
    },
    action: {
      type: "string",
      multiple: true,
      arg: "ACTION",
      help: "an action available now (repeatable); only these are advised",
    },
    k: { type: "string", arg: "N", help: "advise from the N most similar records (default 3, at most 50)" },
    exploration: {
      type: "string",
      arg: "RULE",
      help: "what to encourage where no action has paid off: least-tried (default), first-untried, none",
    },
  },
  details: [
    "Prints Rememberer's advice, ready to put in a prompt: per similar record, the encouraged action",
    "(highest Q, or one to explore) and the discouraged one, with their Q values. --json prints",
    "{items, text}.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    if (options.task === undefined) throw new UsageError("missing --task TASK", "advise");
    if (options.observation === undefined) throw new UsageError("missing --observation TEXT", "advise");
    const k = intOption(options.k, "k", "advise");
    const exploration = options.exploration;
    if (exploration !== undefined && !(EXPLORATION as readonly string[]).includes(exploration))
      throw new UsageError(
        `--exploration must be one of ${EXPLORATION.join(", ")}, got "${exploration}"`,
        "advise",
      );
    const observation = options.observation === "-" ? await ctx.readStdin() : options.observation;
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const advice = await engram.experience.advise(agent.id, {
      task: options.task,
      observation,
      availableActions: options.action,
      k,
      exploration: exploration as (typeof EXPLORATION)[number] | undefined,
    });
    return { data: advice, text: formatAdvice(advice) };
  },
});

const experience = defineCommand({
  name: "experience list",
  readOnly: true,
  summary: "List an agent's experience records: per (task, observation), the best action and its Q",
  args: ["agent"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const records = await engram.experience.records(agent.id);
    return listResult(records, formatExperience);
  },
});

/** `engram episode …`, `engram advise`, `engram experience list` */
export const experienceCommands: readonly Command[] = [record, list, show, advise, experience];
