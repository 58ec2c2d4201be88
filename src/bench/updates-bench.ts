import { createEngram, type Engram } from "../engram.ts";
import type { MemoryInput } from "../memory/memories/schemas.ts";
import { benchDatabase } from "./bench-database.ts";
import { clockMs, type Percentiles, percentiles, round } from "./stats.ts";
import { seededRandom } from "./synthetic-corpus.ts";

/**
 * Staying true: generated users whose facts change over time (city, employer, partner, a
 * preference), written as a stream of memories (some late, out of order), then questions about the
 * current value (search, top 1), the compiled context (does it hold a value no longer true?) and past
 * values (search at `validAt`, top 1). Run twice: with keyed facts (`user.city` …), and plain facts
 * carrying only their validFrom, the baseline a store without keys gives.
 */

export interface UpdatesBenchOptions {
  /** Generated users (default 100). */
  users?: number;
  /** Seed of the generator (default 1). */
  seed?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
  /** A PostgreSQL server's URL: the bench runs on a fresh schema there (dropped at the end), not SQLite. */
  database?: string | undefined;
}

export interface UpdatesModeResult {
  /** Share of current-value questions whose top search result states the current value. */
  currentAccuracy: number;
  /** Share of compiled contexts that hold a fact of the user that is no longer true. */
  staleContextShare: number;
  /** Share of past-value questions (search at `validAt`) whose top result states the value then. */
  pastAccuracy: number;
  currentQuestions: number;
  contexts: number;
  pastQuestions: number;
  writeSeconds: number;
  querySeconds: number;
  /** Each search for one user's value, current or past (the contexts' own searches not among them). */
  searchMs: Percentiles;
}

export interface UpdatesBenchResult {
  users: number;
  facts: number;
  /** Facts written after a later fact of the same user and attribute. */
  lateFacts: number;
  seed: number;
  keyed: UpdatesModeResult;
  plain: UpdatesModeResult;
  store: "sqlite" | "postgres";
}

interface Attribute {
  key: string;
  values: readonly string[];
  text(name: string, value: string): string;
  question(name: string): string;
}

const CITIES = ["Lisbon", "Berlin", "Osaka", "Nairobi", "Lima", "Oslo", "Toronto", "Hanoi", "Porto", "Quito"];
const EMPLOYERS = ["Initech", "Globex", "Umbrella", "Hooli", "Vandelay", "Acme", "Wonka", "Stark", "Tyrell"];
const PARTNERS = ["Sam", "Noor", "Kenji", "Lena", "Marco", "Amara", "Ivan", "Chloe", "Tariq", "Ines"];
const FOODS = ["sushi", "ramen", "tacos", "falafel", "paella", "pierogi", "curry", "risotto", "pho"];
const NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim"];

const ATTRIBUTES: readonly Attribute[] = [
  {
    key: "user.city",
    values: CITIES,
    text: (n, v) => `${n} lives in ${v}.`,
    question: (n) => `Where does ${n} live?`,
  },
  {
    key: "user.employer",
    values: EMPLOYERS,
    text: (n, v) => `${n} works at ${v}.`,
    question: (n) => `Where does ${n} work?`,
  },
  {
    key: "user.partner",
    values: PARTNERS,
    text: (n, v) => `${n}'s partner is ${v}.`,
    question: (n) => `Who is ${n}'s partner?`,
  },
  {
    key: "user.preferences.food",
    values: FOODS,
    text: (n, v) => `${n}'s favourite food is ${v}.`,
    question: (n) => `What is ${n}'s favourite food?`,
  },
];

const DAY = 86_400_000;
const EPOCH = Date.UTC(2022, 0, 1);
const SPAN_DAYS = 1400;

/** One value of an attribute, true from `from` until the next value's `from`. */
interface Fact {
  user: string;
  name: string;
  attribute: Attribute;
  text: string;
  from: number;
}

