import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { startFakeChatServer } from "../test/fake-chat-server.ts";
import { type CliSandbox, sandbox } from "./test-harness.ts";

const APPEND = { name: "memory_append", arguments: JSON.stringify({ label: "human", text: "Likes tea" }) };

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

describe("engram feedback, and /good and /bad in chat", () => {
  it("rates turns from chat and from the command line, once per turn", async () => {
    const server = await startFakeChatServer([
      { toolCalls: [APPEND] },
      { text: "Noted." },
      { text: "You like tea." },
      { text: "Hello." },
    ]);
    const env = { ENGRAM_MODEL: "openai-compatible:test-chat", OPENAI_COMPATIBLE_BASE_URL: server.url };
    try {
      await s.ok(["agent", "create", "--name", "helper"]);
      const chat = await s.cli(["chat", "helper"], {
        env,
        stdin: "/good too early\nI like tea\n/bad do not store that\nWhat do I like?\n/good\n/good again\n",
      });
      // Rating before any answer, and rating one turn twice, are refused; the chat goes on.
      assert.equal(chat.code, 1, chat.stderr);
      assert.match(chat.stderr, /no answer to rate yet/);
      assert.match(chat.stderr, /\[feedback on turn trn_\w+: tool:memory_append rewarded -1/);
      assert.match(chat.stderr, /\[feedback on turn trn_\w+: answer rewarded 1/);
      assert.match(chat.stderr, /already has feedback/);
      const episodes = (await s.ok(["episode", "list", "helper"])).items;
      assert.equal(episodes.length, 2);

      const sent = await s.ok(["send", "helper", "hi"], { env });
      const rated = await s.ok(["feedback", "helper", "last", "--reward=-0.5", "--comment", "too curt"]);
      assert.equal(rated.turnId, sent.turnId);
      assert.equal(rated.action, "answer");
      assert.equal(rated.episode.metadata.comment, "too curt");
      const again = await s.cli(["feedback", "helper", sent.turnId, "--reward", "1", "--json"]);
      assert.notEqual(again.code, 0);
      assert.equal(JSON.parse(again.stdout).error.code, "conflict");
      const bad = await s.cli(["feedback", "helper", "last", "--reward", "5"]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /reward: must be at most 1/);
      const missing = await s.cli(["feedback", "helper", "trn_00000000000000000000000000", "--reward", "1"]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /turn trn_0+ not found/);
      assert.equal((await s.ok(["episode", "list", "helper"])).items.length, 3);
    } finally {
      await server.close();
    }
  });
});
