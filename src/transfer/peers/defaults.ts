/**
 * The agent Mem0 memories go to when no name is given: a Mem0 export names no agent of its own.
 * In a file of its own, so the CLI can name it without loading the import's schemas.
 */
export const MEM0_DEFAULT_AGENT = "mem0";

/**
 * The name a Letta agent file gives the agent it becomes: its first agent's (the older shape: its
 * own), read from the file as given (a file encoded twice is a JSON string). In this file too, so the
 * CLI can tell a renamed import without loading the import's schemas.
 */
export function lettaAgentName(file: unknown): unknown {
  let doc = file;
  if (typeof doc === "string")
    try {
      doc = JSON.parse(doc);
    } catch {
      return undefined;
    }
  if (doc === null || typeof doc !== "object") return undefined;
  const agents = (doc as { agents?: unknown }).agents;
  const first: unknown = Array.isArray(agents) ? agents[0] : doc;
  return first !== null && typeof first === "object" ? (first as { name?: unknown }).name : undefined;
}
