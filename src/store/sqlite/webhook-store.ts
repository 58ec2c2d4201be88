import { NotFoundError } from "../../core/errors.ts";
import type { SecretBox } from "../../core/secret-box.ts";
import type { NewEvent } from "../../core/types.ts";
import type { WebhookDelivery } from "../../core/webhook-types.ts";
import {
  DELIVERY_COLUMNS,
  type DeliveryRow,
  deliveryValues,
  toDelivery,
  toWebhook,
  WEBHOOK_CHANGE_COLUMNS,
  WEBHOOK_COLUMNS,
  type WebhookRow,
  webhookChangeValues,
  webhookValues,
} from "../rows/webhook-rows.ts";
import type { DeliveryOutcome, ListOptions, StoredWebhook, WebhookChange, WebhookStore } from "../store.ts";
import { inWriteTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import type { Statements } from "./statements.ts";

export class SqliteWebhookStore implements WebhookStore {
  readonly #s: Statements;
  readonly #box: SecretBox;

  constructor(statements: Statements, box: SecretBox) {
    this.#s = statements;
    this.#box = box;
  }

  async create(webhook: StoredWebhook & { secret: string }, event: NewEvent): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      const project = this.#s.get("SELECT 1 AS x FROM projects WHERE id = ?", webhook.projectId);
      if (project === undefined) throw new NotFoundError(`project ${webhook.projectId} not found`);
      this.#s.run(
        `INSERT INTO webhooks (${WEBHOOK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ...webhookValues(webhook, this.#box),
      );
      writeEvents(this.#s, [event]);
    });
  }

  async get(id: string): Promise<StoredWebhook | null> {
    const row = this.#s.get<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?`, id);
    return row === undefined ? null : toWebhook(row, this.#box);
  }

  async list(options: ListOptions & { projectId?: string | undefined }): Promise<StoredWebhook[]> {
    return this.#s
      .all<WebhookRow>(
        `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE (?1 IS NULL OR project_id = ?1) AND (?2 IS NULL OR id > ?2)
         ORDER BY id LIMIT ?3`,
        options.projectId ?? null,
        options.after ?? null,
        options.limit,
      )
      .map((row) => toWebhook(row, this.#box));
  }

  async enabled(): Promise<StoredWebhook[]> {
    return this.#s
      .all<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE enabled = 1 ORDER BY id`)
      .map((row) => toWebhook(row, this.#box));
  }

  async update(
    id: string,
    change: (before: StoredWebhook) => WebhookChange,
  ): Promise<{ before: StoredWebhook; after: StoredWebhook }> {
    return inWriteTransaction(this.#s.db, () => {
      const row = this.#s.get<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?`, id);
      if (row === undefined) throw new NotFoundError(`webhook ${id} not found`);
      const before = toWebhook(row, this.#box);
      const { webhook: after, event } = change(before);
      this.#s.run(
        `UPDATE webhooks SET ${WEBHOOK_CHANGE_COLUMNS.map((c) => `${c} = ?`).join(", ")} WHERE id = ?`,
        ...webhookChangeValues(after),
        id,
      );
      // Turned back on: the event it stopped at is given its full tries again.
      if (!before.enabled && after.enabled)
        this.#s.run("UPDATE webhooks SET tries = 0, trying_seq = NULL WHERE id = ?", id);
      writeEvents(this.#s, [event]);
      return { before, after };
    });
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

  async beginTry(id: string, owner: string, seq: number, nowMs: number, expiresMs: number) {
    const row = this.#s.get<{ tries: number }>(
      `UPDATE webhooks SET lease_owner = ?1, lease_expires_ms = ?2,
         tries = CASE WHEN trying_seq = ?3 THEN tries + 1 ELSE 1 END, trying_seq = ?3
       WHERE id = ?4 AND enabled = 1 AND (lease_owner IS NULL OR lease_owner = ?1 OR lease_expires_ms <= ?5)
       RETURNING tries`,
      owner,
      expiresMs,
      seq,
      id,
      nowMs,
    );
    return row?.tries ?? null;
  }

  async release(id: string, owner: string): Promise<void> {
    this.#s.run(
      "UPDATE webhooks SET lease_owner = NULL, lease_expires_ms = NULL WHERE id = ? AND lease_owner = ?",
      id,
      owner,
    );
  }

  async recordOutcome(outcome: DeliveryOutcome, owner: string): Promise<boolean> {
    return inWriteTransaction(this.#s.db, () => {
      const moved = this.#s.run(
        `UPDATE webhooks SET cursor = MAX(cursor, ?), consecutive_failures = ?, updated_at = ?,
           enabled = CASE WHEN ? THEN 0 ELSE enabled END,
           disabled_reason = CASE WHEN ? THEN ? ELSE disabled_reason END
         WHERE id = ? AND lease_owner = ?`,
        outcome.cursor,
        outcome.consecutiveFailures,
        outcome.at,
        outcome.disabled === null ? 0 : 1,
        outcome.disabled === null ? 0 : 1,
        outcome.disabled?.reason ?? null,
        outcome.webhookId,
        owner,
      );
      if (Number(moved.changes) === 0) return false;
      for (const d of outcome.attempts) {
        this.#s.run(
          `INSERT INTO webhook_deliveries (${DELIVERY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ...deliveryValues(d),
        );
      }
      if (outcome.disabled !== null) writeEvents(this.#s, [outcome.disabled.event]);
      return true;
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
