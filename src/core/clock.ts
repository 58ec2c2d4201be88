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

/**
 * An instant given as text, normalised to UTC (`…Z`), or undefined when the text is not one. A
 * date-time needs its offset, since a local time is ambiguous; a date alone is the start of that
 * day in UTC. Impossible dates (2025-02-30) are refused rather than rolled over.
 */
export function parseInstant(text: string): string | undefined {
  if (DATE_TIME.safeParse(text).success) return new Date(text).toISOString();
  if (DATE_ONLY.safeParse(text).success) return new Date(`${text}T00:00:00Z`).toISOString();
  return undefined;
}
