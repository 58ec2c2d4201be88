import { intOption } from "./command.ts";
import { UsageError } from "./usage-error.ts";

/** `1-5` or `1,4,9` (or both, `1-3,7`) as a list of distinct non-negative seeds, in order. */
export function seedList(value: string, command: string): number[] {
  const seeds: number[] = [];
  for (const part of value.split(",")) {
    const range = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const from = Number(range?.[1]);
    const to = range?.[2] === undefined ? from : Number(range[2]);
    if (range === null || to < from || to - from >= 100)
      throw new UsageError(`--seeds must be seeds or ranges like 1-5 or 1,4,9, got "${value}"`, command);
    for (let s = from; s <= to; s++) if (!seeds.includes(s)) seeds.push(s);
  }
  return seeds;
}

/** Reads an integer flag that must not be negative. @throws UsageError otherwise. */
export function nonNegativeInt(value: string | undefined, flag: string, command: string): number | undefined {
  const n = intOption(value, flag, command);
  if (n !== undefined && n < 0)
    throw new UsageError(`--${flag} must not be negative, got "${value}"`, command);
  return n;
}

/** Reads an integer flag that must be at least 1. @throws UsageError otherwise. */
export function positiveInt(value: string | undefined, flag: string, command: string): number | undefined {
  const n = intOption(value, flag, command);
  if (n !== undefined && n < 1)
    throw new UsageError(`--${flag} must be a positive integer, got "${value}"`, command);
  return n;
}
