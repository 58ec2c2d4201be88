import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { McpCallResult } from "./mcp-connection.ts";
import { MAX_MCP_RESULT_CHARS, resultText } from "./mcp-result-text.ts";

const text = (result: unknown) => resultText(result as McpCallResult, "MCP server s: t");

describe("an MCP tool's result as the model reads it", () => {
  it("joins text parts, describes images and audio, gives resources as text or URI", () => {
    assert.equal(
      text({
        content: [
          { type: "text", text: "one" },
          { type: "image", data: "AAAA", mimeType: "image/png" },
          { type: "audio", data: "AAAAAAAA", mimeType: "audio/wav" },
          { type: "resource", resource: { uri: "file:///a.txt", text: "inside" } },
          { type: "resource", resource: { uri: "file:///b.bin", blob: "AA" } },
          { type: "resource_link", uri: "file:///c", name: "c" },
        ],
      }),
      "one\n[image image/png, about 3 bytes]\n[audio audio/wav, about 6 bytes]\ninside\n[resource file:///b.bin]\n[resource file:///c (c)]",
    );
  });

  it("sends structured content as JSON when there is no text, and cuts what is too long", () => {
    assert.equal(text({ content: [], structuredContent: { sum: 3 } }), '{"sum":3}');
    const long = text({ content: [{ type: "text", text: "x".repeat(MAX_MCP_RESULT_CHARS + 10) }] });
    assert.ok(long.endsWith("[… 10 more characters cut]"));
    assert.equal(long.length, MAX_MCP_RESULT_CHARS + "\n[… 10 more characters cut]".length);
  });

  it("throws a result the tool marks as an error, naming the server and tool, so the model sees a tool error", () => {
    assert.throws(
      () => text({ content: [{ type: "text", text: "no such file" }], isError: true }),
      /^Error: MCP server s: t: no such file$/,
    );
    assert.throws(() => text({ isError: true, content: [] }), /MCP server s: t: failed/);
    assert.throws(() => text({}), /MCP server s: t returned no content/);
  });
});
