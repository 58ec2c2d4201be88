import { z } from "zod";
import { InvalidInputError } from "../core/errors.ts";
import type { ImageMediaType } from "./image-bytes.ts";
import {
  formatBytes,
  imageHash,
  MAX_IMAGE_BYTES,
  MAX_IMAGES_PER_MESSAGE,
  sniffImage,
} from "./image-bytes.ts";

/** Longest image URL (or data URL's text, which is checked by its decoded size instead). */
const MAX_URL = 8 * 1024 * 1024;

const textPart = z.strictObject({ type: z.literal("text"), text: z.string().max(100_000) });
/** The AI SDK's image part: base64, a `data:` URL or an http(s) URL. */
const imagePart = z.strictObject({
  type: z.literal("image"),
  image: z.string().min(1, "must not be empty").max(MAX_URL),
  mediaType: z.string().max(100).optional(),
});
/** OpenAI's image part (chat completions): a `data:` URL or an http(s) URL. */
const imageUrlPart = z.strictObject({
  type: z.literal("image_url"),
  image_url: z.strictObject({
    url: z.string().min(1, "must not be empty").max(MAX_URL),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }),
});

/** One part of a message's content: text, or an image in the AI SDK's or OpenAI's shape. */
export const contentPart = z.discriminatedUnion("type", [textPart, imagePart, imageUrlPart], {
  error: "must be a part of type text, image or image_url",
});
export type ContentPart = z.input<typeof contentPart>;

/** Content as a message takes it: text, or a list of parts. */
export const messageContentParts = z
  .array(contentPart)
  .min(1, "must hold at least one part")
  .max(MAX_IMAGES_PER_MESSAGE + 100);

/** An image of a new message, checked: its bytes (stored once, by hash) or a URL passed on as it is. */
export type ImageInput =
  | { kind: "bytes"; sha256: string; mediaType: ImageMediaType; bytes: Uint8Array }
  | { kind: "url"; url: string };

/** What a message's content holds: its text (the parts' text joined) and its images. */
export interface SplitContent {
  text: string;
  images: ImageInput[];
}

/** The text of content: itself, or its text parts joined by newlines (images left out). */
export function contentText(content: string | readonly ContentPart[]): string {
  if (typeof content === "string") return content;
  return content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
}

/**
 * Splits content into its text and images, decoding and checking each image: within the size limit,
 * an image by its bytes (PNG, JPEG, GIF or WebP). `field` names the content in errors.
 * @throws InvalidInputError naming the part and the problem.
 */
export function splitContent(content: string | readonly ContentPart[], field: string): SplitContent {
  if (typeof content === "string") return { text: content, images: [] };
  const texts: string[] = [];
  const images: ImageInput[] = [];
  content.forEach((part, i) => {
    if (part.type === "text") {
      texts.push(part.text);
      return;
    }
    const where = `${field}.${i}.${part.type === "image" ? "image" : "image_url.url"}`;
    const source = part.type === "image" ? part.image : part.image_url.url;
    images.push(readImage(source, where, part.type === "image"));
  });
  if (images.length > MAX_IMAGES_PER_MESSAGE)
    throw invalid(
      field,
      `holds ${images.length} images, more than the ${MAX_IMAGES_PER_MESSAGE} a message may`,
    );
  return { text: texts.join("\n"), images };
}

function readImage(source: string, where: string, bareBase64: boolean): ImageInput {
  if (/^https?:\/\//i.test(source)) {
    try {
      return { kind: "url", url: new URL(source).href };
    } catch {
      throw invalid(where, "is not a valid URL");
    }
  }
  const data = /^data:([^;,]*)(;base64)?,/i.exec(source);
  if (data === null && !bareBase64)
    throw invalid(where, "must be an http(s) URL or a data: URL (data:image/png;base64,…)");
  if (data !== null && data[2] === undefined) throw invalid(where, "a data: URL must be base64 (;base64,)");
  const base64 = data === null ? source : source.slice(data[0].length);
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(base64))
    throw invalid(where, "is not base64, a data: URL or an http(s) URL");
  // Decoded size is known before decoding: refuse an oversized image without allocating it.
  const approx = Math.floor((base64.replace(/\s/g, "").length * 3) / 4);
  if (approx > MAX_IMAGE_BYTES + 2)
    throw invalid(
      where,
      `the image is ${formatBytes(approx)}, over the limit of ${formatBytes(MAX_IMAGE_BYTES)}`,
    );
  const bytes = new Uint8Array(Buffer.from(base64, "base64"));
  if (bytes.length > MAX_IMAGE_BYTES)
    throw invalid(
      where,
      `the image is ${formatBytes(bytes.length)}, over the limit of ${formatBytes(MAX_IMAGE_BYTES)}`,
    );
  const mediaType = sniffImage(bytes);
  if (mediaType === null) throw invalid(where, "is not an image: engram takes PNG, JPEG, GIF and WebP");
  return { kind: "bytes", sha256: imageHash(bytes), mediaType, bytes };
}

function invalid(where: string, problem: string): InvalidInputError {
  return new InvalidInputError(`invalid message: ${where}: ${problem}`, { details: { field: where } });
}
