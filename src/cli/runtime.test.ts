import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { startFakeChatServer } from "../test/fake-chat-server.ts";
import { type CliSandbox, modelEnv, sandbox, serveInProcess } from "./test-harness.ts";

const APPEND = { name: "memory_append", arguments: JSON.stringify({ label: "human", text: "Likes tea" }) };

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

describe("engram send, chat and context", () => {
  it("send runs a turn: the answer on stdout, memory edits on stderr, the whole turn with --json", async () => {
    const server = await startFakeChatServer([
      { toolCalls: [APPEND] },
      { text: "Noted, you like tea." },
      { text: "You like tea." },
    ]);
    try {
      const env = modelEnv(server.url);
      await s.ok(["agent", "create", "--name", "helper"]);
      const human = await s.cli(["send", "helper", "I like tea"], { env });
      assert.equal(human.code, 0, human.stderr);
      assert.equal(human.stdout, "Noted, you like tea.\n");
      assert.match(human.stderr, /^memory_append human: commit [0-9a-f]{12}\n$/);
      const turn = await s.ok(["send", "helper", "-", "--user", "ada"], { env, stdin: "What do I like?" });
      assert.equal(turn.answer, "You like tea.");
      assert.deepEqual(
        turn.messages.map((m: { role: string; userId: string }) => [m.role, m.userId]),
        [
          ["user", "ada"],
          ["assistant", "ada"],
        ],
      );
      const block = await s.ok(["block", "get", "helper", "human"]);
      assert.equal(block.value, "Likes tea");
    } finally {
      await server.close();
    }
  });

  it("chat reads messages line by line from a pipe and streams each answer", async () => {
    const server = await startFakeChatServer([
      { toolCalls: [APPEND] },
      { text: "Noted." },
      { text: "You like tea." },
    ]);
    try {
      await s.ok(["agent", "create", "--name", "helper"]);
      const chat = await s.cli(["chat", "helper"], {
        env: modelEnv(server.url),
        stdin: "I like tea\n\nWhat do I like?\n/exit\nnever sent\n",
      });
      assert.equal(chat.code, 0, chat.stderr);
      assert.equal(chat.stdout, "Noted.\nYou like tea.\n");
      assert.match(chat.stderr, /\[memory_append \{"label":"human","text":"Likes tea"\}\]/);
      assert.match(chat.stderr, /\[memory: block human changed\]/);
      assert.equal(server.requests.length, 3);
      assert.ok(server.requests.every((r) => r.body.stream === true));
      const log = (await s.ok(["messages", "list", "helper"])).items;
      assert.equal(log.filter((m: { role: string }) => m.role === "user").length, 2);
    } finally {
      await server.close();
    }
  });

  it("chat --json prints every event as a JSON line; a failed turn is reported and the exit code is 1", async () => {
    const server = await startFakeChatServer([{ status: 401, message: "bad key" }, { text: "Fine now." }]);
    try {
      await s.ok(["agent", "create", "--name", "helper"]);
      const chat = await s.cli(["chat", "helper", "--json"], {
        env: { ...modelEnv(server.url) },
        stdin: "first\nsecond\n",
      });
      const lines = chat.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      const types = lines.map((e: { type: string }) => e.type);
      assert.ok(types.includes("error"));
      assert.equal(types.at(-2), "done");
      assert.equal(chat.code, 1);
      assert.deepEqual(lines.at(-1), { error: { code: "unavailable", message: "1 of 2 turns failed" } });
    } finally {
      await server.close();
    }
  });

  it("context shows the sections with token counts, the prompt and the messages", async () => {
    await s.ok(["agent", "create", "--name", "helper", "--instructions", "Be kind."]);
    await s.ok(["messages", "add", "helper", "Hello there"]);
    const text = await s.cli(["context", "helper"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^model \(none configured\), window 8192 tokens/);
    assert.match(text.stdout, /SECTION\s+TOKENS\s+CONTENT/);
    assert.match(text.stdout, /blocks\s+\d+\s+human 0\/5000, persona 0\/5000/);
    assert.match(text.stdout, /--- system ---\n<instructions>\nBe kind\./);
    assert.match(text.stdout, /--- messages ---\n\[user\] Hello there/);
    const json = await s.ok(["context", "helper", "--query", "anything", "--context-window", "32000"]);
    assert.equal(json.budget.contextWindow, 32000);
    assert.equal(json.query, "anything");
  });

  it("without a model, send and chat say how to configure one (exit 1); bad input is refused", async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    const send = await s.cli(["send", "helper", "hi", "--json"]);
    assert.equal(send.code, 1);
    assert.match(send.json().error.message, /^no language model is configured: set ENGRAM_MODEL/);
    const chat = await s.cli(["chat", "helper"], { stdin: "hi\n" });
    assert.equal(chat.code, 1);
    assert.match(chat.stderr, /no language model is configured/);
    const empty = await s.cli(["send", "helper", " ", "--json"], { env: modelEnv("http://127.0.0.1:9/v1") });
    assert.equal(empty.code, 1);
    assert.equal(empty.json().error.message, "invalid message: content: must not be empty");
    const missing = await s.cli(["send", "nobody", "hi"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /agent nobody not found/);
    const responder = await s.cli(["send", "helper", "hi", "--responder", "x"]);
    assert.equal(responder.code, 2);
    assert.match(
      responder.stderr,
      /^engram: --responder must be one of simple, reactive, got "x"\nSee 'engram send --help'/,
    );
    const context = await s.cli(["context", "helper", "--responder", "x"]);
    assert.match(
      context.stderr,
      /^engram: --responder must be one of simple, reactive, got "x"\nSee 'engram context --help'/,
    );
    assert.deepEqual((await s.ok(["messages", "list", "helper"])).items, []);
  });
});

describe("engram serve with an openai-compatible model", () => {
  it("runs turns over real sockets, blocking and streamed, with memory edits committed by the agent", async () => {
    const server = await startFakeChatServer([
      { toolCalls: [APPEND] },
      { text: "Noted, you like tea." },
      { text: "You like tea." },
    ]);
    const engram = serveInProcess(s, { env: modelEnv(server.url) });
    try {
      const url = await engram.url;
      const post = (path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const agent = (await (await post("/v1/agents", { name: "helper" })).json()) as { id: string };
      const blocking = await post(`/v1/agents/${agent.id}/messages`, { content: "I like tea" });
      assert.equal(blocking.status, 201);
      const turn = (await blocking.json()) as { answer: string; edits: { commitId: string }[] };
      assert.equal(turn.answer, "Noted, you like tea.");
      const commits = (await (await fetch(`${url}/v1/agents/${agent.id}/commits?limit=1`)).json()) as {
        items: { id: string; author: string }[];
      };
      assert.equal(commits.items[0]?.author, "agent");
      assert.equal(commits.items[0]?.id, turn.edits[0]?.commitId);

      const streamed = await post(`/v1/agents/${agent.id}/messages`, {
        content: "What do I like?",
        stream: true,
      });
      assert.equal(streamed.status, 200);
      assert.match(streamed.headers.get("content-type") ?? "", /text\/event-stream/);
      const body = await streamed.text();
      const names = [...body.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
      assert.equal(names[0], "start");
      assert.ok(names.filter((n) => n === "text-delta").length >= 3);
      assert.equal(names.at(-1), "done");
      assert.match(body, /"answer":"You like tea\."/);
      assert.ok(server.requests.slice(0, 2).every((r) => r.body.stream === undefined));
      assert.equal(server.requests[2]?.body.stream, true);
    } finally {
      assert.equal(await engram.stop("SIGTERM"), 0);
      await server.close();
    }
  });

  it("a client that goes away mid-stream cancels the turn, which is recorded as cancelled", async () => {
    const server = await startFakeChatServer([{ hang: true }]);
    const engram = serveInProcess(s, { env: modelEnv(server.url) });
    try {
      const url = await engram.url;
      const created = await fetch(`${url}/v1/agents`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "helper" }),
      });
      const agent = (await created.json()) as { id: string };
      const controller = new AbortController();
      const response = await fetch(`${url}/v1/agents/${agent.id}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ content: "Hello?", stream: true }),
        signal: controller.signal,
      });
      const reader = response.body?.getReader();
      const first = new TextDecoder().decode((await reader?.read())?.value);
      assert.match(first, /^event: start/);
      controller.abort();
      let record: { metadata: { error?: { details: { reason: string } } } } | undefined;
      for (let i = 0; i < 200 && record === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        const page = (await (await fetch(`${url}/v1/agents/${agent.id}/messages`)).json()) as {
          items: { metadata: { error?: { details: { reason: string } } } }[];
        };
        record = page.items.find((m) => m.metadata.error !== undefined);
      }
      assert.equal(record?.metadata.error?.details.reason, "cancelled");
    } finally {
      assert.equal(await engram.stop("SIGTERM"), 0);
      await server.close();
    }
  });
});
