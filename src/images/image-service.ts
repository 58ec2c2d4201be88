import { z } from "zod";
import { NotFoundError } from "../core/errors.ts";
import { parseInput } from "../core/validation.ts";
import { type EngineContext, requireAgent } from "../memory/context.ts";

/** An image as it is read back: its bytes as base64, with what is known of it. */
export interface ImageView {
  sha256: string;
  mediaType: string;
  size: number;
  caption: string | null;
  createdAt: string;
  /** The bytes, base64-encoded (`data:${mediaType};base64,${data}` shows it). */
  data: string;
}

const sha256Input = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits (a SHA-256)");

/**
 * The images of an agent's messages. A message with images lists them in `metadata.images` by
 * SHA-256 (or URL, for images passed on by URL); this reads one back.
 *
 * @example
 * const [ref] = message.metadata.images;
 * const image = await engram.images.get(agent.id, ref.sha256);
 */
export class ImageService {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  /** @throws NotFoundError when the agent has no image with that hash. */
  async get(agentId: string, sha256: string): Promise<ImageView> {
    const hash = parseInput(sha256Input, sha256, "image: sha256");
    const agent = await requireAgent(this.#ctx, agentId);
    const image = await this.#ctx.store.images.get(agent.id, hash);
    if (image === null) throw new NotFoundError(`image ${hash} not found on agent ${agent.id}`);
    return {
      sha256: image.sha256,
      mediaType: image.mediaType,
      size: image.size,
      caption: image.caption,
      createdAt: image.createdAt,
      data: Buffer.from(image.data).toString("base64"),
    };
  }
}
