import type { ImagePart } from "ai";
import type { ImageInput } from "../images/content-parts.ts";
import type { ImageRecord, ImageRef } from "../images/image-record.ts";
import { nowIso } from "../memory/context.ts";
import { aiSdk } from "../models/ai-sdk.ts";
import type { RunnerServices, TurnPlan } from "./turn-runner.ts";

const CAPTION_PROMPT =
  "Describe this image in one or two plain sentences, naming what is in it and any text it shows. This description is used to find the image later.";
const MAX_CAPTION = 1000;

/**
 * A model image part: the bytes of a stored image, or a URL passed on as it is (engram fetches
 * nothing: a model that cannot take URLs refuses it; see `passUrlsThrough`).
 */
export function imagePart(image: ImageInput): ImagePart {
  return image.kind === "url"
    ? { type: "image", image: new URL(image.url) }
    : { type: "image", image: image.bytes, mediaType: image.mediaType };
}

/** The AI SDK's download hook, made to download nothing: URLs reach the model as they were given. */
export const passUrlsThrough = async (requests: readonly unknown[]) => requests.map(() => null);

/**
 * Stores the new message's images (each once per agent), and asks the model what each new one shows
 * unless the agent's `captionImages` is off. A caption that fails is left out: the turn goes on.
 */
export async function storeImages(
  s: RunnerServices,
  plan: TurnPlan,
  signal: AbortSignal,
): Promise<ImageRecord> {
  const store = s.ctx.store.images;
  const refs: ImageRef[] = [];
  for (const image of plan.images) {
    if (image.kind === "url") {
      const caption = plan.settings.captionImages ? await captionOf(plan, image, signal) : null;
      refs.push({ url: image.url, ...(caption === null ? {} : { caption }) });
      continue;
    }
    const known = await store.get(plan.agent.id, image.sha256);
    let caption = known?.caption ?? null;
    if (known === null)
      await store.put([
        {
          agentId: plan.agent.id,
          sha256: image.sha256,
          mediaType: image.mediaType,
          size: image.bytes.length,
          data: image.bytes,
          caption: null,
          createdAt: nowIso(s.ctx),
        },
      ]);
    if (caption === null && plan.settings.captionImages) {
      caption = await captionOf(plan, image, signal);
      if (caption !== null) await store.setCaption(plan.agent.id, image.sha256, caption);
    }
    refs.push({
      sha256: image.sha256,
      mediaType: image.mediaType,
      size: image.bytes.length,
      ...(caption === null ? {} : { caption }),
    });
  }
  const captions = refs.flatMap((r) => (r.caption === undefined ? [] : [r.caption]));
  return { images: refs, caption: captions.length === 0 ? null : captions.join("\n") };
}

async function captionOf(plan: TurnPlan, image: ImageInput, signal: AbortSignal): Promise<string | null> {
  try {
    const { text } = await aiSdk().generateText({
      model: plan.model,
      maxRetries: 0,
      maxOutputTokens: 300,
      abortSignal: signal,
      experimental_download: passUrlsThrough,
      messages: [{ role: "user", content: [{ type: "text", text: CAPTION_PROMPT }, imagePart(image)] }],
    });
    const clean = text.trim().replace(/\s+/g, " ").slice(0, MAX_CAPTION);
    return clean === "" ? null : clean;
  } catch {
    return null;
  }
}
