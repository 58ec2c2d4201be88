import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

/** Lists, at exit, every module the process loaded. */
const PROGRAM = `
import module from "node:module";
const loaded = [];
module.registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
const client = await import(${JSON.stringify(new URL("./index.ts", import.meta.url).href)});
if (typeof client.createClient !== "function") throw new Error("no createClient");
console.log(JSON.stringify(loaded));
`;

test("the client loads no package and no Node built-in: it runs wherever fetch does", () => {
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", PROGRAM], { encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  const loaded = JSON.parse(child.stdout) as string[];
  assert.ok(
    loaded.some((url) => url.endsWith("/src/client/transport.ts")),
    `the recorder saw the client's modules: ${loaded.join(", ")}`,
  );
  assert.deepEqual(
    loaded.filter((url) => url.includes("/node_modules/") || url.startsWith("node:")),
    [],
    "packages or built-ins loaded",
  );
  // Only the client and the dependency-free modules it shares with the library (errors, abort).
  assert.deepEqual(
    loaded.filter((url) => !/\/src\/client\/|\/src\/core\/(errors|abort)\.ts$/.test(url)),
    [],
    "modules outside the client loaded",
  );
});
