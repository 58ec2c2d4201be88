import type { Context, MiddlewareHandler } from "hono";
import { nodeRequest, nodeResponse } from "./node-objects.ts";

/** A request whose connection closed before its response was sent in full. */
export interface ClosedRequest {
  method: string;
  path: string;
  /** How long after the request arrived, in ms. */
  afterMs: number;
}

/** The log line for a closed request, e.g. `client closed the connection before the response was complete: POST /v1/agents (after 12 ms)`. */
export function describeClosedRequest(closed: ClosedRequest): string {
  return `client closed the connection before the response was complete: ${closed.method} ${closed.path} (after ${closed.afterMs} ms)`;
}

/** Responses that end when their client leaves: their close is how they are meant to end. */
const endless = new WeakSet<object>();

/**
 * Marks the request's response as one its client ends (a stream of events followed until the
 * client stops), so that its connection closing is not reported as a request cut short.
 */
export function markEndless(c: Context): void {
  const outgoing = nodeResponse(c);
  if (outgoing !== undefined) endless.add(outgoing);
}

/**
 * Tells `onClose` about every request whose connection closes before its response is sent in full:
 * a client that gave up mid-body, before the answer, or during a stream. That is the client's doing,
 * not an internal error. Only a real socket (@hono/node-server) can close; `app.request()` never does.
 */
export function watchClientClose(onClose: (closed: ClosedRequest) => void): MiddlewareHandler {
  return async (c, next) => {
    const outgoing = nodeResponse(c);
    if (outgoing !== undefined) {
      const arrived = performance.now();
      outgoing.once("close", () => {
        if (outgoing.writableFinished || endless.has(outgoing)) return;
        onClose({ method: c.req.method, path: c.req.path, afterMs: Math.round(performance.now() - arrived) });
      });
    }
    await next();
  };
}

/**
 * Whether `error` is the request failing because its client went away (the body stream was cut, the
 * request's signal aborted), as opposed to something going wrong in engram.
 */
export function isClientAbort(c: Context, error: unknown): boolean {
  const incoming = nodeRequest(c);
  if (incoming === undefined) return false;
  const gone = incoming.errored !== null || incoming.socket?.destroyed === true;
  if (!gone) return false;
  if (error === incoming.errored) return true;
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE" || name === "AbortError";
}
