import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHashEmbedder } from "../models/hash-embedder.ts";

/**
 * A local stand-in for an OpenAI-compatible embeddings endpoint (`POST …/embeddings`), speaking
 * the real wire format. A model named `hash-N` answers with the deterministic N-dimension hash
 * embedder's vectors; while `down` is set, every request fails with HTTP 400 (not retried, so tests
 * stay fast), and so does request number `failRequest` (counting from 1), at once. Every other
 * answer waits `delayMs`; `maxInFlight` is the most requests it has held at once. Listens on
 * 127.0.0.1.
 */
export async function startFakeEmbeddingServer() {
  const state = { down: false, requests: 0, delayMs: 0, failRequest: 0, inFlight: 0, maxInFlight: 0 };
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", async () => {
      const number = ++state.requests;
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      // The failing request answers at once: its failure arrives before any other request's answer.
      if (state.delayMs > 0 && number !== state.failRequest)
        await new Promise((resolve) => setTimeout(resolve, state.delayMs));
      const reply = (status: number, body: unknown) => {
        state.inFlight--;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const body = JSON.parse(raw === "" ? "{}" : raw) as { model?: string; input?: string[] | string };
      const dimensions = Number(/^hash-(\d+)$/.exec(body.model ?? "")?.[1]);
      const down = state.down || number === state.failRequest;
      if (down || !req.url?.endsWith("/embeddings") || !(dimensions > 0))
        return reply(400, {
          error: {
            message: down ? "the embedding service is down" : "unknown model",
            type: "invalid_request_error",
          },
        });
      const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ""];
      const vectors = await createHashEmbedder(dimensions).embed(inputs);
      reply(200, {
        object: "list",
        model: body.model,
        data: vectors.map((vector, index) => ({ object: "embedding", index, embedding: [...vector] })),
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    state,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients keep connections alive; a cancelled request may leave one open.
        server.closeAllConnections();
      }),
  };
}
