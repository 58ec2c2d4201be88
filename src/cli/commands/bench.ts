import { type Command, defineCommand, intOption } from "../command.ts";

const store = defineCommand({
  name: "bench store",
  summary: "Benchmark the store: commits, reads, log, diff, export",
  args: [],
  options: {
    commits: { type: "string", arg: "N", help: "commits written before measuring (default 10000)" },
    samples: { type: "string", arg: "N", help: "commits measured; twice as many reads (default 1000)" },
  },
  details: "Runs on its own throwaway database; --db is ignored.",
  async run({ options }, ctx) {
    const commits = intOption(options.commits, "commits", "bench store");
    const samples = intOption(options.samples, "samples", "bench store");
    const { runStoreBench, formatStoreBench } = await import("../../bench/store-bench.ts");
    const stderr = ctx.io.stderr;
    const showProgress = stderr.isTTY === true;
    const result = await runStoreBench({
      commits,
      samples,
      onProgress: showProgress
        ? (done, total) => stderr.write(`\r${done}/${total}${done === total ? "\n" : ""}`)
        : undefined,
    });
    return { data: result, text: formatStoreBench(result) };
  },
});

/** `engram bench …` */
export const benchCommands: readonly Command[] = [store];
