/** Milliseconds since the epoch. Injected everywhere so tests are deterministic. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
