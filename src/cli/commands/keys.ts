import type { ApiKey } from "../../core/types.ts";
import { keyIdOf } from "../../keys/key-id.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { fields, listResult, shortTime, table } from "../output.ts";
import { projectNames } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

const create = defineCommand({
  name: "keys create",
  summary: "Create an API key for a project (created too when missing); the key is printed once",
  args: [],
  options: {
    project: { type: "string", arg: "NAME", help: "the project the key may use (required)" },
    name: { type: "string", arg: "NAME", help: "a label for people, e.g. where the key is used" },
  },
  details: [
    "The key is shown only now: engram keeps a hash of it and cannot show it again. Send it as",
    "'Authorization: Bearer KEY'; it sees only its project. --json prints {key, project, id, …}.",
  ].join("\n"),
  async run({ options }, ctx) {
    if (options.project === undefined) throw new UsageError("missing --project NAME", "keys create");
    const { key, apiKey, project } = await ctx
      .engram()
      .keys.create({ project: options.project, name: options.name }, { createProject: true });
    return {
      data: { key, project: project.name, ...apiKey },
      text: fields([
        ["key", key],
        ["project", `${project.name} (${project.id})`],
        ["id", apiKey.id],
        ...(apiKey.name === "" ? [] : [["name", apiKey.name] as const]),
      ]),
      hint: "Store the key now: it is not shown again.",
    };
  },
});

const list = defineCommand({
  name: "keys list",
  readOnly: true,
  summary: "List API keys (never their secrets), oldest first",
  args: [],
  options: {
    project: { type: "string", arg: "NAME", help: "only this project's keys" },
    all: { type: "boolean", help: "include revoked keys" },
    limit: { type: "string", arg: "N", help: "page size (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "the page after this cursor" },
  },
  async run({ options }, ctx) {
    const engram = ctx.engram();
    const page = await engram.keys.list({
      project: options.project,
      includeRevoked: options.all === true,
      limit: intOption(options.limit, "limit", "keys list"),
      cursor: options.cursor,
    });
    const names = await projectNames(engram);
    return listResult(page, (items) => (items.length === 0 ? "no keys" : formatKeys(items, names)));
  },
});

const revoke = defineCommand({
  name: "keys revoke",
  summary: "Revoke an API key: from now on it authenticates nothing",
  args: ["key"],
  details: "KEY is a key id (key_…) or the key itself (egk_…).",
  options: {},
  async run({ args }, ctx) {
    const key = await ctx.engram().keys.revoke(keyIdOf(args.key));
    return { data: key, text: `revoked key ${key.id}${key.name === "" ? "" : ` (${key.name})`}` };
  },
});

/** `engram keys …` */
export const keyCommands: readonly Command[] = [create, list, revoke];

/** Keys as a table, projects by name (`--json` has their ids). */
function formatKeys(keys: readonly ApiKey[], projectNames: ReadonlyMap<string, string>): string {
  return table(
    ["ID", "PROJECT", "NAME", "PREFIX", "CREATED", "LAST USED", "REVOKED"],
    keys.map((k) => [
      k.id,
      projectNames.get(k.projectId) ?? k.projectId,
      k.name === "" ? "-" : k.name,
      `${k.prefix}…`,
      shortTime(k.createdAt),
      k.lastUsedAt === null ? "never" : shortTime(k.lastUsedAt),
      k.revokedAt === null ? "-" : shortTime(k.revokedAt),
    ]),
  );
}
