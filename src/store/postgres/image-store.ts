import { type ImageRow, imageFromRow } from "../rows/image-rows.ts";
import type { ImageStore, StoredImage } from "../store.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";

/** Images on PostgreSQL: one row per (agent, hash); a second put of the same image is ignored. */
export function pgImageStore(db: PgDatabase): ImageStore {
  return {
    async put(images) {
      if (images.length === 0) return;
      await db.transaction((tx) => insertImages(tx, images));
    },
    async get(agentId, sha256) {
      const row = await db.get<ImageRow>("SELECT * FROM images WHERE agent_id = $1 AND sha256 = $2", [
        agentId,
        sha256,
      ]);
      return row === undefined ? null : imageFromRow(row);
    },
    async list(agentId) {
      const rows = await db.all<ImageRow>(
        "SELECT * FROM images WHERE agent_id = $1 ORDER BY created_at, sha256",
        [agentId],
      );
      return rows.map(imageFromRow);
    },
    async setCaption(agentId, sha256, caption) {
      const changed = await db.run(
        "UPDATE images SET caption = $1 WHERE agent_id = $2 AND sha256 = $3 AND caption IS NULL",
        [caption, agentId, sha256],
      );
      return changed === 1;
    },
  };
}

/** Inserts images in the caller's transaction (an import's); one already stored is left as it is. */
export async function insertImages(tx: Sql, images: readonly StoredImage[]): Promise<void> {
  for (const i of images)
    await tx.run(
      `INSERT INTO images (agent_id, sha256, media_type, size, data, caption, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (agent_id, sha256) DO NOTHING`,
      [i.agentId, i.sha256, i.mediaType, i.size, Buffer.from(i.data), i.caption, i.createdAt],
    );
}
