import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { type ServeProcess, spawnServe } from "../bench/serve-process.ts";
import { moduleUrl } from "../core/module-url.ts";
import { createEngram } from "../engram.ts";
import { memorisingModel, memoryTasks } from "../evolution/test-models.ts";
import { startFakeChatServer } from "../test/fake-chat-server.ts";
import { chromiumStatus, launchChromium } from "./browser.ts";
import { type InspectorDemo, seedInspectorDemo } from "./demo-data.ts";

const chromium = chromiumStatus();
// Under CI a missing Chromium is a failure (the suite runs and says why), elsewhere a skip that says how.
const skip = chromium.available || process.env.CI === "true" ? false : chromium.hint;
if (skip !== false) console.log(`# inspector browser tests skipped: ${skip}`);

/**
 * The page's globals, typed just enough for the checks run inside it (the project compiles without
 * the DOM library). Functions handed to the page are sent as their source, so they cannot call
 * helpers of this file.
 */
interface Window {
  document: {
    documentElement: {
      dataset: Record<string, string | undefined>;
      scrollWidth: number;
      clientWidth: number;
    };
    querySelector(selector: string): { replaceChildren(): void } | null;
    querySelectorAll(selector: string): { length: number };
  };
}

/** One short evolution run of a `notes` block, for the learning page to report. */
async function evolveOnce(db: string, agentId: string): Promise<void> {
  const engram = createEngram({ path: db, env: {} });
  try {
    await engram.blocks.set(agentId, "notes", "", { message: "Notes for evolution" });
    const { model } = memorisingModel();
    await engram.evolution.evolve(agentId, {
      tasks: memoryTasks(),
      rounds: 2,
      minibatch: 2,
      seed: 11,
      components: ["block:notes"],
      model,
    });
  } finally {
    await engram.close();
  }
}

/** Screenshots for a reviewer to look at, one per page the tests visit. */
const SHOTS = join(process.cwd(), "test-output", "inspector");

