// Apart from files.ts, whose input checks load zod: the CLI context imports this, and --version loads no package.
import { InvalidInputError } from "../core/errors.ts";

/**
 * Text the user gave as bytes (a file, stdin). Bytes that are not UTF-8 are refused rather than
 * replaced by U+FFFD, as the HTTP API refuses them: what is stored is exactly what was given.
 */
export function decodeUserText(bytes: Uint8Array, source: string): string {
  try {
    // ignoreBOM keeps a byte-order mark as the text's first character, as reading the file did.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new InvalidInputError(`${source} is not valid UTF-8`, { cause: error });
  }
}
