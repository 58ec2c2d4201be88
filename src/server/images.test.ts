import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { MAX_IMAGE_BYTES } from "../images/image-bytes.ts";
import { createTestEngram, type ScriptedModel, scriptedModel } from "../test/index.ts";
import { refuses, testApp } from "./test-support.ts";

/** A 1×1 PNG. */
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const PNG_HASH = createHash("sha256").update(Buffer.from(PNG, "base64")).digest("hex");

/** Captions an image when asked to describe one; else answers. */
function visionModel(): ScriptedModel {
  return scriptedModel((_, options) =>
    JSON.stringify(options.prompt).includes("Describe this image")
      ? { text: "A single red pixel on a white card." }
      : { text: "It is a red pixel." },
  );
}

/** The file parts of the last user message of the model's last call. */
function sentImages(model: ScriptedModel) {
  const prompt = model.calls.at(-1)?.prompt ?? [];
  const user = prompt.filter((m) => m.role === "user").at(-1);
  return Array.isArray(user?.content) ? user.content.filter((p) => p.type === "file") : [];
}

describe("images in messages", () => {
  test("an image message round-trips: stored once, captioned, sent as an image part, searchable, exported", async () => {
    const model = visionModel();
    const t = testApp({ engram: createTestEngram({ model }) });
    const agent = await t.agent();
    const turn = await t.post(`/v1/agents/${agent.id}/messages`, {
      content: [
        { type: "text", text: "what is this?" },
        { type: "image", image: PNG, mediaType: "image/png" },
      ],
    });
    assert.equal(turn.status, 201, JSON.stringify(turn.body));
    assert.equal(turn.body.answer, "It is a red pixel.");
    const [image] = sentImages(model);
    assert.equal(image?.type, "file");
    assert.equal(image?.type === "file" ? image.mediaType : "", "image/png");
    const user = turn.body.messages.find((m: { role: string }) => m.role === "user");
    assert.equal(user.content, "what is this?");
    assert.deepEqual(user.metadata.images, [
      {
        sha256: PNG_HASH,
        mediaType: "image/png",
        size: Buffer.from(PNG, "base64").length,
        caption: "A single red pixel on a white card.",
      },
    ]);
    assert.equal(user.metadata.caption, "A single red pixel on a white card.");

    const read = await t.get(`/v1/agents/${agent.id}/images/${PNG_HASH}`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.data, PNG);
    assert.equal(read.body.caption, "A single red pixel on a white card.");

    // Found by what the caption says, not only by the text.
    const found = await t.post(`/v1/agents/${agent.id}/messages/search`, { query: "white card pixel" });
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.equal(found.body.results[0]?.id, user.id);

    // The same image again is not stored or captioned twice; the OpenAI shape is taken too.
    const calls = model.calls.length;
    const again = await t.post("/v1/chat/completions", {
      model: `agent:${agent.name}`,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "and this?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
          ],
        },
      ],
    });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(model.calls.length, calls + 1, "no second caption for a known image");
    assert.equal(sentImages(model).length, 1);

    // Later turns see the earlier image by its caption.
    await t.post(`/v1/agents/${agent.id}/messages`, { content: "thanks" });
    const history = JSON.stringify(model.calls.at(-1)?.prompt);
    assert.match(history, /\[image sha256:[0-9a-f]{12}: A single red pixel on a white card\.\]/);

    // Export carries the image; an import elsewhere reads it back.
    const exported = await t.get(`/v1/agents/${agent.id}/export`);
    assert.equal(exported.status, 200);
    assert.equal(exported.body.images.length, 1);
    assert.equal(exported.body.images[0].data, PNG);
    const other = testApp({ engram: createTestEngram() });
    const imported = await other.post("/v1/import", { document: exported.body });
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    const copy = await other.get(`/v1/agents/${agent.id}/images/${PNG_HASH}`);
    assert.equal(copy.body.data, PNG);
    const tampered = structuredClone(exported.body);
    tampered.images[0].sha256 = "0".repeat(64);
    const refused = await testApp({ engram: createTestEngram() }).post("/v1/import", { document: tampered });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /images\.0\.sha256: does not match/);
    assert.deepEqual(t.internalErrors, []);
  });

  test("an image URL goes to the model as it is: engram fetches nothing", async () => {
    const model = visionModel();
    const t = testApp({ engram: createTestEngram({ model }) });
    const agent = await t.agent({ name: "viewer", metadata: { runtime: { captionImages: false } } });
    const turn = await t.post(`/v1/agents/${agent.id}/messages`, {
      content: [{ type: "image", image: "http://127.0.0.1:9/never-fetched.png" }],
    });
    assert.equal(turn.status, 201, JSON.stringify(turn.body));
    assert.equal(model.calls.length, 1, "no caption when captionImages is off");
    const [image] = sentImages(model);
    assert.equal(image?.type === "file" ? String(image.data) : "", "http://127.0.0.1:9/never-fetched.png");
    const user = turn.body.messages.find((m: { role: string }) => m.role === "user");
    assert.deepEqual(user.metadata.images, [{ url: "http://127.0.0.1:9/never-fetched.png" }]);
  });

  test("too large, not an image, or not base64: a clear error naming the part, and nothing written", async () => {
    const model = visionModel();
    const t = testApp({ engram: createTestEngram({ model }) });
    const agent = await t.agent();
    const url = `/v1/agents/${agent.id}/messages`;
    const big = Buffer.alloc(MAX_IMAGE_BYTES + 1);
    Buffer.from(PNG, "base64").copy(big);
    const cases: [unknown, RegExp][] = [
      [
        [{ type: "image", image: big.toString("base64") }],
        /content\.0\.image: the image is 5,242,881 bytes \(5 MiB\), over the limit of 5,242,880 bytes/,
      ],
      [
        [
          { type: "text", text: "look" },
          { type: "image", image: Buffer.from("hello, world").toString("base64") },
        ],
        /content\.1\.image: is not an image: engram takes PNG, JPEG, GIF and WebP/,
      ],
      [[{ type: "image", image: "not base64 at all!" }], /content\.0\.image: is not base64/],
      [
        [{ type: "image_url", image_url: { url: "ftp://example.com/x.png" } }],
        /content\.0\.image_url\.url: must be/,
      ],
      [[{ type: "audio", audio: "x" }], /content/],
    ];
    for (const [content, message] of cases) {
      await refuses(t, agent.id, () => t.post(url, { content }), {
        status: 400,
        code: "invalid_input",
        message,
      });
    }
    assert.equal(model.calls.length, 0);
  });
});
