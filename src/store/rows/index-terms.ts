import { indexTerms } from "../../core/text.ts";
import type { Memory } from "../../core/types.ts";
import { type IndexedMessage, MESSAGE_FIELDS } from "../store.ts";

/**
 * The analysed terms each backend indexes a record under, column by column, so that both index (and
 * rank) the same words.
 */

/** A memory's full-text columns: its text's terms, then its tags' terms. */
export function memoryIndexTerms(memory: Memory): [string[], string[]] {
  return [indexTerms(memory.text), memory.tags.length === 0 ? [] : indexTerms(memory.tags.join(" "))];
}

/** A message's full-text columns, in `MESSAGE_FIELDS` order. */
export function messageIndexTerms({ fields }: IndexedMessage): string[][] {
  return MESSAGE_FIELDS.map((field) => indexTerms(fields[field]));
}
