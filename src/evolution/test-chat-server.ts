import { startFakeChatServer } from "../test/fake-chat-server.ts";

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
 * A local OpenAI-compatible chat server on 127.0.0.1 (see src/test/fake-chat-server.ts) whose
 * `answer` decides each reply's text from the request.
 */
export async function startChatServer(answer: (request: ChatRequest) => string) {
  const server = await startFakeChatServer((request) => ({ text: answer(request.body as ChatRequest) }));
  return {
    url: server.url,
    /** The requests received so far. */
    get requests(): ChatRequest[] {
      return server.requests.map((r) => r.body as ChatRequest);
    },
    /** Environment that points engram's default model at this server. */
    env: { ENGRAM_MODEL: "openai-compatible:local-test", OPENAI_COMPATIBLE_BASE_URL: server.url },
    close: server.close,
  };
}
