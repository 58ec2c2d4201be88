import type { LanguageModelV3CallOptions } from "@ai-sdk/provider";
import { type ScriptedModel, type ScriptStep, scriptedModel } from "./scripted-model.ts";

/** One role's script: steps in order, or a function of the role's call number and the call. */
export type RoleScript =
  | readonly ScriptStep[]
  | ((call: number, options: LanguageModelV3CallOptions) => ScriptStep);

/**
 * One scripted model for several agents, for tests of agents that talk to each other: each call plays
 * the next step of the script of the role whose tag (`[name]`) appears in the call's system prompt,
 * so give each agent's instructions its role's tag. Each role counts its own calls.
 *
 * @example
 * const model = castModel({
 *   boss: [{ toolCalls: [{ name: "send_message_to_agent_and_wait", input: { agent: "w", message: "2+2?" } }] }, { text: "4" }],
 *   worker: [{ text: "4" }],
 * });
 * const engram = createTestEngram({ model });
 * await engram.agents.create({ name: "w", instructions: "[worker] You add numbers." });
 */
export function castModel(
  roles: Readonly<Record<string, RoleScript>>,
  options: { record?: boolean } = {},
): ScriptedModel {
  const calls = new Map<string, number>();
  const tags = Object.keys(roles).map((role) => [role, `[${role}]`] as const);
  return scriptedModel((_, call) => {
    const system = call.prompt.find((message) => message.role === "system")?.content ?? "";
    const role = tags.find(([, tag]) => system.includes(tag))?.[0];
    if (role === undefined)
      throw new Error(`cast model: no role tag (${tags.map(([, t]) => t).join(", ")}) in the system prompt`);
    const index = calls.get(role) ?? 0;
    calls.set(role, index + 1);
    const script = roles[role] as RoleScript;
    const step = typeof script === "function" ? script(index, call) : script[index];
    if (step === undefined) throw new Error(`cast model: no step ${index + 1} in the script of ${role}`);
    return step;
  }, options);
}
