import { z } from "zod";
import { ENTITY_TYPES } from "../core/graph-types.ts";
import { rebuildGraph } from "../graph/graph-rebuild.ts";
import { memoryUserId } from "../memory/memories/schemas.ts";
import type { Store } from "../store/store.ts";
import type { ExportDocument } from "./format.ts";
import { remapIds } from "./remap.ts";

const key = z.string().min(1).max(200);
const time = z.string().min(1).max(64);
const source = z.strictObject({ source: z.enum(["memory", "message"]), id: z.string().min(1).max(256) });

/** The entity graph in an export document: entities, relations (with validity and sources) and mentions. */
export const graphSection = z.strictObject({
  entities: z.array(
    z.strictObject({
      key,
      name: z.string().min(1).max(200),
      type: z.enum(ENTITY_TYPES),
      userId: memoryUserId.nullable(),
      mentions: z.number().int().min(0),
      firstSeen: time,
      lastSeen: time,
    }),
  ),
  relations: z.array(
    z.strictObject({
      source: key,
      target: key,
      type: z.string().min(1).max(64),
      userId: memoryUserId.nullable(),
      weight: z.number().int().min(1),
      validFrom: time,
      validTo: time.nullable(),
      provenance: z.array(source).max(50),
    }),
  ),
  mentions: z.array(source.extend({ key, userId: memoryUserId.nullable(), at: time })),
});

/**
 * Writes an imported agent's graph: the document's own (its sources' ids replaced through `ids`), or,
 * for a document from before graphs were exported, one rebuilt from the imported memories and messages.
 */
export async function importGraph(
  store: Store,
  agentId: string,
  doc: ExportDocument,
  ids: ReadonlyMap<string, string>,
): Promise<void> {
  if (doc.graph === undefined) await rebuildGraph(store, agentId);
  else await store.graph.replace(agentId, remapIds(doc.graph, ids));
}
