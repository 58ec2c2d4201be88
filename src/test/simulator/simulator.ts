import type { LanguageModelV3, LanguageModelV3CallOptions } from "@ai-sdk/provider";
import { createRandom, type Random } from "../../environments/random.ts";
import { deriveSeed } from "../../evolution/seeds.ts";
import { type ScriptedModel, scriptedModel } from "../scripted-model.ts";
import { type SimulatedRule, SimulatedWorld, type SimulatorOptions } from "./world.ts";

/** The first words of engram's reflection prompt: how the combined model tells a teacher's call. */
const REFLECTION = "You improve the learned context";

/** What a simulated run can be asked about, besides driving it. */
export interface EvolutionSimulator {
  /** The world: tasks with latent skills, rules, true accuracy of any context, the oracle. */
  readonly world: SimulatedWorld;
  /** The tasks, in engram's task-set format (`{id, input, expected, checker}`). */
  readonly tasks: { id: string; input: string; expected: string; checker: string }[];
  /** The student: answers a task, correctly with the chance its prompt's rules give. */
  readonly student: ScriptedModel;
  /** The teacher: answers reflection prompts with the rule list plus (or minus) one rule. */
  readonly teacher: ScriptedModel;
  /** One model that is the teacher for reflection prompts and the student for everything else. */
  readonly model: LanguageModelV3;
  /** Expected accuracy over all the world's tasks of a context (or prompt, or rule text). */
  trueAccuracy(context: { insights: readonly string[] } | string): number;
  /** The best true accuracy the world's rules allow. */
  readonly oracleAccuracy: number;
  /** Calls made so far. */
  readonly calls: { student: number; teacher: number };
  /** Each edit the teacher proposed, in order, with its kind. */
  readonly edits: { kind: "helpful" | "harmful" | "neutral" | "none"; rule: string | null }[];
}

/**
 * A ground-truth simulator of self-evolution. Tasks need latent skills; the student solves a task
 * with chance σ(base log-odds + the effects of the rules in its prompt on the task's skill), sampled
 * (so scores are noisy, and reproducible from the call's seed); the teacher reads engram's
 * reflection prompt (the current rule list, the failed tasks) and answers with the list plus one rule
 * for a failed skill, helpful with probability p, else harmful (a harmful rule added, or a helpful one
 * dropped) or neutral. Both are AI SDK language models, so engram's real evolution loop runs on them
 * unchanged; and the simulator knows every context's true accuracy, and the best one reachable.
 *
 * @example
 * const sim = createEvolutionSimulator({ seed: 3, teacherHelpful: 0.5 });
 * const engram = createTestEngram();
 * const agent = await engram.agents.create({ name: "student", instructions: "Solve the task." });
 * const { report } = await engram.evolution.evolve(agent.id, {
 *   tasks: sim.tasks, rounds: 20, components: ["insights"], model: sim.model,
 * });
 * const current = await engram.insights.list(agent.id);
 * sim.trueAccuracy({ insights: current.map((r) => r.text) }); // against sim.oracleAccuracy
 */
