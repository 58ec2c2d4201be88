import { InvalidInputError } from "../../core/errors.ts";
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
  throw new InvalidInputError(`invalid import file: not a format engram reads; expected ${EXPECTED}`);
}
