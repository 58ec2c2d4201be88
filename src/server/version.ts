import { readFileSync } from "node:fs";

/** engram's version, from package.json (two levels up, both in `src/` and in a build's `dist/`). */
export function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    const version = (pkg as { version?: unknown }).version;
    return typeof version === "string" ? version : "0.1.0";
  } catch {
    return "0.1.0";
  }
}
