import { Agent, type IncomingHttpHeaders, request } from "node:http";

/** What the load generator keeps of a response. */
export interface LoadResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A small HTTP/1.1 client over keep-alive connections (one socket per concurrent client), so the
 * load generator measures the server rather than connection set-up.
 */
export class LoadClient {
  readonly #base: URL;
  readonly #agent: Agent;
  readonly #headers: Record<string, string>;

  constructor(baseUrl: string, options: { connections: number; headers?: Record<string, string> }) {
    this.#base = new URL(baseUrl);
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.connections });
    this.#headers = options.headers ?? {};
  }

  /** Sends `body` as JSON: a string is taken to be JSON already, anything else is serialised. */
  send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<LoadResponse> {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.#agent,
          host: this.#base.hostname,
          port: this.#base.port,
          method,
          path,
          headers: {
            ...this.#headers,
            ...headers,
            ...(payload === undefined
              ? {}
              : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString(),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
