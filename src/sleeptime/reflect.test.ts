import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { scriptedModel } from "./test-support.ts";

/** Answers reflection prompts with one insight per call, and ExpeL prompts with a rule. */
function reflector() {
  const prompts: string[] = [];
  const model = scriptedModel((prompt) => {
    prompts.push(prompt);
    if (prompt.includes("SUCCESSFUL ATTEMPT")) return "ADD: Go right from the start.";
    const user = /Alice/.test(prompt) ? "Alice" : "Bob";
    // The prompt arrives JSON-encoded (a line break is a backslash and "n"): cite statement 2 if there is one.
    const evidence = prompt.includes("\\n2. ") ? [1, 2] : [1];
    return { insights: [{ text: `${user} plans trips carefully`, importance: 0.8, evidence }] };
  });
  return { model, prompts };
}

describe("sleep-time reflection", () => {
  it("waits for enough importance, then derives insights per end user, once", async () => {
    const { model, prompts } = reflector();
    const engram = createTestEngram({ model });
    const agent = await engram.agents.create({ name: "a" });
    const [m1, m2] = await engram.messages.appendMany(agent.id, [
      { role: "user", content: "I booked the train to Lyon a month ahead.", userId: "alice", name: "Alice" },
      { role: "user", content: "I always compare hotel prices first.", userId: "alice", name: "Alice" },
      { role: "user", content: "I pack the night before.", userId: "bob", name: "Bob" },
    ]);

    // Triggered (not forced): 3 messages × 0.05 is far below the threshold of 3.
    await engram.sleeptime.enqueue(agent.id, { jobs: ["reflect"], force: false });
    const [waiting] = await engram.sleeptime.runPending();
    assert.equal(waiting?.status, "succeeded");
    assert.match(String(waiting?.result?.summary), /importance 0\.15 is below the threshold 3: not yet/);
    assert.equal(prompts.length, 0, "no model call below the threshold");

    await engram.memories.addMany(agent.id, [
      { text: "Alice travels by train", importance: 1, userId: "alice" },
      { text: "Bob dislikes flying", importance: 1, userId: "bob" },
      { text: "Trips are planned in spring", importance: 1 },
    ]);
    await engram.sleeptime.enqueue(agent.id, { jobs: ["reflect"], force: false });
    const [done] = await engram.sleeptime.runPending();
    assert.equal(done?.status, "succeeded", JSON.stringify(done?.error));
    assert.equal(prompts.length, 3, "one reflection per scope: the agent's own, alice, bob");
    const alicePrompt = prompts.find((p) => p.includes("train to Lyon")) ?? "";
    assert.doesNotMatch(alicePrompt, /Bob|night before/, "no prompt mixes two users' conversations");

    const insights = (await engram.memories.list(agent.id, { kinds: ["insight"] })).items;
    const alice = insights.find((m) => m.userId === "alice");
    assert.equal(alice?.text, "Alice plans trips carefully");
    assert.equal(alice?.importance, 0.8);
    assert.deepEqual(alice?.provenance.messageIds, [m1?.id, m2?.id]);
    assert.deepEqual(alice?.tags, ["reflection"]);
    assert.equal((await engram.memories.history(agent.id, alice?.id ?? ""))[0]?.actor, "sleeptime");
    assert.deepEqual(insights.map((m) => m.userId ?? "(agent)").sort(), ["(agent)", "alice", "bob"]);

    const [again] = (await engram.sleeptime.run(agent.id, { jobs: ["reflect"] })).jobs;
    assert.match(String(again?.result?.summary), /nothing new since the last reflection/);
    assert.equal(prompts.length, 3);
    assert.equal(again?.checkpoint, null);

    // New experience that leads to an insight already recorded adds no copy of it.
    await engram.memories.add(agent.id, {
      text: "Alice booked a sleeper car",
      importance: 1,
      userId: "alice",
    });
    const [repeat] = (await engram.sleeptime.run(agent.id, { jobs: ["reflect"] })).jobs;
    assert.equal(prompts.length, 4);
    assert.match(prompts[3] ?? "", /do not repeat them[^"]*Alice plans trips carefully/);
    assert.deepEqual(repeat?.result?.changes, []);
    assert.equal((await engram.memories.list(agent.id, { kinds: ["insight"] })).items.length, 3);
  });

  it("turns new successes and failures of a task into rules through ExpeL's operations", async () => {
    const { model } = reflector();
    const engram = createTestEngram({ model });
    const agent = await engram.agents.create({ name: "a" });
    const step = (action: string, reward: number) => ({
      observation: "at start",
      availableActions: ["left", "right"],
      action,
      reward,
    });
    await engram.experience.recordEpisode(agent.id, {
      task: "goal",
      steps: [step("right", 1)],
      success: true,
    });
    await engram.experience.recordEpisode(agent.id, {
      task: "goal",
      steps: [step("left", 0)],
      success: false,
    });
    const [job] = (await engram.sleeptime.run(agent.id, { jobs: ["reflect"] })).jobs;
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.deepEqual(
      (await engram.insights.list(agent.id)).map((r) => [r.text, r.count]),
      [["Go right from the start.", 2]],
    );
    const [changed] = (await engram.events.list({ agentId: agent.id, kind: "insights.changed" })).items;
    assert.equal(changed?.actor, "sleeptime");
    assert.equal((changed?.after as { job?: string } | undefined)?.job, job?.id);
  });

  it("reflects on feedback comments: in the user's own reflection and in ExpeL's comparison", async () => {
    const { model, prompts } = reflector();
    const engram = createTestEngram({ model });
    const agent = await engram.agents.create({ name: "a" });
    const turn = async (turnId: string, content: string) => {
      await engram.messages.appendMany(agent.id, [
        { role: "user", content, userId: "alice", metadata: { turnId } },
        { role: "assistant", content: "Here you are.", userId: "alice", metadata: { turnId } },
      ]);
    };
    await turn("trn_good", "book a table for two");
    await turn("trn_bad", "book a table for four");
    await engram.feedback.give(agent.id, "trn_good", { reward: 1, comment: "short and right" });
    await engram.feedback.give(agent.id, "trn_bad", {
      reward: -1,
      comment: "never book without asking the time",
    });
    const [job] = (await engram.sleeptime.run(agent.id, { jobs: ["reflect"] })).jobs;
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    const expel = prompts.find((p) => p.includes("SUCCESSFUL ATTEMPT"));
    assert.match(expel ?? "", /Feedback: short and right/);
    assert.match(expel ?? "", /Feedback: never book without asking the time/);
    const reflection = prompts.find((p) => p.includes("high-level insights"));
    assert.match(
      reflection ?? "",
      /the user disliked an answer \(reward -1\)\] never book without asking the time/,
    );
  });

  it("fails on evidence the model made up, changing nothing", async () => {
    const model = scriptedModel(() => ({ insights: [{ text: "x", evidence: [9] }] }));
    const engram = createTestEngram({ model, sleeptime: { queue: { maxAttempts: 1 } } });
    const agent = await engram.agents.create({ name: "a" });
    await engram.messages.append(agent.id, { role: "user", content: "hello" });
    const [job] = (await engram.sleeptime.run(agent.id, { jobs: ["reflect"] })).jobs;
    assert.equal(job?.status, "failed");
    assert.match(job?.error?.message ?? "", /evidence 9 is not one of the 1 statements/);
    assert.equal((await engram.memories.list(agent.id)).items.length, 0);
  });
});
