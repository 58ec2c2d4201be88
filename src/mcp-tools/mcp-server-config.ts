import { z } from "zod";
import { InvalidInputError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import type { McpServer, McpServerConfig, McpServerView } from "../core/mcp-server-types.ts";
import { parseInput } from "../core/validation.ts";
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

/** Names to values, each name checked by `pattern` (zod's own message would not say what is wrong). */
const namedValues = (pattern: RegExp, what: string) =>
  z
    .record(z.string(), z.string().max(4096).refine(noBreaks, "must not contain line breaks or NUL"))
    .superRefine((values, ctx) => {
      const keys = Object.keys(values);
      if (keys.length > 100) ctx.addIssue({ code: "custom", message: "at most 100 entries" });
      for (const key of keys)
        if (!pattern.test(key)) ctx.addIssue({ code: "custom", path: [key], message: `must be ${what}` });
    });

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

const stdioInput = z.strictObject({
  command: z
    .string()
    .min(1, "must not be empty")
    .max(1024)
    .refine(noBreaks, "must not contain line breaks or NUL"),
  args: z
    .array(z.string().max(4096).refine(noBreaks, "must not contain line breaks or NUL"))
    .max(100)
    .optional(),
  env: namedValues(ENV_NAME, "a variable name (letters, digits, _)").optional(),
  ...common,
});

const httpInput = z.strictObject({
  url: z.string().min(1, "must not be empty").max(2048),
  headers: namedValues(HEADER_NAME, "an HTTP header name").optional(),
  ...common,
});

/**
 * `PUT /v1/agents/{id}/mcp-servers/{name}`'s body: a command (stdio: with args, env) or a URL
 * (streamable HTTP: with headers). One object, so that a problem names its field; `parseMcpServer`
 * then checks that the fields belong together.
 */
export const mcpServerInput = z.strictObject({
  command: stdioInput.shape.command.optional().describe("stdio: the program to run"),
  args: stdioInput.shape.args,
  env: stdioInput.shape.env,
  url: httpInput.shape.url.optional().describe("streamable HTTP: the server's endpoint"),
  headers: httpInput.shape.headers,
  ...common,
});
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
  // Parsed by the one schema it means, so that problems name its fields.
  const parsed =
    typeof input === "object" && input !== null && "command" in input
      ? parseInput(stdioInput, input, "MCP server")
      : parseInput(httpInput, input, "MCP server");
  const rest = {
    allowTools: parsed.allowTools ?? null,
    timeoutMs: parsed.timeoutMs ?? DEFAULT_MCP_TIMEOUT_MS,
  };
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
  return {
    transport: "http",
    url: url.href,
    headers: unmask(parsed.headers ?? {}, kept, "headers"),
    ...rest,
  };
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
    config.transport === "stdio"
      ? { ...config, env: maskAll(config.env) }
      : { ...config, headers: maskAll(config.headers) };
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
