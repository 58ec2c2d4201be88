import { tokenize } from "../core/text.ts";

/**
 * The key an entity is found by: its words lower-cased, diacritics removed, possessive `'s` dropped,
 * so "Ada's", "ADA" and "Ada" are one entity, and a query's words can be matched against keys.
 */
export function entityKey(name: string): string {
  return tokenize(name)
    .filter((word, i) => !(word === "s" && i > 0))
    .join(" ");
}

/** Longest entity name, in words, that a query is searched for. */
export const MAX_ENTITY_WORDS = 4;

/** Every run of one to four consecutive words of a text, as candidate entity keys. */
export function candidateKeys(text: string, limit = 200): string[] {
  const words = tokenize(text.slice(0, 20_000)).filter((w) => w !== "s");
  const out = new Set<string>();
  for (let i = 0; i < words.length && out.size < limit; i++) {
    for (let n = 1; n <= MAX_ENTITY_WORDS && i + n <= words.length; n++) {
      out.add(words.slice(i, i + n).join(" "));
    }
  }
  return [...out].slice(0, limit);
}
