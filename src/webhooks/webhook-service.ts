import { randomBytes } from "node:crypto";
import { z } from "zod";
import { InvalidInputError, NotFoundError } from "../core/errors.ts";
import type { Page } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import { secretPreview, type Webhook, type WebhookDelivery } from "../core/webhook-types.ts";
import { type EngineContext, makeEvent, nowIso } from "../memory/context.ts";
import { checkKindPatterns } from "../memory/events/event-kinds.ts";
import { pageInput, pageOf } from "../memory/pagination.ts";
import type { ProjectService } from "../memory/projects/project-service.ts";
import type { StoredWebhook } from "../store/store.ts";
import { checkDestination, type OutboundPolicy, parseDestination, UNRESTRICTED } from "./outbound-policy.ts";
import {
  startWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookDispatchOptions,
} from "./webhook-dispatcher.ts";
import { publicView } from "./webhook-view.ts";

/** Where a webhook is sent. */
const webhookUrl = z.string().max(2048);
/** Kinds of events to send: exact (`memory.created`), a family (`memory.*`) or `*`. */
const webhookEvents = z.array(z.string().max(100)).min(1, "must name at least one kind (or *)").max(50);

export const webhookInput = z.strictObject({
  url: webhookUrl,
  events: webhookEvents,
  /** The signing secret (16 to 256 characters); one is generated when absent. */
  secret: z.string().min(16, "must be at least 16 characters").max(256).optional(),
  /** The project whose events it is sent (default: the caller's, or `default`). */
  project: z.string().min(1).max(200).optional(),
});
export type WebhookInput = z.input<typeof webhookInput>;

export const webhookPatch = z.strictObject({
  url: webhookUrl.optional(),
  events: webhookEvents.optional(),
  /** Turn it on (a disabled one starts again, its failures forgotten) or off. */
  enabled: z.boolean().optional(),
  /**
   * Where a disabled webhook that is turned on starts: `now` (the default) with the events written
   * from now on; `missed` with those written since it stopped, too.
   */
  resume: z.enum(["now", "missed"]).optional(),
});
export type WebhookPatch = z.input<typeof webhookPatch>;

/** Why a webhook that a user turned off is off. */
export const DISABLED_BY_USER = "disabled by a user";

/** A webhook just created: the only time its whole secret is shown. */
export interface CreatedWebhook extends Webhook {
  secret: string;
}

/** Webhooks: destinations of a project's events (delivered by a dispatcher, e.g. `engram serve`'s). */
export class WebhookService {
  readonly #ctx: EngineContext;
  readonly #projects: ProjectService;

  constructor(ctx: EngineContext, projects: ProjectService) {
    this.#ctx = ctx;
    this.#projects = projects;
  }

