import { NotFoundError } from "../../core/errors.ts";
import { mentionTexts } from "../../graph/mention-texts.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { formatEntities, formatEntity } from "../format-graph.ts";
import { listResult } from "../output.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";

const graph = defineCommand({
  name: "graph",
  readOnly: true,
  summary: "An agent's entity graph: its entities, or one entity with its relations over time",
  args: ["agent", "entity?"],
  options: {
    ...PROJECT_OPTION,
    user: { type: "string", arg: "USER", help: "this end user's graph (default: the agent's own)" },
    order: {
      type: "string",
      arg: "ORDER",
      help: "key (default: by name) or mentions (the most named first)",
    },
    limit: { type: "string", arg: "N", help: "page size of the list (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "the page after this cursor" },
  },
  details: 'ENTITY is a name in any case ("ada lovelace"); an unknown one is an error naming it.',
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const user = options.user === undefined ? {} : { userId: options.user };
    if (args.entity !== undefined) {
      const detail = await engram.entities.get(agent.id, args.entity, user).catch((error: unknown) => {
        // The service names the API's field; here it is an option.
        if (error instanceof NotFoundError && error.message.endsWith(": userId)"))
          throw new NotFoundError(error.message.replace(/: userId\)$/, ": --user USER)"));
        throw error;
      });
      // Only the text output reads what named it: --json gives the ids, as the API does.
      if (ctx.json) return { data: detail, text: "" };
      return {
        data: detail,
        text: formatEntity(detail, await mentionTexts(engram, agent.id, detail.mentions, QUOTED)),
      };
    }
    const limit = intOption(options.limit, "limit", "graph");
    const order = options.order as "key" | "mentions" | undefined;
    const page = await engram.entities.list(agent.id, { ...user, order, limit, cursor: options.cursor });
    // An agent's own graph holds what it learned with no user: its users' graphs are apart.
    return listResult(page, (entities) =>
      entities.length === 0 && options.user === undefined && options.cursor === undefined
        ? "no entities in the agent's own graph (an end user's graph: --user USER)"
        : formatEntities(entities),
    );
  },
});

export const graphCommands: readonly Command[] = [graph];

/** How many of an entity's latest mentions the text output quotes. */
const QUOTED = 5;
