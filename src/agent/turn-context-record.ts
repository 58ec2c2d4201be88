import type { CompiledContext } from "./context-compiler.ts";

/**
 * What a turn's model call was given, kept on the turn's user message as `metadata.context`: the
 * budget, each section with its token count, the system prompt and the retrieved memories as they
 * were sent. Blocks, memories and insights change after the turn; this record does not, so the
 * context of a past turn can be read exactly as the model saw it.
 */
export interface TurnContextRecord {
  model: string | null;
  responder: string;
  query: string | null;
  budget: CompiledContext["budget"];
  sections: CompiledContext["sections"];
  system: string;
  retrieved: string;
}

/** The record of a compiled context (the recent messages are left out: they are in the log). */
export function turnContextRecord(context: CompiledContext): TurnContextRecord {
  const { model, responder, query, budget, sections, system, retrieved } = context;
  return { model, responder, query, budget, sections, system, retrieved };
}
