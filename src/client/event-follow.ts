import type { EngramEvent } from "../core/types.ts";
import type { EventFollowOptions } from "../memory/events/event-service.ts";
import { sseData } from "./sse.ts";
import type { Transport } from "./transport.ts";

/**
 * `events.follow` over HTTP: the event stream, as the library's async iterable. When the connection
 * drops while the caller still iterates, it reconnects after the last event it yielded, so nothing is
 * missed; an error answer (e.g. the server is gone) ends the iteration with that error.
 */
export async function followOverHttp(
  t: Transport,
  options: EventFollowOptions = {},
): Promise<AsyncIterable<EngramEvent>> {
  const { agentId, project = t.options.project, kinds, after, signal } = options;
  const open = (from: number | undefined) =>
    t.send("events.follow", {
      query: { agentId, project, kinds, after: from === undefined ? undefined : String(from) },
      signal,
    });
  // The first request is made now, so that a refusal (bad kinds, unknown agent) is thrown here.
  const first = await open(after);
  return (async function* () {
    let response: Response | undefined = first;
    let last = after;
    while (!aborted(signal)) {
      response ??= await open(last);
      if (response.body === null) return;
      try {
        for await (const data of sseData(response.body)) {
          const event = data as EngramEvent;
          last = event.seq;
          yield event;
          // Events already received are not handed out once the caller has stopped.
          if (aborted(signal)) return;
        }
      } catch (error) {
        if (aborted(signal)) return;
        // A cut connection is resumed below; anything else is the caller's to see.
        if (!isNetworkError(error)) throw error;
      }
      response = undefined;
    }
  })();
}

function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError || (error as { name?: unknown } | null)?.name === "AbortError";
}

/** Read through a call: the signal may abort while the generator waits. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
