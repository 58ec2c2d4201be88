import type { AddressInfo } from "node:net";
import { isIP } from "node:net";
import { serve } from "@hono/node-server";
import { InvalidInputError } from "../core/errors.ts";
import type { WebhookDispatchOptions } from "../webhooks/webhook-dispatcher.ts";
import { type AppOptions, createApp, outboundPolicy } from "./app.ts";

export const DEFAULT_PORT = 8420;
export const DEFAULT_HOST = "127.0.0.1";
/** How long `close()` waits for requests in flight before it cuts their connections: 10 s. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

export interface ServerOptions extends AppOptions {
  /** Port to listen on (default 8420); 0 picks any free port. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1, this machine only). Any other turns auth on. */
  host?: string;
  /** How long `close()` lets requests in flight finish before cutting them (default 10 s). */
  shutdownGraceMs?: number;
  /**
   * Deliver webhooks from this server (default on, under the app's outbound policy); `false` leaves it
   * to another process (`engram.webhooks.startDispatcher`).
   */
  webhooks?: Omit<WebhookDispatchOptions, "outbound"> | false;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8420`. */
  url: string;
  port: number;
  host: string;
  /** Whether requests need an API key (always, unless the server listens on loopback only). */
  auth: boolean;
  /**
   * Stops accepting connections, lets requests in flight finish (cutting them after the grace
   * period), then resolves. The engram stays open: close it afterwards.
   */
  close(): Promise<void>;
}

/** Whether a host name or address reaches this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || /^::ffff:127\./.test(h) || /^(0{1,4}:){7}0{0,3}1$/.test(h);
  return false;
}

/**
 * Serves the engram HTTP API over a socket. Listening beyond loopback always requires API keys:
 * `auth` defaults to on there, and turning it off is refused.
 *
 * @example
 * const engram = createEngram();
 * const server = await startServer({ engram, port: 0 });
 * console.log(`listening on ${server.url}`);
 * await server.close();
 * await engram.close();
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const {
    port = DEFAULT_PORT,
    host = DEFAULT_HOST,
    shutdownGraceMs = DEFAULT_SHUTDOWN_GRACE_MS,
    webhooks,
    ...appOptions
  } = options;
  const loopback = isLoopback(host);
  if (!loopback && options.auth === false)
    throw new InvalidInputError(
      `auth cannot be off on ${host}: only a loopback address may serve without keys`,
    );
  const auth = options.auth ?? !loopback;
  // Event streams never finish on their own: closing ends them, so that shutdown need not wait.
  const closed = new AbortController();
  const app = createApp({
    ...appOptions,
    auth,
    eventStream: { ...appOptions.eventStream, shutdown: closed.signal },
  });
  const { server, address } = await new Promise<{ server: ReturnType<typeof serve>; address: AddressInfo }>(
    (resolve, reject) => {
      const server = serve({ fetch: app.fetch, port, hostname: host }, (info) =>
        resolve({ server, address: info }),
      );
      server.once("error", reject);
    },
  );
  const dispatcher =
    webhooks === false
      ? null
      : options.engram.webhooks.startDispatcher({
          ...webhooks,
          outbound: outboundPolicy({ auth, allowUrls: appOptions.allowUrls }),
        });
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  // While closing, a connection whose request just finished is idle: close it rather than keep it alive.
  server.on("request", (_request, response: { once(event: "finish", listener: () => void): void }) => {
    response.once("finish", () => {
      if (closing !== undefined && "closeIdleConnections" in server)
        setImmediate(() => server.closeIdleConnections());
    });
  });
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    host: address.address,
    auth,
    close() {
      closed.abort();
      const dispatching = dispatcher?.stop();
      closing ??= new Promise<void>((resolve, reject) => {
        const cut = setTimeout(() => {
          if ("closeAllConnections" in server) server.closeAllConnections();
        }, shutdownGraceMs);
        server.close((error) => {
          clearTimeout(cut);
          if (error === undefined) resolve();
          else reject(error);
        });
        // Idle keep-alive connections would hold close() open; busy ones finish their request first.
        if ("closeIdleConnections" in server) server.closeIdleConnections();
      }).then(() => dispatching);
      return closing;
    },
  };
}
