import { z } from "zod";
import { ConflictError, ForbiddenError, NotFoundError } from "../../core/errors.ts";
import { jsonObject } from "../../core/json-object.ts";
import type { Page, Project } from "../../core/types.ts";
import { parseInput } from "../../core/validation.ts";
import { type EngineContext, makeEvent, nowIso } from "../context.ts";
import { pageInput, pageOf } from "../pagination.ts";

import { DEFAULT_PROJECT } from "./default-project.ts";

export { DEFAULT_PROJECT };

export const projectName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    "must be 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit",
  );

export const createProjectInput = z.strictObject({
  name: projectName,
  metadata: jsonObject.default({}),
});

export const updateProjectInput = z.strictObject({
  name: projectName.optional(),
  metadata: jsonObject.optional(),
});

/** Projects are tenants: every agent belongs to one, and nothing crosses them. */
export class ProjectService {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  async create(input: z.input<typeof createProjectInput>): Promise<Project> {
    this.#denyScoped("create projects");
    const { name, metadata } = parseInput(createProjectInput, input, "project");
    const at = nowIso(this.#ctx);
    const project: Project = {
      id: this.#ctx.generateId("project"),
      name,
      metadata,
      createdAt: at,
      updatedAt: at,
    };
    await this.#ctx.store.projects.create(
      project,
      makeEvent(this.#ctx, {
        projectId: project.id,
        actor: "user",
        kind: "project.created",
        targetType: "project",
        targetId: project.id,
        after: project,
      }),
    );
    return project;
  }

  /** The project with this id or name. */
  async get(idOrName: string): Promise<Project> {
    const found = await this.find(idOrName);
    if (found === null) throw new NotFoundError(`project ${idOrName} not found`);
    return found;
  }

  async find(idOrName: string): Promise<Project | null> {
    const store = this.#ctx.store.projects;
    const project = idOrName.startsWith("prj_") ? await store.get(idOrName) : await store.getByName(idOrName);
    if (project === null || (this.#ctx.projectId !== undefined && project.id !== this.#ctx.projectId))
      return null;
    return project;
  }

  /**
   * The project something new goes into: the named one, else the caller's, else `default` (created
   * when missing). With `createMissing`, a named project that does not exist is created too, unless
   * the caller is scoped to a project (it may only name its own) or names an id.
   */
  async target(idOrName: string | undefined, options: { createMissing?: boolean } = {}): Promise<Project> {
    if (idOrName === undefined)
      return this.#ctx.projectId !== undefined ? this.get(this.#ctx.projectId) : this.ensure(DEFAULT_PROJECT);
    if (options.createMissing === true && this.#ctx.projectId === undefined && !idOrName.startsWith("prj_"))
      return this.ensure(idOrName);
    return this.get(idOrName);
  }

  /** The named project, created when missing (used for the `default` project). */
  async ensure(name: string): Promise<Project> {
    const existing = await this.find(name);
    if (existing !== null) return existing;
    try {
      return await this.create({ name });
    } catch (error) {
      // Another writer created it first.
      if (error instanceof ConflictError) return this.get(name);
      throw error;
    }
  }

  async list(
    options: { cursor?: string | undefined; limit?: number | undefined } = {},
  ): Promise<Page<Project>> {
    const { cursor, limit } = pageInput(options, "project");
    if (this.#ctx.projectId !== undefined) {
      const own = await this.#ctx.store.projects.get(this.#ctx.projectId);
      return { items: own !== null && own.id > (cursor ?? "") ? [own] : [], nextCursor: null };
    }
    const items = await this.#ctx.store.projects.list({ after: cursor, limit: limit + 1 });
    return pageOf(items, limit, (p) => p.id);
  }

  /**
   * Renames a project or replaces its metadata. A project-scoped caller (an API key) may change its
   * project's metadata but not its name (403), whether or not the new name is taken.
   */
  async update(idOrName: string, input: z.input<typeof updateProjectInput>): Promise<Project> {
    const patch = parseInput(updateProjectInput, input, "project update");
    const before = await this.get(idOrName);
    // Names are unique across the server: a rename's answer would tell a tenant which names other
    // tenants hold, so only whoever runs the server renames projects.
    if (patch.name !== undefined && patch.name !== before.name) this.#denyScoped("rename its project");
    const after: Project = {
      ...before,
      name: patch.name ?? before.name,
      metadata: patch.metadata ?? before.metadata,
      updatedAt: nowIso(this.#ctx),
    };
    await this.#ctx.store.projects.update(
      after,
      makeEvent(this.#ctx, {
        projectId: after.id,
        actor: "user",
        kind: "project.updated",
        targetType: "project",
        targetId: after.id,
        before,
        after,
      }),
    );
    return after;
  }

  /**
   * Deletes the project with all its agents, their memory and its API keys, in one transaction. A
   * project-scoped caller (an API key) cannot: that is for whoever runs the server.
   */
  async delete(idOrName: string): Promise<void> {
    const project = await this.get(idOrName);
    this.#denyScoped("delete its project");
    await this.#ctx.store.projects.delete(
      project.id,
      makeEvent(this.#ctx, {
        projectId: project.id,
        actor: "user",
        kind: "project.deleted",
        targetType: "project",
        targetId: project.id,
        before: project,
      }),
    );
  }

  #denyScoped(what: string): void {
    if (this.#ctx.projectId !== undefined) throw new ForbiddenError(`a project-scoped caller cannot ${what}`);
  }
}
