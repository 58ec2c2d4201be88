import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { EngramError, InvalidInputError } from "./errors.ts";

/**
 * How a store keeps secrets at rest (webhook signing secrets, MCP servers' `env` and `headers`
 * values): `seal` before a write, `open` after a read. With a key, sealed with AES-256-GCM; without
 * one, stored as given. A value written before the key was set reads as it is.
 */
export interface SecretBox {
  seal(plain: string): string;
  /**
   * The secret a stored value holds; `what` names it in errors.
   * @throws EngramError `unavailable` when it is sealed and this box has no key, or not the key it
   *   was sealed with (or the value was altered)
   */
  open(stored: string, what: string): string;
}

const PREFIX = "engram-sealed:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Whether a stored value is a sealed secret. */
export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/**
 * `box.open`, with a sealed value this process cannot open given back as the reason (`problem`)
 * instead of thrown: for the rows that hold secrets, which are still read without them.
 */
export function openOrWhy(
  box: SecretBox,
  stored: string,
  what: string,
): { value: string } | { problem: string } {
  try {
    return { value: box.open(stored, what) };
  } catch (error) {
    if (EngramError.isInstance(error) && error.code === "unavailable") return { problem: error.message };
    throw error;
  }
}

/** The environment variable that holds the key. */
export const SECRET_KEY_VARIABLE = "ENGRAM_SECRET_KEY";

/** The environment variable that holds earlier keys (comma-separated), which only open secrets. */
export const PREVIOUS_KEYS_VARIABLE = "ENGRAM_SECRET_KEY_PREVIOUS";

/**
 * A box for a 256-bit key given as 64 hexadecimal digits or 44 characters of base64 (`openssl rand
 * -hex 32`), or a box that stores secrets as given when `key` is undefined or empty. `previous`
 * keys open what they sealed (while keys are changed); new secrets are sealed with `key`.
 * @throws InvalidInputError naming `field` when a key is of another shape
 */
export function secretBox(
  key: string | undefined,
  field = SECRET_KEY_VARIABLE,
  previous: readonly string[] = [],
): SecretBox {
  if (key === undefined || key === "") return PLAIN;
  const earlier = previous.map((k) => parseKey(k.trim(), PREVIOUS_KEYS_VARIABLE));
  return keyedBox([parseKey(key.trim(), field), ...earlier]);
}

/** The box `ENGRAM_SECRET_KEY` and `ENGRAM_SECRET_KEY_PREVIOUS` of an environment describe. */
export function secretBoxFromEnv(env: NodeJS.ProcessEnv): SecretBox {
  const previous = (env[PREVIOUS_KEYS_VARIABLE] ?? "").split(",").filter((k) => k.trim() !== "");
  return secretBox(env[SECRET_KEY_VARIABLE], SECRET_KEY_VARIABLE, previous);
}

function parseKey(text: string, field: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) return Buffer.from(text, "base64");
  throw new InvalidInputError(
    `invalid ${field}: must be a 256-bit key, as 64 hexadecimal digits or 44 characters of base64 (e.g. the output of openssl rand -hex 32)`,
  );
}

const PLAIN: SecretBox = {
  seal: (plain) => plain,
  open(stored, what) {
    if (!isSealed(stored)) return stored;
    throw new EngramError(
      "unavailable",
      `${what} is encrypted at rest and ${SECRET_KEY_VARIABLE} is not set: set it to the key it was sealed with`,
    );
  },
};

function keyedBox(keys: readonly Buffer[]): SecretBox {
  const key = keys[0] as Buffer;
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
    },
    open(stored, what) {
      if (!isSealed(stored)) return stored;
      const bytes = Buffer.from(stored.slice(PREFIX.length), "base64");
      for (const candidate of keys) {
        try {
          const decipher = createDecipheriv("aes-256-gcm", candidate, bytes.subarray(0, IV_BYTES));
          decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
          const body = bytes.subarray(IV_BYTES + TAG_BYTES);
          return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
        } catch {
          // Not this key's (or altered): the next one may open it.
        }
      }
      throw new EngramError(
        "unavailable",
        `${what} cannot be decrypted: it was sealed with another ${SECRET_KEY_VARIABLE}, or altered`,
      );
    },
  };
}
