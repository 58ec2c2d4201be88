import { ForbiddenError } from "../core/errors.ts";

/**
 * The models a tenant may name, set by the operator of a server that requires API keys: a model
 * sends an agent's whole context to its provider and spends the operator's provider keys, so a key
 * holder may not pick any model it likes. The server's own models (`ENGRAM_MODEL`, the engine's
 * default) are always allowed; `engram serve --allow-model SPEC` adds others.
 */
export interface ModelPolicy {
  /** `provider:model` names allowed beside the server's own. */
  allowed: ReadonlySet<string>;
}

export function modelPolicy(allowed: readonly string[]): ModelPolicy {
  return { allowed: new Set(allowed) };
}

/**
 * @throws ForbiddenError naming the setting and the model when `policy` does not allow `spec`.
 * `own` are the server's own models, always allowed.
 */
export function checkModelAllowed(
  policy: ModelPolicy | undefined,
  spec: string,
  setting: string,
  own: readonly (string | undefined)[],
): void {
  if (policy === undefined || policy.allowed.has(spec) || own.includes(spec)) return;
  const allowed = [
    ...new Set([...own.filter((m): m is string => m !== undefined && m !== ""), ...policy.allowed]),
  ];
  throw new ForbiddenError(
    `${setting}: model "${spec}" is not allowed on this server (${allowed.length === 0 ? "it allows no model by name" : `allowed: ${allowed.join(", ")}`}); the operator allows more with engram serve --allow-model`,
    { details: { setting, model: spec, allowed } },
  );
}
