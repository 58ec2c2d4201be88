import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, sandbox } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

const labels = (blocks: { label: string }[]) => blocks.map((b) => b.label).sort();

describe("engram agent", () => {
  it("creates an agent with the default blocks and prints it with its id", async () => {
    const agent = await s.ok(["agent", "create", "--name", "helper"]);
    assert.match(agent.id, /^agt_[0-9a-z]{26}$/);
    assert.equal(agent.name, "helper");
    assert.equal(agent.model, null);
    assert.equal(agent.defaultBranch, "main");
    const blocks = await s.ok(["block", "list", agent.id]);
    assert.deepEqual(labels(blocks.blocks), ["human", "persona"]);
    // The name may be given as NAME, as project create and group create take theirs.
    assert.equal((await s.ok(["agent", "create", "second"])).name, "second");
    const same = await s.ok(["agent", "create", "third", "--name", "third"]);
    assert.equal(same.name, "third");
  });

  it("creates an agent from flags and a blocks file, the flags winning", async () => {
    const file = join(s.dir, "blocks.json");
    writeFileSync(
      file,
      JSON.stringify([
        { label: "persona", value: "from file", limit: 100 },
        { label: "rules", value: "be brief", readOnly: true },
      ]),
    );
    const agent = await s.ok([
      "agent",
      "create",
      "--name",
      "coder",
      "--model",
      "openai:gpt-4o-mini",
      "--instructions",
      "Help with code.",
      "--metadata",
      '{"team":"tools"}',
      "--blocks-file",
      file,
      "--block",
      "persona=from flag",
      "--block",
      "style=terse=yes",
    ]);
    assert.equal(agent.model, "openai:gpt-4o-mini");
    assert.equal(agent.instructions, "Help with code.");
    assert.deepEqual(agent.metadata, { team: "tools" });
    const { blocks } = await s.ok(["block", "list", "coder"]);
    assert.deepEqual(labels(blocks), ["persona", "rules", "style"]);
    const byLabel = Object.fromEntries(blocks.map((b: { label: string }) => [b.label, b]));
    assert.equal(byLabel.persona.value, "from flag");
    assert.equal(byLabel.persona.limit, 100);
    assert.equal(byLabel.rules.readOnly, true);
    assert.equal(byLabel.style.value, "terse=yes");
  });

  it("takes a blocks file that maps labels to values", async () => {
    const file = join(s.dir, "blocks.json");
    writeFileSync(
      file,
      JSON.stringify({ persona: "I help.", notes: { value: "n", description: "scratch" } }),
    );
    await s.ok(["agent", "create", "--name", "a", "--blocks-file", file]);
    const notes = await s.ok(["block", "get", "a", "notes"]);
    assert.equal(notes.value, "n");
    assert.equal(notes.description, "scratch");
  });

  it("rejects bad input with exit 1, naming the problem, and creates nothing", async () => {
    const metadata = await s.cli(["agent", "create", "--name", "a", "--metadata", "{nope", "--json"]);
    assert.equal(metadata.code, 1);
    assert.equal(metadata.json().error.code, "invalid_input");
    assert.match(metadata.json().error.message, /--metadata is not valid JSON/);
    const model = await s.cli(["agent", "create", "--name", "a", "--model", "gpt4", "--json"]);
    assert.equal(model.code, 1);
    assert.match(model.json().error.message, /model: must be provider:model/);
    const missingFile = await s.cli([
      "agent",
      "create",
      "--name",
      "a",
      "--blocks-file",
      "nope.json",
      "--json",
    ]);
    assert.equal(missingFile.code, 1);
    assert.match(missingFile.json().error.message, /cannot read blocks file nope\.json: no such file/);
    const badBlock = await s.cli(["agent", "create", "--name", "a", "--block", "novalue"]);
    assert.equal(badBlock.code, 2);
    const twice = await s.cli([
      "agent",
      "create",
      "--name",
      "a",
      "--block",
      "human=Hi",
      "--block",
      "human=Bye",
    ]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /--block human is given twice/);
    const twoNames = await s.cli(["agent", "create", "a", "--name", "b"]);
    assert.equal(twoNames.code, 2);
    assert.match(twoNames.stderr, /two names given: "a" and --name "b"/);
    const noName = await s.cli(["agent", "create"]);
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /missing NAME \(or --name\)/);
    assert.deepEqual((await s.ok(["agent", "list"])).items, []);
  });

  it("lists, shows, updates and deletes agents", async () => {
    const a = await s.ok(["agent", "create", "--name", "alpha"]);
    const b = await s.ok(["agent", "create", "--name", "beta"]);
    const list = (await s.ok(["agent", "list"])).items;
    assert.deepEqual(list.map((x: { id: string }) => x.id).sort(), [a.id, b.id].sort());
    const human = await s.cli(["agent", "list"]);
    assert.match(human.stdout, /^ID +NAME +PROJECT/);
    assert.match(human.stdout, /alpha +default/);

    await s.ok(["block", "set", "alpha", "persona", "I am alpha."]);
    const shown = await s.ok(["agent", "show", "alpha"]);
    assert.equal(shown.agent.id, a.id);
    assert.equal(shown.branch, "main");
    assert.match(shown.commit, /^[0-9a-f]{64}$/);
    assert.equal(shown.blocks.find((x: { label: string }) => x.label === "persona").value, "I am alpha.");
    assert.match(
      (await s.cli(["agent", "show", "alpha"])).stdout,
      /persona +11\/5000 chars.*\n {2}I am alpha\./,
    );

    const updated = await s.ok(["agent", "update", "alpha", "--name", "gamma", "--model", "ollama:qwen3:8b"]);
    assert.equal(updated.name, "gamma");
    assert.equal(updated.model, "ollama:qwen3:8b");
    assert.equal((await s.ok(["agent", "update", "gamma", "--model", ""])).model, null);
    assert.equal((await s.cli(["agent", "update", "gamma"])).code, 2);

    const deleted = await s.ok(["agent", "delete", "gamma"]);
    assert.deepEqual(deleted, { deleted: true, id: a.id });
    const gone = await s.cli(["agent", "show", a.id, "--json"]);
    assert.equal(gone.code, 1);
    assert.equal(gone.json().error.code, "not_found");
    assert.deepEqual(
      (await s.ok(["agent", "list"])).items.map((x: { id: string }) => x.id),
      [b.id],
    );
  });

  it("refuses a taken name in create, rename and fork with one line and exit 1, changing nothing", async () => {
    const first = await s.ok(["agent", "create", "--name", "twin"]);
    const other = await s.ok(["agent", "create", "--name", "other"]);
    const before = (await s.ok(["agent", "list"])).items;
    for (const argv of [
      ["agent", "create", "--name", "twin"],
      ["agent", "update", "other", "--name", "twin"],
      ["fork", "other", "--name", "twin"],
    ]) {
      const json = await s.cli([...argv, "--json"]);
      assert.equal(json.code, 1, argv.join(" "));
      assert.deepEqual(json.json(), {
        error: { code: "conflict", message: 'an agent named "twin" already exists in this project' },
      });
      const human = await s.cli(argv);
      assert.deepEqual([human.code, human.stdout], [1, ""]);
      assert.equal(human.stderr, 'engram: an agent named "twin" already exists in this project\n');
    }
    assert.deepEqual((await s.ok(["agent", "list"])).items, before);
    assert.equal((await s.ok(["agent", "show", "twin"])).agent.id, first.id);
    assert.equal((await s.ok(["agent", "show", other.id])).agent.name, "other");
  });

  it("refuses a name that starts as agent ids do, in create and rename, changing nothing", async () => {
    const other = await s.ok(["agent", "create", "--name", "other"]);
    const message = 'name: must not start with "agt_", which marks agent ids';
    for (const argv of [
      ["agent", "create", "--name", "agt_hello"],
      ["agent", "create", other.id],
      ["agent", "update", "other", "--name", "agt_hello"],
    ]) {
      const json = await s.cli([...argv, "--json"]);
      assert.deepEqual([json.code, json.json().error.code], [1, "invalid_input"], argv.join(" "));
      assert.ok(json.json().error.message.endsWith(message), json.json().error.message);
    }
    assert.deepEqual(
      (await s.ok(["agent", "list"])).items.map((a: { name: string }) => a.name),
      ["other"],
    );
  });

  it("names a missing agent in one line with exit 1", async () => {
    const json = await s.cli(["block", "set", "nobody", "human", "x", "--json"]);
    assert.equal(json.code, 1);
    assert.deepEqual(json.json(), { error: { code: "not_found", message: "agent nobody not found" } });
    const human = await s.cli(["log", "nobody"]);
    assert.deepEqual([human.code, human.stdout, human.stderr], [1, "", "engram: agent nobody not found\n"]);
  });
});

