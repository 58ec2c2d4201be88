import { OpenAPIHono } from "@hono/zod-openapi";
import { EngramError } from "../core/errors.ts";
import type { Engram } from "../engram.ts";
import { registerInspectorRoutes } from "../inspector/routes.ts";
import { checkPolicy, type OutboundPolicy } from "../webhooks/outbound-policy.ts";
import { authenticate, PUBLIC_PATHS } from "./auth.ts";
import {
  AuthFailureLimit,
  type AuthFailureOptions,
  DEFAULT_AUTH_FAILURES_PER_MINUTE,
} from "./auth-failures.ts";
import { jsonBody } from "./body.ts";
import { type ClosedRequest, describeClosedRequest, watchClientClose } from "./client-close.ts";
import type { AppEnv } from "./env.ts";
import { errorHandler, notFoundHandler, validationHook } from "./errors.ts";
import { openAiErrors, openAiTimeout } from "./openai/errors.ts";
import { knownQueryParameters } from "./query-parameters.ts";
import { DEFAULT_RATE_BURST, DEFAULT_RATE_LIMIT, type RateLimitOptions, rateLimit } from "./rate-limit.ts";
import { registerAgentRoutes } from "./routes/agents.ts";
import { registerBlockRoutes } from "./routes/blocks.ts";
import { registerBranchRoutes } from "./routes/branches.ts";
import { registerContextRoutes } from "./routes/context.ts";
import { registerEntityRoutes } from "./routes/entities.ts";
import { type EventStreamOptions, registerEventStreamRoute } from "./routes/event-stream.ts";
import { registerEventRoutes } from "./routes/events.ts";
import { registerEvolutionRoutes } from "./routes/evolution.ts";
import { registerExperienceRoutes } from "./routes/experience.ts";
import { registerFeedbackRoutes } from "./routes/feedback.ts";
import { registerGroupRoutes } from "./routes/groups.ts";
import { registerHistoryRoutes } from "./routes/history.ts";
import { registerImageRoutes } from "./routes/images.ts";
import { registerInsightRoutes } from "./routes/insights.ts";
import { registerKeyRoutes } from "./routes/keys.ts";
import { MCP_PATH, registerMcpRoute } from "./routes/mcp.ts";
import { registerMcpServerRoutes } from "./routes/mcp-servers.ts";
import { registerMemoryRoutes } from "./routes/memories.ts";
import { registerMessageRoutes } from "./routes/messages.ts";
import { registerOpenAiRoutes } from "./routes/openai.ts";
import { registerProjectRoutes } from "./routes/projects.ts";
import { registerSearchRoutes } from "./routes/search.ts";
import { registerSharedBlockRoutes } from "./routes/shared-blocks.ts";
import { registerSleeptimeRoutes } from "./routes/sleeptime.ts";
import { registerSystemRoutes } from "./routes/system.ts";
import { registerTransferRoutes } from "./routes/transfer.ts";
import { registerVectorRoutes } from "./routes/vectors.ts";
import { registerWebhookRoutes } from "./routes/webhooks.ts";
import { DEFAULT_REQUEST_TIMEOUT_MS, runsTurns, withTimeout } from "./timeout.ts";
import { packageVersion } from "./version.ts";

/** Default largest request body: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default largest body of `POST /v1/import`, which carries a whole agent's history: 64 MiB. */
export const DEFAULT_MAX_IMPORT_BYTES = 64 * 1024 * 1024;

