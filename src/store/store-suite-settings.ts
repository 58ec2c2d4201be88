import assert from "node:assert/strict";
import { it } from "node:test";
import type { SuiteKit } from "./store-suite-jobs.ts";

/** Settings' part of `runStoreSuite`: a key/value table that is read, replaced and listed. */
export function settingsCases(kit: SuiteKit): void {
  const { withStore } = kit;

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
