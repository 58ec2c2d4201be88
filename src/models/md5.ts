/**
 * MD5 of a short string's UTF-8 bytes, in JavaScript. The hash embedder hashes every word and word
 * pair of every text it embeds: tens of thousands of digests a batch, where `node:crypto`'s
 * per-call set-up (a Hash object and a Buffer each) cost several times the hashing itself. The
 * result is bit for bit what `createHash("md5")` gives (md5.test.ts holds it to that).
 */

/** Per-round left rotations. */
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

/** The sine-derived round constants, `floor(2^32 · |sin(i + 1)|)`. */
const K = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);

/** A reused input buffer (grown as needed) and its 32-bit little-endian view of one block. */
let bytes = new Uint8Array(256);
const block = new Int32Array(16);

const state = new Int32Array(4);

/**
 * The MD5 digest of `text` encoded as UTF-8, as four little-endian 32-bit words (signed): digest
 * bytes 0–3 are word 0, and so on. The returned array is reused by the next call: read it first.
 */
export function md5Words(text: string): Int32Array {
  const length = utf8(text);
  // Padding: a 1 bit, zeros to 56 bytes mod 64, then the bit length as 64-bit little-endian.
  const padded = (((length + 8) >> 6) + 1) << 6;
  ensure(padded);
  bytes[length] = 0x80;
  bytes.fill(0, length + 1, padded);
  const bits = length * 8;
  bytes[padded - 8] = bits & 0xff;
  bytes[padded - 7] = (bits >>> 8) & 0xff;
  bytes[padded - 6] = (bits >>> 16) & 0xff;
  bytes[padded - 5] = (bits >>> 24) & 0xff;
  state[0] = 0x67452301;
  state[1] = 0xefcdab89 | 0;
  state[2] = 0x98badcfe | 0;
  state[3] = 0x10325476;
  for (let offset = 0; offset < padded; offset += 64) {
    for (let i = 0; i < 16; i++) {
      const at = offset + i * 4;
      block[i] =
        (bytes[at] as number) |
        ((bytes[at + 1] as number) << 8) |
        ((bytes[at + 2] as number) << 16) |
        ((bytes[at + 3] as number) << 24);
    }
    compress();
  }
  return state;
}

/** One 64-byte block folded into `state`. */
function compress(): void {
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  for (let i = 0; i < 64; i++) {
    let f: number;
    let g: number;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) & 15;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) & 15;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) & 15;
    }
    const sum = (a + f + (K[i] as number) + (block[g] as number)) | 0;
    const shift = SHIFTS[((i >> 4) << 2) | (i & 3)] as number;
    a = d;
    d = c;
    c = b;
    b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
}

function ensure(size: number): void {
  if (bytes.length < size) {
    const grown = new Uint8Array(Math.max(size, bytes.length * 2));
    grown.set(bytes);
    bytes = grown;
  }
}

/** Writes `text` as UTF-8 at the start of `bytes` (lone surrogates as U+FFFD, as Buffer does); returns its length. */
function utf8(text: string): number {
  ensure(text.length * 3 + 72);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      bytes[n++] = code;
      continue;
    }
    if (code < 0x800) {
      bytes[n++] = 0xc0 | (code >> 6);
      bytes[n++] = 0x80 | (code & 0x3f);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
        bytes[n++] = 0xf0 | (code >> 18);
        bytes[n++] = 0x80 | ((code >> 12) & 0x3f);
        bytes[n++] = 0x80 | ((code >> 6) & 0x3f);
        bytes[n++] = 0x80 | (code & 0x3f);
        continue;
      }
      code = 0xfffd;
    }
    bytes[n++] = 0xe0 | (code >> 12);
    bytes[n++] = 0x80 | ((code >> 6) & 0x3f);
    bytes[n++] = 0x80 | (code & 0x3f);
  }
  return n;
}
