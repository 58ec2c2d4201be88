import { errorJson } from "./errors.ts";

/** Default time a response may take to start: 30 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

type Fetch = (request: Request, ...rest: never[]) => Response | Promise<Response>;

/**
 * The requests that run agent turns: `POST /v1/agents/{id}/messages`, `POST /v1/groups/{id}/messages`
 * and `POST /v1/chat/completions`. Each turn is bounded by its own `timeoutMs` (120 s by default, set
 * per agent), after which it is stopped and answered as failed; the request timeout would answer
 * 503 sooner while the turn went on and stored its answer.
 */
export function runsTurns(request: Request): boolean {
  if (request.method !== "POST") return false;
  const path = new URL(request.url).pathname;
  return path === "/v1/chat/completions" || /^\/v1\/(agents|groups)\/[^/]+\/messages$/.test(path);
}

/**
 * Wraps a fetch handler so that a response that has not started within `ms` becomes 503 `timeout`.
 * Only the start counts: a response that is streaming (e.g. `text/event-stream`) is never cut. The
 * late request is not stopped (a write in progress may still complete, as the message says); its
 * response is discarded. Requests `exempt` picks are left to bounds of their own.
 */
export function withTimeout<F extends Fetch>(
  fetch: F,
  ms: number,
  /** Gives the 503 another shape for some requests (e.g. OpenAI's error on its routes). */
  reshape: (request: Request, response: Response) => Response | Promise<Response> = (_, response) => response,
  exempt: (request: Request) => boolean = () => false,
): F {
  const wrapped = (request: Request, ...rest: never[]): Promise<Response> => {
    const work = Promise.resolve(fetch(request, ...rest));
    if (exempt(request)) return work;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<Response>((resolve) => {
      timer = setTimeout(() => {
        work.then((late) => late.body?.cancel()).catch(() => {});
        const response = errorJson(503, {
          code: "timeout",
          message: `the request took over ${ms} ms and was abandoned; a write it made may still complete, so read before retrying`,
        });
        resolve(reshape(request, response));
      }, ms);
    });
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
  };
  return wrapped as F;
}
