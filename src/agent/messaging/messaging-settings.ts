import type { JsonObject } from "../../core/types.ts";
import { parseInput } from "../../core/validation.ts";
import { runtimeSettings } from "../runtime-config.ts";

const messagingSettings = runtimeSettings
  .pick({ messaging: true, maxHops: true, maxMessagesPerTurn: true, messageWaitMs: true })
  .partial();

/**
 * Checks an agent's messaging settings (`metadata.runtime.messaging`, `maxHops`, `maxMessagesPerTurn`,
 * `messageWaitMs`) when the agent is created or updated, so that a limit of 0 is refused before
 * anything is written rather than at the first message. The other runtime settings are checked when a
 * turn starts.
 * @throws InvalidInputError naming the field.
 */
export function checkMessagingSettings(metadata: JsonObject, what: string): void {
  const runtime = metadata.runtime;
  if (runtime === undefined || runtime === null || typeof runtime !== "object" || Array.isArray(runtime))
    return;
  const { messaging, maxHops, maxMessagesPerTurn, messageWaitMs } = runtime as Record<string, unknown>;
  const given = Object.fromEntries(
    Object.entries({ messaging, maxHops, maxMessagesPerTurn, messageWaitMs }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  if (Object.keys(given).length === 0) return;
  parseInput(messagingSettings, given, `${what} metadata.runtime`);
}
