import { errorJson } from "./errors.ts";

/** Default time a response may take to start: 30 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

type Fetch = (request: Request, ...rest: never[]) => Response | Promise<Response>;

/**
 * Wraps a fetch handler so that a response that has not started within `ms` becomes 503 `timeout`.
 * Only the start counts: a response that is streaming (e.g. `text/event-stream`) is never cut. The
 * late request is not stopped (a write in progress may still complete, as the message says); its
 * response is discarded.
 */
export function withTimeout<F extends Fetch>(
  fetch: F,
  ms: number,
  /** Gives the 503 another shape for some requests (e.g. OpenAI's error on its routes). */
  reshape: (request: Request, response: Response) => Response | Promise<Response> = (_, response) => response,
): F {
  const wrapped = (request: Request, ...rest: never[]): Promise<Response> => {
    const work = Promise.resolve(fetch(request, ...rest));
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
