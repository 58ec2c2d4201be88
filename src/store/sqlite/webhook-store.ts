import { NotFoundError } from "../../core/errors.ts";
import type { NewEvent } from "../../core/types.ts";
import { secretPreview, type WebhookDelivery } from "../../core/webhook-types.ts";
import type { DeliveryOutcome, ListOptions, StoredWebhook, WebhookStore } from "../store.ts";
import { inWriteTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import type { Statements } from "./statements.ts";

interface WebhookRow {
  id: string;
  project_id: string;
  url: string;
  events: string;
  secret: string;
  enabled: number;
  disabled_reason: string | null;
  consecutive_failures: number;
  cursor: number;
  created_at: string;
  updated_at: string;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_seq: number;
  event_id: string;
  event_kind: string;
  attempt: number;
  status: number | null;
  ok: number;
  error: string | null;
  duration_ms: number;
  created_at: string;
}

const toWebhook = (row: WebhookRow): StoredWebhook => ({
  id: row.id,
  projectId: row.project_id,
  url: row.url,
  events: JSON.parse(row.events),
  secret: row.secret,
  secretPreview: secretPreview(row.secret),
  enabled: row.enabled === 1,
  disabledReason: row.disabled_reason,
  consecutiveFailures: row.consecutive_failures,
  cursor: row.cursor,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  webhookId: row.webhook_id,
  eventSeq: row.event_seq,
  eventId: row.event_id,
  eventKind: row.event_kind,
  attempt: row.attempt,
  status: row.status,
  ok: row.ok === 1,
  error: row.error,
  durationMs: row.duration_ms,
  createdAt: row.created_at,
});

const COLUMNS =
  "id, project_id, url, events, secret, enabled, disabled_reason, consecutive_failures, cursor, created_at, updated_at";

export class SqliteWebhookStore implements WebhookStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async create(webhook: StoredWebhook, event: NewEvent): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      const project = this.#s.get("SELECT 1 AS x FROM projects WHERE id = ?", webhook.projectId);
      if (project === undefined) throw new NotFoundError(`project ${webhook.projectId} not found`);
      this.#s.run(
        `INSERT INTO webhooks (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        webhook.id,
        webhook.projectId,
        webhook.url,
        JSON.stringify(webhook.events),
        webhook.secret,
        webhook.enabled ? 1 : 0,
        webhook.disabledReason,
        webhook.consecutiveFailures,
        webhook.cursor,
        webhook.createdAt,
        webhook.updatedAt,
      );
      writeEvents(this.#s, [event]);
    });
  }

  async get(id: string): Promise<StoredWebhook | null> {
    const row = this.#s.get<WebhookRow>(`SELECT ${COLUMNS} FROM webhooks WHERE id = ?`, id);
    return row === undefined ? null : toWebhook(row);
  }

  async list(options: ListOptions & { projectId?: string | undefined }): Promise<StoredWebhook[]> {
    return this.#s
      .all<WebhookRow>(
        `SELECT ${COLUMNS} FROM webhooks WHERE (?1 IS NULL OR project_id = ?1) AND (?2 IS NULL OR id > ?2)
         ORDER BY id LIMIT ?3`,
        options.projectId ?? null,
        options.after ?? null,
        options.limit,
      )
      .map(toWebhook);
  }

  async enabled(): Promise<StoredWebhook[]> {
    return this.#s
      .all<WebhookRow>(`SELECT ${COLUMNS} FROM webhooks WHERE enabled = 1 ORDER BY id`)
      .map(toWebhook);
  }

  async delete(id: string, event: NewEvent): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      const { changes } = this.#s.run("DELETE FROM webhooks WHERE id = ?", id);
      if (Number(changes) === 0) throw new NotFoundError(`webhook ${id} not found`);
      writeEvents(this.#s, [event]);
    });
  }

  async claim(id: string, owner: string, nowMs: number, expiresMs: number): Promise<boolean> {
    const { changes } = this.#s.run(
      `UPDATE webhooks SET lease_owner = ?, lease_expires_ms = ?
       WHERE id = ? AND enabled = 1 AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_ms <= ?)`,
      owner,
      expiresMs,
      id,
      owner,
      nowMs,
    );
    return Number(changes) === 1;
  }

  async release(id: string, owner: string): Promise<void> {
    this.#s.run(
      "UPDATE webhooks SET lease_owner = NULL, lease_expires_ms = NULL WHERE id = ? AND lease_owner = ?",
      id,
      owner,
    );
  }

  async recordOutcome(outcome: DeliveryOutcome): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      for (const d of outcome.attempts) {
        this.#s.run(
          `INSERT INTO webhook_deliveries (id, webhook_id, event_seq, event_id, event_kind, attempt, status, ok,
             error, duration_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          d.id,
          d.webhookId,
          d.eventSeq,
          d.eventId,
          d.eventKind,
          d.attempt,
          d.status,
          d.ok ? 1 : 0,
          d.error,
          d.durationMs,
          d.createdAt,
        );
      }
      this.#s.run(
        `UPDATE webhooks SET cursor = MAX(cursor, ?), consecutive_failures = ?, updated_at = ?,
           enabled = CASE WHEN ? THEN 0 ELSE enabled END,
           disabled_reason = CASE WHEN ? THEN ? ELSE disabled_reason END
         WHERE id = ?`,
        outcome.cursor,
        outcome.consecutiveFailures,
        outcome.at,
        outcome.disabled === null ? 0 : 1,
        outcome.disabled === null ? 0 : 1,
        outcome.disabled?.reason ?? null,
        outcome.webhookId,
      );
      if (outcome.disabled !== null) writeEvents(this.#s, [outcome.disabled.event]);
    });
  }

  async deliveries(webhookId: string, options: ListOptions): Promise<WebhookDelivery[]> {
    return this.#s
      .all<DeliveryRow>(
        `SELECT * FROM webhook_deliveries WHERE webhook_id = ?1 AND (?2 IS NULL OR id < ?2)
         ORDER BY id DESC LIMIT ?3`,
        webhookId,
        options.after ?? null,
        options.limit,
      )
      .map(toDelivery);
  }
}
