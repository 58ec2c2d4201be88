import type { ReindexProgress, ReindexResult } from "../../retrieval/vector-service.ts";
import { type Command, defineCommand } from "../command.ts";
import type { Writable } from "../context.ts";
import { findAgent } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

const reindex = defineCommand({
  name: "memory reindex",
  summary: "Embed memories and messages that have no vector; --rebuild re-embeds all for a new model",
  args: ["agent?"],
  options: {
    project: {
      type: "string",
      arg: "NAME",
      help: "only this project's agents (and the project of AGENT, when named)",
    },
    rebuild: {
      type: "boolean",
      help: "drop every stored vector and re-embed everything with the configured model",
    },
    train: {
      type: "boolean",
      help: "bring each agent's vector index up to date afterwards (SQLite: retrain its lists)",
    },
  },
  details: [
    "Uses the embedding model of ENGRAM_EMBEDDING_MODEL. Without --rebuild it embeds only what has no",
    "vector yet: items written while the embedding model failed, or imported. After changing the model",
    "(engram then refuses to start: the stored vectors are another model's), run it with --rebuild: it",
    "covers every agent of the database, so stop `engram serve` first. A failure stops it; what was",
    "embedded stays, and running it again carries on. --train reclusters agents that grew a lot since",
    "their vectors were first indexed (a rebuild always does).",
  ].join("\n"),
  async run({ args, options }, ctx) {
    if (options.rebuild === true && (args.agent !== undefined || options.project !== undefined))
      throw new UsageError(
        "--rebuild covers the whole database: leave out AGENT and --project",
        "memory reindex",
      );
    const engram = ctx.engram();
    const agentId =
      args.agent === undefined ? undefined : (await findAgent(engram, args.agent, options.project)).id;
    const scoped =
      options.project === undefined || agentId !== undefined
        ? engram
        : engram.forProject((await engram.projects.get(options.project)).id);
    const progress = progressLine(ctx.io.stderr);
    const result = await scoped.vectors
      .reindex({
        agentId,
        rebuild: options.rebuild === true,
        train: options.train === true,
        onProgress: progress?.show,
      })
      .finally(() => progress?.clear());
    return { data: result, text: formatReindex(result) };
  },
});

/** One line on a terminal's stderr, redrawn as batches are embedded; nothing when it is not one. */
function progressLine(stream: Writable) {
  if (stream.isTTY !== true) return undefined;
  let shown = false;
  return {
    show({ agentId, space, embedded }: ReindexProgress) {
      shown = true;
      stream.write(`\r${agentId} ${space}: ${embedded} embedded\x1b[K`);
    },
    clear() {
      if (shown) stream.write("\r\x1b[K");
    },
  };
}

function formatReindex(result: ReindexResult): string {
  const lines = [
    `${result.rebuilt ? "re-embedded everything" : "embedded what had no vector"} with ${result.model}: ` +
      `${result.embedded.memories} memories, ${result.embedded.messages} messages, ${result.agents.length} agent${result.agents.length === 1 ? "" : "s"}`,
  ];
  for (const agent of result.agents) {
    const lists = (space: "memories" | "messages") => agent.index[space].summary;
    lines.push(
      `  ${agent.agentId}  memories +${agent.embedded.memories} (${lists("memories")})  messages +${agent.embedded.messages} (${lists("messages")})`,
    );
  }
  return lines.join("\n");
}

/** `engram memory reindex` */
export const memoryReindexCommands: readonly Command[] = [reindex];
