import assert from "node:assert/strict";
import { test } from "node:test";
import { sseData } from "./sse.ts";

function streamOf(chunks: readonly (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks)
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function all(chunks: readonly (string | Uint8Array)[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const data of sseData(streamOf(chunks))) out.push(data);
  return out;
}

test("events split anywhere across chunks, CRLF or LF, come out whole and in order", async () => {
  const text =
    'event: start\nid: 0\ndata: {"type":"start","n":"é"}\n\nevent: done\ndata: {"type":"done"}\n\n';
  const expected = [{ type: "start", n: "é" }, { type: "done" }];
  // Cut between bytes, so also inside the two bytes of "é".
  const bytes = new TextEncoder().encode(text);
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepEqual(await all([bytes.slice(0, cut), bytes.slice(cut)]), expected, `cut at byte ${cut}`);
  }
  assert.deepEqual(await all([text.replaceAll("\n", "\r\n")]), expected);
  // Multi-line data is joined with newlines; an event without data (a comment, a keep-alive) is skipped.
  assert.deepEqual(await all([": keep-alive\n\ndata: [1,\ndata: 2]\n"]), [[1, 2]]);
});
