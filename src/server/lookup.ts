import { isAgentId } from "../core/agent-names.ts";
import { InvalidInputError } from "../core/errors.ts";
import type { Engram } from "../engram.ts";

/** The id of the agent a path names: an id (`agt_…`) as is, else a name unique in the project. */
export async function agentIdOf(engram: Engram, idOrName: string): Promise<string> {
  return isAgentId(idOrName) ? idOrName : (await engram.agents.find(idOrName)).id;
}

/**
 * The head a write expects, from the body's `expectedHead` or an `If-Match` header (`"<id>"`,
 * `W/"<id>"` or a bare id; `*` means any head). When both are given they must agree.
 */
export function expectedHeadOf(
  fromBody: string | undefined,
  ifMatch: string | undefined,
): string | undefined {
  const fromHeader = parseIfMatch(ifMatch);
  if (fromBody !== undefined && fromHeader !== undefined && fromBody !== fromHeader) {
    throw new InvalidInputError(
      `invalid request: expectedHead (${fromBody.slice(0, 12)}) and If-Match (${fromHeader.slice(0, 12)}) name different heads`,
    );
  }
  return fromBody ?? fromHeader;
}

/**
 * A setting a request may give in its query or in its body, e.g. `project`: whichever is given, and
 * when both are, they must agree (neither is silently ignored).
 */
export function fromQueryOrBody<T>(
  field: string,
  inQuery: T | undefined,
  inBody: T | undefined,
): T | undefined {
  if (inQuery !== undefined && inBody !== undefined && inQuery !== inBody) {
    throw new InvalidInputError(
      `invalid request: ${field} is given in the query (${String(inQuery)}) and in the body (${String(inBody)}) with different values; give it once`,
    );
  }
  return inBody ?? inQuery;
}

function parseIfMatch(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header
    .trim()
    .replace(/^W\//, "")
    .replace(/^"(.*)"$/, "$1");
  if (value === "" || value === "*") return undefined;
  if (value.includes(",")) throw new InvalidInputError("invalid header: If-Match: must name one head");
  return value;
}

/** An `ETag` value for a commit, so a client can send it back as `If-Match`. */
export function etagOf(commitId: string): string {
  return `"${commitId}"`;
}
