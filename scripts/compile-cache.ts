/**
 * Preloaded by `npm test` (`node --import`): turns on Node's module compile cache for the test runner
 * and, through NODE_COMPILE_CACHE, for every process it starts (each test file, and the CLI and
 * servers the tests run), so that each loads engram's modules without stripping and compiling them
 * again. The cache is keyed by each file's contents: an edit is never served stale.
 */
import module from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), "node-compile-cache");
module.enableCompileCache?.();
