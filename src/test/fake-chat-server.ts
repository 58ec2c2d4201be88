import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake server answers to one chat completion request. */
export type FakeReply =
  /** A text answer, sent after `delayMs` (a slow model) when given. */
  | { text: string; delayMs?: number }
  | { toolCalls: { name: string; arguments: string }[] }
  /** An HTTP error with OpenAI's error body. */
  | { status: number; message: string; headers?: Record<string, string> }
  /** A stream that sends this text, then drops the connection (a blocking request just drops it). */
  | { cutAfter: string }
  /**
   * A stream that sends this text, then closes cleanly with neither a finish reason nor `[DONE]`, as a
   * proxy that ends the response early does (a blocking request just drops it).
   */
  | { endAfter: string }
  /** No answer at all: the request waits until the client gives up. */
  | { hang: true };

/** A chat completion request as the server received it. */
export interface FakeRequest {
  path: string;
  headers: IncomingMessage["headers"];
  // biome-ignore lint/suspicious/noExplicitAny: the test reads whatever the client sent
  body: any;
}

/**
 * A local stand-in for an OpenAI-compatible chat completions endpoint (vLLM, llama.cpp, LM Studio),
 * speaking the real wire format: JSON responses, and server-sent `data: {...}` chunks with
 * `choices[0].delta` text and `tool_calls` when the request asks to stream (with a last chunk of
 * usage only when it asks for one with `stream_options.include_usage`). Listens on 127.0.0.1.
 * `replies` are played in order, or chosen per request by a function.
 */
export async function startFakeChatServer(
  replies: FakeReply[] | ((request: FakeRequest) => FakeReply | undefined),
) {
  const requests: FakeRequest[] = [];
  let created = 1_700_000_000;
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const body = raw === "" ? {} : JSON.parse(raw);
      const request: FakeRequest = { path: req.url ?? "", headers: req.headers, body };
      requests.push(request);
      const reply = typeof replies === "function" ? replies(request) : replies.shift();
      if (reply === undefined) return error(res, 500, "the fake server has no reply left");
      if ("status" in reply) return error(res, reply.status, reply.message, reply.headers);
      if ("hang" in reply) return;
      const id = `chatcmpl-${requests.length}`;
      created++;
      const answer = () => {
        if (body.stream === true)
          return stream(res, reply, id, created, body.model, body.stream_options?.include_usage === true);
        if ("cutAfter" in reply || "endAfter" in reply) return void res.destroy();
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(completion(reply, id, created, body.model)));
      };
      if ("delayMs" in reply && reply.delayMs !== undefined) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    url,
    requests,
    replies,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const USAGE = { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 };

function completion(
  reply: { text: string } | { toolCalls: { name: string; arguments: string }[] },
  id: string,
  created: number,
  model: string,
) {
  const message =
    "text" in reply
      ? { role: "assistant", content: reply.text }
      : {
          role: "assistant",
          content: null,
          tool_calls: reply.toolCalls.map((c, i) => ({
            id: `call_${id}_${i}`,
            type: "function",
            function: { name: c.name, arguments: c.arguments },
          })),
        };
  return {
    id,
    object: "chat.completion",
    created,
    model,
    choices: [{ index: 0, message, finish_reason: "text" in reply ? "stop" : "tool_calls" }],
    usage: USAGE,
  };
}

function stream(
  res: ServerResponse,
  reply: Exclude<FakeReply, { status: number } | { hang: true }>,
  id: string,
  created: number,
  model: string,
  includeUsage: boolean,
): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;
  res.write(chunk({ role: "assistant", content: "" }));
  if ("cutAfter" in reply) {
    for (const word of reply.cutAfter.split(/(?<= )/)) res.write(chunk({ content: word }));
    // Give the client the chunks, then drop the connection without finishing the stream.
    setTimeout(() => res.destroy(), 20);
    return;
  }
  if ("endAfter" in reply) {
    for (const word of reply.endAfter.split(/(?<= )/)) res.write(chunk({ content: word }));
    res.end();
    return;
  }
  if ("text" in reply) {
    for (const word of reply.text.split(/(?<= )/)) res.write(chunk({ content: word }));
    res.write(chunk({}, "stop"));
  } else if ("toolCalls" in reply) {
    reply.toolCalls.forEach((call, index) => {
      res.write(
        chunk({
          tool_calls: [
            {
              index,
              id: `call_${id}_${index}`,
              type: "function",
              function: { name: call.name, arguments: "" },
            },
          ],
        }),
      );
      // Arguments arrive in pieces, as real servers send them.
      const half = Math.ceil(call.arguments.length / 2);
      for (const piece of [call.arguments.slice(0, half), call.arguments.slice(half)])
        res.write(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    });
    res.write(chunk({}, "tool_calls"));
  }
  // Usage comes in a last chunk without choices, and only when the request asks for it.
  if (includeUsage)
    res.write(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage: USAGE })}\n\n`,
    );
  res.end("data: [DONE]\n\n");
}

function error(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ error: { message, type: "invalid_request_error", code: null } }));
}
