import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { startFakeChatServer } from "../test/fake-chat-server.ts";
import { type CliSandbox, sandbox } from "./test-harness.ts";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

describe("engram send --image", () => {
  it("sends images with the text in the provider's wire format, and names a bad file", async () => {
    const server = await startFakeChatServer([{ text: "A pixel." }, { text: "Two pixels." }]);
    const env = { ENGRAM_MODEL: "openai-compatible:test-chat", OPENAI_COMPATIBLE_BASE_URL: server.url };
    try {
      await s.ok([
        "agent",
        "create",
        "--name",
        "viewer",
        "--metadata",
        '{"runtime":{"captionImages":false}}',
      ]);
      const photo = join(s.dir, "photo.png");
      writeFileSync(photo, PNG);
      const turn = await s.ok(["send", "viewer", "what is this?", "--image", photo], { env });
      assert.equal(turn.answer, "A pixel.");
      const user = turn.messages.find((m: { role: string }) => m.role === "user");
      assert.equal(user.metadata.images.length, 1);
      const sent = JSON.stringify(server.requests[0]?.body.messages.at(-1));
      assert.match(sent, /"type":"image_url"/);
      assert.ok(sent.includes(`data:image/png;base64,${PNG.toString("base64")}`));

      const notImage = join(s.dir, "notes.png");
      writeFileSync(notImage, "just text");
      const bad = await s.cli(["send", "viewer", "and these?", "--image", photo, "--image", notImage], {
        env,
      });
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, new RegExp(`--image ${notImage.replace(/[.\\/]/g, "\\$&")}: is not an image`));
      const missing = await s.cli(["send", "viewer", "hi", "--image", join(s.dir, "nope.png")], { env });
      assert.match(missing.stderr, /cannot read image .*nope\.png/);
      assert.equal(server.requests.length, 1, "a refused message reaches no model");
    } finally {
      await server.close();
    }
  });
});
