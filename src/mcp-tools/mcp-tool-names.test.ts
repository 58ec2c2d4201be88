import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { MCP_SERVER_NAME } from "./mcp-server-config.ts";
import { mcpToolName } from "./mcp-tool-names.ts";

const TOOL_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

describe("MCP tool names", () => {
  it("prefixes the server and makes odd characters '_'", () => {
    assert.equal(mcpToolName("files", "read_text_file", new Set()), "files__read_text_file");
    assert.equal(mcpToolName("web", "get.page/v2 ü", new Set()), "web__get_page_v2__");
    assert.equal(mcpToolName("a", "x".repeat(100), new Set()).length, 64);
  });

  it("gives names that fit the registry's pattern, unique among those taken, and never a built-in's", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(MCP_SERVER_NAME),
        fc.array(fc.string({ minLength: 1, maxLength: 80 }), { minLength: 1, maxLength: 20 }),
        (server, tools) => {
          const taken = new Set<string>(["memory_append", "memory_search"]);
          for (const tool of tools) {
            const name = mcpToolName(server, tool, taken);
            assert.match(name, TOOL_NAME);
            assert.ok(!taken.has(name), `${name} was taken`);
            assert.ok(name.startsWith(`${server}__`), name);
            taken.add(name);
          }
        },
      ),
    );
  });
});
