import { z } from "zod";
import { InvalidInputError } from "../core/errors.ts";
import { MAX_RESULT_TEXT, wellFormedPrefix } from "../core/input-limits.ts";

/** One piece of a long text, as a read tool returns it; the pieces read on from nextOffset make the whole. */
export interface TextPiece {
  /** At most MAX_RESULT_TEXT characters, never half a surrogate pair. */
  text: string;
  /** Where the piece starts: the offset asked for, or one before when that fell inside a pair. */
  offset: number;
  /** Where the next piece starts; null when this one reaches the end. */
  nextOffset: number | null;
  /** The whole text's length, in the units offsets count (UTF-16). */
  chars: number;
}

/** The `offset` argument of a tool that reads a text piece by piece. */
export const pieceOffset = z
  .number()
  .int()
  .min(0)
  .default(0)
  .describe("The first character to return (default 0); the previous piece's nextOffset.");

/**
 * The piece of `text` from `offset`. An offset inside a surrogate pair starts at its first half; one
 * past the end is refused naming `offset` and `what` the text is ("message", "block").
 */
export function textPiece(text: string, offset: number, what: string): TextPiece {
  const chars = text.length;
  if (offset > chars) {
    throw new InvalidInputError(`offset: ${offset} is past the ${what}'s end (${chars} characters)`);
  }
  const from = offset > 0 && isLowSurrogate(text.charCodeAt(offset)) ? offset - 1 : offset;
  const piece = wellFormedPrefix(text.slice(from), MAX_RESULT_TEXT);
  const end = from + piece.length;
  return { text: piece, offset: from, nextOffset: end < chars ? end : null, chars };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
