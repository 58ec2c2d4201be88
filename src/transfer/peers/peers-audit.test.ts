import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sandbox } from "../../cli/test-harness.ts";
import { InvalidInputError } from "../../core/errors.ts";
import type { Message } from "../../core/types.ts";
import { testApp } from "../../server/test-support.ts";
import { createTestEngram } from "../../test/index.ts";

/**
 * Files as Letta and Mem0 write them (shapes from letta-ai/letta `letta/schemas/agent_file.py` and
 * `letta/system.py`, letta-ai/agent-file's published agents, mem0ai/mem0's platform API docs and
 * `mem0/memory/main.py`), imported as a user moving to engram would.
 */
function text(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
}

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(text(name));
}

type LettaFile = { agents: { messages: { content: { text: string }[] }[] }[] };

async function messagesOf(
  file: unknown,
): Promise<{ messages: Message[]; notes: string[]; model: string | null }> {
  const engram = createTestEngram();
  const { agent, report } = await engram.transfer.importWithReport(file);
  const messages = (await engram.messages.list(agent.id, { limit: 100 })).items;
  return { messages, notes: report.notes, model: agent.model };
}

describe("Letta messages as Letta stores them", () => {
  it("unwraps what Letta wrapped in JSON; heartbeats and login events are left out, and the notes say so", async () => {
    const { messages, notes } = await messagesOf(fixture("letta-wrapped.af"));
    assert.deepEqual(
      messages.map((m) => [m.role, m.content]),
      [
        ["user", "My tomatoes have yellow leaves at the bottom."],
        ["assistant", '→ lookup_plant {"plant":"tomato","request_heartbeat":true}'],
        [
          "tool",
          '{\n  "status": "Failed",\n  "message": "Error executing function lookup_plant: ConnectionError",\n  "time": "2025-09-01 10:00:07 AM CEST+0200"\n}',
        ],
        ["assistant", "Probably early blight: remove the lower leaves."],
        ["tool", '{"status": "OK", "message": "None"}'],
        [
          "system",
          "Six earlier messages are out of view. In short:\n Ines asked about yellow tomato leaves.",
        ],
        // JSON a user typed is not Letta's wrapping: it stays as it was.
        ["user", '{"looks": "like JSON", "but": "is what the user typed"}'],
      ],
    );
    const [user] = messages;
    assert.equal(user?.name, "ines", "the sender Letta wrapped with the message");
    assert.equal(user?.createdAt, "2025-09-01T08:00:05.250Z");
    assert.deepEqual(user?.metadata.letta, { id: "message-2", wrapped: "user_message" });
    assert.equal(messages.at(-1)?.createdAt, "2025-09-02T07:00:02.000Z", "a time without offset is UTC");
    assert.ok(
      notes.includes("messages: 2 heartbeat or login events (Letta's automated user messages) not imported"),
      notes.join("\n"),
    );
    assert.ok(
      notes.includes(
        "messages: 1 system alert (Letta's summaries of hidden messages, sent as user messages) imported as system messages",
      ),
      notes.join("\n"),
    );
  });

  it("a tool's result names its tool and says whether it failed; a message of calls alone is marked so", async () => {
    const { messages } = await messagesOf(fixture("letta-wrapped.af"));
    const byId = (id: string) => messages.find((m) => (m.metadata.letta as { id?: unknown }).id === id);
    const [lookup, failed, reply, sent] = ["message-3", "message-4", "message-6", "message-7"].map(byId);
    assert.equal(lookup?.metadata.callsOnly, true);
    assert.equal(reply?.metadata.callsOnly, undefined, "send_message's text is the message's own");
    assert.equal(failed?.name, "lookup_plant");
    assert.deepEqual(
      [failed?.metadata.toolCallId, failed?.metadata.toolName, failed?.metadata.isError],
      ["call_lookup", "lookup_plant", true],
    );
    assert.equal(sent?.name, "send_message");
    assert.deepEqual([sent?.metadata.toolName, sent?.metadata.isError], ["send_message", false]);
  });

  it("cuts a message longer than engram keeps, and the notes say so", async () => {
    const file = fixture("letta-wrapped.af") as unknown as LettaFile;
    const part = file.agents[0]?.messages[4]?.content[0];
    assert.ok(part);
    part.text = "x".repeat(150_000);
    const { messages, notes } = await messagesOf(file);
    const cut = messages.find((m) => m.metadata.toolCallId === "call_lookup");
    assert.equal(cut?.content.length, 100_000);
    assert.ok(cut?.content.endsWith("…"));
    assert.ok(
      notes.includes('messages: 1 message longer than 100,000 characters cut to fit, marked with "…"'),
      notes.join("\n"),
    );
  });
});

