import assert from "node:assert/strict";
import { createEngram, type Engram } from "../engram.ts";
import { type AppOptions, createApp } from "./app.ts";

/** What a test sees of a response: status, parsed JSON (null when empty) and headers. */
export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON fields.
  body: any;
  headers: Headers;
}

/** An app over a fresh in-memory engram, with a JSON client for it. Used by the server's tests. */
export function testApp(options: Omit<AppOptions, "engram"> & { engram?: Engram } = {}) {
  const engram = options.engram ?? createEngram({ path: ":memory:" });
  const internalErrors: unknown[] = [];
  const app = createApp({ onInternalError: (error) => internalErrors.push(error), ...options, engram });

  async function send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      init.headers = { "content-type": "application/json", ...headers };
    }
    const res = await app.request(path, init);
    const text = await res.text();
    return { status: res.status, body: text === "" ? null : JSON.parse(text), headers: res.headers };
  }

  return {
    engram,
    app,
    internalErrors,
    get: (path: string, headers?: Record<string, string>) => send("GET", path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      send("POST", path, body, headers),
    put: (path: string, body?: unknown, headers?: Record<string, string>) => send("PUT", path, body, headers),
    patch: (path: string, body?: unknown, headers?: Record<string, string>) =>
      send("PATCH", path, body, headers),
    del: (path: string, headers?: Record<string, string>) => send("DELETE", path, undefined, headers),
    send,
    /** Creates an agent through the API and returns it. */
    async agent(body: Record<string, unknown> = { name: "helper" }) {
      const reply = await send("POST", "/v1/agents", body);
      if (reply.status !== 201) throw new Error(`creating an agent failed: ${JSON.stringify(reply.body)}`);
      return reply.body as { id: string; name: string; projectId: string };
    },
    /**
     * Everything a failed write must leave as it was: log, blocks, branches, events, memories,
     * messages, episodes, experience records and insights.
     */
    async state(agentId: string) {
      const [log, blocks, branches, events, memories, messages, episodes, experience, insights] =
        await Promise.all([
          send("GET", `/v1/agents/${agentId}/commits?limit=500`),
          send("GET", `/v1/agents/${agentId}/blocks`),
          send("GET", `/v1/agents/${agentId}/branches`),
          send("GET", `/v1/agents/${agentId}/events?limit=500`),
          send("GET", `/v1/agents/${agentId}/memories?limit=500`),
          send("GET", `/v1/agents/${agentId}/messages?limit=500`),
          send("GET", `/v1/agents/${agentId}/episodes?limit=500`),
          send("GET", `/v1/agents/${agentId}/experience`),
          send("GET", `/v1/agents/${agentId}/insights`),
        ]);
      return {
        log: log.body,
        blocks: blocks.body,
        branches: branches.body,
        events: events.body,
        memories: memories.body,
        messages: messages.body,
        episodes: episodes.body,
        experience: experience.body,
        insights: insights.body,
      };
    },
  };
}

export type TestApp = ReturnType<typeof testApp>;

/** Runs a bad request against an agent, and checks the error and that the agent is unchanged. */
export async function refuses(
  t: TestApp,
  agentId: string,
  request: () => Promise<{ status: number; body: { error: { code: string; message: string } } }>,
  expected: { status: number; code: string; message?: RegExp },
): Promise<void> {
  const before = await t.state(agentId);
  const reply = await request();
  assert.equal(reply.status, expected.status, JSON.stringify(reply.body));
  assert.deepEqual(Object.keys(reply.body), ["error"]);
  assert.equal(reply.body.error.code, expected.code);
  assert.equal(typeof reply.body.error.message, "string");
  if (expected.message !== undefined) assert.match(reply.body.error.message, expected.message);
  assert.deepEqual(await t.state(agentId), before);
}

/** What `readModifyWrite` saw. */
export interface Outcome {
  conflicts: number;
}

/**
 * Reads a value with its version, computes the new one, writes it naming the version read, and on
 * 409 starts over: the client side of optimistic concurrency. Resolves with the successful write's
 * response body.
 */
export async function readModifyWrite(
  read: () => Promise<{ value: string; version: string }>,
  write: (value: string, version: string) => Promise<Response>,
  change: (value: string) => string,
  outcome: Outcome,
): Promise<string> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const { value, version } = await read();
    const res = await write(change(value), version);
    const text = await res.text();
    if (res.status === 409) {
      outcome.conflicts++;
      continue;
    }
    assert.ok(res.ok, `${res.status} ${text}`);
    return text;
  }
  assert.fail("gave up after 1000 conflicts");
}

/** Server-sent events of a response body: their names and parsed data. */
export async function sseEvents(response: Response) {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice(6))
        .join("\n");
      return { event, data: JSON.parse(data) };
    });
}
