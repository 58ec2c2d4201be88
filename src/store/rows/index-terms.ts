import { indexTerms, joinedTerms, splitTerms } from "../../core/text.ts";
import type { Memory } from "../../core/types.ts";
import { type IndexedMessage, MESSAGE_FIELDS } from "../store.ts";

/**
 * The analysed terms each backend indexes a record under, column by column, so that both index (and
 * rank) the same words.
 */

/**
 * A memory's full-text columns: its text's terms, then its tags' terms. `textTerms`: the text's
 * terms as a write analysed them beforehand (see `MemoryWrite.textTerms`).
 */
export function memoryIndexTerms(memory: Memory, textTerms?: () => string): [string[], string[]] {
  return [
    textTerms === undefined ? indexTerms(memory.text) : splitTerms(textTerms()),
    memoryTagTerms(memory),
  ];
}

/** A memory's text terms joined by single spaces (`textTerms`: as in `memoryIndexTerms`). */
export function memoryTextTermsJoined(memory: Memory, textTerms?: () => string): string {
  return textTerms === undefined ? joinedTerms(memory.text) : textTerms();
}

/** A memory's tags' terms. */
export function memoryTagTerms(memory: Memory): string[] {
  return memory.tags.length === 0 ? [] : indexTerms(memory.tags.join(" "));
}

/** A message's full-text columns, in `MESSAGE_FIELDS` order. */
export function messageIndexTerms({ fields }: IndexedMessage): string[][] {
  return MESSAGE_FIELDS.map((field) => indexTerms(fields[field]));
}
