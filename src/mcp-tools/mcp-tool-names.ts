/** The longest tool name models are offered (the tool registry's limit). */
const MAX_TOOL_NAME = 64;

/**
 * The name the model calls an MCP tool by: `SERVER__TOOL`, with every character outside the tool
 * registry's pattern (letters, digits, `_`, `-`) made `_`, cut to 64 characters, and made unique
 * among `taken` with a `_2`, `_3`… suffix. Server names have no `_`, so two servers' tools never
 * share a prefix, and built-in tools (no `__`) never look like one.
 */
export function mcpToolName(server: string, tool: string, taken: ReadonlySet<string>): string {
  const base = `${server}__${tool.replace(/[^A-Za-z0-9_-]/g, "_")}`.slice(0, MAX_TOOL_NAME);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `_${n}`;
    const candidate = `${base.slice(0, MAX_TOOL_NAME - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
