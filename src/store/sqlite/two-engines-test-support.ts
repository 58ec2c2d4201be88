import { createEngram, type Engram } from "../../engram.ts";

/**
 * Runs `use` with two engines on one SQLite file, as the workers of `engram serve --workers 2` are,
 * and closes both however it ends.
 */
export async function withTwoEngines(
  path: string,
  use: (one: Engram, two: Engram) => Promise<void>,
): Promise<void> {
  const one = createEngram({ path, embedder: null, env: {} });
  const two = createEngram({ path, embedder: null, env: {} });
  try {
    await use(one, two);
  } finally {
    await one.close();
    await two.close();
  }
}
