import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A chat request as an OpenAI-compatible server receives it. */
export interface ChatRequest {
  model: string;
  messages: { role: string; content: string | { type: string; text?: string }[] }[];
  seed?: number;
  temperature?: number;
}

/** The text of a request's system and user messages. */
export function chatText(request: ChatRequest): { system: string; user: string } {
  const text = (content: ChatRequest["messages"][number]["content"]) =>
    typeof content === "string" ? content : content.map((p) => p.text ?? "").join("");
  return {
    system: request.messages
      .filter((m) => m.role === "system")
      .map((m) => text(m.content))
      .join(""),
    user: request.messages
      .filter((m) => m.role === "user")
      .map((m) => text(m.content))
      .join(""),
  };
}

/**
 * A local stand-in for an OpenAI-compatible chat completions endpoint on 127.0.0.1, speaking the
 * real (non-streaming) wire format; `answer` decides each reply from the request.
 */
export async function startChatServer(answer: (request: ChatRequest) => string) {
  const requests: ChatRequest[] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const body = JSON.parse(raw) as ChatRequest;
      requests.push(body);
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: "chat.completion",
          created: 1_767_225_600,
          model: body.model,
          choices: [
            { index: 0, message: { role: "assistant", content: answer(body) }, finish_reason: "stop" },
          ],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    url,
    requests,
    /** Environment that points engram's default model at this server. */
    env: { ENGRAM_MODEL: "openai-compatible:local-test", OPENAI_COMPATIBLE_BASE_URL: url },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
