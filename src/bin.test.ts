import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

// bin/engram.js checks the running Node before it loads anything. Each case runs it on this Node with
// `process.versions.node` set to the release being judged, before the bin's first line runs.

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/engram.js");

function engramOn(
  version: string,
  args: readonly string[] = ["--version"],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const pretend = `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"${version}"})`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", pretend, bin, ...args],
      { cwd: root },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as { code?: unknown }).code;
        if (typeof code !== "number") reject(error);
        else resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("the engram bin on the running Node", () => {
  it("states in package.json the releases it accepts", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } };
    assert.equal(pkg.engines.node, "^22.20.0 || >=24.7.0");
  });

  for (const version of ["22.20.0", "22.23.1", "24.7.0", "24.21.0", "25.0.0"]) {
    it(`runs on Node ${version}`, async () => {
      const exit = await engramOn(version);
      assert.equal(exit.code, 0, exit.stderr);
      assert.match(exit.stdout, /^\d+\.\d+\.\d+\n$/);
    });
  }

  for (const version of ["20.19.0", "22.19.0", "23.11.1", "24.6.0"]) {
    it(`refuses Node ${version} in one line that says what is needed`, async () => {
      const exit = await engramOn(version);
      assert.equal(exit.code, 1);
      assert.equal(exit.stdout, "");
      assert.match(
        exit.stderr,
        new RegExp(
          `^engram needs Node\\.js 22\\.20 or newer in the 22 line, or 24\\.7 or newer; this is Node\\.js ${version.replaceAll(".", "\\.")} \\(.+\\)\\n$`,
        ),
      );
    });
  }

  it("refuses a too-old Node as an error object on stdout under --json", async () => {
    const exit = await engramOn("22.19.0", ["agent", "list", "--json"]);
    assert.equal(exit.code, 1);
    assert.equal(exit.stderr, "");
    const { error } = JSON.parse(exit.stdout) as { error: { code: string; message: string } };
    assert.equal(error.code, "unsupported_node");
    assert.match(error.message, /^engram needs Node\.js 22\.20 or newer .* this is Node\.js 22\.19\.0 /);
  });
});
