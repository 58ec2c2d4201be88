import type { AgentRuntime, TurnStream } from "../../agent/agent-runtime.ts";
import type { TurnEvent } from "../../agent/turn-events.ts";
import { followingController } from "../../core/abort.ts";
import { EngramError } from "../../core/errors.ts";
import { refuseLocalOptions } from "../local-only.ts";
import { sseData } from "../sse.ts";
import type { Transport } from "../transport.ts";

/** Agent turns over HTTP: the library's `engram.runtime` methods the API serves. */
export type RuntimeClient = Pick<AgentRuntime, "send" | "stream" | "context" | "listTools">;

const IN_PROCESS = ["model", "stopWhen", "onEvent"] as const;

/** `client.runtime`. */
export function runtimeClient(t: Transport): RuntimeClient {
  return {
    async send(agentId, input, options = {}) {
      refuseLocalOptions("runtime.send", options, IN_PROCESS);
      return t.call("runtime.send", { params: { id: agentId }, body: input, signal: options.abortSignal });
    },
    async stream(agentId, input, options = {}) {
      refuseLocalOptions("runtime.stream", options, IN_PROCESS);
      const controller = followingController(options.abortSignal);
      // Refusals (bad input, unknown agent, no model) are ordinary error responses, thrown here.
      const response = await t.send("runtime.send", {
        params: { id: agentId },
        body: { ...input, stream: true },
        signal: controller.signal,
      });
      if (response.body === null)
        throw new EngramError("internal", "runtime.stream: the server sent no body");
      return turnStream(sseData(response.body) as AsyncGenerator<TurnEvent>, controller);
    },
    async context(agentId, input = {}, options = {}) {
      refuseLocalOptions("runtime.context", options, ["model"]);
      return t.call("runtime.context", { params: { id: agentId }, query: { ...input } });
    },
    listTools: async (agentId) => {
      type ToolsPage = Awaited<ReturnType<AgentRuntime["listTools"]>> & { nextCursor: string | null };
      const params = { id: agentId };
      const first = await t.call<ToolsPage>("runtime.listTools", { params, query: { limit: 500 } });
      const items = [...first.items];
      for (let cursor = first.nextCursor; cursor !== null; ) {
        const next = await t.call<ToolsPage>("runtime.listTools", { params, query: { limit: 500, cursor } });
        items.push(...next.items);
        cursor = next.nextCursor;
      }
      return { items, servers: first.servers };
    },
  };
}

/**
 * The library's TurnStream over server-sent events. The first event (`start`) is read before the
 * stream is handed over, so `turnId` is known at once, as it is in-process. `cancel()` closes the
 * connection, which cancels the turn on the server (recorded as failed); the iteration then ends.
 */
async function turnStream(
  events: AsyncGenerator<TurnEvent>,
  controller: AbortController,
): Promise<TurnStream> {
  const first = await events.next();
  if (first.done === true)
    throw new EngramError("unavailable", "runtime.stream: the stream ended before the turn began");
  const start = first.value;
  const turnId = "turnId" in start ? start.turnId : "";
  return {
    turnId,
    cancel: () => controller.abort(new Error("cancelled")),
    async *[Symbol.asyncIterator]() {
      yield start;
      try {
        for await (const event of events) yield event;
      } catch (error) {
        // A cancelled stream just ends; a connection lost mid-turn is `unavailable`.
        if (controller.signal.aborted) return;
        throw new EngramError("unavailable", `runtime.stream: the connection was lost: ${String(error)}`, {
          cause: error,
        });
      } finally {
        controller.abort();
      }
    },
  };
}
