/**
 * Server-sent events from a response body, as parsed `data` JSON, one per event. Only what the
 * turn stream uses: `event`, `data` and `id` lines, events separated by a blank line.
 */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      // A CR at a chunk's end may be half of a CRLF: it is joined with the next chunk's LF first.
      buffer = buffer.replace(/\r\n/g, "\n");
      let end = buffer.indexOf("\n\n");
      while (end !== -1) {
        const data = dataOf(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (data !== undefined) yield JSON.parse(data);
        end = buffer.indexOf("\n\n");
      }
      if (done) {
        const data = dataOf(buffer);
        if (data !== undefined) yield JSON.parse(data);
        return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function dataOf(event: string): string | undefined {
  const lines = event
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5));
  return lines.length === 0 ? undefined : lines.join("\n");
}
