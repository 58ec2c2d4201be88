import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type AppOptions, createApp } from "./app.ts";

export const DEFAULT_PORT = 8420;
export const DEFAULT_HOST = "127.0.0.1";

export interface ServerOptions extends AppOptions {
  /** Port to listen on (default 8420); 0 picks any free port. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1, this machine only). */
  host?: string;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8420`. */
  url: string;
  port: number;
  host: string;
  /** Stops accepting connections, lets requests in flight finish, then resolves. The engram stays open. */
  close(): Promise<void>;
}

/**
 * Serves the engram HTTP API over a socket.
 *
 * @example
 * const engram = createEngram();
 * const server = await startServer({ engram, port: 0 });
 * console.log(`listening on ${server.url}`);
 * await server.close();
 * await engram.close();
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { port = DEFAULT_PORT, host = DEFAULT_HOST, ...appOptions } = options;
  const app = createApp(appOptions);
  const { server, address } = await new Promise<{ server: ReturnType<typeof serve>; address: AddressInfo }>(
    (resolve, reject) => {
      const server = serve({ fetch: app.fetch, port, hostname: host }, (info) =>
        resolve({ server, address: info }),
      );
      server.once("error", reject);
    },
  );
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    host: address.address,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // Idle keep-alive connections would hold close() open; busy ones finish their request first.
        if ("closeIdleConnections" in server) server.closeIdleConnections();
      });
      return closing;
    },
  };
}
