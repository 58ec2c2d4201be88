/**
 * The reserved name of a project's holder of project memories (see project-memory.ts): no agent may
 * take it, `agents.list` leaves it out and no call addresses it as an agent. Both backends' agent
 * listings spell it in SQL.
 */
export const PROJECT_HOLDER_NAME = "engram:project-memory";
