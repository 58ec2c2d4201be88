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

/**
 * Begins an Anthropic Messages stream on `res`, as the API does, up to `text` in its first text
 * block; returns the writer of further events (`event(type, data)`), so that a test can end the
 * stream as the case it stands for does.
 */
export function startAnthropicStream(
  res: ServerResponse,
  text: string,
): (type: string, data: object) => void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  const event = (type: string, data: object) => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  event("message_start", {
    message: {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-test",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 40, output_tokens: 1 },
    },
  });
  event("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
  event("content_block_delta", { index: 0, delta: { type: "text_delta", text } });
  return event;
}
