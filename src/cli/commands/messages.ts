import { InvalidInputError } from "../../core/errors.ts";
import type { Message, MessageRole } from "../../core/types.ts";
import type { MessageInput } from "../../memory/messages/message-service.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { readJsonLines } from "../files.ts";
import { formatMessage, formatMessages } from "../format.ts";
import { listResult } from "../output.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";
import { lineOf, overDefaults, renamingItems, runSearch, SEARCH_FILTERS } from "./memory.ts";

const ROLE_OPTION = {
  role: {
    type: "string",
    multiple: true,
    arg: "ROLE",
    help: "only user, assistant, system or tool (repeatable)",
  },
} as const;

const add = defineCommand({
  name: "messages add",
  summary: "Append a message (TEXT '-' reads stdin), or a batch from a JSONL file",
  args: ["agent", "text?"],
  options: {
    ...PROJECT_OPTION,
    role: { type: "string", arg: "ROLE", help: "user (default), assistant, system or tool" },
    name: { type: "string", arg: "NAME", help: "the speaker's name" },
    user: { type: "string", arg: "USER", help: "the end user of the conversation" },
    session: { type: "string", arg: "ID", help: "the conversation session (thread) it belongs to" },
    at: { type: "string", arg: "ISO", help: "when it was said (default: now)" },
    file: { type: "string", arg: "FILE", help: "append the messages in FILE, one JSON object per line" },
  },
  details: [
    'A line of FILE is a message as the API takes it, e.g. {"role":"user","content":"Hi","name":"Ada",',
    '"userId":"ada","createdAt":"2025-01-01T09:00:00Z"}; the flags give defaults for fields a line',
    "leaves out (or sets to null). The messages are appended in order, all of them or none.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    if (args.text !== undefined && options.file !== undefined)
      throw new UsageError("give TEXT or --file, not both", "messages add");
    if (args.text === undefined && options.file === undefined)
      throw new UsageError("missing argument TEXT (or --file)", "messages add");
    const defaults: Omit<MessageInput, "content"> = {
      role: (options.role ?? "user") as MessageRole,
      name: options.name,
      userId: options.user,
      sessionId: options.session,
      createdAt: options.at,
    };
    if (options.file !== undefined) {
      const file = options.file;
      const lines = await readJsonLines(file, "messages file");
      // Loaded here, not with the command table, so that `engram --help` loads no schema.
      const { MAX_MESSAGE_BATCH, messageInput } = await import("../../memory/messages/message-service.ts");
      const { parseInput } = await import("../../core/validation.ts");
      if (lines.length > MAX_MESSAGE_BATCH)
        throw new InvalidInputError(
          `messages file ${file} holds ${lines.length} messages; at most ${MAX_MESSAGE_BATCH} are added at once`,
        );
      const name = lineOf(lines, "message", file);
      const inputs = lines.map(({ value }, i) => {
        const input = overDefaults(defaults, value, messageInput) as MessageInput;
        parseInput(messageInput, input, name(i) as string);
        return input;
      });
      const engram = ctx.engram();
      const agent = await findAgent(engram, args.agent, options.project);
      const messages = await renamingItems("message", name, () =>
        engram.messages.appendMany(agent.id, inputs),
      );
      return {
        data: { messages },
        text: `added ${messages.length} message${messages.length === 1 ? "" : "s"}\n${formatMessages(messages)}`,
      };
    }
    const content = args.text === "-" ? await ctx.readStdin() : (args.text as string);
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const [message] = await renamingItems(
      "message",
      () => "message",
      () => engram.messages.appendMany(agent.id, [{ ...defaults, content }]),
    );
    return { data: message, text: formatMessage(message as Message) };
  },
});

const list = defineCommand({
  name: "messages list",
  readOnly: true,
  summary: "List an agent's messages in the order they were appended",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    ...ROLE_OPTION,
    user: { type: "string", arg: "USER", help: "only this end user's messages" },
    session: { type: "string", arg: "SESSION", help: "only this conversation session's messages" },
    after: { type: "string", arg: "ISO", help: "only messages at or after this time" },
    before: { type: "string", arg: "ISO", help: "only messages before this time" },
    limit: { type: "string", arg: "N", help: "page size (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "the page after this cursor" },
    "newest-first": { type: "boolean", help: "the last appended first" },
  },
  async run({ args, options }, ctx) {
    const limit = intOption(options.limit, "limit", "messages list");
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const page = await engram.messages.list(agent.id, {
      roles: options.role as MessageRole[] | undefined,
      userId: options.user,
      sessionId: options.session,
      after: options.after,
      before: options.before,
      limit,
      cursor: options.cursor,
      newestFirst: options["newest-first"],
    });
    return listResult(page, (items) => formatMessages(items));
  },
});

const search = defineCommand({
  name: "messages search",
  readOnly: true,
  summary: "Search an agent's messages, best first, showing why each ranked",
  args: ["agent", "query"],
  options: {
    ...PROJECT_OPTION,
    ...SEARCH_FILTERS,
    user: { ...SEARCH_FILTERS.user, help: "only this end user's messages" },
    ...ROLE_OPTION,
  },
  details: [
    "QUERY '-' reads stdin. A message is found by its text and caption, the turns around it in its",
    "session (weighted less), and its date; a query naming one speaker favours that speaker's turns.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    return runSearch(ctx, "messages search", args.agent, args.query, options, {
      sources: ["messages"],
      roles: options.role as MessageRole[] | undefined,
    });
  },
});

/** `engram messages …` */
export const messageCommands: readonly Command[] = [add, list, search];
