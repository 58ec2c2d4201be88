import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { InvalidInputError } from "../core/errors.ts";
import type { AppEnv } from "./env.ts";

/**
 * Refuses a query parameter the matched route does not document, with 400 naming it and the ones the
 * route takes: a misspelt or unsupported parameter (`?projcet=`, or `?project=` where a route has
 * none) must not be silently ignored, which would act on something other than what was asked.
 * Routes are those of the app's OpenAPI registry, read on the first request (when all are registered).
 */
export function knownQueryParameters(app: OpenAPIHono<AppEnv>): MiddlewareHandler<AppEnv> {
  let known: Map<string, ReadonlySet<string>> | undefined;
  return async (c, next) => {
    if (!c.req.url.includes("?")) return next();
    const names = new URL(c.req.url).searchParams.keys();
    const first = names.next();
    if (first.done === true) return next();
    known ??= documentedQueries(app);
    let allowed: ReadonlySet<string> | undefined;
    for (const route of matchedRoutes(c)) {
      allowed = known.get(`${c.req.method} ${route.path}`);
      if (allowed !== undefined) break;
    }
    // Not a documented route: it answers for itself (most often 404).
    if (allowed === undefined) return next();
    for (const name of [first.value, ...names]) {
      if (allowed.has(name)) continue;
      const takes = allowed.size === 0 ? "takes none" : `takes: ${[...allowed].join(", ")}`;
      throw new InvalidInputError(
        `invalid query: ${JSON.stringify(name)} is not a parameter of ${c.req.method} ${c.req.path} (it ${takes})`,
        { details: { issues: [{ path: name, message: "unknown query parameter" }] } },
      );
    }
    return next();
  };
}

/** `METHOD /hono/:path` → the names of its documented query parameters. */
function documentedQueries(app: OpenAPIHono<AppEnv>): Map<string, ReadonlySet<string>> {
  const known = new Map<string, ReadonlySet<string>>();
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== "route") continue;
    const { method, path, request } = definition.route;
    const query = request?.query as { shape?: Record<string, unknown> } | undefined;
    // The same conversion @hono/zod-openapi applies when it registers the route.
    const honoPath = path.replaceAll(/\/{(.+?)}/g, "/:$1");
    known.set(`${method.toUpperCase()} ${honoPath}`, new Set(Object.keys(query?.shape ?? {})));
  }
  return known;
}
