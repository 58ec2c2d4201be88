import assert from "node:assert/strict";
import { it } from "node:test";
import { NotFoundError } from "../core/errors.ts";
import type { WebhookDelivery } from "../core/webhook-types.ts";
import type { StoredWebhook } from "./store.ts";
import type { SuiteKit } from "./store-suite-jobs.ts";

/** Webhooks' part of `runStoreSuite`: storage, delivery claims and the delivery log. */
export function webhookCases(kit: SuiteKit): void {
  const { id, at, event, withStore, seed } = kit;

  const webhook = (
    projectId: string,
    fields: Partial<StoredWebhook> & { secret?: string } = {},
  ): StoredWebhook & { secret: string } => ({
    id: id("whk"),
    projectId,
    url: "http://127.0.0.1:9/hook",
    events: ["memory.*"],
    secret: "whsec_0123456789abcdef",
    secretPreview: "whsec_0123…",
    enabled: true,
    disabledReason: null,
    consecutiveFailures: 0,
    cursor: 0,
    createdAt: at(1),
    updatedAt: at(1),
    ...fields,
  });
  const delivery = (webhookId: string, eventSeq: number, attempt: number, ok: boolean): WebhookDelivery => ({
    id: id("dlv"),
    webhookId,
    eventSeq,
    eventId: `evt_${eventSeq}`,
    eventKind: "memory.created",
    attempt,
    status: ok ? 200 : null,
    ok,
    error: ok ? null : "connection refused",
    durationMs: 3,
    createdAt: at(eventSeq),
  });

  it("webhooks: stores them by project, pages them, lists the enabled ones and deletes them", async () => {
    await withStore(async (store) => {
      const { project } = await seed(store);
      const a = webhook(project.id);
      const b = webhook(project.id, { enabled: false, disabledReason: "failing" });
      await store.webhooks.create(a, event(project.id, "webhook.created"));
      await store.webhooks.create(b, event(project.id, "webhook.created"));
      await assert.rejects(
        store.webhooks.create(webhook(id("prj")), event(project.id, "webhook.created")),
        NotFoundError,
      );
      assert.deepEqual(await store.webhooks.get(a.id), a);
      assert.equal(await store.webhooks.get(id("whk")), null);
      const page = await store.webhooks.list({ projectId: project.id, limit: 1 });
      assert.deepEqual(page, [a]);
      assert.deepEqual(await store.webhooks.list({ projectId: project.id, after: a.id, limit: 10 }), [b]);
      assert.deepEqual(await store.webhooks.list({ projectId: id("prj"), limit: 10 }), []);
      assert.deepEqual(
        (await store.webhooks.enabled()).map((w) => w.id),
        [a.id],
      );
      await store.webhooks.delete(a.id, event(project.id, "webhook.deleted"));
      assert.equal(await store.webhooks.get(a.id), null);
      await assert.rejects(store.webhooks.delete(a.id, event(project.id, "x")), NotFoundError);
      const kinds = (await store.events.list({ projectId: project.id, limit: 10 })).map((e) => e.kind);
      assert.deepEqual(kinds.slice(-3), ["webhook.created", "webhook.created", "webhook.deleted"]);
      await store.projects.delete(project.id, event(project.id, "project.deleted"));
      assert.equal(await store.webhooks.get(b.id), null);
    });
  });

  it("webhooks: one owner holds the claim until it lapses or is released; disabled ones are never claimed", async () => {
    await withStore(async (store) => {
      const { project } = await seed(store);
      const hook = webhook(project.id);
      await store.webhooks.create(hook, event(project.id, "webhook.created"));
      assert.equal(await store.webhooks.claim(hook.id, "eng_a", 0, 1_000), true);
      assert.equal(await store.webhooks.claim(hook.id, "eng_b", 999, 2_000), false);
      assert.equal(await store.webhooks.claim(hook.id, "eng_a", 999, 3_000), true, "the owner renews");
      assert.equal(await store.webhooks.claim(hook.id, "eng_b", 2_999, 4_000), false);
      assert.equal(await store.webhooks.claim(hook.id, "eng_b", 3_000, 4_000), true, "lapsed: taken over");
      await store.webhooks.release(hook.id, "eng_a");
      assert.equal(
        await store.webhooks.claim(hook.id, "eng_a", 3_001, 5_000),
        false,
        "not the owner's to release",
      );
      await store.webhooks.release(hook.id, "eng_b");
      assert.equal(await store.webhooks.claim(hook.id, "eng_a", 3_001, 5_000), true);
      const off = webhook(project.id, { enabled: false });
      await store.webhooks.create(off, event(project.id, "webhook.created"));
      assert.equal(await store.webhooks.claim(off.id, "eng_a", 0, 1_000), false);
      assert.equal(await store.webhooks.claim(id("whk"), "eng_a", 0, 1_000), false);
    });
  });

  it("webhooks: a try begun claims the webhook and is counted on its event, whoever began the earlier ones", async () => {
    await withStore(async (store) => {
      const { project } = await seed(store);
      const hook = webhook(project.id);
      await store.webhooks.create(hook, event(project.id, "webhook.created"));
      assert.equal(await store.webhooks.beginTry(hook.id, "eng_a", 5, 0, 1_000), 1);
      assert.equal(await store.webhooks.beginTry(hook.id, "eng_a", 5, 10, 1_000), 2);
      assert.equal(await store.webhooks.beginTry(hook.id, "eng_b", 5, 999, 2_000), null, "a's claim holds");
      assert.equal(await store.webhooks.beginTry(hook.id, "eng_b", 5, 1_000, 2_000), 3, "a's tries count");
      assert.equal(await store.webhooks.claim(hook.id, "eng_a", 1_999, 3_000), false, "b holds it now");
      assert.equal(await store.webhooks.beginTry(hook.id, "eng_b", 6, 1_001, 2_000), 1, "the next event");
      const off = webhook(project.id, { enabled: false });
      await store.webhooks.create(off, event(project.id, "webhook.created"));
      assert.equal(await store.webhooks.beginTry(off.id, "eng_a", 5, 0, 1_000), null);
      assert.equal(await store.webhooks.beginTry(id("whk"), "eng_a", 5, 0, 1_000), null);
    });
  });

  it("webhooks: turned back on, the event it stopped at is given its full tries again", async () => {
    await withStore(async (store) => {
      const { project } = await seed(store);
      const hook = webhook(project.id);
      await store.webhooks.create(hook, event(project.id, "webhook.created"));
      const turn = (enabled: boolean) =>
        store.webhooks.update(hook.id, (before) => ({
          webhook: { ...before, enabled },
          event: event(project.id, "webhook.updated"),
        }));
      assert.equal(await store.webhooks.beginTry(hook.id, "eng_a", 5, 0, 1_000), 1);
      assert.equal(await store.webhooks.beginTry(hook.id, "eng_a", 5, 10, 1_000), 2);
      await turn(true);
      assert.equal(
        await store.webhooks.beginTry(hook.id, "eng_a", 5, 20, 1_000),
        3,
        "left on: still counted",
      );
      await turn(false);
      await turn(true);
      assert.equal(await store.webhooks.beginTry(hook.id, "eng_a", 5, 30, 1_000), 1, "counted afresh");
    });
  });

  it("webhooks: an outcome is recorded only by the owner that holds the claim", async () => {
    await withStore(async (store) => {
      const { project } = await seed(store);
      const hook = webhook(project.id);
      await store.webhooks.create(hook, event(project.id, "webhook.created"));
      const outcome = (seq: number) => ({
        webhookId: hook.id,
        attempts: [delivery(hook.id, seq, 1, true)],
        cursor: seq,
        consecutiveFailures: 0,
        disabled: null,
        at: at(seq),
      });
      assert.equal(await store.webhooks.recordOutcome(outcome(5), "eng_a"), false, "no one holds it");
      assert.ok(await store.webhooks.claim(hook.id, "eng_a", 0, 1_000));
      assert.equal(await store.webhooks.recordOutcome(outcome(5), "eng_a"), true);
      // a's lease lapses and b takes the webhook: a's outcome of a try begun before is not recorded.
      assert.ok(await store.webhooks.claim(hook.id, "eng_b", 1_000, 2_000));
      assert.equal(await store.webhooks.recordOutcome(outcome(8), "eng_a"), false);
      const stored = await store.webhooks.get(hook.id);
      assert.equal(stored?.cursor, 5);
      const log = await store.webhooks.deliveries(hook.id, { limit: 10 });
      assert.deepEqual(
        log.map((d) => d.eventSeq),
        [5],
      );
    });
  });

  it("webhooks: an outcome logs its attempts and moves the cursor on, never back; disabling writes its event", async () => {
    await withStore(async (store) => {
      const { project } = await seed(store);
      const hook = webhook(project.id);
      await store.webhooks.create(hook, event(project.id, "webhook.created"));
      assert.ok(await store.webhooks.claim(hook.id, "eng_a", 0, 1_000));
      const first = [delivery(hook.id, 5, 1, false), delivery(hook.id, 5, 2, true)];
      await store.webhooks.recordOutcome(
        {
          webhookId: hook.id,
          attempts: first,
          cursor: 5,
          consecutiveFailures: 0,
          disabled: null,
          at: at(6),
        },
        "eng_a",
      );
      let stored = await store.webhooks.get(hook.id);
      assert.equal(stored?.cursor, 5);
      assert.equal(stored?.updatedAt, at(6));
      // A stale outcome (a server that lost its claim) does not move the cursor back.
      await store.webhooks.recordOutcome(
        {
          webhookId: hook.id,
          attempts: [],
          cursor: 3,
          consecutiveFailures: 2,
          disabled: null,
          at: at(7),
        },
        "eng_a",
      );
      stored = await store.webhooks.get(hook.id);
      assert.equal(stored?.cursor, 5);
      assert.equal(stored?.consecutiveFailures, 2);
      const failed = delivery(hook.id, 8, 1, false);
      const reason = "disabled after 3 events in a row could not be delivered";
      await store.webhooks.recordOutcome(
        {
          webhookId: hook.id,
          attempts: [failed],
          cursor: 8,
          consecutiveFailures: 3,
          disabled: { reason, event: event(project.id, "webhook.disabled") },
          at: at(9),
        },
        "eng_a",
      );
      stored = await store.webhooks.get(hook.id);
      assert.deepEqual(
        [stored?.enabled, stored?.disabledReason, stored?.cursor, stored?.consecutiveFailures],
        [false, reason, 8, 3],
      );
      assert.equal(await store.webhooks.claim(hook.id, "eng_a", 0, 1_000), false);
      const kinds = (await store.events.list({ projectId: project.id, limit: 10 })).map((e) => e.kind);
      assert.equal(kinds.at(-1), "webhook.disabled");

      // The log pages newest first (by id), `after` being the last id of the previous page.
      const log = await store.webhooks.deliveries(hook.id, { limit: 2 });
      assert.deepEqual(log, [failed, first[1]]);
      assert.deepEqual(await store.webhooks.deliveries(hook.id, { after: first[1]?.id, limit: 10 }), [
        first[0],
      ]);
      assert.deepEqual(await store.webhooks.deliveries(id("whk"), { limit: 10 }), []);
      await store.webhooks.delete(hook.id, event(project.id, "webhook.deleted"));
      assert.deepEqual(await store.webhooks.deliveries(hook.id, { limit: 10 }), [], "the log goes with it");
    });
  });

  it("webhooks: a change writes its url, kinds, state and cursor with its event, or nothing", async () => {
    await withStore(async (store) => {
      const { project } = await seed(store);
      const hook = webhook(project.id, {
        enabled: false,
        disabledReason: "failing",
        consecutiveFailures: 5,
        cursor: 8,
      });
      await store.webhooks.create(hook, event(project.id, "webhook.created"));
      const wanted: StoredWebhook = {
        ...hook,
        url: "https://hooks.example.com/new",
        events: ["*"],
        enabled: true,
        disabledReason: null,
        consecutiveFailures: 0,
        cursor: 12,
        updatedAt: at(20),
      };
      const { before, after } = await store.webhooks.update(hook.id, () => ({
        // The secret and creation time are not changed by an update, whatever `change` says.
        webhook: { ...wanted, secret: "whsec_something_else_entirely", createdAt: at(19) },
        event: event(project.id, "webhook.updated"),
      }));
      assert.deepEqual(before, hook);
      const stored = await store.webhooks.get(hook.id);
      assert.deepEqual(stored, wanted);
      assert.equal(after.url, stored?.url);
      assert.deepEqual(
        (await store.webhooks.enabled()).map((w) => w.id),
        [hook.id],
      );
      const kinds = (await store.events.list({ projectId: project.id, limit: 10 })).map((e) => e.kind);
      assert.equal(kinds.at(-1), "webhook.updated");
      // A change that throws writes nothing; an unknown webhook is not found.
      await assert.rejects(
        store.webhooks.update(hook.id, () => {
          throw new Error("refused");
        }),
        /refused/,
      );
      assert.deepEqual(await store.webhooks.get(hook.id), stored);
      await assert.rejects(
        store.webhooks.update(id("whk"), (current) => ({ webhook: current, event: event(project.id, "x") })),
        NotFoundError,
      );
    });
  });
}
