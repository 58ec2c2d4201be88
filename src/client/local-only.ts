import { InvalidInputError } from "../core/errors.ts";

/**
 * Refuses options that only exist in-process (a model object, callbacks, custom runners): JSON
 * cannot carry them to a server, and dropping them quietly would change what the call does.
 * A model named as a `provider:model` string passes when the route takes one (`modelField`).
 */
export function refuseLocalOptions(
  operation: string,
  options: object | undefined,
  fields: readonly string[],
  { modelByName = false }: { modelByName?: boolean } = {},
): void {
  if (options === undefined) return;
  for (const field of fields) {
    const value = (options as Record<string, unknown>)[field];
    if (value === undefined) continue;
    if (field === "model" && modelByName && typeof value === "string") continue;
    throw new InvalidInputError(
      `${operation}: ${field} cannot be sent to a server${field === "model" ? (modelByName ? "; name the model as provider:model" : "; the server's model for the agent is used") : ""}`,
      { details: { field } },
    );
  }
}
