import { followingController } from "../../core/abort.ts";
import { EngramError } from "../../core/errors.ts";
import type { GroupEvent } from "../../groups/group-events.ts";
import type { GroupService, GroupStream } from "../../groups/group-service.ts";
import { refuseLocalOptions } from "../local-only.ts";
import { sseData } from "../sse.ts";
import type { Transport } from "../transport.ts";

/** Groups over HTTP: the library's `engram.groups`. */
export type GroupsClient = Pick<GroupService, "create" | "list" | "get" | "delete" | "send" | "stream">;

/** `client.groups`. */
export function groupsClient(t: Transport): GroupsClient {
  const params = (groupId: string) => ({ groupId });
  return {
    create: (input) => t.call("groups.create", { body: { project: t.options.project, ...input } }),
    list: (options = {}) => t.call("groups.list", { query: { project: t.options.project, ...options } }),
    get: (id) => t.call("groups.get", { params: params(id) }),
    delete: (id) => t.call("groups.delete", { params: params(id) }),
    async send(id, input, options = {}) {
      refuseLocalOptions("groups.send", options, ["onEvent"]);
      return t.call("groups.send", { params: params(id), body: input, signal: options.abortSignal });
    },
    async stream(id, input, options = {}) {
      refuseLocalOptions("groups.stream", options, ["onEvent"]);
      const controller = followingController(options.abortSignal);
      // Refusals (bad input, unknown group, no model) are ordinary error responses, thrown here.
      const response = await t.send("groups.send", {
        params: params(id),
        body: { ...input, stream: true },
        signal: controller.signal,
      });
      if (response.body === null) throw new EngramError("internal", "groups.stream: the server sent no body");
      return groupStream(sseData(response.body) as AsyncGenerator<GroupEvent>, controller);
    },
  };
}

/** The library's GroupStream over server-sent events: `cancel()` closes the connection. */
function groupStream(events: AsyncGenerator<GroupEvent>, controller: AbortController): GroupStream {
  return {
    cancel: () => controller.abort(new Error("cancelled")),
    async *[Symbol.asyncIterator]() {
      try {
        for await (const event of events) yield event;
      } catch (error) {
        if (controller.signal.aborted) return;
        throw new EngramError("unavailable", `groups.stream: the connection was lost: ${String(error)}`, {
          cause: error,
        });
      } finally {
        controller.abort();
      }
    },
  };
}
