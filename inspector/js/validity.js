// Whether a fact is true, judged at a reference instant: the instant a search asked for (validAt),
// else now. The engine's rule (src/memory/memories/validity-note.ts), which this page cannot import;
// src/inspector/validity-label.test.ts keeps the two in step.

/**
 * @typedef {{ validFrom: string | null, validTo: string | null }} Interval
 * @typedef {{ now: string, validAt?: string | undefined }} ValidityReference
 */

/**
 * How a fact stands at `at`: begun by then and not yet ended, the rule a search's validAt selects by.
 * @param {Interval} m
 * @param {string} at
 * @returns {"true" | "not yet true" | "no longer true"}
 */
export function standingAt(m, at) {
  const t = Date.parse(at);
  if (m.validTo !== null && Date.parse(m.validTo) <= t) return "no longer true";
  if (m.validFrom !== null && Date.parse(m.validFrom) > t) return "not yet true";
  return "true";
}

/**
 * The mark a fact carries: at an asked validAt always, naming its day ("true on 2024-06-01"); at now
 * only when the fact is not true now (null when it is).
 * @param {Interval} m
 * @param {ValidityReference} reference
 * @returns {string | null}
 */
export function standingLabel(m, reference) {
  const standing = standingAt(m, reference.validAt ?? reference.now);
  if (reference.validAt === undefined) return standing === "true" ? null : standing;
  return `${standing} on ${new Date(Date.parse(reference.validAt)).toISOString().slice(0, 10)}`;
}
