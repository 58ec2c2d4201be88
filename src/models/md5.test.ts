import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { md5Words } from "./md5.ts";

function words(text: string): number[] {
  const digest = createHash("md5").update(text).digest();
  return [0, 4, 8, 12].map((at) => digest.readInt32LE(at));
}

test("md5Words gives node:crypto's MD5, word by word, for every length and script", () => {
  const samples = [
    "",
    "a",
    "abc",
    "message digest",
    "engram dimension probe",
    "x".repeat(55),
    "x".repeat(56),
    "y".repeat(63),
    "z".repeat(64),
    "w".repeat(200),
    "café naïve",
    "東京 タワー",
    "emoji 😀 pair",
    "lone \ud800 surrogate",
    "trailing \udc00",
    "é".repeat(40),
  ];
  // Random texts over ASCII, Latin-1, CJK and astral code points, at lengths across block edges.
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const pool = ["a", "Z", "0", " ", "ß", "ñ", "ж", "語", "😀"];
  for (let i = 0; i < 300; i++) {
    let text = "";
    const length = next() % 90;
    for (let j = 0; j < length; j++) text += pool[next() % pool.length];
    samples.push(text);
  }
  for (const text of samples) assert.deepEqual([...md5Words(text)], words(text), JSON.stringify(text));
});
