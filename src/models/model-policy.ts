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

/** What a model check needs of the engine: its policy, and its own models (always allowed). */
export interface ModelPolicyScope {
  modelPolicy?: ModelPolicy | undefined;
  /** The engine's default model: a `provider:model` string counts as its own. */
  model?: unknown;
  env: NodeJS.ProcessEnv;
}

/**
 * @throws ForbiddenError naming the setting and the model when the scope's policy does not allow
 * `spec`. The engine's own models (`ENGRAM_MODEL`, its default model) are always allowed.
 */
export function checkModelAllowed(scope: ModelPolicyScope, spec: string, setting: string): void {
  const policy = scope.modelPolicy;
  if (policy === undefined || policy.allowed.has(spec)) return;
  const own = [typeof scope.model === "string" ? scope.model : undefined, scope.env.ENGRAM_MODEL];
  if (own.includes(spec)) return;
  const allowed = [
    ...new Set([...own.filter((m): m is string => m !== undefined && m !== ""), ...policy.allowed]),
  ];
  throw new ForbiddenError(
    `${setting}: model "${spec}" is not allowed on this server (${allowed.length === 0 ? "it allows no model by name" : `allowed: ${allowed.join(", ")}`}); the operator allows more with engram serve --allow-model`,
    { details: { setting, model: spec, allowed } },
  );
}
