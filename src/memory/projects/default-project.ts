/** The project agents and keys belong to when none is named. Apart, so the CLI's help needs no schema. */
export const DEFAULT_PROJECT = "default";
