import type { LanguageModelV3Prompt } from "@ai-sdk/provider";

/** The newest user message of a prompt: where it is, its text, and whether the call answers it. */
export interface NewestUserMessage {
  index: number;
  text: string;
  /** True when it is the prompt's last message: a new exchange, not a later step of a tool loop. */
  isLast: boolean;
}

/** The newest user message's text parts, joined; null when the prompt has no user message. */
export function newestUserMessage(prompt: LanguageModelV3Prompt): NewestUserMessage | null {
  for (let index = prompt.length - 1; index >= 0; index--) {
    const message = prompt[index];
    if (message?.role !== "user") continue;
    const text = message.content
      .flatMap((part) => (part.type === "text" ? [part.text] : []))
      .join("\n")
      .trim();
    return { index, text, isLast: index === prompt.length - 1 };
  }
  return null;
}

/**
 * The prompt with engram's memory in it, as the agent runtime places it: the blocks as a system
 * message after the app's own leading system messages (so the app's instructions come first and the
 * system prefix stays stable from call to call), and the retrieved memories as a text part at the
 * start of the newest user message, since they change with every message.
 */
export function withMemory(
  prompt: LanguageModelV3Prompt,
  blocks: string,
  memories: string,
  newest: NewestUserMessage | null,
): LanguageModelV3Prompt {
  const result = prompt.map((message, i) => {
    if (memories === "" || newest === null || i !== newest.index || message.role !== "user") return message;
    return { ...message, content: [{ type: "text" as const, text: `${memories}\n\n` }, ...message.content] };
  });
  let at = 0;
  while (result[at]?.role === "system") at++;
  result.splice(at, 0, { role: "system", content: blocks });
  return result;
}
