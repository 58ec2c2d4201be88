import { ForbiddenError } from "../core/errors.ts";
import type { McpServerConfig } from "../core/mcp-server-types.ts";
import { checkDestination, type OutboundPolicy, UNRESTRICTED } from "../webhooks/outbound-policy.ts";

/**
 * Which MCP servers a tenant's agents may use, set by the operator of a server that requires API
 * keys: a stdio server is a program run on the operator's machine, and an HTTP one a request sent
 * from it. When `restricted`, a command must be allowed by one of `commands` (`engram serve
 * --allow-mcp`) and a URL must pass `outbound` (`engram serve --allow-url`, as for webhooks).
 */
export interface McpPolicy {
  restricted: boolean;
  /**
   * Allowed command lines, split on spaces: `mcp-server-everything` allows that command with any
   * arguments; `mcp-server-filesystem /srv/shared` allows exactly that command line.
   */
  commands: readonly string[];
  outbound: OutboundPolicy;
}

/** Trusted callers (the library, a server without auth): any command, any http(s) URL. */
export const UNRESTRICTED_MCP: McpPolicy = { restricted: false, commands: [], outbound: UNRESTRICTED };

/**
 * Variables that change what code a program loads or runs (Node, the dynamic linker, shells,
 * Python, Perl, Ruby, Java, npm): a tenant setting one could run code of its own under an allowed
 * command, so with a restricted policy they are refused.
 */
const LOADER_VARIABLES =
  /^(LD_.*|DYLD_.*|NODE_OPTIONS|NODE_PATH|PATH|HOME|BASH_ENV|ENV|SHELLOPTS|PYTHON.*|PERL5?(OPT|LIB)|RUBY(OPT|LIB)|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|NPM_CONFIG_.*|npm_config_.*)$/;

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
  if (config.transport === "http") {
    await checkDestination(new URL(config.url), policy.outbound, `${field}: url`);
    return;
  }
  const line = [config.command, ...config.args];
  const allowed = policy.commands.some((entry) => {
    const [command, ...args] = entry.trim().split(/\s+/);
    return command === config.command && (args.length === 0 || sameList(args, config.args));
  });
  if (!allowed)
    throw new ForbiddenError(
      `${field}: command: ${JSON.stringify(line.join(" ").slice(0, 200))} is not allowed on this server (${policy.commands.length === 0 ? "it allows no MCP server command" : `allowed: ${policy.commands.join(", ")}`}); the operator allows more with engram serve --allow-mcp`,
      { details: { setting: "allow-mcp", command: config.command } },
    );
  const risky = Object.keys(config.env).find((name) => LOADER_VARIABLES.test(name));
  if (risky !== undefined)
    throw new ForbiddenError(
      `${field}: env.${risky}: changes what code the command runs, which this server does not allow its API keys to set`,
      { details: { setting: "allow-mcp", variable: risky } },
    );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