describe("Letta agent settings engram has not", () => {
  it("names tool rules and tool environment variables in the notes, in both shapes", async () => {
    const { notes } = await messagesOf(fixture("letta-wrapped.af"));
    assert.ok(notes.includes("tool_rules: 2 tool rules not imported (engram has none)"), notes.join("\n"));
    assert.ok(
      notes.includes("tool_exec_environment_variables: 1 not imported: GARDEN_API_KEY"),
      notes.join("\n"),
    );
    const older = fixture("letta-older.af");
    older.tool_rules = [{ tool_name: "send_message", type: "exit_loop" }];
    older.tool_exec_environment_variables = [
      { created_at: "2025-03-10T18:02:36.000000", description: null, key: "WEATHER_API_KEY", value: "" },
    ];
    const { notes: olderNotes } = await messagesOf(older);
    assert.ok(
      olderNotes.includes("tool_rules: 1 tool rule not imported (engram has none)"),
      olderNotes.join("\n"),
    );
    assert.ok(
      olderNotes.includes("tool_exec_environment_variables: 1 not imported: WEATHER_API_KEY"),
      olderNotes.join("\n"),
    );
  });

  it("reads the model of a handle whose provider is the user's own name for it", async () => {
    // A key of the user's own: the handle names the provider as the Letta server does.
    assert.equal((await messagesOf(fixture("letta-wrapped.af"))).model, "openai:gpt-4.1-mini");
    const older = fixture("letta-older.af");
    older.llm_config = {
      model: "claude-3-5-sonnet",
      model_endpoint_type: "anthropic",
      provider_name: "work-anthropic",
      provider_category: "byok",
      handle: "work-anthropic/claude-3-5-sonnet",
    };
    assert.equal((await messagesOf(older)).model, "anthropic:claude-3-5-sonnet");
  });
});

describe("a file encoded twice", () => {
  // letta-ai/agent-file has published agents as a JSON string holding the document.
  const twice = () => JSON.stringify(text("letta-wrapped.af"));

  it("is read, by the library and over HTTP, and the notes say so", async () => {
    const engram = createTestEngram();
    const { agent, report } = await engram.transfer.importWithReport(JSON.parse(twice()));
    assert.equal(agent.name, "juniper");
    assert.equal(report.counts.messages, 7);
    assert.equal(
      report.notes[0],
      "file: the document was a JSON string (encoded twice); the JSON inside it was read",
    );
    const t = testApp();
    const reply = await t.post("/v1/import", twice());
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.body.name, "juniper");
    assert.match(reply.body.report.notes[0], /encoded twice/);
  });

  it("a string holding no document is refused as one", async () => {
    const engram = createTestEngram();
    await assert.rejects(
      engram.transfer.import("agents: juniper"),
      (e: unknown) => e instanceof InvalidInputError && /a JSON string, not a document/.test(e.message),
    );
  });
});

describe("Mem0 exports as Mem0 writes them", () => {
  it("keeps every field it does not map under metadata.mem0 (attributed_to, memory_type, entities …)", async () => {
    const engram = createTestEngram();
    const { agent, report } = await engram.transfer.importWithReport(fixture("mem0-platform-page.json"));
    const memories = (await engram.memories.list(agent.id, { limit: 10 })).items;
    const byText = new Map(memories.map((m) => [m.text, m]));
    const diet = byText.get("Vegetarian and allergic to peanuts");
    assert.deepEqual(diet?.metadata, {
      diet: "vegetarian",
      mem0: {
        id: "6b0f1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
        user_id: "noor",
        app_id: "recipes",
        hash: "3e5c0c7e2f4b4d2a9a1f6e8d7c6b5a49",
        memory_type: "semantic",
        immutable: false,
        owner: "noor",
        organization: "org-kitchen",
        structured_attributes: { day: 25, month: 7, year: 2024, day_of_week: "thursday" },
      },
    });
    assert.equal(diet?.createdAt, "2024-07-26T06:57:00.108Z");
    assert.deepEqual(diet?.tags, ["food", "health"]);
    const trip = byText.get("Is planning a trip to Kyoto in April");
    assert.deepEqual(trip?.metadata.mem0, {
      id: "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
      user_id: "noor",
      hash: "a0b1c2d3e4f5061728394a5b6c7d8e9f",
      attributed_to: "noor",
      entities: [{ id: "entity-1", name: "Kyoto", type: "location" }],
      relations: [{ source: "entity-0", target: "entity-1", relationship: "traveling_to" }],
      expiration_date: "2025-04-30",
    });
    assert.equal(trip?.userId, "noor");
    assert.equal(trip?.validTo, "2025-04-30T00:00:00.000Z");
    assert.deepEqual(report.notes, ["next: the export is one page of several; only this page was imported"]);
  });

  it("says a history of changes is not an export of memories", async () => {
    const engram = createTestEngram();
    const history = [
      {
        id: "5a1b2c3d-0000-4000-8000-000000000001",
        memory_id: "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
        old_memory: null,
        new_memory: "Is planning a trip to Kyoto",
        event: "ADD",
        created_at: "2025-01-10T04:00:00.000000-08:00",
        updated_at: null,
        is_deleted: false,
        actor_id: null,
        role: "user",
      },
    ];
    await assert.rejects(
      engram.transfer.import(history),
      /Mem0's history of a memory .* export them with get_all/,
    );
  });
});

describe("engram import of a Letta file whose agent's name is taken", () => {
  it("with --new-ids says which name the copy took", async () => {
    const s = sandbox();
    try {
      const path = join(s.dir, "juniper.af");
      writeFileSync(path, text("letta-wrapped.af"));
      assert.equal((await s.cli(["import", path])).code, 0);
      const copy = await s.cli(["import", path, "--new-ids"]);
      assert.equal(copy.code, 0, copy.stderr);
      assert.match(copy.stdout, /imported as "juniper-2": an agent named "juniper" already exists/);
    } finally {
      s.cleanup();
    }
  });
});