/**
 * Default largest body of a new message (`POST …/messages`, `/v1/chat/completions`), which may carry
 * images: 8 MiB, room for one image at the 5 MiB limit in base64 and its text.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

const IMPORT_PATH = "/v1/import";
const MESSAGE_PATH = /^\/v1\/agents\/[^/]+\/messages$|^\/v1\/chat\/completions$/;

export interface AppOptions {
  /** The engine the API serves. The app never closes it. */
  engram: Engram;
  /**
   * Require `Authorization: Bearer <key>` on every route but `/health` and `/openapi.json`; each key
   * sees only its project. Default false (every caller is trusted, as on a loopback-only server).
   */
  auth?: boolean;
  /**
   * A token bucket per key (per client address without auth): `false` turns it off. Default: with
   * auth 100 requests/s and bursts of 200 per key; without auth, off.
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * With auth: failed authentications (401) allowed per client address before it gets 429 for every
   * request, valid key or not, until its bucket refills; `false` turns it off. Default 30 per minute.
   */
  authFailureLimit?: AuthFailureOptions | false;
  /**
   * With auth: `provider:model` names that keys may give agents or calls, besides the engine's own
   * (`ENGRAM_MODEL`, `createEngram({ model })`). Any other is refused with 403 naming the setting, so
   * a tenant can neither send an agent's context to a host of its choosing nor spend the operator's
   * provider keys on any model. Default: only the engine's own. Without auth it does not apply.
   */
  allowModels?: readonly string[];
  /**
   * With auth: commands keys may give agents as stdio MCP servers, as written (no PATH lookup):
   * `mcp-server-everything` allows it with any arguments, `mcp-server-filesystem /srv/shared` exactly
   * that command line. Any other is refused with 403 naming the setting, and never run; so are
   * variables that change what code a program loads (`NODE_OPTIONS`, `LD_PRELOAD`, `PATH`, …). MCP
   * servers by URL must match `allowUrls` instead. Without auth it does not apply.
   */
  allowMcp?: readonly string[];
  /**
   * Milliseconds a response may take to start before it becomes 503 `timeout` (default 30 000; 0:
   * none). Requests that run turns are bounded by the turns' own `timeoutMs` instead.
   */
  requestTimeoutMs?: number;
  /** Largest request body in bytes (default 1 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** Largest body of `POST /v1/import` (default 64 MiB). */
  maxImportBytes?: number;
  /** Largest body of a new message, which may carry images (default 8 MiB, or maxBodyBytes when that is given). */
  maxMessageBytes?: number;
  /**
   * Serve the inspector, a web page over this API, at `/` (its files under `/inspector/`). Default
   * true; false leaves `/` unanswered (404).
   */
  inspector?: boolean;
  /** Told about every unexpected (500) error, whose details the client never sees. Default: stderr. */
  onInternalError?: (error: unknown) => void;
  /**
   * Told about every request whose client closed the connection before the response was complete
   * (mid-body, before the answer, or during a stream). Default: a line on stderr.
   */
  onClientClose?: (closed: ClosedRequest) => void;
  /** The event stream (`GET /v1/events/stream`): heartbeats, polling, and a signal that ends it. */
  eventStream?: EventStreamOptions;
  /**
   * URL patterns webhooks and agents' MCP servers may reach (`https://hooks.example.com`,
   * `https://*.example.com/path`). With auth (or, for webhooks, with any pattern given), a URL must
   * match one, and only a pattern that names a host exactly admits a loopback or private address.
   * Without auth and patterns, any http(s) URL.
   */
  allowUrls?: readonly string[];
}

/** The outbound policy of an app: restricted with auth, or as soon as the operator lists patterns. */
export function outboundPolicy(options: {
  auth?: boolean | undefined;
  allowUrls?: readonly string[] | undefined;
}): OutboundPolicy {
  const allow = options.allowUrls ?? [];
  const policy = { restricted: options.auth === true || allow.length > 0, allow };
  checkPolicy(policy);
  return policy;
}

/**
 * The engram HTTP API as a Hono app: JSON under `/v1`, `GET /health`, the MCP server at `POST /mcp`,
 * and its OpenAPI 3.1 document at `/openapi.json`. Every error is `{"error":{"code","message"}}` with the matching status.
 *
 * Every request passes, in order: the timeout, authentication (which puts the request's engine on
 * `c.var.engram`, scoped to the key's project when auth is on), the rate limit, the check that every
 * query parameter is one the route documents, and the body check.
 * A handler mounted later (e.g. at `/mcp`) passes the same and must use `c.var.engram`.
 *
 * @example
 * const app = createApp({ engram: createEngram({ path: ":memory:" }) });
 * const res = await app.request("/v1/agents", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ name: "helper" }),
 * });
 */
