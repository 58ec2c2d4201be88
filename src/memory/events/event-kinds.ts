import { InvalidInputError } from "../../core/errors.ts";
import { closest, didYouMean } from "../../core/suggest.ts";

/**
 * Every kind of event engram writes to its log, by family. `makeEvent` takes only these, so a new kind
 * is added here (and to docs/live-events.md) before it can be written.
 *
 * @example
 * EVENT_KINDS.includes("memory.created"); // true
 */
export const EVENT_KINDS = [
  "agent.created",
  "agent.updated",
  "agent.renamed",
  "agent.forked",
  "agent.deleted",
  "agent.copied",
  "agent.imported",
  "block.created",
  "block.attached",
  "block.detached",
  "block.deleted",
  "block.copied",
  "blocks.committed",
  "branch.created",
  "branch.deleted",
  "episode.started",
  "episode.step",
  "episode.finished",
  "episode.recorded",
  "evolution.started",
  "evolution.resumed",
  "evolution.accepted",
  "evolution.rejected",
  "evolution.stopped",
  "evolution.failed",
  "evolution.finished",
  "evolution.rolled_back",
  "group.created",
  "group.updated",
  "group.deleted",
  "group.copied",
  "insights.changed",
  "key.created",
  "key.revoked",
  "key.copied",
  "mcp_server.created",
  "mcp_server.updated",
  "mcp_server.deleted",
  "mcp_server.copied",
  "memory.created",
  "memory.updated",
  "memory.archived",
  "memory.restored",
  "memory.deleted",
  "message.appended",
  "project.created",
  "project.updated",
  "project.deleted",
  "project.copied",
  "project.memory_created",
  "sleeptime.completed",
  "webhook.created",
  "webhook.updated",
  "webhook.disabled",
  "webhook.deleted",
  "webhook.copied",
] as const;

/** A kind of event engram writes, one of `EVENT_KINDS`. */
export type EventKind = (typeof EVENT_KINDS)[number];

/** The families of kinds (`memory` for `memory.created`, …), each matched by `family.*`. */
export const EVENT_FAMILIES: readonly string[] = [...new Set(EVENT_KINDS.map(familyOf))];

/** Most kind patterns one follower or webhook may name. */
export const MAX_KIND_PATTERNS = 50;

/** What a kind pattern matches: one kind (`memory.created`), a family (`memory.*`), or every kind (`*`). */
export type KindPattern = { all: true } | { family: string } | { kind: string };

/**
 * Reads a kind pattern by its shape alone, for patterns already checked (a stored webhook's): one
 * written before a kind was renamed still matches what it did.
 */
function readKindPattern(pattern: string): KindPattern {
  if (pattern === "*") return { all: true };
  return pattern.endsWith(".*") ? { family: pattern.slice(0, -2) } : { kind: pattern };
}

/**
 * Checks a kind pattern against the kinds engram writes: an event kind (`memory.created`), a family
 * (`memory.*`) or `*`.
 * @throws InvalidInputError naming `field`, with the kinds it may have meant
 */
export function parseKindPattern(pattern: unknown, field: string): KindPattern {
  if (typeof pattern !== "string" || pattern === "")
    throw new InvalidInputError(
      `invalid ${field}: must be an event kind (memory.created), a family (memory.*) or *`,
    );
  const parsed = readKindPattern(pattern);
  if ("all" in parsed) return parsed;
  if ("family" in parsed ? EVENT_FAMILIES.includes(parsed.family) : isEventKind(parsed.kind)) return parsed;
  throw new InvalidInputError(`invalid ${field}: ${JSON.stringify(pattern)} ${unknownKind(pattern)}`);
}

/**
 * Checks kind patterns, as a follower or webhook names them (see `parseKindPattern`).
 * @throws InvalidInputError naming `field` and the pattern's index
 */
export function checkKindPatterns(patterns: readonly unknown[] | undefined, field: string): void {
  if (patterns === undefined) return;
  if (patterns.length > MAX_KIND_PATTERNS)
    throw new InvalidInputError(`invalid ${field}: at most ${MAX_KIND_PATTERNS} kinds`);
  for (const [i, pattern] of patterns.entries()) parseKindPattern(pattern, `${field}: ${i}`);
}

/** A test for an event's kind against checked patterns: true for any kind when there are none. */
export function kindMatcher(patterns: readonly string[] | undefined): (kind: string) => boolean {
  if (patterns === undefined || patterns.length === 0) return () => true;
  const parsed = patterns.map(readKindPattern);
  if (parsed.some((p) => "all" in p)) return () => true;
  const exact = new Set(parsed.flatMap((p) => ("kind" in p ? [p.kind] : [])));
  const prefixes = parsed.flatMap((p) => ("family" in p ? [`${p.family}.`] : []));
  return (kind) => exact.has(kind) || prefixes.some((prefix) => kind.startsWith(prefix));
}

/** The exact kinds to ask the store for, or undefined when a pattern is a family (matched in memory). */
export function exactKinds(patterns: readonly string[] | undefined): string[] | undefined {
  if (patterns === undefined || patterns.length === 0) return undefined;
  return patterns.some((p) => p.endsWith("*")) ? undefined : [...patterns];
}

function isEventKind(kind: string): kind is EventKind {
  return (EVENT_KINDS as readonly string[]).includes(kind);
}

/** `memory` for `memory.created`. */
function familyOf(kind: string): string {
  const dot = kind.indexOf(".");
  return dot === -1 ? kind : kind.slice(0, dot);
}

/** Why a pattern is not one: the kinds of its family, or the one it most likely meant, or the families. */
function unknownKind(pattern: string): string {
  const family = familyOf(pattern);
  const meant = didYouMean(closest(pattern, [...EVENT_KINDS, ...EVENT_FAMILIES.map((f) => `${f}.*`)]));
  if (EVENT_FAMILIES.includes(family) && !pattern.endsWith(".*"))
    return `is not an event kind${meant}: the ${family} kinds are ${kindsOf(family).join(", ")} (or ${family}.*)`;
  return `is not an event kind${meant}: give a kind (memory.created), a family (${EVENT_FAMILIES.map((f) => `${f}.*`).join(", ")}) or *`;
}

function kindsOf(family: string): string[] {
  return EVENT_KINDS.filter((kind) => familyOf(kind) === family);
}