describe("the inspector in headless Chromium, against engram serve", { skip }, () => {
  let dir: string;
  let demo: InspectorDemo;
  let open: ServeProcess;
  let guarded: ServeProcess;
  /** A server whose model is a local OpenAI-compatible stand-in, for the chat box. */
  let talking: ServeProcess;
  let chat: Awaited<ReturnType<typeof startFakeChatServer>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    assert.ok(chromium.available, chromium.hint);
    dir = mkdtempSync(join(tmpdir(), "engram-inspector-"));
    mkdirSync(SHOTS, { recursive: true });
    const db = join(dir, "demo.db");
    demo = await seedInspectorDemo(db);
    await evolveOnce(db, demo.agentId);
    chat = await startFakeChatServer([{ text: "Green tea, noted again." }]);
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ENGRAM_MODEL: "openai:gpt-4o-mini",
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: chat.url,
    };
    const script = fileURLToPath(moduleUrl("../cli/main", import.meta.url));
    [open, guarded, talking, browser] = await Promise.all([
      spawnServe(db, ["--no-sleep"]),
      spawnServe(db, ["--no-sleep", "--auth"]),
      spawnServe(db, ["--no-sleep"], { node: process.execPath, script, env }),
      launchChromium(),
    ]);
    page = await browser.context.newPage();
    // A CSP violation, a failed asset or a script error shows up here; every test checks it stayed empty.
    page.on("console", (m) => {
      if (m.type() === "error" && !/status of (401|404)/.test(m.text())) problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await chat?.close();
    for (const server of [open, guarded, talking]) {
      if (server !== undefined && server.child.exitCode === null) {
        server.child.kill("SIGTERM");
        await server.exited;
      }
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function go(server: ServeProcess, hash: string): Promise<void> {
    // A change of hash alone keeps the document: forget the last page's marks, so only the new one counts.
    await page.evaluate(() => {
      const d = (globalThis as unknown as Window).document;
      delete d.documentElement.dataset.ready;
      d.querySelector("main")?.replaceChildren();
    });
    const url = `${server.url}/#${hash}`;
    // The same hash again fires no hashchange: load the page afresh instead.
    if (page.url() === url) await page.reload();
    else await page.goto(url);
    // Functions, not strings: the page's CSP forbids eval, which a string predicate needs.
    await page.waitForFunction((path) => {
      const d = (globalThis as unknown as Window).document;
      return d.documentElement.dataset.ready === path || d.querySelector(".problem, .key-form") !== null;
    }, hash.split("?")[0]);
  }

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it("lists the agents with a search, and opens one to read its blocks with how full each is", async () => {
    await go(open, "/");
    await page.locator("#agent-list").getByText("helper").waitFor();
    await shot("agents");
    await page.getByLabel("Search agents").fill("busy-nothing");
    assert.equal(await page.locator("#agent-list li").count(), 0);
    await page.getByLabel("Search agents").fill("help");
    assert.equal(await page.locator("#agent-list li").count(), 1);
    await page.locator("#agent-list a", { hasText: "helper" }).click();
    const human = page.locator('article.block[data-label="human"]');
    await human.waitFor();
    assert.match(await human.innerText(), /City: Lisbon\./);
    assert.match(await human.innerText(), /Drinks green tea\./);
    assert.match(await human.innerText(), /42 \/ 120 chars \(35 %\)/);
    await shot("agent");
    assert.deepEqual(problems, []);
  });

  it("tells the authors apart, diffs two commits and shows the changed line both ways", async () => {
    await go(open, `/agents/${demo.agentId}/history`);
    const authors = await page.locator("#timeline .commit .author").allInnerTexts();
    for (const author of ["user", "agent", "sleeptime", "evolver"])
      assert.ok(
        authors.some((a) => a.endsWith(author)),
        author,
      );
    const moved = page.locator("#timeline li", { hasText: "Ada moved to Lisbon" });
    const first = page.locator("#timeline li", { hasText: "First facts" });
    await first.getByLabel(/Compare from/).check();
    await moved.getByLabel(/Compare to/).check();
    const inserted = page.locator("#diff .line.insert");
    await inserted.first().waitFor();
    assert.deepEqual(await inserted.allTextContents(), ["+insert: City: Lisbon.\n"]);
    assert.match(await page.locator("#diff .line.delete").innerText(), /City: London\./);
    await page.getByRole("button", { name: "Side by side" }).click();
    await page.locator("#diff table.diff-split").waitFor();
    assert.match(await page.locator("#diff td.line.insert").innerText(), /City: Lisbon\./);
    await shot("history-diff");
    assert.deepEqual(problems, []);
  });

  it("reverts to a commit after a confirmation, and the new commit heads the timeline", async () => {
    await go(open, `/agents/${demo.agentId}/history`);
    const before = await page.locator("#timeline li").count();
    await page
      .locator("#timeline li", { hasText: "First facts" })
      .getByRole("button", { name: "Revert to this" })
      .click();
    await page.getByRole("dialog").getByText("Revert the blocks?").waitFor();
    await shot("history-revert-confirm");
    await page.getByRole("button", { name: "Revert", exact: true }).click();
    await page.locator("#history-status", { hasText: "Reverted" }).waitFor();
    await page.waitForFunction(
      (n) => (globalThis as unknown as Window).document.querySelectorAll("#timeline li").length === n,
      before + 1,
    );
    const top = page.locator("#timeline li").first();
    assert.match(await top.innerText(), /Revert to \w+/);
    assert.match(await top.locator(".author").innerText(), /user/);
    const blocks = (await (await fetch(`${open.url}/v1/agents/${demo.agentId}/blocks/human`)).json()) as {
      value: string;
    };
    assert.equal(blocks.value, "Name: Ada.\nCity: London.");
    await shot("history-reverted");
    assert.deepEqual(problems, []);
  });

  it("branches from a commit, and filters the event log by actor and kind", async () => {
    await go(open, `/agents/${demo.agentId}/history`);
    await page
      .locator("#timeline li", { hasText: "Persona" })
      .getByRole("button", { name: "Branch from here" })
      .click();
    await page.getByLabel("Branch name").fill("experiment");
    await page.getByRole("button", { name: "Create branch" }).click();
    await page.locator("#history-status", { hasText: "Branch “experiment” created" }).waitFor();
    assert.equal(
      await page.locator("#timeline li", { hasText: "Persona" }).locator(".tag.branch").innerText(),
      "experiment",
    );
    await page.getByLabel("Actor").selectOption("sleeptime");
    await page.waitForFunction(
      () => (globalThis as unknown as Window).document.querySelectorAll("#events tr").length === 1,
    );
    assert.match(await page.locator("#events tr").innerText(), /sleeptime[\s\S]*blocks\.committed/);
    // Every event of the agent, asked for when the actor is cleared, answers after the kind's few
    // asked for right after it (a slow answer, as under load): the later filter's rows alone show.
    const unfiltered = (url: URL) => url.pathname.endsWith("/events") && !url.searchParams.get("kind");
    await page.route(unfiltered, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await route.continue();
    });
    await page.getByLabel("Actor").selectOption("");
    await page.getByLabel("Kind").fill("memory.archived");
    await page.getByLabel("Kind").press("Enter");
    await page.waitForFunction(
      () => (globalThis as unknown as Window).document.querySelectorAll("#events tr").length === 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await page.unroute(unfiltered);
    assert.equal(await page.locator("#events tr").count(), 1, "the slower, earlier answer is not drawn");
    assert.match(await page.locator("#events tr").innerText(), /memory\.archived/);
    await shot("history-events");
    assert.deepEqual(problems, []);
  });

  it("searches memories and shows each result's score parts; restores an archived one", async () => {
    await go(open, `/agents/${demo.agentId}/memory`);
    await page.getByLabel("Search memories").fill("green tea");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const row = page.locator("#search-results tbody tr").first();
    await row.waitFor();
    const headers = await page.locator("#search-results th").allInnerTexts();
    assert.deepEqual(headers, [
      "Memory",
      "Score",
      "BM25",
      "Vector",
      "Graph",
      "Recency",
      "Importance",
      "Access",
    ]);
    const cells = await row.locator("td").allInnerTexts();
    assert.match(cells[0] ?? "", /Ada likes green tea/);
    assert.ok(Number(cells[2]) > 0, `BM25 part: ${cells[2]}`);
    await shot("memory-search");
    // Validity: the closed keyed fact is found only when asked for, and then marked.
    const found = async () => {
      await page.getByRole("button", { name: "Search", exact: true }).click();
      // The click shows "Searching…" at once; the answer replaces it.
      await page
        .locator("#search-results tbody tr, #search-results p")
        .filter({ hasNotText: "Searching…" })
        .first()
        .waitFor();
      return page.locator("#search-results tbody tr").allInnerTexts();
    };
    await page.getByLabel("Search memories").fill("Ada works");
    let rows = await found();
    assert.ok(
      rows.some((r) => /Ada works at Globex/.test(r)),
      rows.join("\n"),
    );
    assert.ok(!rows.some((r) => /Acme/.test(r)), rows.join("\n"));
    await page.getByLabel("Valid").selectOption("any");
    rows = await found();
    const acme = rows.find((r) => /Ada works at Acme/.test(r)) ?? "";
    assert.match(acme, /key user\.employer[\s\S]*no longer true[\s\S]*valid from[\s\S]*until/);
    assert.doesNotMatch(rows.find((r) => /Globex/.test(r)) ?? "", /no longer true/);
    await page.getByLabel("Valid").selectOption("at");
    await page.getByLabel("At", { exact: true }).fill("2024-06-01T12:00:00");
    rows = await found();
    assert.ok(
      rows.some((r) => /Ada works at Acme/.test(r)),
      rows.join("\n"),
    );
    assert.ok(!rows.some((r) => /Globex/.test(r)), rows.join("\n"));
    // Acme is marked as it stood on the day searched at, not as it stands now.
    const then = rows.find((r) => /Ada works at Acme/.test(r)) ?? "";
    assert.match(then, /true on 2024-06-01[\s\S]*valid from[\s\S]*until/);
    assert.doesNotMatch(then, /no longer true/);
    assert.match(page.url(), /valid=at&at=2024-06-01T12(%3A|:)00/);
    await shot("memory-validity");
    await page.getByLabel("Valid").selectOption("now");
    const closed = page.locator("#memory-list article", { hasText: "Ada works at Acme" });
    assert.match(await closed.innerText(), /key user\.employer[\s\S]*no longer true[\s\S]*superseded by/);
    // A key's values over time: the list of its facts alone, the one that holds and the one it closed.
    await page.getByLabel("Key").fill("user.employer");
    await page.getByLabel("Key").press("Enter");
    await page
      .locator("#memory-list", { hasText: "2 memories shown." })
      .or(page.getByText("2 memories shown."))
      .waitFor();
    assert.deepEqual((await page.locator("#memory-list article p.text").allInnerTexts()).sort(), [
      "Ada works at Acme",
      "Ada works at Globex",
    ]);
    assert.match(page.url(), /key=user\.employer/);
    await page.getByLabel("Key").fill("");
    await page.getByLabel("Key").press("Enter");
    await page.getByLabel("Show").selectOption("only");
    const archived = page.locator("#memory-list article.archived", { hasText: "Ada lived in London" });
    await archived.waitFor();
    await archived.getByRole("button", { name: "Restore" }).click();
    await page
      .locator("#memory-list", { hasText: "No memories match." })
      .or(page.getByText("No memories match."))
      .waitFor();
    const restored = (await (
      await fetch(`${open.url}/v1/agents/${demo.agentId}/memories?archived=exclude`)
    ).json()) as {
      items: { text: string }[];
    };
    assert.ok(restored.items.some((m) => m.text === "Ada lived in London"));
    assert.deepEqual(problems, []);
  });

  it("lists a user's entities, and shows one with its relations over time and where it is named", async () => {
    await go(open, `/agents/${demo.agentId}/graph`);
    await page.getByLabel("User").fill("ada");
    await page.getByLabel("User").press("Enter");
    await page.locator("#entities tr[data-key='ada'] a").waitFor();
    assert.match(page.url(), /graph\?user=ada$/);
    const names = await page.locator("#entities tbody td:first-child").allInnerTexts();
    for (const name of ["Ada", "Acme", "Globex"]) assert.ok(names.includes(name), names.join(", "));
    // Most named first: Ada, in every one of the user's memories, heads the list, and the order stays in the address.
    await page.getByLabel("Order").selectOption("mentions");
    assert.match(page.url(), /graph\?user=ada&order=mentions$/);
    // By name, Acme comes before Ada; by mentions, Ada, named in all of the user's memories, is first.
    await page.locator("#entities tbody tr:first-child[data-key='ada']").waitFor();
    const counts = (await page.locator("#entities tbody td:nth-child(3)").allInnerTexts()).map(Number);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => b - a),
    );
    await page.locator("#entities tr[data-key='ada'] a").click();
    assert.match(page.url(), /entity=ada&order=mentions$/);
    await page.locator("#entity #relations").waitFor();
    assert.match(await page.locator("#entity-title").innerText(), /^Ada · person$/);
    const acme = await page.locator("#relations tr", { hasText: "Acme" }).innerText();
    const globex = await page.locator("#relations tr", { hasText: "Globex" }).innerText();
    // Acme's relation closed when the keyed fact did, when Ada began at Globex; Globex's holds now.
    // The other end is shown as it is written, and linked by its key.
    assert.match(acme, /named with\s+Acme/);
    assert.doesNotMatch(acme, /now/);
    assert.match(globex, /named with\s+Globex[\s\S]*now/);
    assert.match(
      (await page.locator("#relations a", { hasText: "Globex" }).getAttribute("href")) ?? "",
      /entity=globex/,
    );
    assert.ok((await page.locator("#entity svg.timeline .span.open").count()) >= 1);
    assert.ok((await page.locator("#entity svg.timeline .span.closed").count()) >= 1);
    assert.match(await page.locator("#mentions").innerText(), /Ada works at Globex/);
    await shot("graph-entity");
    // A relation's other end opens that entity.
    await page.locator("#relations a", { hasText: "Globex" }).click();
    await page.locator("#entity-title", { hasText: "Globex" }).waitFor();
    // A name typed in any case opens its entity.
    await page.getByLabel("Entity", { exact: true }).fill("LISBON");
    await page.getByRole("button", { name: "Show", exact: true }).click();
    await page.locator("#entity-title", { hasText: "Lisbon" }).waitFor();
    assert.match(page.url(), /graph\?user=ada&entity=LISBON&order=mentions$/);
    // A much-named entity's timeline keeps to the relations stated most often; the table has them all.
    const memories = Array.from({ length: 35 }, (_, i) => ({
      text: `Zed met Person${i + 1} in Rome`,
      userId: "zed",
    }));
    const added = await fetch(`${open.url}/v1/agents/${demo.agentId}/memories`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ memories }),
    });
    assert.equal(added.status, 201, await added.text());
    await go(open, `/agents/${demo.agentId}/graph?user=zed&entity=zed`);
    await page.locator("#entity #relations").waitFor();
    assert.equal(await page.locator("#relations tbody tr").count(), 36);
    assert.equal(await page.locator("#entity svg.timeline .span").count(), 30);
    assert.match(await page.locator("#entity figcaption").innerText(), /the 30 stated most often, of 36/);
    assert.equal(await page.locator("#entity svg.timeline .span", { hasText: "named with Rome" }).count(), 1);
    // An agent whose graph is off says so, and how to turn it on.
    const off = await fetch(`${open.url}/v1/agents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "no-graph", project: "demo", metadata: { graph: "off" } }),
    });
    const body = await off.text();
    assert.equal(off.status, 201, body);
    const offAgent = JSON.parse(body) as { id: string };
    try {
      await go(open, `/agents/${offAgent.id}/graph`);
      assert.match(
        await page.locator("#graph-off").innerText(),
        /graph off[\s\S]*engram agent update no-graph --graph rules/,
      );
    } finally {
      // The other tests see the demo project's agents as seeded.
      await fetch(`${open.url}/v1/agents/${offAgent.id}`, { method: "DELETE" });
    }
    await go(open, `/agents/${demo.agentId}/graph`);
    assert.equal(await page.locator("#graph-off").count(), 0);
    // An unknown entity is said in words, with the way back; the agent is still there.
    await go(open, `/agents/${demo.agentId}/graph?user=ada&entity=Zed`);
    assert.match(await page.locator("#entity.problem").innerText(), /No entity “Zed”[\s\S]*not found/);
    await page.locator("#entities tr[data-key='ada']").waitFor();
    assert.deepEqual(problems, []);
  });

  it("shows a conversation with its tool call and the context the model saw, section by section", async () => {
    await go(open, `/agents/${demo.agentId}/conversations?user=ada&session=s1`);
    const call = page.locator("#messages .tool-call").first();
    await call.waitFor();
    assert.match(await call.innerText(), /memory_append[\s\S]*Drinks green tea/);
    const context = page.locator("#messages details.context");
    await context.locator("summary").click();
    const sections = await context.locator("table.sections tbody tr").allInnerTexts();
    assert.ok(
      sections.some((r) => /^Blocks\t\d+\t.*human/.test(r)),
      sections.join("\n"),
    );
    assert.match(await context.locator("pre").first().innerText(), /You are a concise assistant/);
    await shot("conversations");
    assert.deepEqual(problems, []);
  });

  it("talks to the agent from the chat box, streaming the answer, and the turn joins the log", async () => {
    await go(talking, `/agents/${demo.agentId}/conversations`);
    const before = await page.locator("#messages > li").count();
    await page.getByRole("textbox", { name: "Message" }).fill("What do I drink?");
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator("#chat-answer", { hasText: "Green tea, noted again." }).waitFor();
    await page.waitForFunction(
      (n) => (globalThis as unknown as Window).document.querySelectorAll("#messages > li").length === n,
      before + 2,
    );
    const last = page.locator("#messages > li.user").last();
    assert.match(await last.innerText(), /What do I drink\?/);
    assert.equal(await last.locator("details.context").count(), 1);
    assert.equal(chat.requests[0]?.body.stream, true);
    await shot("conversations-chat");
    assert.deepEqual(problems, []);
  });

  it("says so in words when no model is configured, and keeps the message typed", async () => {
    await go(open, `/agents/${demo.agentId}/conversations`);
    await page.getByRole("textbox", { name: "Message" }).fill("Anyone there?");
    await page.getByRole("button", { name: "Send" }).click();
    const said = page.locator("#chat-answer .problem");
    await said.waitFor();
    assert.match(await said.innerText(), /The agent did not answer: .*model/);
    assert.equal(await page.getByRole("textbox", { name: "Message" }).inputValue(), "Anyone there?");
    // The browser logs the 503 it was meant to get; nothing else may have gone wrong.
    assert.deepEqual(
      problems.filter((p) => !/status of 503/.test(p)),
      [],
    );
    problems.length = 0;
  });

  it("draws the learning curve, insights with their support and the queued sleep-time job", async () => {
    await go(open, `/agents/${demo.agentId}/learning`);
    assert.equal(await page.locator("svg.chart circle").count(), 8);
    assert.match(await page.locator("ol.insights").innerText(), /×3 Boil the water/);
    assert.match(await page.locator("#jobs-title + div").innerText(), /forget\s+queued/);
    await page.getByRole("button", { name: "Scores and candidates" }).click();
    const run = page.locator("#run-report");
    await run.locator("svg.chart").waitFor();
    assert.match(await run.locator("h3").innerText(), /\d+ accepted, \d+ rejected/);
    assert.ok((await run.locator("tbody tr").count()) >= 2, "a row per candidate");
    assert.match(await run.innerText(), /accepted|rejected/);
    await page.getByLabel("Task").fill("make tea");
    await page.getByRole("button", { name: "Get advice" }).click();
    await page.locator("#advice article").first().waitFor();
    assert.match(await page.locator("#advice").innerText(), /do: boil/);
    await shot("learning");
    assert.deepEqual(problems, []);
  });

  it("stays usable at 400 % zoom: nothing but wide tables scrolls sideways at 320 px", async () => {
    await page.setViewportSize({ width: 320, height: 800 });
    try {
      for (const hash of [
        `/agents/${demo.agentId}`,
        `/agents/${demo.agentId}/history`,
        `/agents/${demo.agentId}/memory`,
        `/agents/${demo.agentId}/graph?user=ada&entity=ada`,
      ]) {
        await go(open, hash);
        const overflow = await page.evaluate(() => {
          const root = (globalThis as unknown as Window).document.documentElement;
          return root.scrollWidth - root.clientWidth;
        });
        assert.ok(overflow <= 0, `${hash} overflows by ${overflow}px`);
      }
      await shot("narrow-memory");
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it("works from the keyboard: skip link, tabs and links are reachable and follow Enter", async () => {
    await go(open, `/agents/${demo.agentId}`);
    // A fresh load, so that focus starts at the top of the document.
    await page.reload();
    await page.locator('article.block[data-label="human"]').waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.locator(":focus").getAttribute("id"), "skip");
    let found = false;
    for (let i = 0; i < 20 && !found; i++) {
      await page.keyboard.press("Tab");
      found = (await page.locator(":focus").innerText()) === "History";
    }
    assert.ok(found, "the History tab is reachable with Tab");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() =>
      ((globalThis as unknown as Window).document.documentElement.dataset.ready ?? "").endsWith("/history"),
    );
  });

  it("says in words when an agent is missing, and offers the way back", async () => {
    await go(open, "/agents/agt_missing");
    const problem = page.locator("section.problem");
    assert.match(await problem.locator("h1").innerText(), /Agent not found/);
    assert.match(await problem.innerText(), /agt_missing/);
    await shot("missing-agent");
    await problem.getByRole("link", { name: "Back to the agents" }).click();
    await page.locator("#agent-list").waitFor();
  });

  it("with auth on asks for a key, refuses a revoked one in words, and shows only the key's project", async () => {
    await go(guarded, "/");
    await page.locator(".key-form").waitFor();
    await shot("auth-key-form");
    await page.getByLabel("API key").fill(demo.revokedKey);
    await page.getByRole("button", { name: "Open" }).click();
    await page.locator(".key-form .problem", { hasText: "revoked" }).waitFor();
    await shot("auth-revoked");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("engram.apiKey")), null);
    await page.getByLabel("API key").fill(demo.key);
    await page.getByRole("button", { name: "Open" }).click();
    await page.locator("#agent-list").waitFor();
    const names = await page.locator("#agent-list h2").allInnerTexts();
    assert.deepEqual(names, ["helper"]);
    await page.locator("#who", { hasText: "Project: demo" }).waitFor();
    // The key lives in this tab's session storage only: no cookie, nothing in the URL.
    assert.deepEqual(await browser.context.cookies(), []);
    assert.ok(!page.url().includes(demo.key));
    await go(guarded, `/agents/${demo.otherAgentId}`);
    assert.match(await page.locator("section.problem h1").innerText(), /Agent not found/);
    await shot("auth-other-project");
    assert.deepEqual(problems, []);
  });

  it("says the server stopped when it did, and retries", async () => {
    await go(open, `/agents/${demo.agentId}`);
    open.child.kill("SIGTERM");
    await open.exited;
    await page.locator(".tabs a", { hasText: "Memory" }).click();
    const problem = page.locator("section.problem");
    await problem.waitFor();
    assert.match(await problem.innerText(), /The server is not answering/);
    assert.ok(await problem.getByRole("button", { name: "Try again" }).isVisible());
    await shot("server-stopped");
  });
});
