import type { Context } from "hono";
import { HttpError } from "./errors.ts";
import { remoteAddress, TokenBuckets } from "./rate-limit.ts";

/** Failed authentications allowed per minute per client address, by default. */
export const DEFAULT_AUTH_FAILURES_PER_MINUTE = 30;

export interface AuthFailureOptions {
  /** Failed authentications (401s) one client address may cause per minute, sustained. */
  perMinute: number;
  /** How many may come at once after a quiet spell; default `perMinute`. */
  burst?: number | undefined;
  /** Clock in ms; injected by tests. */
  now?: (() => number) | undefined;
}

/**
 * Limits guessing API keys: each failed authentication takes a token from its client address's
 * bucket, and an address with none left gets 429 with `Retry-After` before its key is even looked at,
 * so a correct guess during the penalty is not recognised either. That holds for a valid key from the
 * same address too: the address, not the key, is what is being limited.
 */
export class AuthFailureLimit {
  readonly #buckets: TokenBuckets;
  readonly #perMinute: number;

  constructor(options: AuthFailureOptions) {
    this.#perMinute = options.perMinute;
    this.#buckets = new TokenBuckets({
      requestsPerSecond: options.perMinute / 60,
      burst: options.burst ?? Math.ceil(options.perMinute),
      now: options.now,
    });
  }

  /** @throws HttpError 429 when the request's address has used up its failed attempts. */
  check(c: Context): void {
    const wait = this.#buckets.peek(remoteAddress(c));
    if (wait > 0) {
      throw new HttpError(
        429,
        "rate_limited",
        `too many failed authentications from this address (at most ${this.#perMinute} per minute); retry in ${wait} s`,
        { "Retry-After": String(wait) },
      );
    }
  }

  /** Counts a failed authentication against the request's address. */
  failed(c: Context): void {
    this.#buckets.take(remoteAddress(c));
  }
}
