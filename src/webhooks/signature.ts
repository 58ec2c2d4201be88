import { createHmac, timingSafeEqual } from "node:crypto";

/** The headers of a delivery: its signature (`v1=` + hex HMAC-SHA256) and when it was signed. */
export const SIGNATURE_HEADER = "engram-signature";
export const TIMESTAMP_HEADER = "engram-timestamp";

/** The signature of a delivery's body: HMAC-SHA256 over `${timestamp}.${body}` with the secret, as `v1=<hex>`. */
export function signDelivery(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * Checks a delivery as a receiver gets it: the signature matches the body and the timestamp is within
 * `toleranceSeconds` (default 300) of `nowSeconds`, so a captured delivery cannot be replayed later.
 *
 * @example
 * const ok = verifyWebhookSignature({
 *   secret, body: rawBody,
 *   signature: req.headers["engram-signature"], timestamp: req.headers["engram-timestamp"],
 * });
 */
export function verifyWebhookSignature(input: {
  secret: string;
  /** The raw request body, exactly as received. */
  body: string;
  signature: string | null | undefined;
  timestamp: string | null | undefined;
  toleranceSeconds?: number;
  nowSeconds?: number;
}): boolean {
  const { secret, body, signature, timestamp } = input;
  if (typeof signature !== "string" || typeof timestamp !== "string" || !/^\d{1,12}$/.test(timestamp))
    return false;
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (input.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signDelivery(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
