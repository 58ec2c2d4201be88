import { z } from "zod";
import { parseInput } from "../../core/validation.ts";
import { createRandom, type Random } from "../../environments/random.ts";
import { deriveSeed } from "../../evolution/seeds.ts";

/** How a simulated world is made; every field has a default (see docs/evolution.md). */
export interface SimulatorOptions {
  /** Seed of the world: task difficulties and rule texts (default 1). */
  seed?: number;
  /** Latent skills tasks need (default 2). */
  skills?: number;
  /** Tasks per skill (default 30). */
  tasksPerSkill?: number;
  /** Rules with no effect on any skill (default 12). */
  neutralRules?: number;
  /** Log-odds a skill's helpful rule adds to the chance of solving its tasks (default 3). */
  helpfulEffect?: number;
  /** Log-odds a skill's harmful rule takes away (default 0.7: plausible advice that hurts a little). */
  harmfulEffect?: number;
  /** Mean and spread of a task's log-odds of being solved with no rule (defaults -0.5 and 1). */
  baseLogOdds?: { mean: number; spread: number };
  /** The teacher's chance that an edit is helpful: p (default 0.5). */
  teacherHelpful?: number;
  /** Of the edits that are not helpful, the share that are harmful; the rest are neutral (default 0.5). */
  teacherHarmful?: number;
  /**
   * Share of the student's answers drawn from noise that depends on the call's seed only, so two
   * contexts asked with the same seed answer alike unless their rules differ (default 0.8); the rest
   * also depend on the whole prompt, as a real model's sampling does.
   */
  coupling?: number;
}

const unit = z.number().min(0, "must be at least 0").max(1, "must be at most 1");
const optionsSchema = z.strictObject({
  seed: z
    .number()
    .int()
    .min(0, "must be at least 0")
    .max(2 ** 31 - 1)
    .default(1),
  skills: z.number().int().min(1, "must be at least 1").max(26, "must be at most 26").default(2),
  tasksPerSkill: z.number().int().min(1, "must be at least 1").max(1000).default(30),
  neutralRules: z.number().int().min(0, "must be at least 0").max(1000).default(12),
  helpfulEffect: z.number().min(0, "must be at least 0").max(20).default(3),
  harmfulEffect: z.number().min(0, "must be at least 0").max(20).default(0.7),
  baseLogOdds: z
    .strictObject({ mean: z.number().min(-20).max(20), spread: z.number().min(0).max(10) })
    .default({ mean: -0.5, spread: 1 }),
  teacherHelpful: unit.default(0.5),
  teacherHarmful: unit.default(0.5),
  coupling: unit.default(0.8),
});

export type WorldSettings = z.output<typeof optionsSchema>;

/** A task of the simulated world: a skill, and the log-odds of solving it with no rule. */
export interface SimulatedTask {
  id: string;
  input: string;
  expected: string;
  checker: "exact";
  skill: string;
  baseLogOdds: number;
}

/** A rule the teacher may write: its effect on its skill's tasks in log-odds (0 for a neutral one). */
export interface SimulatedRule {
  id: string;
  text: string;
  skill: string | null;
  effect: number;
  kind: "helpful" | "harmful" | "neutral";
}

const SKILL_NAMES = [
  "arithmetic",
  "dates",
  "units",
  "logic",
  "spelling",
  "geometry",
  "sorting",
  "probability",
  "grammar",
  "geography",
  "chemistry",
  "music",
  "history",
  "physics",
  "finance",
  "law",
  "biology",
  "chess",
  "cooking",
  "sport",
  "weather",
  "poetry",
  "astronomy",
  "economics",
  "botany",
  "coding",
];
const NEUTRAL_PHRASES = [
  "Be polite in every answer.",
  "Prefer short sentences.",
  "Mention no sources.",
  "Use British spelling.",
  "Keep a calm tone.",
  "Avoid exclamation marks.",
  "Write numbers as digits.",
  "Do not repeat the question.",
  "Answer in the active voice.",
  "Avoid jargon.",
];

