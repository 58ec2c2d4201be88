import { renderBlocks, renderInsights, renderInstructions } from "../agent/context-render.ts";
import { InvalidInputError } from "../core/errors.ts";
import type { ComponentChange, ContextBlock, LearnedContext } from "../core/evolution-types.ts";
import { sha256 } from "../core/hash.ts";
import { charCount } from "../core/validation.ts";
import { MAX_RULE_CHARS } from "../insights/insight-service.ts";
import { MAX_INSTRUCTIONS } from "../memory/agents/agent-service.ts";
import { BLOCK_DEFAULTS } from "../memory/blocks/schemas.ts";

export type { ContextBlock, LearnedContext };

/** The block exemplars live in: worked examples chosen by the evolver. */
export const EXEMPLARS_BLOCK = "exemplars";

/**
 * The system prompt a learned context gives the agent: its instructions, blocks and insight rules,
 * rendered exactly as the agent runtime's context compiler renders them (see
 * src/agent/context-render.ts), so that a candidate is scored on the prompt it would have in
 * production. What depends on the conversation (retrieved memories, the summary, the date, the
 * responder's guidance) is left out: tasks are answered on their own.
 */
export function systemPrompt(context: LearnedContext): string {
  return [
    renderInstructions(context.instructions),
    renderBlocks(
      context.blocks.map((b) => ({
        label: b.label,
        description: b.description,
        value: b.value,
        size: charCount(b.value),
        limit: b.limit,
        readOnly: b.readOnly,
      })),
      // A task is answered without tools.
      [],
    ),
    renderInsights(context.insights.map((text) => ({ text }))),
  ]
    .filter((part) => part !== "")
    .join("\n\n");
}

/** Equal contexts have equal hashes (the key of the evaluation cache). */
export function contextHash(context: LearnedContext): string {
  return sha256(JSON.stringify(context));
}

/**
 * The parts of a context the evolver may rewrite: `instructions`, `insights`, and `block:<label>`
 * for each block that is not read-only.
 */
export function componentsOf(context: LearnedContext): string[] {
  return [
    "instructions",
    ...context.blocks
      .filter((b) => !b.readOnly && b.label !== EXEMPLARS_BLOCK)
      .map((b) => `block:${b.label}`),
    "insights",
  ];
}

/** A component's text (insights one rule per line). */
export function componentText(context: LearnedContext, component: string): string {
  if (component === "instructions") return context.instructions;
  if (component === "insights") return context.insights.join("\n");
  const block = context.blocks.find((b) => `block:${b.label}` === component);
  if (block === undefined)
    throw new InvalidInputError(`component ${component} is not in the learned context`);
  return block.value;
}

/**
 * The context with one component replaced. A `block:` component that is missing is created (the
 * exemplars block, say). Insight text is one rule per line; numbering and bullets are dropped.
 * @throws InvalidInputError when a block value is over its limit or the block is read-only, a rule
 *   is over the rule limit, or the instructions are over the agent's limit.
 */
export function withComponent(context: LearnedContext, component: string, text: string): LearnedContext {
  if (component === "instructions") {
    // Refused here, before the gate spends rollouts on it: accepted, it could never be written.
    if (text.length > MAX_INSTRUCTIONS)
      throw new InvalidInputError(
        `the instructions would be ${text.length} characters, over the limit of ${MAX_INSTRUCTIONS}`,
      );
    return { ...context, instructions: text };
  }
  if (component === "insights") {
    const rules = parseRules(text);
    const long = rules.find((r) => r.length > MAX_RULE_CHARS);
    if (long !== undefined)
      throw new InvalidInputError(
        `a rule would be ${long.length} characters, over the limit of ${MAX_RULE_CHARS}`,
      );
    return { ...context, insights: rules };
  }
  if (!component.startsWith("block:")) throw new InvalidInputError(`unknown component ${component}`);
  const label = component.slice("block:".length);
  const existing = context.blocks.find((b) => b.label === label);
  if (existing?.readOnly === true) throw new InvalidInputError(`block "${label}" is read-only`);
  const block: ContextBlock = existing
    ? { ...existing, value: text }
    : {
        label,
        description:
          label === EXEMPLARS_BLOCK ? "Worked examples of tasks done well, chosen by the evolver." : "",
        value: text,
        limit: BLOCK_DEFAULTS.limit,
        readOnly: false,
      };
  const size = charCount(text);
  if (size > block.limit)
    throw new InvalidInputError(
      `block "${label}" would hold ${size} characters, over its limit of ${block.limit}`,
    );
  const blocks = existing
    ? context.blocks.map((b) => (b.label === label ? block : b))
    : [...context.blocks, block];
  return { ...context, blocks };
}

/** Rule lines: blank lines, numbering and bullets dropped, duplicates (by normalised text) kept once. */
export function parseRules(text: string): string[] {
  const seen = new Set<string>();
  const rules: string[] = [];
  for (const line of text.split("\n")) {
    const rule = line.replace(/^\s*(?:\d+[.)]|[-*•])\s*/, "").trim();
    const key = normaliseRule(rule);
    if (rule === "" || seen.has(key)) continue;
    seen.add(key);
    rules.push(rule);
  }
  return rules;
}

/** How insights compare rule texts: case, spacing and a final full stop do not count. */
export function normaliseRule(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, " ")
    .replace(/[.!]+$/, "")
    .trim();
}

/** What changed from one context to another, component by component, in a stable order. */
export function diffContexts(before: LearnedContext, after: LearnedContext): ComponentChange[] {
  const changes: ComponentChange[] = [];
  if (before.instructions !== after.instructions)
    changes.push({ component: "instructions", before: before.instructions, after: after.instructions });
  const labels = [...new Set([...before.blocks, ...after.blocks].map((b) => b.label))];
  for (const label of labels) {
    const a = before.blocks.find((b) => b.label === label)?.value ?? "";
    const b = after.blocks.find((x) => x.label === label)?.value ?? "";
    if (a !== b) changes.push({ component: `block:${label}`, before: a, after: b });
  }
  const rulesBefore = before.insights.join("\n");
  const rulesAfter = after.insights.join("\n");
  if (rulesBefore !== rulesAfter)
    changes.push({ component: "insights", before: rulesBefore, after: rulesAfter });
  return changes;
}
