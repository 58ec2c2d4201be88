import { randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { InvalidInputError, NotFoundError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import type { ApiKey, Page, Project } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import { type EngineContext, makeEvent, nowIso } from "../memory/context.ts";
import { pageInput, pageOf } from "../memory/pagination.ts";
import type { ProjectService } from "../memory/projects/project-service.ts";

/** Every key string starts with this, so secret scanners and people can recognise one. */
export const KEY_PREFIX = "egk_";

/** `egk_<26 characters of the key id>_<43 characters of base64url secret>`. */
const KEY_PATTERN = /^egk_([0-9a-z]{26})_([A-Za-z0-9_-]{43})$/;

/** Characters of the secret kept (and shown) as the key's prefix. */
const PREFIX_LENGTH = 8;

/** `lastUsedAt` is written at most this often per key, so authentication rarely writes. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export { keyIdOf } from "./key-id.ts";

export const createKeyInput = z.strictObject({
  project: z.string().min(1, "must not be empty").max(200).optional(),
  name: z.string().trim().max(200).default(""),
});
export type CreateKeyInput = z.input<typeof createKeyInput>;

/** A new key: the only time its secret (`key`) is ever available. */
export interface CreatedKey {
  /** The key string to send as `Authorization: Bearer <key>`. Shown once, stored only as a hash. */
  key: string;
  apiKey: ApiKey;
  project: Project;
}

/** Why a key string was not accepted. */
export type KeyRejection = "malformed" | "unknown" | "revoked";

export type Authentication = { ok: true; key: ApiKey } | { ok: false; reason: KeyRejection };

/**
 * API keys: each belongs to one project and sees only it. The secret is random (never injected: it
 * is a credential), handed out once, and kept as a SHA-256 hash compared in constant time.
 */
export class KeyService {
  readonly #ctx: EngineContext;
  readonly #projects: ProjectService;

  constructor(ctx: EngineContext, projects: ProjectService) {
    this.#ctx = ctx;
    this.#projects = projects;
  }

  /**
   * Creates a key for a project (by id or name). With `createProject`, a project name that does not
   * exist yet is created first (not by a project-scoped caller, which may only name its own).
   */
  async create(input: CreateKeyInput, options: { createProject?: boolean } = {}): Promise<CreatedKey> {
    const parsed = parseInput(createKeyInput, input, "key");
    const project = await this.#resolveProject(parsed.project, options.createProject === true);
    const id = this.#ctx.generateId("key");
    const secret = randomBytes(32).toString("base64url");
    const at = nowIso(this.#ctx);
    const apiKey: ApiKey = {
      id,
      projectId: project.id,
      name: parsed.name,
      prefix: secret.slice(0, PREFIX_LENGTH),
      createdAt: at,
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.#ctx.store.keys.create(
      { ...apiKey, secretHash: sha256(secret) },
      makeEvent(this.#ctx, {
        projectId: project.id,
        actor: "user",
        kind: "key.created",
        targetType: "key",
        targetId: id,
        after: apiKey,
        createdAt: at,
      }),
    );
    return { key: `${KEY_PREFIX}${id.slice("key_".length)}_${secret}`, apiKey, project };
  }

  /** Keys oldest first, of one project (default: the caller's, else all), without revoked ones unless asked. */
  async list(
    options: {
      project?: string | undefined;
      includeRevoked?: boolean | undefined;
      cursor?: string | undefined;
      limit?: number | undefined;
    } = {},
  ): Promise<Page<ApiKey>> {
    const { cursor, limit } = pageInput({ cursor: options.cursor, limit: options.limit }, "key");
    const projectId =
      options.project !== undefined ? (await this.#projects.get(options.project)).id : this.#ctx.projectId;
    const rows = await this.#ctx.store.keys.list({
      projectId,
      includeRevoked: options.includeRevoked,
      after: cursor,
      limit: limit + 1,
    });
    return pageOf(rows, limit, (k) => k.id);
  }

  async get(id: string): Promise<ApiKey> {
    const stored = typeof id === "string" ? await this.#ctx.store.keys.get(id) : null;
    if (stored === null || (this.#ctx.projectId !== undefined && stored.projectId !== this.#ctx.projectId))
      throw new NotFoundError(`key ${id} not found`);
    const { secretHash: _, ...key } = stored;
    return key;
  }

  /** Revokes a key: it authenticates nothing from now on. Revoking a revoked key changes nothing. */
  async revoke(id: string): Promise<ApiKey> {
    const key = await this.get(id);
    if (key.revokedAt !== null) return key;
    const after: ApiKey = { ...key, revokedAt: nowIso(this.#ctx) };
    const revoked = await this.#ctx.store.keys.revoke(
      key.id,
      after.revokedAt as string,
      makeEvent(this.#ctx, {
        projectId: key.projectId,
        actor: "user",
        kind: "key.revoked",
        targetType: "key",
        targetId: key.id,
        before: key,
        after,
      }),
    );
    return revoked ? after : this.get(id);
  }

  /**
   * The key a string stands for, or why it stands for none. Looks the key up by the id inside the
   * string and compares the hash of its secret in constant time; a revoked key says so only to a
   * caller who holds its secret.
   */
  async authenticate(token: string): Promise<Authentication> {
    const match = KEY_PATTERN.exec(token);
    if (match === null) return { ok: false, reason: "malformed" };
    const [, idBody, secret] = match as unknown as [string, string, string];
    const stored = await this.#ctx.store.keys.get(`key_${idBody}`);
    if (stored === null) return { ok: false, reason: "unknown" };
    const expected = Buffer.from(stored.secretHash, "hex");
    const actual = Buffer.from(sha256(secret), "hex");
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
      return { ok: false, reason: "unknown" };
    if (this.#ctx.projectId !== undefined && stored.projectId !== this.#ctx.projectId)
      return { ok: false, reason: "unknown" };
    if (stored.revokedAt !== null) return { ok: false, reason: "revoked" };
    const { secretHash: _, ...key } = stored;
    const now = this.#ctx.now();
    if (key.lastUsedAt === null || now - Date.parse(key.lastUsedAt) >= LAST_USED_RESOLUTION_MS) {
      key.lastUsedAt = nowIso(this.#ctx);
      await this.#ctx.store.keys.touch(key.id, key.lastUsedAt);
    }
    return { ok: true, key };
  }

  /** How many keys are valid, in one project (by id or name) or, for an unscoped caller, in all. */
  async countActive(project?: string): Promise<number> {
    const projectId = project !== undefined ? (await this.#projects.get(project)).id : this.#ctx.projectId;
    return this.#ctx.store.keys.countActive(projectId);
  }

  async #resolveProject(idOrName: string | undefined, createMissing: boolean): Promise<Project> {
    if (idOrName === undefined) {
      if (this.#ctx.projectId !== undefined) return this.#projects.get(this.#ctx.projectId);
      throw new InvalidInputError("invalid key: project: required (the project the key may use)");
    }
    if (createMissing && this.#ctx.projectId === undefined && !idOrName.startsWith("prj_"))
      return this.#projects.ensure(idOrName);
    return this.#projects.get(idOrName);
  }
}
