import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";
import { createTestEngram, scriptedModel } from "../test/index.ts";
import { type ClosedRequest, describeClosedRequest } from "./client-close.ts";
import { startServer } from "./serve.ts";

/** A server over a model that never answers, recording what it reports. */
async function serveRecording() {
  const model = scriptedModel([{ hang: true }]);
  const engram = createTestEngram({ model, env: {} });
  const agent = await engram.agents.create({ name: "a" });
  const internal: unknown[] = [];
  const closed: ClosedRequest[] = [];
  const server = await startServer({
    engram,
    port: 0,
    onInternalError: (error) => internal.push(error),
    onClientClose: (request) => closed.push(request),
  });
  return {
    model,
    agent,
    internal,
    closed,
    port: server.port,
    async stop() {
      await server.close();
      await engram.close();
    },
  };
}

/** Sends `head` (and what follows it) on a raw socket, then destroys the socket when `cut` says so. */
function sendAndCut(port: number, text: string, cut: "after-write" | "after-first-bytes"): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = "";
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(text);
      if (cut === "after-write") setTimeout(() => socket.destroy(), 50);
    });
    socket.on("data", (chunk) => {
      received += String(chunk);
      if (cut === "after-first-bytes") socket.destroy();
    });
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("a client that closes its connection", () => {
  it("mid-body is logged as the client's close, not as an internal error", async () => {
    const s = await serveRecording();
    try {
      const head =
        "POST /v1/agents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
      await sendAndCut(s.port, `${head}{"name":`, "after-write");
      await until(() => s.closed.length > 0);
      assert.deepEqual(
        s.closed.map((c) => `${c.method} ${c.path}`),
        ["POST /v1/agents"],
      );
      assert.deepEqual(s.internal, []);
      assert.match(
        describeClosedRequest(s.closed[0] as ClosedRequest),
        /^client closed the connection before the response was complete: POST \/v1\/agents \(after \d+ ms\)$/,
      );
    } finally {
      await s.stop();
    }
  });

  it("during a stream is logged as the client's close, and cancels the turn", async () => {
    const s = await serveRecording();
    try {
      const body = JSON.stringify({ content: "hi", stream: true });
      const path = `/v1/agents/${s.agent.id}/messages`;
      const request = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      const received = await sendAndCut(s.port, request, "after-first-bytes");
      assert.match(received, /^HTTP\/1\.1 200 OK/);
      await until(() => s.closed.length > 0);
      assert.deepEqual(
        s.closed.map((c) => `${c.method} ${c.path}`),
        [`POST ${path}`],
      );
      assert.equal(s.model.calls[0]?.abortSignal?.aborted, true, "the model call was cancelled");
      assert.deepEqual(s.internal, []);
    } finally {
      await s.stop();
    }
  });

  it("is the only close reported: answered requests are not", async () => {
    const s = await serveRecording();
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/v1/agents`, { method: "POST", body: "{" });
      assert.equal(res.status, 415);
      await res.text();
      const ok = await fetch(`http://127.0.0.1:${s.port}/health`);
      assert.equal(ok.status, 200);
      await ok.text();
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(s.closed, []);
      assert.deepEqual(s.internal, []);
    } finally {
      await s.stop();
    }
  });
});
