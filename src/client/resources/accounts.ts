import type { EngramError } from "../../core/errors.ts";
import type { ApiKey, Project } from "../../core/types.ts";
import type { KeyService } from "../../keys/key-service.ts";
import type { ProjectService } from "../../memory/projects/project-service.ts";
import type { Transport } from "../transport.ts";

/** Projects over HTTP: the library's `engram.projects` methods the API serves. */
export type ProjectsClient = Pick<ProjectService, "create" | "get" | "find" | "list" | "update" | "delete">;

/** API keys over HTTP: the library's `engram.keys` methods the API serves (an unscoped key's). */
export type KeysClient = Pick<KeyService, "create" | "list" | "get" | "revoke">;

/** `client.projects`. */
export function projectsClient(t: Transport): ProjectsClient {
  const get = (idOrName: string) => t.call<Project>("projects.get", { params: { project: idOrName } });
  return {
    create: (input) => t.call("projects.create", { body: input }),
    get,
    async find(idOrName) {
      try {
        return await get(idOrName);
      } catch (error) {
        if ((error as EngramError).code === "not_found") return null;
        throw error;
      }
    },
    list: (options = {}) => t.call("projects.list", { query: { ...options } }),
    update: (idOrName, input) => t.call("projects.update", { params: { project: idOrName }, body: input }),
    delete: (idOrName) => t.call("projects.delete", { params: { project: idOrName } }),
  };
}

/** `client.keys`. The server creates a missing project for a new key, as `createProject: true` does. */
export function keysClient(t: Transport, projects: ProjectsClient): KeysClient {
  return {
    async create(input) {
      const { key, project, ...apiKey } = await t.call<ApiKey & { key: string; project: string }>(
        "keys.create",
        { body: input },
      );
      // HTTP answers with the project's name; the library's result carries the project itself.
      return { key, apiKey: apiKey as ApiKey, project: await projects.get(project) };
    },
    list: ({ includeRevoked, ...options } = {}) =>
      t.call("keys.list", {
        query: { project: t.options.project, ...options, revoked: includeRevoked },
      }),
    get: (id) => t.call("keys.get", { params: { keyId: id } }),
    revoke: (id) => t.call("keys.revoke", { params: { keyId: id } }),
  };
}
