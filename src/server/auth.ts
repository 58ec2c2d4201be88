import type { MiddlewareHandler } from "hono";
import type { ApiKey } from "../core/types.ts";
import type { Engram } from "../engram.ts";
import type { McpPolicy } from "../mcp-tools/mcp-policy.ts";
import type { AuthFailureLimit } from "./auth-failures.ts";
import type { AppEnv } from "./env.ts";
import { HttpError } from "./errors.ts";

/** Paths anyone may read, with or without a key: they carry no project's data. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/health", "/openapi.json"]);

/** Scoped engines kept for reuse; past this many projects the cache starts over. */
const SCOPED_CACHE_SIZE = 1024;

const CHALLENGE = 'Bearer realm="engram"';

/**
 * Puts the request's engine on the context (`c.var.engram`). Without `required`, that is the
 * server's own engine and every request passes. With it, every request but the public paths must
 * carry `Authorization: Bearer <key>` of a valid key, and gets the engine of that key's project:
 * anything outside it is "not found", exactly like something missing, and models beyond the engine's
 * own and `allowedModels`, and MCP servers beyond `mcpPolicy`, are forbidden. Every 401 counts against the
 * client address in `failures`, which answers 429 once it has had too many.
 */
export function authenticate(
  engram: Engram,
  options: {
    required: boolean;
    failures?: AuthFailureLimit | undefined;
    allowedModels?: readonly string[];
    mcpPolicy?: McpPolicy | undefined;
  },
): MiddlewareHandler<AppEnv> {
  if (!options.required) {
    return async (c, next) => {
      c.set("engram", engram);
      c.set("apiKey", undefined);
      await next();
    };
  }
  const scoped = new Map<string, Engram>();
  const engineOf = (projectId: string): Engram => {
    let view = scoped.get(projectId);
    if (view === undefined) {
      if (scoped.size >= SCOPED_CACHE_SIZE) scoped.clear();
      view = engram.forProject(projectId, {
        allowedModels: options.allowedModels ?? [],
        mcpPolicy: options.mcpPolicy,
      });
      scoped.set(projectId, view);
    }
    return view;
  };
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) {
      c.set("engram", engram);
      c.set("apiKey", undefined);
      return next();
    }
    options.failures?.check(c);
    const key = await verify(engram, c.req.header("authorization")).catch((error: unknown) => {
      if (error instanceof HttpError && error.status === 401) options.failures?.failed(c);
      throw error;
    });
    c.set("engram", engineOf(key.projectId));
    c.set("apiKey", key);
    return next();
  };
}

/** The key an `Authorization` header carries. @throws HttpError 401 when there is no valid one. */
async function verify(engram: Engram, header: string | undefined): Promise<ApiKey> {
  const result = await engram.keys.authenticate(bearerToken(header));
  if (result.ok) return result.key;
  throw unauthorized(
    result.reason === "revoked" ? "the API key was revoked" : "invalid API key",
    "invalid_token",
  );
}

function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === "")
    throw unauthorized("missing API key: send it as 'Authorization: Bearer <key>'");
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (match === null)
    throw unauthorized("malformed Authorization header: expected 'Bearer <key>'", "invalid_request");
  return match[1] as string;
}

function unauthorized(message: string, error?: string): HttpError {
  const challenge = error === undefined ? CHALLENGE : `${CHALLENGE}, error="${error}"`;
  return new HttpError(401, "unauthorized", message, { "WWW-Authenticate": challenge });
}
