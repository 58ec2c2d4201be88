import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { InvalidInputError } from "../../core/errors.ts";
import { markEndless } from "../client-close.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf } from "../lookup.ts";
import { EventSchema, errorResponses, listQuery } from "../schemas.ts";

/** Default time between heartbeats (SSE comments) on an idle event stream: 15 s. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** How the event stream behaves; all optional. */
export interface EventStreamOptions {
  /** Time between heartbeats on an idle stream, which keep proxies from closing it (default 15 s). */
  heartbeatMs?: number;
  /** How often to look for events written by other processes (default 1 s). */
  pollMs?: number;
  /** Ends every open stream when aborted (the server is shutting down). */
  shutdown?: AbortSignal;
}

const stream = createRoute({
  method: "get",
  path: "/v1/events/stream",
  operationId: "events.follow",
  tags: ["events"],
  summary: "Events as they are written, as server-sent events (resumable with Last-Event-ID)",
  description: [
    "Each event is an SSE message whose `id` is the event's `seq`, `event` its kind and `data` the",
    "event as JSON. A client that reconnects with `Last-Event-ID` (or `after`) gets every event after",
    "that one, from the log, so it misses nothing. Without either, the stream starts at the log's end.",
    "With auth, only the key's project. Comments (`: heartbeat`) keep an idle stream open.",
  ].join(" "),
  request: {
    query: z.object({
      agentId: z.string().min(1).optional().openapi({ description: "only this agent's events (id or name)" }),
      project: z.string().min(1).optional().openapi({ description: "only this project's (id or name)" }),
      kinds: listQuery(z.string().min(1).max(100), {
        max: 50,
        split: true,
        description: "only these kinds: exact (memory.created), a family (memory.*) or *; comma-separated",
      }),
      after: z
        .string()
        .regex(/^\d{1,15}$/, "must be an event seq")
        .optional()
        .openapi({ description: "start after this event seq (as Last-Event-ID does)" }),
    }),
    headers: z.object({
      "last-event-id": z
        .string()
        .optional()
        .openapi({ description: "resume after this event seq (sent by EventSource on reconnect)" }),
    }),
  },
  responses: {
    200: {
      description: "a stream of server-sent events, one per event of the log",
      content: { "text/event-stream": { schema: EventSchema } },
    },
    ...errorResponses(400, 404),
  },
});

/** `GET /v1/events/stream`. */
export function registerEventStreamRoute(app: OpenAPIHono<AppEnv>, options: EventStreamOptions = {}): void {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  app.openapi(stream, async (c) => {
    const { agentId, project, kinds, after } = c.req.valid("query");
    const lastEventId = c.req.header("last-event-id");
    if (lastEventId !== undefined && !/^\d{1,15}$/.test(lastEventId.trim()))
      throw new InvalidInputError("invalid event stream: Last-Event-ID: must be an event seq");
    const resume = lastEventId ?? after;
    const engram = c.var.engram;
    const done = new AbortController();
    const stop = () => done.abort();
    // Everything that can be refused is refused here, before the stream starts.
    const events = await engram.events.follow({
      agentId: agentId === undefined ? undefined : await agentIdOf(engram, agentId),
      project,
      kinds,
      after: resume === undefined ? undefined : Number(resume.trim()),
      signal: done.signal,
      pollMs: options.pollMs,
    });
    // The stream has no end of its own: a follower leaving is its normal end, not a request cut short.
    markEndless(c);
    return streamSSE(c, async (sse) => {
      sse.onAbort(stop);
      if (options.shutdown?.aborted === true) stop();
      c.req.raw.signal.addEventListener("abort", stop, { once: true });
      options.shutdown?.addEventListener("abort", stop, { once: true });
      const heartbeat = setInterval(() => {
        void sse.write(": heartbeat\n\n").catch(stop);
      }, heartbeatMs);
      try {
        await sse.write(": connected\n\n");
        for await (const event of events) {
          await sse.writeSSE({ id: String(event.seq), event: event.kind, data: JSON.stringify(event) });
        }
      } finally {
        clearInterval(heartbeat);
        options.shutdown?.removeEventListener("abort", stop);
      }
    });
  });
}
