import { randomBytes } from "node:crypto";

/** Prefixes of every kind of id engram hands out, so an id says what it names. */
export const ID_PREFIX = {
  project: "prj",
  agent: "agt",
  event: "evt",
  memory: "mem",
  message: "msg",
  episode: "epi",
  experience: "exp",
  insight: "ins",
  evolutionRun: "evo",
  candidate: "cnd",
  job: "job",
  turn: "trn",
  key: "key",
  webhook: "whk",
  delivery: "dlv",
  group: "grp",
  groupRun: "grn",
  block: "blk",
} as const;

export type IdKind = keyof typeof ID_PREFIX;

export type IdGenerator = (kind: IdKind) => string;

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * Time-sortable ids (48 bits of milliseconds, then 80 random bits, in Crockford base32), so that
 * ordering by id is ordering by creation and ids make stable pagination cursors.
 */
export function createIdGenerator(now: () => number = Date.now): IdGenerator {
  let lastTime = -1;
  let lastRandom: Uint8Array = new Uint8Array(10);
  return (kind) => {
    const time = now();
    let random: Uint8Array;
    if (time === lastTime) {
      // Same millisecond: increment, so ids stay strictly increasing.
      random = Uint8Array.from(lastRandom);
      for (let i = random.length - 1; i >= 0; i--) {
        random[i] = ((random[i] ?? 0) + 1) & 0xff;
        if (random[i] !== 0) break;
      }
    } else {
      random = new Uint8Array(randomBytes(10));
    }
    lastTime = time;
    lastRandom = random;
    return `${ID_PREFIX[kind]}_${encodeTime(time)}${encodeBytes(random)}`;
  };
}

function encodeTime(time: number): string {
  let out = "";
  let rest = time;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeBytes(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

const ID_PATTERN = /^[a-z]{3}_[0-9a-z]{26}$/;

/** Whether `value` has the shape of an engram id of the given kind. */
export function isId(kind: IdKind, value: string): boolean {
  return value.startsWith(`${ID_PREFIX[kind]}_`) && ID_PATTERN.test(value);
}
