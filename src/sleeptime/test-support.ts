import { MockLanguageModelV3 } from "ai/test";
import { toIso } from "../core/clock.ts";
import type { JsonObject } from "../core/types.ts";
import type { Engram } from "../engram.ts";

/** The text of a mock call's prompt (all its parts), for matching on. */
export function promptText(prompt: unknown): string {
  return JSON.stringify(prompt);
}

/**
 * A mock language model whose answer to each call is chosen by `answer` from the prompt's text. An
 * answer that is an Error is thrown, as a failing provider would.
 */
export function scriptedModel(
  answer: (prompt: string, call: number) => string | Error | object | Promise<string | Error | object>,
) {
  let calls = 0;
  return new MockLanguageModelV3({
    doGenerate: async (options) => {
      const reply = await answer(promptText(options.prompt), calls++);
      if (reply instanceof Error) throw reply;
      const text = typeof reply === "string" ? reply : JSON.stringify(reply);
      return {
        content: [{ type: "text", text }],
        finishReason: { unified: "stop", raw: "stop" },
        usage: {
          inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 5, text: 5, reasoning: undefined },
        },
        warnings: [],
      };
    },
  });
}

/** A clock tests move by hand: `now()` reads it, `advance(ms)` moves it; each read adds 1 ms. */
export function manualClock(start = Date.UTC(2026, 0, 1)) {
  let time = start;
  return {
    now: () => time++,
    advance(ms: number) {
      time += ms;
    },
    set(ms: number) {
      time = ms;
    },
  };
}

export const DAY_MS = 86_400_000;

/**
 * Holds the commit of the next unit of work until `release` is called: a write in flight, its ids
 * made, not yet committed. `atCommit` resolves when the write reaches its commit.
 */
export function holdNextCommit(engram: Engram) {
  const store = engram.store;
  const open = store.unitOfWork;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached = () => {};
  const atCommit = new Promise<void>((resolve) => {
    reached = resolve;
  });
  store.unitOfWork = () => {
    store.unitOfWork = open;
    const work = open();
    const commit = work.commit.bind(work);
    work.commit = async () => {
      reached();
      await released;
      return commit();
    };
    return work;
  };
  return { atCommit, release };
}

/**
 * The late-commit case: Paris is written, then Rome, held at its commit (its id made), while Berlin
 * commits and the queued job runs. `first` is that job; `release` lets Rome commit and returns it.
 */
export async function writeOneLate(engram: Engram, agentId: string) {
  await engram.memories.add(agentId, { text: "Ada lives in Paris.", userId: "ada" });
  const held = holdNextCommit(engram);
  const romeWrite = engram.memories.add(agentId, { text: "Ada lives in Rome.", userId: "ada" });
  await held.atCommit;
  const berlin = await engram.memories.add(agentId, { text: "Ada lives in Berlin.", userId: "ada" });
  const [first] = await engram.sleeptime.runPending({ agentId });
  return {
    first,
    berlin,
    release: async () => {
      held.release();
      return romeWrite;
    },
  };
}

/**
 * Claims the agent's queued job and completes it with `result`, as a job of an earlier release that
 * kept ids as its watermark finished it. Returns the job's kind.
 */
export async function completeAsEarlierRelease(
  engram: Engram,
  result: JsonObject,
): Promise<string | undefined> {
  const now = engram.now();
  const earlier = await engram.store.jobs.claim({ now: toIso(now), leaseExpiresAt: toIso(now + 60_000) });
  const work = engram.store.unitOfWork();
  work.jobs.complete({
    id: earlier?.id ?? "",
    attempt: 1,
    result,
    finishedAt: toIso(engram.now()),
    checkpoint: null,
  });
  await work.commit();
  return earlier?.kind;
}
