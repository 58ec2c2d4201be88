import type { ApiKey } from "../../core/types.ts";
import type { StoredApiKey } from "../store.ts";

/** An `api_keys` row, as both backends store it. */
export interface KeyRow {
  id: string;
  project_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Every column but the secret's hash, which lists never show. */
export const KEY_PUBLIC_COLUMNS = "id, project_id, name, prefix, created_at, last_used_at, revoked_at";

export const toApiKey = (row: Omit<KeyRow, "secret_hash">): ApiKey => ({
  id: row.id,
  projectId: row.project_id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

/** The columns of an `api_keys` row, in the order `keyValues` gives them. */
export const KEY_COLUMNS = "id, project_id, name, prefix, secret_hash, created_at, last_used_at, revoked_at";

/** A key's row values. */
export const keyValues = (key: StoredApiKey) => [
  key.id,
  key.projectId,
  key.name,
  key.prefix,
  key.secretHash,
  key.createdAt,
  key.lastUsedAt,
  key.revokedAt,
];
