import { ForbiddenError } from "../core/errors.ts";
import type { McpServerConfig } from "../core/mcp-server-types.ts";
import { checkDestination, type OutboundPolicy, UNRESTRICTED } from "../webhooks/outbound-policy.ts";

/**
 * Which MCP servers a tenant's agents may use, set by the operator of a server that requires API
 * keys: a stdio server is a program run on the operator's machine, and an HTTP one a request sent
 * from it. When `restricted`, a command must be one of `commands` exactly (`engram serve --allow-mcp`)
 * and a URL must pass `outbound` (`engram serve --allow-url`, as for webhooks).
 */
export interface McpPolicy {
  restricted: boolean;
  /** Commands allowed, compared as written (`mcp-server-everything`, `/usr/local/bin/my-server`). */
  commands: readonly string[];
  outbound: OutboundPolicy;
}

/** Trusted callers (the library, a server without auth): any command, any http(s) URL. */
export const UNRESTRICTED_MCP: McpPolicy = { restricted: false, commands: [], outbound: UNRESTRICTED };

/**
 * @throws ForbiddenError naming the setting when the policy does not allow the server; for a URL,
 * also when its host resolves to a non-public address no exact `--allow-url` pattern names.
 */
export async function checkMcpServerAllowed(
  policy: McpPolicy,
  config: McpServerConfig,
  field: string,
): Promise<void> {
  if (!policy.restricted) return;
  if (config.transport === "stdio") {
    if (policy.commands.includes(config.command)) return;
    throw new ForbiddenError(
      `${field}: command: ${JSON.stringify(config.command)} is not allowed on this server (${policy.commands.length === 0 ? "it allows no MCP server command" : `allowed: ${policy.commands.join(", ")}`}); the operator allows more with engram serve --allow-mcp`,
      { details: { setting: "allow-mcp", command: config.command } },
    );
  }
  await checkDestination(new URL(config.url), policy.outbound, `${field}: url`);
}