/** The tag by which the student recognises a rule in its prompt. */
export const ruleTag = (id: string) => `[rule ${id}]`;
const TAG = /\[rule (r\d+)\]/g;

/** A world: its tasks and rules, and what any context is truly worth in it. */
export class SimulatedWorld {
  readonly settings: WorldSettings;
  readonly tasks: SimulatedTask[];
  readonly rules: SimulatedRule[];
  readonly #byInput = new Map<string, SimulatedTask>();
  readonly #byId = new Map<string, SimulatedRule>();

  constructor(options: SimulatorOptions = {}) {
    this.settings = parseInput(optionsSchema, options, "simulator options");
    const { seed, skills, tasksPerSkill, neutralRules, helpfulEffect, harmfulEffect, baseLogOdds } =
      this.settings;
    const random = createRandom(deriveSeed(seed, "simulated world"));
    const names = SKILL_NAMES.slice(0, skills);
    this.tasks = names.flatMap((skill) =>
      Array.from({ length: tasksPerSkill }, (_, i) => {
        const id = `${skill}-${i + 1}`;
        return {
          id,
          input: `[${skill}] Problem ${i + 1} of ${skill} (task ${id}).`,
          expected: `ANSWER ${id}`,
          checker: "exact" as const,
          skill,
          baseLogOdds: baseLogOdds.mean + baseLogOdds.spread * gaussian(random),
        };
      }),
    );
    let n = 0;
    const rule = (kind: SimulatedRule["kind"], skill: string | null, effect: number, phrase: string) => {
      const id = `r${String(++n).padStart(2, "0")}`;
      return { id, kind, skill, effect, text: `${phrase} ${ruleTag(id)}` };
    };
    this.rules = [
      ...names.map((s) =>
        rule("helpful", s, helpfulEffect, `For ${s} tasks, work step by step and check the result.`),
      ),
      ...names.map((s) =>
        rule("harmful", s, -harmfulEffect, `For ${s} tasks, answer from the first impression.`),
      ),
      ...Array.from({ length: neutralRules }, (_, i) =>
        rule("neutral", null, 0, NEUTRAL_PHRASES[i % NEUTRAL_PHRASES.length] as string),
      ),
    ];
    for (const t of this.tasks) this.#byInput.set(t.input, t);
    for (const r of this.rules) this.#byId.set(r.id, r);
  }

  /** The task a prompt asks, if it is one of the world's. */
  task(input: string): SimulatedTask | undefined {
    return this.#byInput.get(input.trim());
  }

  /** The rules a text holds (by their tags), each once. */
  rulesIn(text: string): SimulatedRule[] {
    const ids = new Set([...text.matchAll(TAG)].map((m) => m[1] as string));
    return [...ids].flatMap((id) => this.#byId.get(id) ?? []);
  }

  /** The chance the student solves a task under these rules. */
  solveChance(task: SimulatedTask, rules: readonly SimulatedRule[]): number {
    const logOdds = rules.reduce((sum, r) => sum + (r.skill === task.skill ? r.effect : 0), task.baseLogOdds);
    return 1 / (1 + Math.exp(-logOdds));
  }

  /** Expected accuracy over all the world's tasks of a prompt (or rule text) holding these rules. */
  trueAccuracy(text: string): number {
    const rules = this.rulesIn(text);
    return this.tasks.reduce((sum, t) => sum + this.solveChance(t, rules), 0) / this.tasks.length;
  }

  /** The best true accuracy any set of the world's rules reaches: every rule that helps, and no other. */
  get oracleAccuracy(): number {
    return this.trueAccuracy(
      this.rules
        .filter((r) => r.effect > 0)
        .map((r) => r.text)
        .join("\n"),
    );
  }
}

/** A standard normal draw (Box-Muller). */
function gaussian(random: Random): number {
  const u = Math.max(random.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}