/** A user's attribute over time, oldest first. */
interface Timeline {
  user: string;
  name: string;
  attribute: Attribute;
  facts: Fact[];
}

/** Generated timelines: each attribute of each user takes 1 to 4 distinct values over ~4 years. */
export function updateTimelines(users: number, seed: number): Timeline[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const out: Timeline[] = [];
  for (let u = 0; u < users; u++) {
    const user = `user-${u}`;
    const name = pick(NAMES);
    for (const attribute of ATTRIBUTES) {
      const changes = 1 + Math.floor(random() * 4);
      const days = new Set<number>();
      while (days.size < changes) days.add(Math.floor(random() * SPAN_DAYS));
      const facts: Fact[] = [];
      for (const day of [...days].sort((a, b) => a - b)) {
        let value = pick(attribute.values);
        while (facts.length > 0 && facts.at(-1)?.text === attribute.text(name, value))
          value = pick(attribute.values);
        facts.push({ user, name, attribute, text: attribute.text(name, value), from: EPOCH + day * DAY });
      }
      out.push({ user, name, attribute, facts });
    }
  }
  return out;
}

/** The stream of writes: in time order, but about one fact in ten arrives late (after later ones). */
function writeOrder(timelines: readonly Timeline[], seed: number): { stream: Fact[]; late: number } {
  const random = seededRandom(seed + 1);
  const facts = timelines.flatMap((t) => t.facts);
  const arrival = new Map(facts.map((f) => [f, f.from + (random() < 0.1 ? 400 * DAY * random() : 0)]));
  const stream = [...facts].sort((a, b) => (arrival.get(a) as number) - (arrival.get(b) as number));
  let late = 0;
  const seen = new Map<string, number>();
  for (const fact of stream) {
    const key = `${fact.user} ${fact.attribute.key}`;
    if ((seen.get(key) ?? -1) > fact.from) late++;
    seen.set(key, Math.max(seen.get(key) ?? -1, fact.from));
  }
  return { stream, late };
}

/** Runs the bench on a throwaway database, keyed and plain facts each with their own agent. */
export async function runUpdatesBench(options: UpdatesBenchOptions = {}): Promise<UpdatesBenchResult> {
  const users = options.users ?? 100;
  const seed = options.seed ?? 1;
  const timelines = updateTimelines(users, seed);
  const { stream, late } = writeOrder(timelines, seed);
  const fresh = benchDatabase("updates", options.database);
  const engram = createEngram({ database: fresh.database, env: {} });
  try {
    const keyed = await runMode(engram, "keyed", timelines, stream, seed, options.onProgress);
    const plain = await runMode(engram, "plain", timelines, stream, seed, options.onProgress);
    return { users, facts: stream.length, lateFacts: late, seed, keyed, plain, store: fresh.kind };
  } finally {
    await engram.close();
    await fresh.drop();
  }
}

