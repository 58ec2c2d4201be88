import assert from "node:assert/strict";
import type { Engram } from "../engram.ts";

/** What a database holds for a webhook's secret and an MCP server's configuration, read around engram. */
export interface RawSecrets {
  webhookSecret(id: string): Promise<string>;
  mcpConfig(agentId: string, name: string): Promise<string>;
}

const KEY = "7f".repeat(32);
const OTHER_KEY = Buffer.alloc(32, 9).toString("base64");

/**
 * A test of secrets at rest on one database: `open(key)` opens an engine on it with that secret key
 * (undefined: none), `raw` reads its rows directly. Secrets written with a key are sealed in the
 * rows and read back whole; an engine without the key, or with another, refuses them in words (a
 * webhook's as a null secret with the reason, an MCP server's as an error); one written before the
 * key was set still reads.
 */
export async function checkSecretsAtRest(
  open: (key: string | undefined) => Engram,
  raw: RawSecrets,
): Promise<void> {
  // Written before any key: stored as given, and still read once a key is set.
  const plain = open(undefined);
  const agent = await plain.agents.create({ name: "a" });
  const before = await plain.webhooks.create({
    url: "http://127.0.0.1:9/hook",
    events: ["memory.*"],
    secret: "before-the-key-0123456789",
  });
  await plain.close();
  assert.equal(await raw.webhookSecret(before.id), "before-the-key-0123456789");

  const keyed = open(KEY);
  const hook = await keyed.webhooks.create({
    url: "http://127.0.0.1:9/hook",
    events: ["memory.*"],
    secret: "whsec-sealed-0123456789",
  });
  await keyed.mcpServers.put(agent.id, "tracker", {
    command: "tracker-mcp",
    env: { TRACKER_TOKEN: "tok-4242" },
  });
  await keyed.mcpServers.put(agent.id, "remote", {
    url: "http://127.0.0.1:9/mcp",
    headers: { Authorization: "Bearer sk-remote-77" },
  });
  assert.equal((await keyed.store.webhooks.get(hook.id))?.secret, "whsec-sealed-0123456789");
  assert.equal((await keyed.store.webhooks.get(before.id))?.secret, "before-the-key-0123456789");
  const servers = await keyed.store.mcpServers.list(agent.id);
  assert.deepEqual(
    servers.map((s) => (s.config.transport === "stdio" ? s.config.env : s.config.headers)),
    [{ Authorization: "Bearer sk-remote-77" }, { TRACKER_TOKEN: "tok-4242" }],
  );
  await keyed.close();

  // The rows hold none of it in the clear.
  const sealed = await raw.webhookSecret(hook.id);
  assert.match(sealed, /^engram-sealed:v1:/);
  assert.ok(!sealed.includes("whsec-sealed"));
  for (const name of ["tracker", "remote"]) {
    const config = await raw.mcpConfig(agent.id, name);
    assert.ok(!config.includes("tok-4242") && !config.includes("sk-remote-77"), config);
    assert.match(config, /engram-sealed:v1:/);
    assert.match(
      config,
      name === "tracker" ? /"command":"tracker-mcp"/ : /"url":"http:\/\/127.0.0.1:9\/mcp"/,
    );
  }

  // Without the key, or with another, they are refused in words, and nothing else is held up.
  for (const [key, why] of [
    [undefined, "is encrypted at rest and ENGRAM_SECRET_KEY is not set"],
    [OTHER_KEY, "cannot be decrypted: it was sealed with another ENGRAM_SECRET_KEY"],
  ] as const) {
    const problem = new RegExp(`^the signing secret of webhook ${hook.id} ${why}`);
    const wrong = open(key);
    // A sealed webhook is listed and shown without its secret, never sent: null, with the reason.
    const stored = await wrong.store.webhooks.get(hook.id);
    assert.equal(stored?.secret, null);
    assert.match(stored?.secretProblem ?? "", problem);
    const shown = (await wrong.webhooks.list()).items.find((w) => w.id === hook.id);
    assert.equal(shown?.secretPreview, "(sealed: no key here opens it)");
    assert.ok(!("secretProblem" in (shown ?? {})));
    assert.equal((await wrong.store.webhooks.get(before.id))?.secret, "before-the-key-0123456789");
    // A sealed MCP server is listed with the reason and not started: the agent's other tools stay.
    const listed = await wrong.store.mcpServers.list(agent.id);
    assert.deepEqual(
      listed.map((s) => s.secretProblem),
      [
        `headers.Authorization of MCP server remote of agent ${agent.id} ${why}: set it to the key it was sealed with`,
        `env.TRACKER_TOKEN of MCP server tracker of agent ${agent.id} ${why}: set it to the key it was sealed with`,
      ].map((text) =>
        key === undefined ? text : text.replace(/: set it to the key it was sealed with$/, ", or altered"),
      ),
    );
    const tools = await wrong.runtime.listTools(agent.id);
    assert.deepEqual(
      tools.servers.map((s) => [s.name, s.status, s.tools]),
      [
        ["remote", "unavailable", 0],
        ["tracker", "unavailable", 0],
      ],
    );
    assert.ok(tools.items.some((t) => t.name === "memory_search"));
    // Changed here with its secret left masked, the sealed value is kept as it was, not sealed again.
    await wrong.mcpServers.put(agent.id, "tracker", {
      command: "tracker-mcp",
      env: { TRACKER_TOKEN: "********" },
      allowTools: ["issues"],
    });
    assert.equal((await wrong.agents.get(agent.id)).name, "a");
    await wrong.close();
  }
  const again = open(KEY);
  const [, tracker] = await again.store.mcpServers.list(agent.id);
  assert.deepEqual(tracker?.config.transport === "stdio" && [tracker.config.env, tracker.config.allowTools], [
    { TRACKER_TOKEN: "tok-4242" },
    ["issues"],
  ]);
  await again.close();
}
