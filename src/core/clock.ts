import { z } from "zod";

/** Milliseconds since the epoch. Injected everywhere so tests are deterministic. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

const DATE_TIME = z.iso.datetime({ offset: true });
const DATE_ONLY = z.iso.date();

/** What an instant given as text must look like, for error messages. */
export const INSTANT_FORMAT =
  "must be an ISO 8601 date-time with an offset (2025-05-08T13:56:00Z) or a date (2025-05-08, the start of that day in UTC)";

/** Why a date-time whose offset carries it out of the years 0000 to 9999 in UTC is refused. */
const INSTANT_RANGE = "must fall in the years 0000 to 9999 in UTC (its offset carries it out of them)";

/**
 * An instant given as text, normalised to UTC (`…Z`), or undefined when the text is not one. A
 * date-time needs its offset, since a local time is ambiguous; a date alone is the start of that
 * day in UTC. Impossible dates (2025-02-30) are refused rather than rolled over, and so is a time
 * whose offset carries it out of the years 0000 to 9999 (9999-12-31T23:00:00-05:00): its UTC form
 * (`+010000-…`) would not compare with stored times as text.
 */
export function parseInstant(text: string): string | undefined {
  if (DATE_TIME.safeParse(text).success) {
    const instant = new Date(text).toISOString();
    return /^\d{4}-/.test(instant) ? instant : undefined;
  }
  if (DATE_ONLY.safeParse(text).success) return new Date(`${text}T00:00:00Z`).toISOString();
  return undefined;
}

/** Why parseInstant refused a text, for error messages. */
export function instantProblem(text: unknown): string {
  if (typeof text !== "string") return INSTANT_FORMAT;
  if (DATE_TIME.safeParse(text).success) return INSTANT_RANGE;
  // A URL's query reads `+` as a space: `…T10:00:00+02:00` sent unencoded arrives as `…T10:00:00 02:00`.
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+ \d{2}(:?\d{2})?$/.test(text))
    return `${INSTANT_FORMAT}; a space stands where the offset's + was: in a URL's query, send + as %2B`;
  return INSTANT_FORMAT;
}
