import type { Webhook, WebhookDelivery } from "../../core/webhook-types.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { fields, listResult, shortTime, table } from "../output.ts";
import { UsageError } from "../usage-error.ts";

/** The repeatable `--event KIND` of `add` and `update`. */
const eventOption = (help: string) => ({ type: "string", multiple: true, arg: "KIND", help }) as const;

const add = defineCommand({
  name: "webhooks add",
  summary: "Send a project's events to a URL, signed (delivered by engram serve)",
  args: ["url"],
  options: {
    event: eventOption(
      "an event kind to send: memory.created, a family (memory.*) or * (repeatable; required)",
    ),
    secret: {
      type: "string",
      arg: "SECRET",
      help: "the signing secret (16+ characters; default: generated)",
    },
    project: { type: "string", arg: "NAME", help: "the project whose events it is sent (default: default)" },
  },
  details: [
    "Each delivery is POSTed as JSON {webhookId, event} with the headers engram-timestamp and",
    "engram-signature: v1=<hex HMAC-SHA256 of '<timestamp>.<body>' with the secret>. The secret is",
    "printed now only. Failed deliveries are retried with backoff; after repeated failures the",
    "webhook is disabled (see engram webhooks list).",
  ].join("\n"),
  async run({ args, options }, ctx) {
    if (options.event === undefined) throw new UsageError("missing --event KIND", "webhooks add");
    const webhook = await ctx.engram().webhooks.create({
      url: args.url,
      events: options.event,
      secret: options.secret,
      project: options.project,
    });
    return {
      data: webhook,
      text: fields([
        ["id", webhook.id],
        ["url", webhook.url],
        ["events", webhook.events.join(", ")],
        ["secret", webhook.secret],
      ]),
      hint: "Keep the secret to check signatures: it is not shown again.",
    };
  },
});

const list = defineCommand({
  name: "webhooks list",
  readOnly: true,
  summary: "List webhooks (never their secrets), oldest first",
  args: [],
  options: {
    project: { type: "string", arg: "NAME", help: "only this project's webhooks" },
    limit: { type: "string", arg: "N", help: "page size (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "the page after this cursor" },
  },
  async run({ options }, ctx) {
    const page = await ctx.engram().webhooks.list({
      project: options.project,
      limit: intOption(options.limit, "limit", "webhooks list"),
      cursor: options.cursor,
    });
    return listResult(page, (items) => (items.length === 0 ? "no webhooks" : formatWebhooks(items)));
  },
});

const update = defineCommand({
  name: "webhooks update",
  summary: "Change a webhook's URL or events, or turn it on or off (its secret stays)",
  args: ["id"],
  options: {
    url: { type: "string", arg: "URL", help: "send to this URL from now on" },
    event: eventOption(
      "the event kinds to send instead (repeatable): memory.created, a family (memory.*) or *",
    ),
    enable: { type: "boolean", help: "turn it on: a disabled webhook starts again, its failures forgotten" },
    disable: { type: "boolean", help: "turn it off, keeping it and its place" },
    resume: {
      type: "string",
      arg: "now|missed",
      help: "with --enable: send the events from now on (default), or those missed since it stopped too",
    },
  },
  async run({ args, options }, ctx) {
    if (options.enable === true && options.disable === true)
      throw new UsageError("give --enable or --disable, not both", "webhooks update");
    const webhook = await ctx.engram().webhooks.update(args.id, {
      url: options.url,
      events: options.event,
      enabled: options.enable === true ? true : options.disable === true ? false : undefined,
      resume: options.resume as "now" | "missed" | undefined,
    });
    return { data: webhook, text: formatWebhooks([webhook]) };
  },
});

const remove = defineCommand({
  name: "webhooks remove",
  summary: "Delete a webhook and its delivery log",
  args: ["id"],
  options: {},
  async run({ args }, ctx) {
    await ctx.engram().webhooks.delete(args.id);
    return { data: { deleted: args.id }, text: `deleted webhook ${args.id}` };
  },
});

const deliveries = defineCommand({
  name: "webhooks deliveries",
  readOnly: true,
  summary: "A webhook's delivery log, newest first: one line per try",
  args: ["id"],
  options: {
    limit: { type: "string", arg: "N", help: "page size (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "the page after this cursor" },
  },
  async run({ args, options }, ctx) {
    const page = await ctx.engram().webhooks.deliveries(args.id, {
      limit: intOption(options.limit, "limit", "webhooks deliveries"),
      cursor: options.cursor,
    });
    return listResult(page, (items) => (items.length === 0 ? "no deliveries yet" : formatDeliveries(items)));
  },
});

/** `engram webhooks …` */
export const webhookCommands: readonly Command[] = [add, list, update, remove, deliveries];

function formatWebhooks(webhooks: readonly Webhook[]): string {
  return table(
    ["ID", "URL", "EVENTS", "STATE", "CREATED"],
    webhooks.map((w) => [
      w.id,
      w.url,
      w.events.join(","),
      w.enabled ? "enabled" : `disabled: ${w.disabledReason ?? ""}`,
      shortTime(w.createdAt),
    ]),
  );
}

function formatDeliveries(items: readonly WebhookDelivery[]): string {
  return table(
    ["TIME", "EVENT", "TRY", "RESULT", "MS"],
    items.map((d) => [
      shortTime(d.createdAt),
      `${d.eventSeq} ${d.eventKind}`,
      String(d.attempt),
      d.ok ? `ok ${d.status}` : (d.error ?? "failed"),
      String(d.durationMs),
    ]),
  );
}