export function createApp(options: AppOptions): OpenAPIHono<AppEnv> {
  const { engram } = options;
  const auth = options.auth === true;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxImportBytes = options.maxImportBytes ?? DEFAULT_MAX_IMPORT_BYTES;
  // A server given a smaller body limit keeps it for messages too, unless told otherwise.
  const maxMessageBytes =
    options.maxMessageBytes ??
    (options.maxBodyBytes === undefined ? DEFAULT_MAX_MESSAGE_BYTES : maxBodyBytes);
  const limits =
    options.rateLimit ??
    (auth ? { requestsPerSecond: DEFAULT_RATE_LIMIT, burst: DEFAULT_RATE_BURST } : false);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const reportInternal = options.onInternalError ?? reportToStderr;
  app.onError(errorHandler(reportInternal));
  app.notFound(notFoundHandler);
  // Before authentication: the page and its files hold no data; the page asks for a key itself.
  if (options.inspector !== false) registerInspectorRoutes(app);
  app.use("*", watchClientClose(options.onClientClose ?? reportClosedToStderr));
  // First, so that every error of the OpenAI routes, whoever raised it, leaves in OpenAI's shape.
  app.use("*", openAiErrors());
  const failureLimit = options.authFailureLimit ?? { perMinute: DEFAULT_AUTH_FAILURES_PER_MINUTE };
  const failures = auth && failureLimit !== false ? new AuthFailureLimit(failureLimit) : undefined;
  const outbound = outboundPolicy({ auth, allowUrls: options.allowUrls });
  const mcpPolicy = { restricted: auth, commands: options.allowMcp ?? [], outbound };
  app.use(
    "*",
    authenticate(engram, { required: auth, failures, allowedModels: options.allowModels ?? [], mcpPolicy }),
  );
  if (limits !== false) app.use("*", rateLimit(limits));
  const queries = knownQueryParameters(app);
  const json = jsonBody((c) =>
    c.req.path === IMPORT_PATH
      ? maxImportBytes
      : MESSAGE_PATH.test(c.req.path) && c.req.method === "POST"
        ? maxMessageBytes
        : maxBodyBytes,
  );
  // The MCP route checks its own query and body, and answers with JSON-RPC errors.
  app.use("*", (c, next) => (c.req.path === MCP_PATH ? next() : queries(c, next)));
  app.use("*", (c, next) => (c.req.path === MCP_PATH ? next() : json(c, next)));
  registerSystemRoutes(app);
  registerProjectRoutes(app);
  registerKeyRoutes(app);
  registerAgentRoutes(app);
  registerSharedBlockRoutes(app);
  registerBlockRoutes(app);
  registerHistoryRoutes(app);
  registerBranchRoutes(app);
  registerEventRoutes(app);
  registerEventStreamRoute(app, options.eventStream);
  registerMemoryRoutes(app);
  registerMessageRoutes(app);
  registerImageRoutes(app);
  registerContextRoutes(app);
  registerSearchRoutes(app);
  registerEntityRoutes(app);
  registerTransferRoutes(app);
  registerExperienceRoutes(app);
  registerFeedbackRoutes(app);
  registerInsightRoutes(app);
  registerEvolutionRoutes(app);
  registerSleeptimeRoutes(app);
  registerVectorRoutes(app);
  registerWebhookRoutes(app, outbound);
  registerMcpServerRoutes(app);
  registerGroupRoutes(app);
  registerOpenAiRoutes(app);
  // The MCP server works on the request's engine: with auth, the key's project only.
  registerMcpRoute(app, (c) => c.var.engram, { maxBodyBytes, onInternalError: reportInternal });
  registerOpenApiDocument(app, auth);
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (timeoutMs > 0) app.fetch = withTimeout(app.fetch, timeoutMs, openAiTimeout, runsTurns);
  return app;
}

/** `GET /openapi.json`, built on first request (when every route is registered), then reused. */
function registerOpenApiDocument(app: OpenAPIHono<AppEnv>, auth: boolean): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "an engram API key (`engram keys create`); required when the server runs with auth",
  });
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get("/openapi.json", (c) => {
    document ??= withCommonResponses(
      app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "engram",
          version: packageVersion(),
          description: "Versioned memory for LLM agents that learn in token space.",
        },
        ...(auth ? { security: [{ apiKey: [] }] } : {}),
      }),
      auth,
    );
    return c.json(document);
  });
}

/** Every operation can answer 429 and 503 (timeout), and with auth 401; the public ones need no key. */
function withCommonResponses<D extends { paths?: Record<string, unknown> }>(document: D, auth: boolean): D {
  const error = { $ref: "#/components/schemas/Error" };
  const common: Record<string, { description: string; content: unknown }> = {
    429: { description: "too many requests: wait Retry-After seconds", content: {} },
    503: { description: "unavailable, or the response did not start in time (timeout)", content: {} },
  };
  if (auth) common[401] = { description: "missing, invalid or revoked API key", content: {} };
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const operation of Object.values(item as Record<string, { responses?: object; security?: [] }>)) {
      if (PUBLIC_PATHS.has(path)) {
        operation.security = [];
        continue;
      }
      const responses = (operation.responses ?? {}) as Record<string, unknown>;
      for (const [status, response] of Object.entries(common)) {
        responses[status] ??= { ...response, content: { "application/json": { schema: error } } };
      }
      operation.responses = responses;
    }
  }
  return document;
}

function reportClosedToStderr(closed: ClosedRequest): void {
  console.error(`engram server: ${describeClosedRequest(closed)}`);
}

/**
 * A 5xx on stderr. A service engram depends on being out of reach (no model configured, the database
 * or the model's provider down: `unavailable`, `timeout`) is a condition the operator fixes, said in
 * one line; anything else is a fault, with its stack.
 */
export function reportToStderr(error: unknown): void {
  if (EngramError.isInstance(error) && (error.code === "unavailable" || error.code === "timeout")) {
    console.error(`engram server: ${error.code}: ${error.message}`);
    return;
  }
  console.error("engram server: internal error:", error);
}
