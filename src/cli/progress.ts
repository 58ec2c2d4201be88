import type { Writable } from "./context.ts";

/** What long-running work calls as it goes: `done` of `total` steps, in a named phase. */
export type Progress = (done: number, total: number, phase?: string) => void;

const BAR_WIDTH = 30;

/**
 * A progress bar on `stream`, redrawn in place with `\r` and ended by a newline when its phase
 * completes, so each completed phase keeps a line; a phase that reports before the current one is
 * done takes over the same line. Undefined when `stream` is not a terminal, so nothing is written into
 * pipes and logs. It redraws only when the visible percentage changes or a phase ends.
 *
 * @example
 * await runRetrievalBench({ onProgress: progressBar(ctx.io.stderr) });
 * // insert   [#########.....................]  30%  30000/100000
 */
export function progressBar(stream: Writable): Progress | undefined {
  if (stream.isTTY !== true) return undefined;
  let phase: string | undefined;
  let open = false;
  let shown = -1;
  return (done, total, name) => {
    const switched = name !== phase;
    if (switched) {
      phase = name;
      shown = -1;
    }
    const finished = done >= total;
    const percent = total <= 0 ? 100 : Math.min(100, Math.floor((100 * done) / total));
    if (percent === shown && !finished) return;
    shown = percent;
    // An unfinished phase gives way to the next on the same line; erase what is left of it.
    const erase = switched && open ? "\x1b[K" : "";
    stream.write(`\r${progressLine(done, total, name)}${erase}${finished ? "\n" : ""}`);
    open = !finished;
  };
}

/** One frame: `phase [####......]  40%  40/100` (without a phase, the bar alone). */
export function progressLine(done: number, total: number, phase?: string, width = BAR_WIDTH): string {
  const fraction = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(fraction * width);
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const label = phase === undefined ? "" : `${phase.padEnd(8)} `;
  return `${label}${bar} ${percent}  ${done}/${total}`;
}
