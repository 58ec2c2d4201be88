import assert from "node:assert/strict";
import { it } from "node:test";
import type { SuiteKit } from "./store-suite-jobs.ts";

/** Settings' part of `runStoreSuite`. */
export function settingsCases(kit: SuiteKit): void {
  const { withStore } = kit;

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

  it("settings: set replaces a value; list returns every setting by key", async () => {
    await withStore(async (store) => {
      const before = await store.settings.list();
      assert.equal(await store.settings.get("suite.b"), null);
      await store.settings.set("suite.b", "1");
      await store.settings.set("suite.a", "x");
      await store.settings.set("suite.b", "2");
      assert.equal(await store.settings.get("suite.b"), "2");
      const added = (await store.settings.list()).filter(({ key }) => !before.some((b) => b.key === key));
      assert.deepEqual(added, [
        { key: "suite.a", value: "x" },
        { key: "suite.b", value: "2" },
      ]);
    });
  });
}