export function createEvolutionSimulator(options: SimulatorOptions = {}): EvolutionSimulator {
  const world = new SimulatedWorld(options);
  const calls = { student: 0, teacher: 0 };
  const edits: EvolutionSimulator["edits"] = [];
  const answerTask = (call: LanguageModelV3CallOptions) => {
    calls.student++;
    const { system, user } = textOf(call);
    const task = world.task(user);
    if (task === undefined) return { text: "I cannot tell what is asked." };
    const chance = world.solveChance(task, world.rulesIn(system));
    const seed = call.seed ?? 0;
    const shared = unitOf(deriveSeed(seed, "shared"));
    const own = unitOf(deriveSeed(seed, "own", system));
    const draw = unitOf(deriveSeed(seed, "which")) < world.settings.coupling ? shared : own;
    return { text: draw < chance ? task.expected : `ANSWER unknown (${task.id})` };
  };
  const reflect = (call: LanguageModelV3CallOptions) => {
    calls.teacher++;
    const { user } = textOf(call);
    const edit = teach(world, user, createRandom(deriveSeed(call.seed ?? 0, "teacher")));
    edits.push({ kind: edit.kind, rule: edit.rule?.text ?? null });
    return { text: `\`\`\`\n${edit.rules.join("\n")}\n\`\`\`` };
  };
  const student = scriptedModel((_, call) => answerTask(call), {
    modelId: "simulated-student",
    record: false,
  });
  const teacher = scriptedModel((_, call) => reflect(call), { modelId: "simulated-teacher", record: false });
  const model = scriptedModel(
    (_, call) => (textOf(call).user.startsWith(REFLECTION) ? reflect(call) : answerTask(call)),
    { modelId: "simulated-student-and-teacher", record: false },
  );
  const trueAccuracy = (context: { insights: readonly string[] } | string) =>
    world.trueAccuracy(typeof context === "string" ? context : context.insights.join("\n"));
  return {
    world,
    tasks: world.tasks.map(({ id, input, expected, checker }) => ({ id, input, expected, checker })),
    student,
    teacher,
    model,
    trueAccuracy,
    oracleAccuracy: world.oracleAccuracy,
    calls,
    edits,
  };
}

/** The teacher's edit: the current rules with one added or dropped, derived from the failed skills. */
function teach(
  world: SimulatedWorld,
  prompt: string,
  random: Random,
): { rules: string[]; kind: EvolutionSimulator["edits"][number]["kind"]; rule: SimulatedRule | null } {
  const current = /The current text of [^\n]*:\n```\n([\s\S]*?)\n```/.exec(prompt)?.[1] ?? "";
  const lines = current === "(empty)" ? [] : current.split("\n").filter((l) => l.trim() !== "");
  const present = new Set(world.rulesIn(current).map((r) => r.id));
  const failed = [...prompt.matchAll(/\(failed[^\n]*\nTask:\n\[([^\]]+)\]/g)].map((m) => m[1] as string);
  const skills = [...new Set(failed)];
  const absent = (kind: SimulatedRule["kind"], skill: string | null) =>
    world.rules.find((r) => r.kind === kind && r.skill === skill && !present.has(r.id));
  const add = (rule: SimulatedRule, kind: SimulatedRule["kind"]) => ({
    rules: [...lines, rule.text],
    kind,
    rule,
  });
  const neutral = () => {
    const options = world.rules.filter((r) => r.kind === "neutral" && !present.has(r.id));
    const rule = options[random.integer(Math.max(1, options.length))];
    return rule === undefined ? { rules: lines, kind: "none" as const, rule: null } : add(rule, "neutral");
  };
  const { teacherHelpful, teacherHarmful } = world.settings;
  const roll = random.next();
  // The skill the edit is about: one the failures show, most failed first.
  const ranked = skills.sort((a, b) => count(failed, b) - count(failed, a));
  if (roll < teacherHelpful) {
    for (const skill of ranked) {
      const rule = absent("helpful", skill);
      if (rule !== undefined) return add(rule, "helpful");
    }
    return neutral();
  }
  if (roll < teacherHelpful + (1 - teacherHelpful) * teacherHarmful) {
    const helpful = world.rulesIn(current).filter((r) => r.kind === "helpful");
    const dropped = helpful[random.integer(Math.max(1, helpful.length))];
    if (dropped !== undefined && random.next() < 0.5) {
      const rules = lines.filter((l) => world.rulesIn(l).every((r) => r.id !== dropped.id));
      return { rules, kind: "harmful", rule: dropped };
    }
    for (const skill of ranked) {
      const rule = absent("harmful", skill);
      if (rule !== undefined) return add(rule, "harmful");
    }
  }
  return neutral();
}

const count = (list: readonly string[], item: string) => list.filter((x) => x === item).length;

function unitOf(seed: number): number {
  return seed / 0x80000000;
}

function textOf(call: LanguageModelV3CallOptions): { system: string; user: string } {
  let system = "";
  let user = "";
  for (const message of call.prompt) {
    if (message.role === "system") system += message.content;
    if (message.role === "user")
      for (const part of message.content) if (part.type === "text") user += part.text;
  }
  return { system, user };
}
