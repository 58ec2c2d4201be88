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
