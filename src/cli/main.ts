/**
 * The `engram` executable: runs the command line against the real process. The only place that
 * touches process exit and signals; everything else is `run()`, which tests call in-process.
 */
import { run } from "./run.ts";

function shutdown(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

// A reader that stops early (`engram export helper | head`) is not a failure of engram.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  });
}

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  // A getter: touching process.stdin creates the stream, which a command that never reads it should not.
  get stdin() {
    return process.stdin;
  },
  shutdown,
});
