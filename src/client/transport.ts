import { InvalidInputError } from "../core/errors.ts";
import { errorFromResponse, unreachable } from "./errors.ts";
import { OPERATIONS, type Operation, type OperationId } from "./operations.ts";

/** How to reach a server; see {@link createClient}. */
export interface ClientOptions {
  /** The server's address, e.g. `http://127.0.0.1:8420` (a path prefix, if mounted under one, included). */
  baseUrl: string;
  /** An API key, sent as `Authorization: Bearer <key>`. */
  apiKey?: string | undefined;
  /** The `fetch` to use (default: the global one), e.g. to add tracing or for an edge runtime. */
  fetch?: typeof fetch | undefined;
  /** Headers added to every request. */
  headers?: Record<string, string> | undefined;
  /**
   * The project (id or name) for operations that take one (`agents.create`, `agents.list`,
   * `events.list`, `keys.list`, `transfer.import`) when a call names none. Keys bound to a project
   * need none.
   */
  project?: string | undefined;
}

/** A value a query parameter takes; an array repeats the parameter. */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** What one call sends besides its operation. */
export interface CallInput {
  params?: Record<string, string>;
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

/** Sends operations of the table over HTTP and maps error responses to EngramErrors. */
export interface Transport {
  readonly options: ClientOptions;
  /**
   * The parsed JSON reply (undefined for 204), typed as the caller expects: the server's schemas are
   * the library's types, checked by the route tests. @throws EngramError as the server raised it.
   */
  call<T>(id: OperationId, input?: CallInput): Promise<T>;
  /** The raw successful response, for streams and non-JSON bodies. @throws EngramError. */
  send(id: OperationId, input?: CallInput): Promise<Response>;
}

/** A transport over `fetch` for the given server. */
export function createTransport(options: ClientOptions): Transport {
  if (typeof options.baseUrl !== "string" || !/^https?:\/\/[^/]/i.test(options.baseUrl)) {
    throw new InvalidInputError(
      `baseUrl: must be an http(s) URL, e.g. http://127.0.0.1:8420 (got ${JSON.stringify(options.baseUrl)})`,
      {
        details: { field: "baseUrl" },
      },
    );
  }
  const base = options.baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== "function") {
    throw new InvalidInputError("fetch: no global fetch in this runtime; pass one as options.fetch");
  }
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;

  async function send(id: OperationId, input: CallInput = {}): Promise<Response> {
    const operation: Operation = OPERATIONS[id];
    const url = base + pathOf(id, operation.path, input.params ?? {}) + queryOf(id, operation, input.query);
    const init: RequestInit = { method: operation.method, headers: { ...headers } };
    if (input.body !== undefined) {
      init.body = JSON.stringify(input.body);
      init.headers = { ...headers, "content-type": "application/json" };
    }
    if (input.signal !== undefined) init.signal = input.signal;
    let response: Response;
    try {
      response = await doFetch(url, init);
    } catch (error) {
      // The caller's own abort stays an abort; anything else means the server could not be reached.
      if (input.signal?.aborted) throw error;
      throw unreachable(base, error);
    }
    if (!response.ok) throw await errorFromResponse(response, `${id} (${operation.method} ${url})`);
    return response;
  }

  return {
    options,
    send,
    async call<T>(id: OperationId, input?: CallInput): Promise<T> {
      const response = await send(id, input);
      const text = await response.text();
      return (text === "" ? undefined : JSON.parse(text)) as T;
    },
  };
}

function pathOf(id: OperationId, template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (typeof value !== "string" || value === "") {
      throw new InvalidInputError(`${id}: ${name} must be a non-empty string`, { details: { field: name } });
    }
    return encodeURIComponent(value);
  });
}

function queryOf(
  id: OperationId,
  operation: Operation,
  query: Record<string, QueryValue> | undefined,
): string {
  if (query === undefined) return "";
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    // The table is the server's own list: a name outside it would be refused there anyway.
    if (!operation.query?.includes(name)) {
      throw new InvalidInputError(`${id}: unknown option ${name}`, { details: { field: name } });
    }
    if (Array.isArray(value)) for (const item of value) search.append(name, item);
    else search.append(name, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
