import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { generateText, streamText, wrapLanguageModel } from "ai";
import { createClient } from "../client/index.ts";
import { NotFoundError } from "../core/errors.ts";
import type { Engram } from "../engram.ts";
import { type RunningServer, startServer } from "../server/serve.ts";
import { createTestEngram, scriptedModel } from "../test/index.ts";
import { engramMemory } from "./index.ts";

// The middleware against a remote engram: the typed client over a real socket, with an API key, in
// place of an in-process Engram. The app's model stays in the app; the server needs none.
describe("engramMemory through the typed client", () => {
  let engram: Engram;
  let server: RunningServer;
  let key: string;
  let agentId: string;

  before(async () => {
    engram = createTestEngram();
    server = await startServer({ engram, port: 0, auth: true, rateLimit: false });
    key = (await engram.keys.create({ project: "shop", name: "app" }, { createProject: true })).key;
    const project = await engram.projects.get("shop");
    const agent = await engram.agents.create({ name: "support", project: project.id });
    agentId = agent.id;
    await engram.blocks.set(agent.id, "persona", "I am Ledger, the billing assistant of Acme.");
    await engram.memories.add(agent.id, { text: "Ada's contract renews every March", userId: "ada" });
    await engram.memories.add(agent.id, { text: "Bo's contract renews every October", userId: "bo" });
  });
  after(async () => {
    await server.close();
    await engram.close();
  });

  it("brings the blocks and the user's memories into the prompt, and records generate and stream exchanges", async () => {
    const client = createClient({ baseUrl: server.url, apiKey: key });
    const model = scriptedModel([{ text: "In March." }, { text: "Still March." }]);
    const memory = engramMemory({ engram: client, agent: "support", userId: "ada" });
    const wrapped = wrapLanguageModel({ model, middleware: memory });

    const { text } = await generateText({ model: wrapped, prompt: "When does my contract renew?" });
    assert.equal(text, "In March.");
    const prompt = JSON.stringify(model.calls[0]?.prompt);
    assert.match(prompt, /I am Ledger, the billing assistant of Acme\./);
    assert.match(prompt, /Ada's contract renews every March/);
    assert.doesNotMatch(prompt, /October/, "another user's memory stays out");

    const streamed = streamText({ model: wrapped, prompt: "Are you sure?" });
    assert.equal(await streamed.text, "Still March.");
    await memory.flush();
    const stored = (await engram.messages.list(agentId)).items.map((m) => [m.role, m.content, m.userId]);
    assert.deepEqual(stored, [
      ["user", "When does my contract renew?", "ada"],
      ["assistant", "In March.", "ada"],
      ["user", "Are you sure?", "ada"],
      ["assistant", "Still March.", "ada"],
    ]);
  });

  it("refuses an agent the key cannot see before the model is called", async () => {
    const other = await engram.agents.create({ name: "elsewhere" });
    const client = createClient({ baseUrl: server.url, apiKey: key });
    const model = scriptedModel([{ text: "never" }]);
    const wrapped = wrapLanguageModel({
      model,
      middleware: engramMemory({ engram: client, agent: other.id, userId: "ada" }),
    });
    await assert.rejects(generateText({ model: wrapped, prompt: "hi" }), (error: unknown) =>
      NotFoundError.isInstance(error),
    );
    assert.equal(model.calls.length, 0);
  });
});
