import type { Webhook } from "../core/webhook-types.ts";
import type { StoredWebhook } from "../store/store.ts";

/** A webhook as shown (in answers and in events): everything but its secret. */
export function publicView(webhook: StoredWebhook): Webhook {
  const { secret: _, secretProblem: __, ...shown } = webhook;
  return shown;
}
