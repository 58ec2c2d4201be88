import type { Webhook, WebhookDelivery } from "../../core/webhook-types.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { fields, listResult, shortTime, table } from "../output.ts";

const add = defineCommand({
  name: "webhooks add",
  summary: "Send a project's events to a URL, signed (delivered by engram serve)",
  args: ["url"],
  options: {
    event: {
      type: "string",
      multiple: true,
      arg: "KIND",
      help: "an event kind to send: memory.created, a family (memory.*) or * (repeatable; required)",
    },
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
    const webhook = await ctx.engram().webhooks.create({
      url: args.url,
      events: options.event ?? [],
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
export const webhookCommands: readonly Command[] = [add, list, remove, deliveries];

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
