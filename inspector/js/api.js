// The page's only way to the server: relative URLs (so the inspector also works when the API is mounted
// under a path), the API key from sessionStorage as a Bearer header, never in a URL or a cookie.

const KEY = "engram.apiKey";

/** Where the app is served (the server names it: `/`, or a mount point such as `/engram/`). */
const ROOT = document.querySelector('meta[name="engram-root"]')?.getAttribute("content") ?? "./";

/** An API failure with the server's code and message, or `unreachable` when no answer came. */
export class ApiError extends Error {
  /**
   * @param {number} status 0 when the server could not be reached
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The key kept for this browser tab's session, if any. */
export function savedKey() {
  return sessionStorage.getItem(KEY);
}

/** @param {string | null} key */
export function saveKey(key) {
  if (key === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, key);
}

/**
 * @param {string} path e.g. `v1/agents`
 * @param {{ method?: string, query?: Record<string, unknown>, body?: unknown, signal?: AbortSignal }} [options]
 * @returns {Promise<Response>}
 */
export async function request(path, options = {}) {
  const url = new URL(path, new URL(ROOT, location.href));
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    url.searchParams.set(name, String(value));
  }
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  const key = savedKey();
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "omit",
      cache: "no-store",
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "unreachable", "The engram server did not answer: it may have stopped.");
  }
  if (!response.ok) {
    /** @type {any} */
    let body = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON (a proxy's page, say): the status says enough.
    }
    const error = body?.error;
    throw new ApiError(
      response.status,
      typeof error?.code === "string" ? error.code : `http_${response.status}`,
      typeof error?.message === "string" ? error.message : `The server answered ${response.status}.`,
    );
  }
  return response;
}

/**
 * A JSON API call.
 * @param {string} path
 * @param {{ method?: string, query?: Record<string, unknown>, body?: unknown }} [options]
 * @returns {Promise<any>}
 */
export async function api(path, options) {
  const response = await request(path, options);
  return response.status === 204 ? null : response.json();
}

/**
 * Loads that may overlap, of which only the latest counts: `begin()`, called as each load starts,
 * gives a check that holds while no later load has begun. A filter changed while a page is on its
 * way starts another load; the earlier one's answer, arriving after, is then dropped rather than
 * drawn beside the later one's.
 */
export function latestOnly() {
  let loads = 0;
  return {
    begin() {
      const current = ++loads;
      return () => current === loads;
    },
  };
}

/**
 * Every item of a paged list, up to `max`.
 * @param {string} path
 * @param {Record<string, unknown>} [query]
 * @param {number} [max]
 * @returns {Promise<{ items: any[], more: boolean }>}
 */
export async function apiAll(path, query = {}, max = 1000) {
  /** @type {any[]} */
  const items = [];
  /** @type {string | null} */
  let cursor = null;
  do {
    const page = await api(path, { query: { ...query, cursor, limit: 200 } });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && items.length < max);
  return { items, more: cursor !== null };
}

/** @param {string} id */
export function agentPath(id) {
  return `v1/agents/${encodeURIComponent(id)}`;
}
