/**
 * Runs an `engram bench` command against a throwaway PostgreSQL server with its durability
 * settings on (fsync, synchronous commit, full-page writes, as in production), on this machine's
 * disk: `npm run bench:postgres -- retrieval --n 20000`. The bench gets the server as `--database`;
 * the server is stopped and removed afterwards.
 */
import { spawn } from "node:child_process";
import { MAIN } from "../src/bench/serve-process.ts";
import { startTestPostgres } from "../src/store/postgres/test-server.ts";

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error("usage: npm run bench:postgres -- BENCH [OPTION…]   (e.g. retrieval --n 20000)");
  process.exit(2);
}
const server = await startTestPostgres({ durable: true });
const child = spawn(process.execPath, [MAIN, "bench", ...args, "--database", server.url], {
  stdio: "inherit",
});
const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
await server.stop();
process.exit(code ?? 1);
