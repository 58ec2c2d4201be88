import type { z } from "zod";

/**
 * `schema`, optional, with null taken as not given: a field the API returns as null (a memory's
 * `userId`, `key`, `validTo` …) can be sent back as it was read. Parses to the value or undefined.
 */
export function nullAsAbsent<S extends z.ZodType>(schema: S) {
  return schema.nullish().transform((value) => value ?? undefined);
}
