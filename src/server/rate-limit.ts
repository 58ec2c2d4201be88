import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { PUBLIC_PATHS } from "./auth.ts";
import type { AppEnv } from "./env.ts";
import { HttpError } from "./errors.ts";

/** Sustained requests per second per key when auth is on and nothing else is configured. */
export const DEFAULT_RATE_LIMIT = 100;
/** Requests a key may make at once after a quiet spell, by default. */
export const DEFAULT_RATE_BURST = 200;

export interface RateLimitOptions {
  /** Sustained requests per second allowed to one key (or one client address when auth is off). */
  requestsPerSecond: number;
  /** How many requests may come at once after a quiet spell (the bucket's size); default twice the rate. */
  burst?: number | undefined;
  /** Clock in ms; injected by tests. */
  now?: (() => number) | undefined;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before full ones (clients quiet long enough to have refilled) are dropped. */
const MAX_BUCKETS = 10_000;

/**
 * Token buckets by client: each holds up to `burst` tokens, refills at `requestsPerSecond`, and a
 * request takes one. An empty bucket says how long until the next token.
 */
export class TokenBuckets {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    if (!(options.requestsPerSecond > 0)) throw new RangeError("requestsPerSecond must be positive");
    this.#rate = options.requestsPerSecond;
    this.#burst = Math.max(1, options.burst ?? Math.ceil(options.requestsPerSecond * 2));
    this.#now = options.now ?? Date.now;
  }

  /** Takes a token for `client`: 0 when allowed, else the seconds to wait before trying again. */
  take(client: string): number {
    const bucket = this.#refilled(client);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.#wait(bucket);
  }

  /** Like `take`, without taking: 0 when `client` has a token, else the seconds until it has one. */
  peek(client: string): number {
    if (!this.#buckets.has(client)) return 0;
    const bucket = this.#refilled(client);
    return bucket.tokens >= 1 ? 0 : this.#wait(bucket);
  }

  #refilled(client: string): Bucket {
    const now = this.#now();
    let bucket = this.#buckets.get(client);
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_BUCKETS) this.#dropFull(now);
      bucket = { tokens: this.#burst, at: now };
      this.#buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
      bucket.at = now;
    }
    return bucket;
  }

  #wait(bucket: Bucket): number {
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#rate));
  }

  #dropFull(now: number): void {
    for (const [client, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.#rate >= this.#burst)
        this.#buckets.delete(client);
    }
  }
}

/**
 * Answers 429 with `Retry-After` (seconds) once a client has used its tokens. The client is the API
 * key when the request has one, else the connection's remote address. The public paths are exempt.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const buckets = new TokenBuckets(options);
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const key = c.var.apiKey;
    const wait = buckets.take(key === undefined ? `address:${remoteAddress(c)}` : `key:${key.id}`);
    if (wait > 0) {
      throw new HttpError(
        429,
        "rate_limited",
        `too many requests: at most ${options.requestsPerSecond} per second; retry in ${wait} s`,
        { "Retry-After": String(wait) },
      );
    }
    return next();
  };
}

/**
 * The client's address: the socket's remote address (a proxy's `X-Forwarded-For` is not trusted, as
 * any client can send it). Requests handled in-process (tests) share one address.
 */
export function remoteAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "in-process";
  }
}
