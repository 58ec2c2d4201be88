import type { Actor } from "../../core/types.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { formatEventLine, formatEvents } from "../format.ts";
import { listResult } from "../output.ts";
import { findAgent } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

const events = defineCommand({
  name: "events",
  readOnly: true,
  summary:
    "Read the event log (every change, oldest first; --newest-first: the latest first), of one agent or all",
  args: ["agent?"],
  options: {
    project: {
      type: "string",
      arg: "NAME",
      help: "only this project's events (and where AGENT is looked up)",
    },
    kind: {
      type: "string",
      arg: "KIND",
      help: "only events of this kind (blocks.committed), of a family (memory.*), or any (*)",
    },
    actor: {
      type: "string",
      arg: "ACTOR",
      help: "only events caused by user, agent, sleeptime, evolver or system",
    },
    "newest-first": { type: "boolean", help: "the latest events first, paging back through the log" },
    limit: { type: "string", arg: "N", help: "at most N events (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "continue where a previous page stopped" },
    follow: {
      type: "boolean",
      help: "keep printing events as they are written, until SIGINT (with --cursor SEQ: after that event)",
    },
  },
  details: [
    "A --kind that is no event kind is refused, with the kinds it may mean (docs/live-events.md lists them).",
    "With --follow, --json prints one event per line.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    const limit = intOption(options.limit, "limit", "events");
    const engram = ctx.engram();
    const agent = args.agent === undefined ? undefined : await findAgent(engram, args.agent, options.project);
    if (options.follow === true) {
      if (options["newest-first"] === true)
        throw new UsageError("--newest-first cannot be combined with --follow", "events");
      if (options.cursor !== undefined && !/^\d{1,15}$/.test(options.cursor))
        throw new UsageError("--cursor must be an event seq with --follow", "events");
      const stop = new AbortController();
      void ctx.io.shutdown?.().then(() => stop.abort());
      const events = await engram.events.follow({
        agentId: agent?.id,
        project: options.project,
        kinds: options.kind === undefined ? undefined : [options.kind],
        after: options.cursor === undefined ? undefined : Number(options.cursor),
        signal: stop.signal,
      });
      for await (const event of events) {
        ctx.io.stdout.write(ctx.json ? `${JSON.stringify(event)}\n` : `${formatEventLine(event)}\n`);
      }
      return undefined;
    }
    const page = await engram.events.list({
      agentId: agent?.id,
      project: options.project,
      kind: options.kind,
      actor: options.actor as Actor | undefined,
      limit,
      cursor: options.cursor,
      newestFirst: options["newest-first"] === true,
    });
    return listResult(page, (items) => formatEvents(items));
  },
});

/** `engram events` */
export const eventCommands: readonly Command[] = [events];
