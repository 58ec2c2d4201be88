import { type Entity, nameInDetail, type Relation } from "../core/graph-types.ts";
import type { EntityDetail } from "../graph/entity-service.ts";
import { oneLine, shortTime, table } from "./output.ts";

/** One line per entity: its name, type and how often it is named. */
export function formatEntities(entities: readonly Entity[]): string {
  if (entities.length === 0) return "no entities";
  return table(
    ["NAME", "TYPE", "MENTIONS", "FIRST SEEN", "LAST SEEN"],
    entities.map((e) => [e.name, e.type, String(e.mentions), shortTime(e.firstSeen), shortTime(e.lastSeen)]),
  );
}

/**
 * An entity, then its relations over time (who or what, how, since when and until when), then the
 * latest texts naming it (`texts`: by item id, those the caller read).
 */
export function formatEntity(detail: EntityDetail, texts: ReadonlyMap<string, string> = new Map()): string {
  const { entity, relations, mentions } = detail;
  const head = `${entity.name} (${entity.type}), named ${entity.mentions} times, ${shortTime(entity.firstSeen)} to ${shortTime(entity.lastSeen)}`;
  const named = mentions.filter((m) => texts.has(m.id));
  const tail =
    named.length === 0
      ? ""
      : `\n\nNAMED IN (the latest ${named.length})\n${named
          .map((m) => `${shortTime(m.at)}  ${m.source} ${m.id}  ${flatLine(texts.get(m.id) ?? "")}`)
          .join("\n")}`;
  if (relations.length === 0) return `${head}\nno relations${tail}`;
  return `${head}\n\n${table(
    ["RELATION", "WITH", "WEIGHT", "FROM", "TO"],
    relations.map((r) => [
      direction(r, entity.key),
      nameInDetail(detail, r.source === entity.key ? r.target : r.source),
      String(r.weight),
      shortTime(r.validFrom),
      r.validTo === null ? "now" : shortTime(r.validTo),
    ]),
  )}${tail}`;
}

/** A text on one line, cut to fit a terminal row. */
/** A text flattened to one line of at most 100 columns (see output.ts `oneLine`). */
function flatLine(text: string): string {
  return oneLine(text.replace(/\s+/g, " ").trim(), 100);
}

function direction(r: Relation, key: string): string {
  if (r.type === "co_occurs") return "named with";
  return r.source === key ? r.type : `${r.type} (by)`;
}
