import type { Context } from "hono";
import { streamSSE } from "hono/streaming";

/** Events a turn or a group message streams: each named by its `type`; `cancel` stops the work. */
export interface CancellableEvents extends AsyncIterable<{ type: string }> {
  cancel(): void;
}

/**
 * Server-sent events of a running turn (or a group's turns), one per event, named by its `type`. A
 * client that goes away cancels the work.
 */
export function sseOf(c: Context, events: CancellableEvents): Response {
  return streamSSE(c, async (sse) => {
    sse.onAbort(() => events.cancel());
    let id = 0;
    for await (const event of events) {
      if (sse.aborted) break;
      await sse.writeSSE({ event: event.type, data: JSON.stringify(event), id: String(id++) });
    }
  });
}
