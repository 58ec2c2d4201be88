import type { Memory } from "../../core/types.ts";
import { markOf } from "./memory-mark.ts";

/**
 * The instant a fact's validity is judged at: the one a read asked for (`validAt`), else now.
 *
 * @example
 * validityNote(memory, { now: "2026-01-01T00:00:00.000Z", validAt: "2025-06-01" });
 */
export interface ValidityReference {
  /** The engine's present (ISO 8601), not the wall clock's. */
  now: string;
  /** The instant the read asked for (`validAt`), when it asked for one. */
  validAt?: string | undefined;
}

/** How a fact stands at an instant. */
export type Standing = "true" | "not yet true" | "no longer true";

/**
 * How a fact stands at instant `at`: begun by then (`validFrom`) and not yet ended (`validTo`), the
 * same rule a search's `validAt` selects by.
 */
export function standingAt(memory: Pick<Memory, "validFrom" | "validTo">, at: string): Standing {
  const t = Date.parse(at);
  if (memory.validTo !== null && Date.parse(memory.validTo) <= t) return "no longer true";
  if (memory.validFrom !== null && Date.parse(memory.validFrom) > t) return "not yet true";
  return "true";
}

/**
 * When a memory is true, as a prompt, the CLI and the MCP tools show it, judged at the reference
 * instant: a fact no longer true carries its interval (so a model never takes it for the present),
 * a fact not yet true its start, and a true one its start when that is not today. Judged at an asked
 * `validAt`, the verdict names that day ("true on 2025-06-01"). A keyed fact that restates the one
 * before it is shown true since the first of them (`trueSince`). Without a reference, no verdict:
 * only what needs no clock, a closed fact's interval.
 */
export function validityNote(
  memory: Pick<Memory, "validFrom" | "validTo" | "metadata">,
  reference?: ValidityReference,
): string {
  const mark = markOf(memory);
  const since = dayOf(typeof mark.trueSince === "string" ? mark.trueSince : memory.validFrom);
  const to = dayOf(memory.validTo);
  const superseded = mark.supersededBy ?? null;
  const by = superseded === null ? "" : `, superseded by ${superseded}`;
  if (reference === undefined) return to === null ? "" : `${intervalWords(since, to, true)}${by}`;
  const standing = standingAt(memory, reference.validAt ?? reference.now);
  // A fact to come is shown from its own start: a restatement's earlier `trueSince` would contradict it.
  const from = standing === "not yet true" ? dayOf(memory.validFrom) : since;
  const interval = intervalWords(from, to, standing === "true");
  const on = reference.validAt === undefined ? "" : ` on ${dayOf(reference.validAt)}`;
  if (standing !== "true") return `${interval}, ${standing}${on}${by}`;
  if (on !== "") return [interval, `true${on}`].filter((w) => w !== "").join(", ") + by;
  if (superseded !== null) return interval === "" ? `superseded by ${superseded}` : `${interval}${by}`;
  // A fact true since today needs no date: the prompt says what today is.
  return to === null && from === dayOf(reference.now) ? "" : interval;
}

/** A fact's interval in days: `valid A to B`, `valid until B`, `since A` (while true) or `valid from A`. */
function intervalWords(from: string | null, to: string | null, holds: boolean): string {
  if (to !== null) return from === null ? `valid until ${to}` : `valid ${from} to ${to}`;
  if (from === null) return "";
  return holds ? `since ${from}` : `valid from ${from}`;
}

/** The UTC day of an instant, whatever offset it was given with. */
function dayOf(instant: string | null): string | null {
  return instant === null ? null : new Date(Date.parse(instant)).toISOString().slice(0, 10);
}
