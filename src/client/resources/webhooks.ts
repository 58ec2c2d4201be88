import type { WebhookService } from "../../webhooks/webhook-service.ts";
import type { Transport } from "../transport.ts";

/** Webhooks over HTTP: the library's `engram.webhooks` (the server's allowlist applies to `create`). */
export interface WebhooksClient {
  create(input: Parameters<WebhookService["create"]>[0]): ReturnType<WebhookService["create"]>;
  list: WebhookService["list"];
  get: WebhookService["get"];
  update(id: string, input: Parameters<WebhookService["update"]>[1]): ReturnType<WebhookService["update"]>;
  delete: WebhookService["delete"];
  deliveries: WebhookService["deliveries"];
}

/** `client.webhooks`. */
export function webhooksClient(t: Transport): WebhooksClient {
  const params = (webhookId: string) => ({ webhookId });
  return {
    create: (input) => t.call("webhooks.create", { body: { project: t.options.project, ...input } }),
    list: (options = {}) => t.call("webhooks.list", { query: { project: t.options.project, ...options } }),
    get: (id) => t.call("webhooks.get", { params: params(id) }),
    update: (id, input) => t.call("webhooks.update", { params: params(id), body: input }),
    delete: (id) => t.call("webhooks.delete", { params: params(id) }),
    deliveries: (id, options = {}) =>
      t.call("webhooks.deliveries", { params: params(id), query: { ...options } }),
  };
}
