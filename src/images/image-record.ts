import type { JsonObject, Message } from "../core/types.ts";

/** An image as a message's `metadata.images` lists it: by hash (stored) or by URL (passed on). */
export interface ImageRef {
  sha256?: string;
  mediaType?: string;
  size?: number;
  url?: string;
  /** What the model saw in it, when it was asked. */
  caption?: string;
}

/** What a message records of its images: each one, and their captions together (indexed for search). */
export interface ImageRecord {
  images: ImageRef[];
  caption: string | null;
}

/** The metadata fields a message with images gets: `images`, and `caption` when there is one. */
export function imageMetadata(record: ImageRecord | null): JsonObject {
  if (record === null || record.images.length === 0) return {};
  return {
    images: record.images.map((i) => ({ ...i })),
    ...(record.caption === null ? {} : { caption: record.caption }),
  };
}

/** The images a stored message refers to (its `metadata.images`, read defensively). */
export function imagesOf(message: Message): ImageRef[] {
  const images = message.metadata.images;
  if (!Array.isArray(images)) return [];
  return images.filter(
    (i): i is ImageRef =>
      typeof i === "object" &&
      i !== null &&
      !Array.isArray(i) &&
      (typeof (i as ImageRef).sha256 === "string" || typeof (i as ImageRef).url === "string"),
  );
}

/**
 * How an earlier message's images appear in later contexts: by their captions, not their bytes, so
 * that a picture costs its tokens once, in the turn that sent it.
 */
export function imageNotes(message: Message): string {
  return imagesOf(message)
    .map((i) => {
      const what = i.url ?? `sha256:${(i.sha256 ?? "").slice(0, 12)}`;
      return i.caption === undefined ? `[image ${what}]` : `[image ${what}: ${i.caption}]`;
    })
    .join("\n");
}
