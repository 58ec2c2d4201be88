import type { CompiledContext } from "../../agent/context-compiler.ts";
import { RESPONDERS } from "../../agent/responder-names.ts";
import type { TurnResult } from "../../agent/turn-events.ts";
import { EngramError } from "../../core/errors.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { readUserBytes } from "../files.ts";
import { shortId, table } from "../output.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { chat } from "./chat.ts";
import { responderOption, TURN_OPTIONS } from "./turn-options.ts";

const send = defineCommand({
  name: "send",
  summary: "Send a message to an agent and print its answer (TEXT '-' reads stdin)",
  args: ["agent", "text"],
  options: {
    ...TURN_OPTIONS,
    image: {
      type: "string",
      multiple: true,
      arg: "FILE",
      help: "an image sent with the message (PNG, JPEG, GIF or WebP, at most 5 MiB; repeatable)",
    },
  },
  details: [
    "The agent answers with its memory in context and may edit its blocks and long-term memory with",
    "tools; the edits are listed on stderr. With --json, the whole turn: every new message (tool calls,",
    "tool results, the answer), usage and edits (its turnId is what `engram feedback` rates). The model",
    "is the agent's, else ENGRAM_MODEL. Images go to the model with the text and are kept with it.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    const text = args.text === "-" ? await ctx.readStdin() : args.text;
    const files = options.image ?? [];
    const content =
      files.length === 0
        ? text
        : [
            { type: "text" as const, text },
            ...(await Promise.all(
              files.map(async (file) => ({
                type: "image" as const,
                image: Buffer.from(await readUserBytes(file, "image")).toString("base64"),
              })),
            )),
          ];
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const result = await engram.runtime
      .send(agent.id, {
        content,
        userId: options.user,
        sessionId: options.session,
        name: options.name,
        responder: responderOption(options.responder, "send"),
        maxSteps: intOption(options["max-steps"], "max-steps", "send"),
      })
      .catch((error: unknown) => {
        throw namingImageFile(error, files);
      });
    return { data: result, text: result.answer, hint: editsHint(result) };
  },
});

/** "content.2.image: …" said of the file it came from: "--image b.png: …". */
function namingImageFile(error: unknown, files: readonly string[]): unknown {
  if (!EngramError.isInstance(error)) return error;
  const match = /content\.(\d+)\.image/.exec(error.message);
  const file = match === null ? undefined : files[Number(match[1]) - 1];
  if (file === undefined) return error;
  return new EngramError(error.code, error.message.replace(match?.[0] ?? "", `--image ${file}`), {
    cause: error,
    details: error.details,
  });
}

function editsHint(result: TurnResult): string | undefined {
  if (result.edits.length === 0) return undefined;
  return result.edits
    .map((e) =>
      e.target === "block"
        ? `${e.tool} ${e.label}: commit ${shortId(e.commitId ?? "")}`
        : `${e.tool}: memory ${e.memoryId}`,
    )
    .join("\n");
}

const context = defineCommand({
  name: "context",
  readOnly: true,
  summary: "Show the context an agent's model would get: sections, token counts, prompt and messages",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    query: {
      type: "string",
      arg: "TEXT",
      help: "the message to compile for (default: the latest user message)",
    },
    user: { type: "string", arg: "USER", help: "the end user's conversation" },
    responder: { type: "string", arg: "R", help: `${RESPONDERS.join(" or ")} (default: the agent's)` },
    "context-window": { type: "string", arg: "TOKENS", help: "the model's window (default: from the model)" },
  },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const compiled = await engram.runtime.context(agent.id, {
      query: options.query,
      userId: options.user,
      responder: responderOption(options.responder, "context"),
      contextWindow: intOption(options["context-window"], "context-window", "context"),
    });
    return { data: compiled, text: formatContext(compiled) };
  },
});

/** Sections with their token counts, then the prompt and the messages as the model gets them. */
export function formatContext(c: CompiledContext): string {
  const s = c.sections;
  const rows: string[][] = [
    ["instructions", String(s.instructions.tokens), ""],
    ["guidance", String(s.guidance.tokens), c.responder],
    [
      "blocks",
      String(s.blocks.tokens),
      s.blocks.items.map((b) => `${b.label} ${b.size}/${b.limit}`).join(", "),
    ],
    ["tools", String(s.tools.tokens), s.tools.names.join(", ")],
    ["insights", String(s.insights.tokens), counted(s.insights.items.length, s.insights.omitted)],
    [
      "summary",
      String(s.summary?.tokens ?? 0),
      s.summary === null ? "none" : `covers ${s.summary.covered} messages`,
    ],
    ["memories", String(s.memories.tokens), counted(s.memories.items.length, s.memories.omitted)],
    ["advice", String(s.advice.tokens), `${s.advice.items.length}`],
    [
      "messages",
      String(s.messages.tokens),
      `${s.messages.count} of budget ${s.messages.budget} tokens` +
        (s.messages.overflow > 0
          ? `; ${s.messages.overflow}${s.messages.overflowExact ? "" : "+"} older to summarise`
          : ""),
    ],
  ];
  const header = [
    `model ${c.model ?? "(none configured)"}, window ${c.budget.contextWindow} tokens (${c.budget.reserveOutputTokens} kept for the answer, ${c.budget.available} usable), ${c.budget.used} used`,
    c.query === null ? "query: none" : `query: ${c.query.split("\n")[0]?.slice(0, 100)}`,
    "",
    table(["SECTION", "TOKENS", "CONTENT"], rows),
  ];
  const messages = c.messages.map((m) => {
    const content = typeof m.content === "string" ? m.content : JSON.stringify(m.content);
    return `[${m.role}] ${content}`;
  });
  const retrieved =
    c.retrieved === ""
      ? []
      : ["", "--- retrieved memories (sent at the start of the new message) ---", c.retrieved];
  const advice =
    c.advice === "" ? [] : ["", "--- advice (sent at the start of the new message) ---", c.advice];
  return [
    ...header,
    "",
    "--- system ---",
    c.system,
    ...retrieved,
    ...advice,
    "",
    "--- messages ---",
    ...messages,
  ].join("\n");
}

function counted(shown: number, omitted: number): string {
  return omitted === 0 ? `${shown}` : `${shown} (${omitted} left out for room)`;
}

/** `engram send`, `engram chat`, `engram context` */
export const runtimeCommands: readonly Command[] = [send, chat, context];
