import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { progressBar, progressLine } from "./progress.ts";

const capture = (isTTY: boolean) => {
  const out = { text: "", isTTY, write: (s: string) => (out.text += s) };
  return out;
};

describe("progressBar", () => {
  it("is absent when the stream is not a terminal", () => {
    assert.equal(progressBar(capture(false)), undefined);
  });

  it("redraws in place when the percentage changes, a line per phase", () => {
    const stream = capture(true);
    const bar = progressBar(stream);
    assert.ok(bar);
    for (let i = 1; i <= 1000; i++) bar(i, 1000, "insert");
    bar(1, 2, "lexical");
    bar(1, 2, "lexical");
    bar(2, 2, "lexical");
    const frames = stream.text.split("\r").slice(1);
    assert.equal(frames.length, 101 + 2, "once per percent from 0%, and once per step of the short phase");
    assert.equal(frames[100], `${progressLine(1000, 1000, "insert")}\n`);
    assert.equal(frames.at(-1), `${progressLine(2, 2, "lexical")}\n`);
  });

  it("lets interleaved phases share a line, each completed phase keeping its own", () => {
    const stream = capture(true);
    const bar = progressBar(stream);
    bar?.(1, 2, "ingest");
    bar?.(1, 4, "query");
    bar?.(2, 2, "ingest");
    bar?.(4, 4, "query");
    assert.equal(
      stream.text,
      [
        `\r${progressLine(1, 2, "ingest")}`,
        `\r${progressLine(1, 4, "query")}\x1b[K`,
        `\r${progressLine(2, 2, "ingest")}\x1b[K\n`,
        `\r${progressLine(4, 4, "query")}\n`,
      ].join(""),
    );
  });
});

describe("progressLine", () => {
  it("shows the phase, a bar, the percentage and the count", () => {
    assert.equal(progressLine(1, 4, "insert", 8), "insert   [##......]  25%  1/4");
    assert.equal(progressLine(4, 4, undefined, 8), "[########] 100%  4/4");
    assert.equal(progressLine(0, 0, undefined, 4), "[####] 100%  0/0");
  });
});
