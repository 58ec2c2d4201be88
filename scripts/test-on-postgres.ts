/**
 * Runs test files against a throwaway PostgreSQL server: `npm run test:postgres -- FILE…`.
 * `createTestEngram()` in those files opens a fresh schema on it (`ENGRAM_TEST_DATABASE_URL`).
 * Extra `node --test` flags (e.g. `--test-name-pattern=…`) pass through.
 */
import { spawn } from "node:child_process";
import { startTestPostgres } from "../src/store/postgres/test-server.ts";

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error("usage: npm run test:postgres -- FILE… [--test-name-pattern=…]");
  process.exit(2);
}
const server = await startTestPostgres();
const { NODE_TEST_CONTEXT: _, ...env } = process.env;
const child = spawn(process.execPath, ["--test", "--test-reporter=spec", ...args], {
  env: { ...env, ENGRAM_TEST_DATABASE_URL: server.url },
  stdio: "inherit",
});
const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
await server.stop();
process.exit(code ?? 1);
