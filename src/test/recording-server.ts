import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request a recording server got: its path, headers and JSON body (`{}` when empty). */
export interface SeenRequest {
  path: string;
  headers: IncomingMessage["headers"];
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the client sent
  body: any;
}

/**
 * A local HTTP server on 127.0.0.1 that records each request (its body read as JSON) and has
 * `answer` write the response: a stand-in for a provider's API in its wire format.
 */
export async function startRecordingServer(answer: (seen: SeenRequest, res: ServerResponse) => void) {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const request = { path: req.url ?? "", headers: req.headers, body: raw === "" ? {} : JSON.parse(raw) };
      seen.push(request);
      answer(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
