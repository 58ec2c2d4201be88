import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { checkInput } from "../core/input-limits.ts";
import { HttpError } from "./errors.ts";
import { nodeRequest } from "./node-objects.ts";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Reads a request body once, before routing reaches a validator: over `limitFor(c)` bytes is 413,
 * a body that is not declared as JSON is 415, and JSON that does not parse, nests deeper than
 * MAX_INPUT_DEPTH or holds a lone surrogate is 400. An empty body
 * counts as no body, so routes whose body is optional accept it. The text read is left in Hono's
 * body cache (`c.req.json()`, `c.req.text()`).
 */
export function jsonBody(limitFor: (c: Context) => number): MiddlewareHandler {
  return async (c, next) => {
    const incoming = nodeRequest(c);
    // Under @hono/node-server the body is read from Node's own stream: touching `c.req.raw.body`
    // would build a web Request and stream around it first, a tenth of the cost of a small request.
    const source = incoming === undefined ? c.req.raw.body : hasBody(incoming) ? incoming : null;
    if (source === null) return next();
    const raw = c.req.raw;
    const limit = limitFor(c);
    const declared = Number(c.req.header("content-length") ?? Number.NaN);
    if (declared > limit) throw tooLarge(limit);
    const bytes = await readAtMost(source, limit);
    if (bytes.byteLength === 0) {
      const headers = new Headers(raw.headers);
      headers.delete("content-type");
      headers.delete("content-length");
      c.req.raw = new Request(raw.url, { method: raw.method, headers, signal: raw.signal });
      return next();
    }
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim() ?? "";
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw new HttpError(
        415,
        "unsupported_media_type",
        `request body must be JSON, sent with Content-Type: application/json (got ${mediaType === "" ? "no content type" : mediaType})`,
      );
    }
    const text = decode(bytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new HttpError(400, "invalid_input", `malformed JSON body: ${reason}`);
    }
    // JSON.parse itself never overflows; what handles the body after it may, and storage would
    // silently change a lone surrogate (a `\ud800` escape), so both are refused here, naming the field.
    checkInput(parsed, "request body");
    // The routes under /v1 read the body only through their validators, which take it from Hono's
    // body cache; a handler mounted elsewhere (e.g. /mcp) may read the raw request, so it gets one
    // whose body can be read again.
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
    if (!c.req.path.startsWith("/v1/"))
      c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body: bytes });
    return next();
  };
}

function hasBody(incoming: IncomingMessage): boolean {
  if (incoming.method === "GET" || incoming.method === "HEAD") return false;
  const length = incoming.headers["content-length"];
  return (length !== undefined && length !== "0") || incoming.headers["transfer-encoding"] !== undefined;
}

async function readAtMost(body: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    // Leaving the loop stops reading (and cancels a web stream); the server drains or drops the rest.
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function decode(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, "invalid_input", "malformed JSON body: not valid UTF-8");
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, "payload_too_large", `request body is over the limit of ${limit} bytes`);
}
