import type { StoredImage } from "../store.ts";

/** An `images` row as both backends read it. */
export interface ImageRow {
  agent_id: string;
  sha256: string;
  media_type: string;
  size: number | string;
  data: Uint8Array;
  caption: string | null;
  created_at: string;
}

export function imageFromRow(row: ImageRow): StoredImage {
  return {
    agentId: row.agent_id,
    sha256: row.sha256,
    mediaType: row.media_type,
    size: Number(row.size),
    data: new Uint8Array(row.data),
    caption: row.caption,
    createdAt: row.created_at,
  };
}
