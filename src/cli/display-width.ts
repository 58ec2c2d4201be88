/**
 * Code points a terminal shows two columns wide: the East Asian Wide and Fullwidth ranges of Unicode's
 * EastAsianWidth.txt (Hangul, CJK, kana, fullwidth forms…), emoji aside (matched by property).
 */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

/** Shown as an emoji, two columns: by default, or asked for with the emoji variation selector. */
const EMOJI = /\p{Emoji_Presentation}|\uFE0F/u;
/** Takes no column: combining marks, and format characters such as the zero-width joiner. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]/u;

/** Text every character of which takes one column: most cells, measured without segmenting. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/**
 * How many terminal columns a text takes, one character as the reader sees it at a time: two for East
 * Asian wide and fullwidth characters and for emoji (a family joined by zero-width joiners or a flag
 * is one), none for combining marks and zero-width characters, one for the rest.
 *
 * @example
 * displayWidth("東京"); // 4
 * displayWidth("e\u0301"); // 1
 */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const { segment } of graphemes.segment(text)) width += segmentWidth(segment);
  return width;
}

/** `text` followed by spaces up to `width` columns (none when it is as wide already). */
export function padDisplayEnd(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

function segmentWidth(segment: string): number {
  if (EMOJI.test(segment)) return 2;
  const first = segment.codePointAt(0) ?? 0;
  if (WIDE.some(([low, high]) => first >= low && first <= high)) return 2;
  return ZERO_WIDTH.test(segment) ? 0 : 1;
}
