/**
 * A controller of one's own that also aborts when `caller` does (with its reason): work that the
 * reader of a stream may cancel, as well as whoever started it.
 */
export function followingController(caller: AbortSignal | undefined): AbortController {
  const controller = new AbortController();
  if (caller?.aborted) controller.abort(caller.reason);
  else caller?.addEventListener("abort", () => controller.abort(caller.reason), { once: true });
  return controller;
}

/**
 * The work's outcome, or the signal's reason as soon as it aborts, whichever comes first: work that
 * ignores the signal (a tool, a remote call that takes none) cannot hold its caller past it. The
 * work itself is left to settle.
 */
export function untilAborted<T>(work: PromiseLike<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return Promise.resolve(work);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
