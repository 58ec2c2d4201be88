import { ConflictError } from "../core/errors.ts";
import type { KeyedMatch } from "./store.ts";

/**
 * Holds a keyed write to the facts of its key it was computed from: another write of the key that
 * landed in between is a conflict (the writer reads again and retries), never two open facts.
 * @throws ConflictError when the facts of the key are not `expected`.
 */
export function checkKeyFacts(
  found: readonly string[],
  expected: KeyedMatch & { ids: readonly string[] },
): void {
  const want = new Set(expected.ids);
  if (found.length === want.size && found.every((id) => want.has(id))) return;
  throw new ConflictError(
    `the facts of key ${expected.key} changed while the write was prepared: read them again`,
  );
}
