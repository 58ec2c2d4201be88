import { ConflictError } from "../core/errors.ts";

/** The most project names a refusal shows. */
export const SHOWN_PROJECTS = 5;

/** Settings under `vectors.` describe the stored vectors, which a copy does not carry. */
export const carriedSetting = (key: string): boolean => !key.startsWith("vectors.");

/** What a copy's destination already holds that the copy would write too. */
export interface DestinationContents {
  /** The names of its first projects by id, at most SHOWN_PROJECTS + 1 (one more says there are more). */
  projects: string[];
  /** The keys of its settings a copy carries. */
  settings: string[];
}

/** The refusal of a destination holding `contents`, naming what it holds; null when it holds nothing. */
export function notEmptyError({ projects, settings }: DestinationContents): ConflictError | null {
  if (projects.length === 0 && settings.length === 0) return null;
  const held: string[] = [];
  if (projects.length > 0) {
    const names = projects.slice(0, SHOWN_PROJECTS).join(", ");
    held.push(`projects ${names}${projects.length > SHOWN_PROJECTS ? " and more" : ""}`);
  }
  if (settings.length > 0) held.push(`settings ${settings.join(", ")}`);
  return new ConflictError(
    `the destination is not empty: it holds ${held.join("; ")}: copy into a new, empty database`,
  );
}
