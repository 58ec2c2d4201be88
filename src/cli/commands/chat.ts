import { EngramError, toEngramError } from "../../core/errors.ts";
import type { Engram } from "../../engram.ts";
import { defineCommand, intOption } from "../command.ts";
import type { CliIo } from "../context.ts";
import { findAgent } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";
import { formatFeedback } from "./feedback.ts";
import { responderOption, TURN_OPTIONS } from "./turn-options.ts";

/** Words that end a chat, besides the end of input. */
const QUIT = new Set(["/exit", "/quit"]);

export const chat = defineCommand({
  name: "chat",
  summary: "Talk with an agent: each line of stdin is a message, answers stream back",
  args: ["agent"],
  options: TURN_OPTIONS,
  details: [
    "Reads messages one per line until the end of input or /exit, from a terminal or a pipe. The",
    "answer is printed as it streams; tool calls and memory edits show on stderr. With --json, every",
    "event of every turn is one JSON line on stdout. A turn that fails is reported and the chat goes",
    "on; the exit code is then 1. /good [comment] and /bad [comment] rate the last answer (reward 1 or",
    "-1, see `engram feedback`): the agent learns from it.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    const { io } = ctx;
    if (io.stdin === undefined)
      throw new UsageError("chat reads messages from stdin, but there is none", "chat");
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const settings = {
      userId: options.user,
      sessionId: options.session,
      name: options.name,
      responder: responderOption(options.responder, "chat"),
      maxSteps: intOption(options["max-steps"], "max-steps", "chat"),
    };
    const prompt = () => {
      if (io.stderr.isTTY === true && !ctx.json) io.stderr.write("you> ");
    };
    let turns = 0;
    let failed = 0;
    let lastTurnId: string | null = null;
    prompt();
    for await (const line of lines(io.stdin)) {
      const content = line.trim();
      if (QUIT.has(content)) break;
      if (content === "") {
        prompt();
        continue;
      }
      const rating = RATING.exec(content);
      if (rating !== null) {
        if (!(await rate(io, ctx.json, engram, agent.id, lastTurnId, rating))) failed++;
        prompt();
        continue;
      }
      turns++;
      const started = turn(io, ctx.json, async () => {
        const stream = await engram.runtime.stream(agent.id, { ...settings, content });
        lastTurnId = stream.turnId;
        return stream;
      });
      if (!(await started)) failed++;
      prompt();
    }
    if (failed > 0)
      throw new EngramError("unavailable", `${failed} of ${turns} turn${turns === 1 ? "" : "s"} failed`);
    return undefined;
  },
});

/** `/good` or `/bad`, then an optional comment. */
const RATING = /^\/(good|bad)(?:\s+(.*))?$/;

/** Gives feedback on the last turn; false if it was refused. */
async function rate(
  io: CliIo,
  json: boolean,
  engram: Engram,
  agentId: string,
  turnId: string | null,
  match: RegExpExecArray,
): Promise<boolean> {
  try {
    if (turnId === null)
      throw new EngramError("invalid_input", "no answer to rate yet: send a message first");
    const comment = match[2]?.trim();
    const result = await engram.feedback.give(agentId, turnId, {
      reward: match[1] === "good" ? 1 : -1,
      ...(comment === undefined || comment === "" ? {} : { comment }),
    });
    if (json) io.stdout.write(`${JSON.stringify({ type: "feedback", feedback: result })}\n`);
    else io.stderr.write(`[${formatFeedback(result)}]\n`);
    return true;
  } catch (error) {
    const failure = toEngramError(error);
    if (json) io.stdout.write(`${JSON.stringify({ type: "error", error: failure.toJSON() })}\n`);
    else io.stderr.write(`engram: ${failure.message}\n`);
    return false;
  }
}

/** Runs one streamed turn, printing it; false if it failed. */
async function turn(
  io: CliIo,
  json: boolean,
  start: () => ReturnType<Engram["runtime"]["stream"]>,
): Promise<boolean> {
  let ok = true;
  let midLine = false;
  try {
    for await (const event of await start()) {
      if (json) {
        io.stdout.write(`${JSON.stringify(event)}\n`);
        if (event.type === "error") ok = false;
        continue;
      }
      if (event.type === "text-delta") {
        io.stdout.write(event.text);
        midLine = !event.text.endsWith("\n");
      } else if (event.type === "step-finish" && midLine) {
        io.stdout.write("\n");
        midLine = false;
      } else if (event.type === "tool-call") {
        io.stderr.write(`[${event.toolName} ${JSON.stringify(event.input)}]\n`);
      } else if (event.type === "tool-result" && event.isError) {
        io.stderr.write(`[${event.toolName} failed: ${String(event.output)}]\n`);
      } else if (event.type === "memory-edit") {
        io.stderr.write(
          `[memory: ${event.target === "block" ? `block ${event.label} changed` : "memory saved"}]\n`,
        );
      } else if (event.type === "error") {
        ok = false;
        if (midLine) io.stdout.write("\n");
        io.stderr.write(`engram: ${event.error.message}\n`);
      }
    }
  } catch (error) {
    // Refused before it started (e.g. no model configured, or an empty message).
    const failure = toEngramError(error);
    if (json) io.stdout.write(`${JSON.stringify({ type: "error", error: failure.toJSON() })}\n`);
    else io.stderr.write(`engram: ${failure.message}\n`);
    return false;
  }
  return ok;
}

/** Lines of a stream as they arrive (a terminal sends one at a time), the last one unterminated too. */
export async function* lines(input: AsyncIterable<string | Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of input) {
    pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let at = pending.indexOf("\n");
    while (at >= 0) {
      yield pending.slice(0, at).replace(/\r$/, "");
      pending = pending.slice(at + 1);
      at = pending.indexOf("\n");
    }
  }
  pending += decoder.decode();
  if (pending !== "") yield pending;
}
