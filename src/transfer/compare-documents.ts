import type { ExportDocument } from "./format.ts";

/**
 * Where two export documents of the same agent differ, as a path (`memories.3.accessCount`), or null
 * when they are the same as canonical JSON (keys in any order; `exportedAt` aside, as it only says
 * when each was read).
 */
export function documentDifference(a: ExportDocument, b: ExportDocument): string | null {
  const left = canonicalJson({ ...a, exportedAt: "" });
  const right = canonicalJson({ ...b, exportedAt: "" });
  if (left === right) return null;
  return firstDifference(JSON.parse(left), JSON.parse(right), []) ?? "(document)";
}

/** JSON with every object's keys sorted, so equal values print equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}

/** The path of the first place two JSON values differ, or null when they do not. */
function firstDifference(a: unknown, b: unknown, path: (string | number)[]): string | null {
  const here = () => (path.length === 0 ? "(document)" : path.join("."));
  if (a === b) return null;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return here();
  if (Array.isArray(a) !== Array.isArray(b)) return here();
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const found = firstDifference(a[i], b[i], [...path, i]);
      if (found !== null) return found;
    }
    return a.length === b.length ? null : [...path, "length"].join(".");
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
    if (!(key in x) || !(key in y)) return [...path, key].join(".");
    const found = firstDifference(x[key], y[key], [...path, key]);
    if (found !== null) return found;
  }
  return null;
}
