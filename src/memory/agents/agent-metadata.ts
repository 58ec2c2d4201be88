import { isObject, jsonObject } from "../../core/json-object.ts";
import { GRAPH_MODES } from "../../graph/graph-mode.ts";
import { PROJECT_MEMORY_ACCESS } from "../memories/project-memory.ts";

/**
 * An agent's metadata: any JSON object, with the settings engram reads checked by name —
 * `projectMemory` (none, read, write), `graph` (off, rules, model) and `sleeptime.decideOnWrite`
 * (a boolean). A bad one is refused naming its field, so that a typo never silently means the default.
 */
export const agentMetadata = jsonObject
  .superRefine((m, ctx) => {
    const oneOf = (field: string, allowed: readonly string[]) => {
      const value = m[field];
      if (value !== undefined && !allowed.includes(value as string))
        ctx.addIssue({ code: "custom", message: `must be one of ${allowed.join(", ")}`, path: [field] });
    };
    oneOf("projectMemory", PROJECT_MEMORY_ACCESS);
    oneOf("graph", GRAPH_MODES);
    const sleeptime = m.sleeptime;
    if (sleeptime === undefined) return;
    if (!isObject(sleeptime)) {
      ctx.addIssue({ code: "custom", message: "must be an object", path: ["sleeptime"] });
      return;
    }
    if (sleeptime.decideOnWrite !== undefined && typeof sleeptime.decideOnWrite !== "boolean")
      ctx.addIssue({
        code: "custom",
        message: "must be true or false",
        path: ["sleeptime", "decideOnWrite"],
      });
  })
  .meta({
    description:
      'Any JSON object. Read by engram: projectMemory ("none", "read" default, "write"), graph ("off", "rules" default, "model": the entity graph mode) and sleeptime.decideOnWrite (boolean); other values of these are refused.',
  });
