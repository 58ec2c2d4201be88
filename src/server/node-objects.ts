import { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "hono";

/** The Node request behind a Hono context under @hono/node-server; undefined elsewhere (`app.request()`). */
export function nodeRequest(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage ? incoming : undefined;
}

/** The Node response behind a Hono context under @hono/node-server; undefined elsewhere. */
export function nodeResponse(c: Context): ServerResponse | undefined {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  return outgoing instanceof ServerResponse ? outgoing : undefined;
}
