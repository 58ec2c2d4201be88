/**
 * The URL of another of engram's own modules, for what must name a file rather than import it (a
 * worker or child process to start). From a checkout the modules are the TypeScript sources, run by
 * Node's type stripping; from an installed package they are the JavaScript built into `dist/`, with
 * the same layout. The extension is taken from the calling module, so both work.
 *
 * @example
 * const main = moduleUrl("./main", import.meta.url); // …/src/cli/main.ts or …/dist/cli/main.js
 */
export function moduleUrl(path: string, base: string): URL {
  const extension = new URL(base).pathname.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`${path}${extension}`, base);
}
