import { ConflictError } from "../core/errors.ts";
import type { KeyedMatch } from "./store.ts";

/**
 * Holds a keyed write to the open facts it was computed from: another write of the same key that
 * landed in between is a conflict (the writer reads again and retries), never two open facts.
 * @throws ConflictError when the open facts of the key are not `expected`.
 */
export function checkOpenFacts(
  found: readonly string[],
  expected: KeyedMatch & { openIds: readonly string[] },
): void {
  const want = new Set(expected.openIds);
  if (found.length === want.size && found.every((id) => want.has(id))) return;
  throw new ConflictError(
    `the open facts of key ${expected.key} changed while the write was prepared: read them again`,
  );
}
