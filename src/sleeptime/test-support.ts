import { MockLanguageModelV3 } from "ai/test";
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
