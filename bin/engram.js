#!/usr/bin/env node
// The `engram` executable. Written in plain JavaScript that any Node.js parses, so that a Node too old
// to run engram gets one line saying what is needed rather than a stack trace.
//
// Installed from the registry (under node_modules), it runs the JavaScript built into dist/, since Node
// strips no types under node_modules. From a checkout it runs the TypeScript sources directly with
// Node's type stripping, so an edit is live without a build.
import { existsSync } from "node:fs";
import module from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The Node.js releases the built package runs on (package.json's `engines`): node:sqlite with FTS5,
 * extension loading (sqlite-vec) and `?NNN` parameters bound by position came together in 22.20 and
 * 24.7; no 23.x has all three.
 */
const SUPPORTED = "22.20 or newer in the 22 line, or 24.7 or newer";

/** Refuses to run in one line: on stderr, or as the CLI's `{"error":…}` on stdout under `--json`. */
function refuse(code, message) {
  const args = process.argv.slice(2);
  const end = args.indexOf("--");
  if ((end === -1 ? args : args.slice(0, end)).includes("--json"))
    process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  else process.stderr.write(`${message}\n`);
  process.exit(1);
}

const [major, minor] = process.versions.node.split(".").map(Number);
const supported = major === 22 ? minor >= 20 : major > 24 || (major === 24 && minor >= 7);
if (!supported)
  refuse(
    "unsupported_node",
    `engram needs Node.js ${SUPPORTED}; this is Node.js ${process.versions.node} (${process.execPath})`,
  );

// Node calls node:sqlite experimental up to 24.x and says so on every run: noise in a CLI's output.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  if (String(warning?.message ?? warning).startsWith("SQLite is an experimental feature")) return;
  return emitWarning.call(this, warning, ...rest);
};

// Compiled modules are cached on disk between runs: most of a short command's time is loading code.
// The cache lives in NODE_COMPILE_CACHE when set, else in the system's temporary directory
// (module.getCompileCacheDir() names it); NODE_DISABLE_COMPILE_CACHE=1 turns it off. Set in the
// environment, so the Node processes engram starts (the workers of `serve --workers N`) use it too.
process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), "node-compile-cache");
module.enableCompileCache?.();

const here = fileURLToPath(new URL(".", import.meta.url));
const sources = new URL("../src/cli/main.ts", import.meta.url);
const built = new URL("../dist/cli/main.js", import.meta.url);
const checkout = !/[\\/]node_modules[\\/]/.test(here) && existsSync(sources) && process.features.typescript;

if (checkout) await import(sources.href);
else if (existsSync(built)) await import(built.href);
else
  refuse(
    "not_built",
    `engram is not built: ${fileURLToPath(built)} is missing (run "npm run build" in ${fileURLToPath(new URL("..", import.meta.url))})`,
  );