describe("engram fork", () => {
  it("forks at a revision into an independent agent", async () => {
    const source = await s.ok(["agent", "create", "--name", "src"]);
    const first = await s.ok(["block", "set", "src", "persona", "v1"]);
    await s.ok(["block", "set", "src", "persona", "v2"]);
    const fork = await s.ok(["fork", "src", "--name", "copy", "--at", "HEAD~1"]);
    assert.notEqual(fork.id, source.id);
    assert.equal(fork.name, "copy");
    assert.deepEqual(fork.metadata.forkedFrom, { agentId: source.id, commit: first.id });
    assert.equal((await s.ok(["block", "get", "copy", "persona"])).value, "v1");
    assert.equal((await s.ok(["log", "copy"])).items[0].id, first.id);

    await s.ok(["block", "set", "copy", "persona", "fork only"]);
    assert.equal((await s.ok(["block", "get", "src", "persona"])).value, "v2");
    const unnamed = await s.ok(["fork", "src"]);
    assert.equal(unnamed.name, "src (fork)");
  });
});

describe("engram project", () => {
  it("creates a project on first use in agent create, import and keys create alike, and shows its name", async () => {
    const agent = await s.cli(["agent", "create", "--name", "bot", "--project", "beta"]);
    assert.equal(agent.code, 0);
    const beta = await s.ok(["project", "show", "beta"]);
    assert.match(agent.stdout, new RegExp(`project +beta \\(${beta.id}\\)`));
    const file = join(s.dir, "bot.json");
    await s.ok(["export", "bot", "--project", "beta", "--out", file]);
    const imported = await s.ok(["import", file, "--project", "gamma", "--new-ids"]);
    assert.equal(imported.projectId, (await s.ok(["project", "show", "gamma"])).id);
    const again = await s.cli(["import", file, "--project", "zeta", "--json"]);
    assert.deepEqual([again.code, again.json().error.code], [1, "conflict"]);
    assert.equal((await s.cli(["project", "show", "zeta"])).code, 1, "a refused import creates no project");
    const key = await s.ok(["keys", "create", "--project", "delta"]);
    assert.equal(key.project, "delta");
    assert.deepEqual((await s.ok(["project", "list"])).items.map((p: { name: string }) => p.name).sort(), [
      "beta",
      "delta",
      "gamma",
    ]);
    // A bad agent creates no project.
    const bad = await s.cli(["agent", "create", "--name", "", "--project", "epsilon", "--json"]);
    assert.deepEqual([bad.code, bad.json().error.code], [1, "invalid_input"]);
    assert.equal((await s.cli(["project", "show", "epsilon"])).code, 1);
  });

  it("creates, lists, shows and deletes projects, and scopes agent names to them", async () => {
    const project = await s.ok(["project", "create", "acme", "--metadata", '{"tier":"gold"}']);
    assert.match(project.id, /^prj_/);
    assert.deepEqual(project.metadata, { tier: "gold" });
    assert.equal((await s.cli(["project", "create", "acme", "--json"])).json().error.code, "conflict");

    const agent = await s.ok(["agent", "create", "--name", "bot", "--project", "acme"]);
    assert.equal(agent.projectId, project.id);
    assert.equal((await s.cli(["agent", "show", "bot"])).code, 1, "names resolve in the default project");
    assert.equal((await s.ok(["agent", "show", "bot", "--project", "acme"])).agent.id, agent.id);
    await s.ok(["agent", "create", "--name", "other"]);
    assert.deepEqual(
      (await s.ok(["agent", "list", "--project", "acme"])).items.map((a: { id: string }) => a.id),
      [agent.id],
    );
    const wrongProject = await s.cli(["agent", "show", agent.id, "--project", "default", "--json"]);
    assert.equal(wrongProject.json().error.code, "not_found");

    const names = (await s.ok(["project", "list"])).items.map((p: { name: string }) => p.name).sort();
    assert.deepEqual(names, ["acme", "default"]);
    assert.equal((await s.ok(["project", "show", "acme"])).id, project.id);
    assert.deepEqual(await s.ok(["project", "delete", "acme"]), { deleted: true, id: project.id });
    assert.equal((await s.cli(["project", "show", "acme", "--json"])).json().error.code, "not_found");
    assert.equal((await s.cli(["agent", "show", agent.id])).code, 1);
  });
});
