import type { MiddlewareHandler } from "hono";
import type { ApiErrorBody } from "../errors.ts";

/** The routes that speak OpenAI's API, and so answer errors in OpenAI's shape. */
const OPENAI_PATHS: ReadonlySet<string> = new Set(["/v1/chat/completions", "/v1/models"]);

/** Whether a request path is one of the OpenAI routes (`/v1/models/{model}` among them). */
export function isOpenAiPath(path: string): boolean {
  return OPENAI_PATHS.has(path) || path.startsWith("/v1/models/");
}

/** The route whose requests run a turn: not idempotent, so OpenAI's clients must not retry its 5xx. */
const CHAT_PATH = "/v1/chat/completions";

/**
 * A 5xx of a chat completion tells OpenAI's clients not to retry it (`x-should-retry: false`, which
 * they obey before their own rule of retrying every 5xx). The turn may have started and kept the
 * user's message (a failed turn) or may still be running (a timeout), so a retry would store and
 * answer the same message again; the model call was already retried inside engram.
 */
function noRetry(path: string, status: number, headers: Headers): void {
  if (path === CHAT_PATH && status >= 500) headers.set("x-should-retry", "false");
}

/** An error as OpenAI's API and its clients have it. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/**
 * OpenAI's error shape for an engram error: `type` by status as OpenAI's API sets it, `code` the
 * engram code (or one the route chose, e.g. `model_not_found`), `param` the request field at fault.
 */
export function openAiError(status: number, error: ApiErrorBody["error"]): OpenAiErrorBody {
  const details = error.details ?? {};
  const issues = details.issues as { path?: string }[] | undefined;
  const param =
    typeof details.param === "string"
      ? details.param
      : typeof issues?.[0]?.path === "string" && issues[0].path !== ""
        ? issues[0].path
        : null;
  return {
    error: {
      message: error.message,
      type: typeOf(status),
      param,
      code: typeof details.openaiCode === "string" ? details.openaiCode : error.code,
    },
  };
}

function typeOf(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/**
 * Rewrites every error response of the OpenAI routes (whichever layer made it: auth, rate limit,
 * body check, validation or the handler) into OpenAI's shape, with the same status and headers.
 * Registered first, so it sees the answer of everything after it.
 */
export function openAiErrors(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!isOpenAiPath(c.req.path) || c.res.status < 400) return;
    if (!(c.res.headers.get("content-type") ?? "").startsWith("application/json")) return;
    const body = (await c.res
      .clone()
      .json()
      .catch(() => null)) as Partial<ApiErrorBody> | null;
    if (typeof body?.error?.code !== "string") return;
    const headers = new Headers(c.res.headers);
    headers.delete("content-length");
    const status = c.res.status;
    noRetry(c.req.path, status, headers);
    c.res = undefined;
    c.res = new Response(JSON.stringify(openAiError(status, body.error)), { status, headers });
  };
}

/** The timeout's 503 in OpenAI's shape on the OpenAI routes (it is sent from outside the app). */
export function openAiTimeout(request: Request, response: Response): Response | Promise<Response> {
  const path = new URL(request.url).pathname;
  if (!isOpenAiPath(path)) return response;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  noRetry(path, response.status, headers);
  return response.json().then(
    (body) =>
      new Response(JSON.stringify(openAiError(response.status, (body as ApiErrorBody).error)), {
        status: response.status,
        headers,
      }),
  );
}
