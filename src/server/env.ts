import type { ApiKey } from "../core/types.ts";
import type { Engram } from "../engram.ts";

/**
 * What every request carries on its Hono context once it has been authenticated: the engine it may
 * use (scoped to the key's project when auth is on) and the key itself. Routes read `c.var.engram`
 * and never capture an engine of their own, so nothing they do can leave the caller's project.
 */
export interface AppEnv {
  Variables: {
    /** The request's engine: the server's own without auth, else `engram.forProject(key's project)`. */
    engram: Engram;
    /** The key that authenticated the request; undefined when auth is off. */
    apiKey: ApiKey | undefined;
  };
}
