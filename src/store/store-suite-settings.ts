import assert from "node:assert/strict";
import { it } from "node:test";
import type { SuiteKit } from "./store-suite-jobs.ts";

/** Settings' and event watchers' part of `runStoreSuite`. */
export function settingsAndWatchCases(kit: SuiteKit): void {
  const { event, withStore, seed } = kit;

  it("settings: absent keys read null; a set replaces the value, text kept exactly, keys apart", async () => {
    await withStore(async (store) => {
      assert.equal(await store.settings.get("embedding.model"), null);
      await store.settings.set("embedding.model", "openai:text-embedding-3-small");
      await store.settings.set("embedding.model", "ollama:nomic-embed-text");
      await store.settings.set("other", "");
      await store.settings.set("üñí", "line one\nline 'two' \"three\" 🙂");
      assert.equal(await store.settings.get("embedding.model"), "ollama:nomic-embed-text");
      assert.equal(await store.settings.get("other"), "");
      assert.equal(await store.settings.get("üñí"), "line one\nline 'two' \"three\" 🙂");
      assert.equal(await store.settings.get("Embedding.model"), null, "keys are case-sensitive");
    });
  });

  it("events: a watcher is called after a write commits, and no more once it unsubscribes", async () => {
    await withStore(async (store) => {
      const { project } = await seed(store);
      let calls = 0;
      let woken: () => void = () => {};
      const unwatch = store.events.watch(() => {
        calls++;
        woken();
      });
      try {
        const called = new Promise<void>((resolve, reject) => {
          woken = resolve;
          setTimeout(() => reject(new Error("the watcher was not called within 5 s")), 5_000).unref();
        });
        await store.projects.update({ ...project, name: "watched" }, event(project.id, "project.updated"));
        await called;
        assert.ok(calls >= 1);
      } finally {
        unwatch();
      }
      const before = calls;
      await store.projects.update({ ...project, name: "unwatched" }, event(project.id, "project.updated"));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(calls, before);
    });
  });
}
