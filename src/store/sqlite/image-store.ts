import { type ImageRow, imageFromRow } from "../rows/image-rows.ts";
import type { ImageStore, StoredImage } from "../store.ts";
import { inTransaction } from "./database.ts";
import type { Statements } from "./statements.ts";

/** Images in SQLite: one row per (agent, hash); a second put of the same image is ignored. */
export class SqliteImageStore implements ImageStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async put(images: readonly StoredImage[]): Promise<void> {
    if (images.length === 0) return;
    inTransaction(this.#s.db, () => insertImagesNow(this.#s, images));
  }

  async get(agentId: string, sha256: string): Promise<StoredImage | null> {
    const row = this.#s.get<ImageRow>(
      "SELECT * FROM images WHERE agent_id = ? AND sha256 = ?",
      agentId,
      sha256,
    );
    return row === undefined ? null : imageFromRow(row);
  }

  async list(agentId: string): Promise<StoredImage[]> {
    return this.#s
      .all<ImageRow>("SELECT * FROM images WHERE agent_id = ? ORDER BY created_at, sha256", agentId)
      .map(imageFromRow);
  }

  async setCaption(agentId: string, sha256: string, caption: string): Promise<boolean> {
    const { changes } = this.#s.run(
      "UPDATE images SET caption = ? WHERE agent_id = ? AND sha256 = ? AND caption IS NULL",
      caption,
      agentId,
      sha256,
    );
    return Number(changes) === 1;
  }
}

/** Inserts images in the caller's transaction (an import's); one already stored is left as it is. */
export function insertImagesNow(s: Statements, images: readonly StoredImage[]): void {
  for (const i of images)
    s.run(
      `INSERT INTO images (agent_id, sha256, media_type, size, data, caption, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (agent_id, sha256) DO NOTHING`,
      i.agentId,
      i.sha256,
      i.mediaType,
      i.size,
      i.data,
      i.caption,
      i.createdAt,
    );
}
