import { MockLanguageModelV3 } from "ai/test";

/** The system prompt and user text of a call. */
export interface Call {
  system: string;
  user: string;
  seed: number | undefined;
  temperature: number | undefined;
}

/** The prompt of a call, as the mock sees it (the AI SDK's provider-level message list). */
interface Prompt {
  prompt: readonly { role: string; content: unknown }[];
  seed?: number | undefined;
  temperature?: number | undefined;
}

function readCall(options: Prompt): Call {
  let system = "";
  let user = "";
  for (const message of options.prompt) {
    if (message.role === "system" && typeof message.content === "string") system += message.content;
    if (message.role === "user" && Array.isArray(message.content))
      for (const part of message.content as { type: string; text?: string }[])
        if (part.type === "text") user += part.text ?? "";
  }
  return { system, user, seed: options.seed, temperature: options.temperature };
}

/** Whether a call is the evolver's reflection (rather than the agent answering a task). */
export const isReflection = (call: Call) => call.user.startsWith("You improve the learned context");

/**
 * A mock model whose answer is a function of the prompt: the agent's answers depend on what its
 * learned context says, and reflection answers with a proposed text. Records every call.
 */
export function scriptedModel(answer: (call: Call) => string) {
  const calls: Call[] = [];
  const model = new MockLanguageModelV3({
    doGenerate: async (options) => {
      const call = readCall(options);
      calls.push(call);
      return {
        content: [{ type: "text", text: answer(call) }],
        finishReason: { unified: "stop", raw: "stop" },
        usage: {
          inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 5, text: 5, reasoning: undefined },
        },
        warnings: [],
      };
    },
  });
  return { model, calls };
}

/** Capital cities the mock agent knows, in title case. */
const CAPITALS: Record<string, string> = {
  France: "Paris",
  Italy: "Rome",
  Spain: "Madrid",
  Germany: "Berlin",
  Japan: "Tokyo",
  Peru: "Lima",
  Chile: "Santiago",
  Kenya: "Nairobi",
  Egypt: "Cairo",
};

/** A task set the mock agent fails until its context tells it to answer in upper case. */
export function capitalTasks(): Record<string, unknown>[] {
  const split = (country: string) =>
    ["France", "Italy", "Spain"].includes(country)
      ? "train"
      : ["Germany", "Japan", "Kenya"].includes(country)
        ? "validation"
        : "test";
  return Object.entries(CAPITALS).map(([country, city]) => ({
    id: country.toLowerCase(),
    input: `What is the capital of ${country}?`,
    expected: city.toUpperCase(),
    split: split(country),
  }));
}

/**
 * The capitals agent: answers the capital in title case, in upper case when its context mentions
 * UPPERCASE; reflection proposes `proposal`.
 */
export function capitalsModel(proposal: string | ((call: Call) => string)) {
  return scriptedModel((call) => {
    if (isReflection(call)) return typeof proposal === "string" ? proposal : proposal(call);
    const country = /capital of (\w+)/.exec(call.user)?.[1] ?? "";
    const city = CAPITALS[country] ?? "I do not know";
    return call.system.includes("UPPERCASE") ? city.toUpperCase() : city;
  });
}

/**
 * A memorising agent: it answers an input only when its context holds the line `Q: <input> => <answer>`,
 * else "unknown"; reflection adds such a line for each failed example, read from the checker's
 * feedback, to the component's current text. `hook` runs before each answer (to inject failures).
 */
export function memorisingModel(hook: (call: Call) => void = () => {}) {
  return scriptedModel((call) => {
    hook(call);
    if (isReflection(call)) {
      const current = /The current text of [^\n]*:\n```\n([\s\S]*?)\n```/.exec(call.user)?.[1] ?? "";
      const learned = [
        ...call.user.matchAll(/\(failed[^\n]*\nTask:\n(.*)\n[\s\S]*?Feedback: expected exactly "(.*?)"/g),
      ].map((m) => `Q: ${m[1]} => ${m[2]}`);
      const base = current === "(empty)" ? [] : current.split("\n");
      return `\`\`\`\n${[...base, ...learned.filter((l) => !base.includes(l))].join("\n")}\n\`\`\``;
    }
    const input = call.user.trim();
    const line = call.system.split("\n").find((l) => l.startsWith(`Q: ${input} => `));
    return line === undefined ? "unknown" : line.slice(`Q: ${input} => `.length);
  });
}

/** Tasks for the memorising agent: what it learns on training tasks shows on validation and held-out ones. */
export function memoryTasks(): Record<string, unknown>[] {
  return [
    ...[1, 2, 3, 4].map((i) => ({ id: `t${i}`, input: `q${i}`, expected: `a${i}`, split: "train" })),
    { id: "v1", input: "q1", expected: "a1", split: "validation" },
    { id: "v2", input: "q2", expected: "a2", split: "validation" },
    { id: "h1", input: "q3", expected: "a3", split: "test" },
    { id: "h2", input: "q9", expected: "a9", split: "test" },
  ];
}

/**
 * An agent that copies the style of the worked examples it is shown: capitals in upper case once its
 * context holds an upper-case `Answer:`; "Say X" it answers X.
 */
export function exemplarsModel() {
  return scriptedModel((call) => {
    if (call.user.startsWith("Say ")) return call.user.slice(4);
    const city = /capital of (\w+)/.exec(call.user)?.[1] === "France" ? "Paris" : "Rome";
    return /Answer: [A-Z]{2,}\b/.test(call.system) ? city.toUpperCase() : city;
  });
}

/** Tasks the exemplars agent passes once a passed training attempt is among its examples. */
export function exemplarTasks(): Record<string, unknown>[] {
  return [
    { id: "say", input: "Say YES", expected: "YES", split: "train" },
    { id: "fr", input: "What is the capital of France?", expected: "PARIS", split: "train" },
    { id: "v", input: "What is the capital of Italy?", expected: "ROME", split: "validation" },
    { id: "h", input: "What is the capital of France?", expected: "PARIS", split: "test" },
  ];
}
