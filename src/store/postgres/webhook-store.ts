import { ConflictError, NotFoundError } from "../../core/errors.ts";
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
import { writeEvents } from "./event-writer.ts";
import { insertRows } from "./insert-rows.ts";
import type { PgDatabase } from "./pg-database.ts";
import { requireProject } from "./project-store.ts";

/**
 * Webhooks on PostgreSQL. The right to deliver a webhook's events is a lease on its row, taken by
 * one conditional UPDATE, so that of several servers one delivers each webhook at a time.
 */
export class PgWebhookStore implements WebhookStore {
  readonly #db: PgDatabase;
  readonly #box: SecretBox;

  constructor(db: PgDatabase, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  async create(webhook: StoredWebhook & { secret: string }, event: NewEvent): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await requireProject(tx, webhook.projectId);
      const inserted = await insertRows(
        tx,
        `webhooks (${WEBHOOK_COLUMNS})`,
        [webhookValues(webhook, this.#box)],
        "ON CONFLICT DO NOTHING",
      );
      if (inserted === 0) throw new ConflictError(`a webhook with id ${webhook.id} already exists`);
      await writeEvents(tx, [event]);
    });
  }

  async get(id: string): Promise<StoredWebhook | null> {
    const row = await this.#db.get<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1`, [id]);
    return row === undefined ? null : toWebhook(row, this.#box);
  }

  async list(options: ListOptions & { projectId?: string | undefined }): Promise<StoredWebhook[]> {
    const params: unknown[] = [options.after ?? ""];
    const where = ["id > $1"];
    if (options.projectId !== undefined) {
      params.push(options.projectId);
      where.push(`project_id = $${params.length}`);
    }
    params.push(options.limit);
    const rows = await this.#db.all<WebhookRow>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE ${where.join(" AND ")} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => toWebhook(row, this.#box));
  }

  async enabled(): Promise<StoredWebhook[]> {
    const rows = await this.#db.all<WebhookRow>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE enabled = 1 ORDER BY id`,
    );
    return rows.map((row) => toWebhook(row, this.#box));
  }

  async update(
    id: string,
    change: (before: StoredWebhook) => WebhookChange,
  ): Promise<{ before: StoredWebhook; after: StoredWebhook }> {
    return this.#db.transaction(async (tx) => {
      const row = await tx.get<WebhookRow>(
        `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (row === undefined) throw new NotFoundError(`webhook ${id} not found`);
      const before = toWebhook(row, this.#box);
      const { webhook: after, event } = change(before);
      const values = webhookChangeValues(after);
      await tx.run(
        `UPDATE webhooks SET ${WEBHOOK_CHANGE_COLUMNS.map((c, i) => `${c} = $${i + 1}`).join(", ")}
         WHERE id = $${values.length + 1}`,
        [...values, id],
      );
      // Turned back on: the event it stopped at is given its full tries again.
      if (!before.enabled && after.enabled)
        await tx.run("UPDATE webhooks SET tries = 0, trying_seq = NULL WHERE id = $1", [id]);
      await writeEvents(tx, [event]);
      return { before, after };
    });
  }

  async delete(id: string, event: NewEvent): Promise<void> {
    await this.#db.transaction(async (tx) => {
      if ((await tx.run("DELETE FROM webhooks WHERE id = $1", [id])) === 0)
        throw new NotFoundError(`webhook ${id} not found`);
      await writeEvents(tx, [event]);
    });
  }

  async claim(id: string, owner: string, nowMs: number, expiresMs: number): Promise<boolean> {
    const changed = await this.#db.run(
      `UPDATE webhooks SET lease_owner = $1, lease_expires_ms = $2
       WHERE id = $3 AND enabled = 1 AND (lease_owner IS NULL OR lease_owner = $1 OR lease_expires_ms <= $4)`,
      [owner, expiresMs, id, nowMs],
    );
    return changed === 1;
  }

  async beginTry(id: string, owner: string, seq: number, nowMs: number, expiresMs: number) {
    const row = await this.#db.get<{ tries: number }>(
      `UPDATE webhooks SET lease_owner = $1, lease_expires_ms = $2,
         tries = CASE WHEN trying_seq = $3 THEN tries + 1 ELSE 1 END, trying_seq = $3
       WHERE id = $4 AND enabled = 1 AND (lease_owner IS NULL OR lease_owner = $1 OR lease_expires_ms <= $5)
       RETURNING tries`,
      [owner, expiresMs, seq, id, nowMs],
    );
    return row?.tries ?? null;
  }

  async release(id: string, owner: string): Promise<void> {
    await this.#db.run(
      "UPDATE webhooks SET lease_owner = NULL, lease_expires_ms = NULL WHERE id = $1 AND lease_owner = $2",
      [id, owner],
    );
  }

  async recordOutcome(outcome: DeliveryOutcome, owner: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const disabled = outcome.disabled !== null;
      const moved = await tx.run(
        `UPDATE webhooks SET cursor = GREATEST(cursor, $1), consecutive_failures = $2, updated_at = $3,
           enabled = CASE WHEN $4 THEN 0 ELSE enabled END,
           disabled_reason = CASE WHEN $4 THEN $5 ELSE disabled_reason END
         WHERE id = $6 AND lease_owner = $7`,
        [
          outcome.cursor,
          outcome.consecutiveFailures,
          outcome.at,
          disabled,
          outcome.disabled?.reason ?? null,
          outcome.webhookId,
          owner,
        ],
      );
      if (moved === 0) return false;
      await insertRows(tx, `webhook_deliveries (${DELIVERY_COLUMNS})`, outcome.attempts.map(deliveryValues));
      if (outcome.disabled !== null) await writeEvents(tx, [outcome.disabled.event]);
      return true;
    });
  }

  async deliveries(webhookId: string, options: ListOptions): Promise<WebhookDelivery[]> {
    const params: unknown[] = [webhookId];
    let after = "";
    if (options.after !== undefined) {
      params.push(options.after);
      after = "AND id < $2";
    }
    params.push(options.limit);
    const rows = await this.#db.all<DeliveryRow>(
      `SELECT * FROM webhook_deliveries WHERE webhook_id = $1 ${after} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toDelivery);
  }
}
