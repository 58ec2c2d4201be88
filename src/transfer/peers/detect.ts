import { InvalidInputError } from "../../core/errors.ts";
import { isObject } from "../../core/json-object.ts";
import { EXPORT_FORMAT } from "../format.ts";
import { IMPORT_FORMATS, type ImportFormat } from "./build.ts";
import { looksLikeLetta } from "./letta.ts";
import { looksLikeMem0 } from "./mem0.ts";

/** What each format looks like, for the error that says none matched. */
const EXPECTED = `an engram export ("format": "${EXPORT_FORMAT}"), a Letta agent file (.af: "agents" with "blocks", or an agent with "core_memory"), or a Mem0 export ({"results": [...]} or a list of memories with "memory")`;

/**
 * The format of an import file: the one forced (`from`), else the one its shape shows. An object
 * with a `format` field is engram's, so an engram document with a wrong format or version gets
 * engram's own precise error.
 */
export function detectFormat(document: unknown, from?: string): ImportFormat {
  if (from !== undefined) {
    if (!(IMPORT_FORMATS as readonly string[]).includes(from))
      throw new InvalidInputError(
        `from: must be one of ${IMPORT_FORMATS.join(", ")}, got ${JSON.stringify(from)}`,
      );
    return from as ImportFormat;
  }
  if (document !== null && typeof document === "object" && "format" in document) return "engram";
  if (looksLikeLetta(document)) return "letta";
  if (looksLikeMem0(document)) return "mem0";
  if (
    Array.isArray(document) &&
    document.some((item) => isObject(item) && "memory_id" in item && "event" in item)
  )
    throw new InvalidInputError(
      "invalid import file: this is Mem0's history of a memory (memory_id, event: what changed), not its memories; export them with get_all and import that",
    );
  throw new InvalidInputError(`invalid import file: not a format engram reads; expected ${EXPECTED}`);
}

/**
 * The document of an import file. Some agent files are published encoded twice (the JSON text of
 * the document saved as a JSON string, as letta-ai/agent-file's examples have been): such a string
 * is read once more, and the note says so.
 */
export function decodeDocument(document: unknown): { document: unknown; notes: string[] } {
  if (typeof document !== "string") return { document, notes: [] };
  let inner: unknown;
  try {
    inner = JSON.parse(document);
  } catch {
    inner = undefined;
  }
  if (inner === null || typeof inner !== "object")
    throw new InvalidInputError(`invalid import file: a JSON string, not a document; expected ${EXPECTED}`);
  return {
    document: inner,
    notes: ["file: the document was a JSON string (encoded twice); the JSON inside it was read"],
  };
}