async function runMode(
  engram: Engram,
  mode: "keyed" | "plain",
  timelines: readonly Timeline[],
  stream: readonly Fact[],
  seed: number,
  onProgress: UpdatesBenchOptions["onProgress"],
): Promise<UpdatesModeResult> {
  const agent = await engram.agents.create({ name: `updates-${mode}` });
  const writeStart = clockMs();
  const BATCH = 200;
  for (let i = 0; i < stream.length; i += BATCH) {
    const inputs: MemoryInput[] = stream.slice(i, i + BATCH).map((fact) => ({
      text: fact.text,
      kind: "fact",
      userId: fact.user,
      validFrom: new Date(fact.from).toISOString(),
      ...(mode === "keyed" ? { key: fact.attribute.key } : {}),
    }));
    await engram.memories.addMany(agent.id, inputs);
    onProgress?.(Math.min(i + BATCH, stream.length), stream.length, `write ${mode}`);
  }
  const writeSeconds = (clockMs() - writeStart) / 1000;

  const random = seededRandom(seed + 2);
  const queryStart = clockMs();
  const search = { sources: ["memories" as const], recordAccess: false, weights: { recency: 0 } };
  let current = 0;
  let stale = 0;
  let past = 0;
  let pastQuestions = 0;
  const searchSamples: number[] = [];
  const staleTexts = new Map<string, Set<string>>();
  for (const t of timelines) {
    const set = staleTexts.get(t.user) ?? new Set<string>();
    const now = (t.facts.at(-1) as Fact).text;
    for (const fact of t.facts) if (fact.text !== now) set.add(fact.text);
    staleTexts.set(t.user, set);
  }
  for (const [i, t] of timelines.entries()) {
    const question = t.attribute.question(t.name);
    const latest = t.facts.at(-1) as Fact;
    let t0 = clockMs();
    const found = await engram.search(agent.id, { ...search, query: question, userId: t.user, k: 1 });
    searchSamples.push(clockMs() - t0);
    if (found.results[0]?.text === latest.text) current++;

    const context = await engram.runtime.context(agent.id, { query: question, userId: t.user });
    const outdated = staleTexts.get(t.user) ?? new Set<string>();
    if (context.sections.memories.items.some((item) => outdated.has(item.text))) stale++;

    if (t.facts.length > 1) {
      const index = Math.floor(random() * (t.facts.length - 1));
      const then = t.facts[index] as Fact;
      const next = t.facts[index + 1] as Fact;
      const at = then.from + Math.floor(random() * (next.from - then.from));
      t0 = clockMs();
      const answer = await engram.search(agent.id, {
        ...search,
        query: question,
        userId: t.user,
        k: 1,
        validAt: new Date(at).toISOString(),
      });
      searchSamples.push(clockMs() - t0);
      if (answer.results[0]?.text === then.text) past++;
      pastQuestions++;
    }
    onProgress?.(i + 1, timelines.length, `ask ${mode}`);
  }
  return {
    currentAccuracy: round(current / timelines.length),
    staleContextShare: round(stale / timelines.length),
    pastAccuracy: pastQuestions === 0 ? 1 : round(past / pastQuestions),
    currentQuestions: timelines.length,
    contexts: timelines.length,
    pastQuestions,
    writeSeconds: round(writeSeconds),
    querySeconds: round((clockMs() - queryStart) / 1000),
    searchMs: percentiles(searchSamples),
  };
}

/** The result as a table, with the targets beside the keyed figures. */
export function formatUpdatesBench(r: UpdatesBenchResult): string {
  const row = (label: string, keyed: string, plain: string, target: string) =>
    `${label.padEnd(34)}${keyed.padStart(8)}${plain.padStart(8)}   ${target}`;
  const pct = (x: number) => x.toFixed(3);
  return [
    `${r.users} users, ${r.facts} facts (${r.lateFacts} written late), seed ${r.seed}, on ${r.store}`,
    row("", "keyed", "plain", "target (keyed)"),
    row("current-value accuracy@1", pct(r.keyed.currentAccuracy), pct(r.plain.currentAccuracy), ">= 0.97"),
    row("contexts holding a stale fact", pct(r.keyed.staleContextShare), pct(r.plain.staleContextShare), "0"),
    row("past-value accuracy (validAt)", pct(r.keyed.pastAccuracy), pct(r.plain.pastAccuracy), ">= 0.95"),
    row("write seconds", r.keyed.writeSeconds.toFixed(2), r.plain.writeSeconds.toFixed(2), ""),
    row("query seconds", r.keyed.querySeconds.toFixed(2), r.plain.querySeconds.toFixed(2), ""),
    row("search p50 ms", r.keyed.searchMs.p50.toFixed(2), r.plain.searchMs.p50.toFixed(2), ""),
    row("search p95 ms", r.keyed.searchMs.p95.toFixed(2), r.plain.searchMs.p95.toFixed(2), ""),
  ].join("\n");
}
