/**
 * The agent Mem0 memories go to when no name is given: a Mem0 export names no agent of its own.
 * In a file of its own, so the CLI can name it without loading the import's schemas.
 */
export const MEM0_DEFAULT_AGENT = "mem0";