  /**
   * Adds a webhook; it is sent the events written from now on. `outbound` is the policy its URL must
   * pass (the HTTP server passes its own; a library caller is trusted by default).
   * @throws InvalidInputError naming the field; ForbiddenError when the URL is not allowed
   */
  async create(input: WebhookInput, options: { outbound?: OutboundPolicy } = {}): Promise<CreatedWebhook> {
    const parsed = parseInput(webhookInput, input, "webhook");
    const url = parseDestination(parsed.url, "webhook: url");
    checkKindPatterns(parsed.events, "webhook: events");
    const project = await this.#projects.target(parsed.project);
    await checkDestination(url, options.outbound ?? UNRESTRICTED, "webhook: url");
    const now = nowIso(this.#ctx);
    const secret = parsed.secret ?? `whsec_${randomBytes(24).toString("base64url")}`;
    const stored: StoredWebhook & { secret: string } = {
      id: this.#ctx.generateId("webhook"),
      projectId: project.id,
      url: url.href,
      events: [...new Set(parsed.events)],
      secret,
      secretPreview: secretPreview(secret),
      enabled: true,
      disabledReason: null,
      consecutiveFailures: 0,
      cursor: await this.#ctx.store.events.lastSeq(),
      createdAt: now,
      updatedAt: now,
    };
    const shown = publicView(stored);
    await this.#ctx.store.webhooks.create(
      stored,
      makeEvent(this.#ctx, {
        projectId: project.id,
        actor: "user",
        kind: "webhook.created",
        targetType: "webhook",
        targetId: stored.id,
        after: shown,
        createdAt: now,
      }),
    );
    return { ...shown, secret };
  }

  async get(id: string): Promise<Webhook> {
    return publicView(await this.#require(id));
  }

  /** Oldest first. */
  async list(options: { project?: string; cursor?: string; limit?: number } = {}): Promise<Page<Webhook>> {
    const { cursor, limit } = pageInput({ cursor: options.cursor, limit: options.limit }, "webhook");
    const projectId =
      options.project !== undefined ? (await this.#projects.get(options.project)).id : this.#ctx.projectId;
    const rows = await this.#ctx.store.webhooks.list({ projectId, after: cursor, limit: limit + 1 });
    return pageOf(rows.map(publicView), limit, (w) => w.id);
  }

  /**
   * Changes a webhook's url or kinds of events, or turns it on or off. Turning on a disabled webhook
   * forgets its failures and, unless `resume` is `missed`, starts it with the events written from now
   * on. Its secret stays.
   * @throws InvalidInputError naming the field; ForbiddenError when the new URL is not allowed
   */
  async update(
    id: string,
    input: WebhookPatch,
    options: { outbound?: OutboundPolicy } = {},
  ): Promise<Webhook> {
    const parsed = parseInput(webhookPatch, input, "webhook update");
    if (parsed.resume !== undefined && parsed.enabled !== true)
      throw new InvalidInputError("invalid webhook update: resume: only with enabled: true");
    if (parsed.url === undefined && parsed.events === undefined && parsed.enabled === undefined)
      throw new InvalidInputError("invalid webhook update: give at least one of url, events and enabled");
    const url = parsed.url === undefined ? undefined : parseDestination(parsed.url, "webhook update: url");
    checkKindPatterns(parsed.events, "webhook update: events");
    const webhook = await this.#require(id);
    if (url !== undefined)
      await checkDestination(url, options.outbound ?? UNRESTRICTED, "webhook update: url");
    // Read before the change: events written after it are sent, as for a new webhook.
    const end =
      parsed.enabled === true && parsed.resume !== "missed" ? await this.#ctx.store.events.lastSeq() : null;
    const now = nowIso(this.#ctx);
    const { after } = await this.#ctx.store.webhooks.update(webhook.id, (before) => {
      const starting = parsed.enabled === true && !before.enabled;
      const stopping = parsed.enabled === false && before.enabled;
      const next: StoredWebhook = {
        ...before,
        url: url?.href ?? before.url,
        events: parsed.events === undefined ? before.events : [...new Set(parsed.events)],
        enabled: parsed.enabled ?? before.enabled,
        disabledReason: starting ? null : stopping ? DISABLED_BY_USER : before.disabledReason,
        consecutiveFailures: starting ? 0 : before.consecutiveFailures,
        cursor: starting && end !== null ? Math.max(before.cursor, end) : before.cursor,
        updatedAt: now,
      };
      return {
        webhook: next,
        event: makeEvent(this.#ctx, {
          projectId: before.projectId,
          actor: "user",
          kind: "webhook.updated",
          targetType: "webhook",
          targetId: before.id,
          before: publicView(before),
          after: publicView(next),
          createdAt: now,
        }),
      };
    });
    return publicView(after);
  }

  /** Deletes a webhook and its delivery log; nothing more is sent to it. */
  async delete(id: string): Promise<void> {
    const webhook = await this.#require(id);
    await this.#ctx.store.webhooks.delete(
      webhook.id,
      makeEvent(this.#ctx, {
        projectId: webhook.projectId,
        actor: "user",
        kind: "webhook.deleted",
        targetType: "webhook",
        targetId: webhook.id,
        before: publicView(webhook),
      }),
    );
  }

  /** The delivery log of a webhook, newest first: one entry per attempt. */
  async deliveries(
    id: string,
    options: { cursor?: string; limit?: number } = {},
  ): Promise<Page<WebhookDelivery>> {
    const webhook = await this.#require(id);
    const { cursor, limit } = pageInput({ cursor: options.cursor, limit: options.limit }, "delivery");
    const rows = await this.#ctx.store.webhooks.deliveries(webhook.id, { after: cursor, limit: limit + 1 });
    return pageOf(rows, limit, (d) => d.id);
  }

  /**
   * Starts delivering every project's events to its webhooks from this process (`engram serve` does),
   * until `stop()`. Several processes may run one: each webhook is delivered by one at a time.
   */
  startDispatcher(options: WebhookDispatchOptions = {}): WebhookDispatcher {
    return startWebhookDispatcher(this.#ctx, options);
  }

  async #require(id: string): Promise<StoredWebhook> {
    if (typeof id !== "string" || id === "")
      throw new InvalidInputError("invalid webhook id: must not be empty");
    const webhook = await this.#ctx.store.webhooks.get(id);
    if (webhook === null || (this.#ctx.projectId !== undefined && webhook.projectId !== this.#ctx.projectId))
      throw new NotFoundError(`webhook ${id} not found`);
    return webhook;
  }
}
