import { z } from "zod";
import { InvalidInputError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import { parseInput } from "../core/validation.ts";
import type { McpServer, McpServerConfig, McpServerView } from "../core/mcp-server-types.ts";
import { parseDestination } from "../webhooks/outbound-policy.ts";

/** What GET shows instead of an environment variable's or a header's value. */
export const SECRET_MASK = "********";

/** Default time-out of one connection attempt or tool call of an MCP server. */
export const DEFAULT_MCP_TIMEOUT_MS = 30_000;

/** Most MCP servers one agent may have. */
export const MAX_MCP_SERVERS_PER_AGENT = 20;

/**
 * A server's name is the prefix of its tools' names (`NAME__TOOL`): letters, digits and `-`, no `_`,
 * so that no two servers' prefixes overlap and no built-in tool (they have no `__`) looks like one.
 */
export const MCP_SERVER_NAME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
const noBreaks = (s: string) => !/[\r\n\0]/.test(s);

const common = {
  allowTools: z
    .array(z.string().min(1).max(128))
    .max(500)
    .nullable()
    .optional()
    .describe("the server's tool names the model is offered (default: all)"),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .optional()
    .describe(`time-out of connecting and of each tool call, ms (default ${DEFAULT_MCP_TIMEOUT_MS})`),
};

/** `PUT /v1/agents/{id}/mcp-servers/{name}`'s body: a command (stdio) or a URL (streamable HTTP). */
export const mcpServerInput = z.union([
  z.strictObject({
    command: z
      .string()
      .min(1, "must not be empty")
      .max(1024)
      .refine(noBreaks, "must not contain line breaks or NUL"),
    args: z.array(z.string().max(4096).refine(noBreaks, "must not contain line breaks or NUL")).max(100).optional(),
    env: z
      .record(
        z.string().regex(ENV_NAME, "must be a variable name (letters, digits, _)"),
        z.string().max(4096).refine(noBreaks, "must not contain line breaks or NUL"),
      )
      .optional(),
    ...common,
  }),
  z.strictObject({
    url: z.string().min(1, "must not be empty").max(2048),
    headers: z
      .record(
        z.string().regex(HEADER_NAME, "must be an HTTP header name"),
        z.string().max(4096).refine(noBreaks, "must not contain line breaks or NUL"),
      )
      .optional(),
    ...common,
  }),
]);
export type McpServerInput = z.input<typeof mcpServerInput>;

/**
 * Checks a server's name and configuration. A value equal to SECRET_MASK keeps the value `before`
 * had for that variable or header, so that what GET showed can be sent back unchanged.
 * @throws InvalidInputError naming the field
 */
export function parseMcpServer(
  name: string,
  input: unknown,
  before: McpServerConfig | null,
): McpServerConfig {
  checkServerName(name);
  if (typeof input === "object" && input !== null && "command" in input && "url" in input)
    throw new InvalidInputError("invalid MCP server: give command (stdio) or url (HTTP), not both");
  if (typeof input === "object" && input !== null && !("command" in input) && !("url" in input))
    throw new InvalidInputError("invalid MCP server: command or url: one is required");
  const parsed = parseInput(mcpServerInput, input, "MCP server");
  const rest = { allowTools: parsed.allowTools ?? null, timeoutMs: parsed.timeoutMs ?? DEFAULT_MCP_TIMEOUT_MS };
  if ("command" in parsed) {
    const kept = before?.transport === "stdio" ? before.env : {};
    return {
      transport: "stdio",
      command: parsed.command,
      args: parsed.args ?? [],
      env: unmask(parsed.env ?? {}, kept, "env"),
      ...rest,
    };
  }
  const url = parseDestination(parsed.url, "MCP server: url");
  const kept = before?.transport === "http" ? before.headers : {};
  return { transport: "http", url: url.href, headers: unmask(parsed.headers ?? {}, kept, "headers"), ...rest };
}

/** @throws InvalidInputError when `name` cannot name an MCP server */
export function checkServerName(name: string): void {
  if (typeof name !== "string" || !MCP_SERVER_NAME.test(name))
    throw new InvalidInputError(
      `invalid MCP server: name: must be 1-32 letters, digits or '-', starting with a letter (got ${JSON.stringify(name)})`,
    );
}

function unmask(
  values: Record<string, string>,
  kept: Record<string, string>,
  field: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value !== SECRET_MASK) {
      out[key] = value;
      continue;
    }
    const previous = kept[key];
    if (previous === undefined)
      throw new InvalidInputError(
        `invalid MCP server: ${field}.${key}: is the mask GET shows, but there is no stored value to keep: give the value`,
      );
    out[key] = previous;
  }
  return out;
}

/** The server as shown: every `env` and `headers` value masked, as they often hold keys. */
export function maskedView(server: McpServer): McpServerView {
  const config = server.config;
  const masked: McpServerConfig =
    config.transport === "stdio" ? { ...config, env: maskAll(config.env) } : { ...config, headers: maskAll(config.headers) };
  return { ...server, config: masked };
}

function maskAll(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(values).map((key) => [key, SECRET_MASK]));
}

/** Identifies a configuration: a pooled connection is reused only for exactly the same one. */
export function configKey(config: McpServerConfig): string {
  const { allowTools: _tools, timeoutMs: _timeout, ...connection } = config;
  return sha256(JSON.stringify(connection));
}
