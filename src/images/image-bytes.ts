import { createHash } from "node:crypto";

/** Largest image a message may carry, in bytes (5 MiB, the common limit of model providers). */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
/** Most images one message may carry. */
export const MAX_IMAGES_PER_MESSAGE = 8;
/** The image formats engram takes, as their bytes reveal them. */
export const IMAGE_MEDIA_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;
export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/**
 * The media type of an image by its first bytes (PNG, JPEG, GIF, WebP), or null when they are not
 * one: what a caller declares is not trusted, since a model provider refuses a mislabelled image.
 */
export function sniffImage(bytes: Uint8Array): ImageMediaType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) return "image/gif";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  return null;
}

/** Hex SHA-256 of bytes: an image's content address. */
export function imageHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** "5,242,880 bytes (5 MiB)" */
export function formatBytes(n: number): string {
  const mib = n / (1024 * 1024);
  return `${n.toLocaleString("en-US")} bytes (${mib >= 1 ? `${Math.round(mib * 10) / 10} MiB` : `${Math.round(n / 1024)} KiB`})`;
}
