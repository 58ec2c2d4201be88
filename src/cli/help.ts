import { COMMON_OPTIONS, type Command, type OptionSpec, type OptionSpecs } from "./command.ts";
import { COMMANDS, GROUPS, groupCommands } from "./registry.ts";

export function mainHelp(): string {
  return [
    "engram: versioned memory that LLM agents learn in",
    "",
    "Usage: engram <command> [arguments] [options]",
    "",
    "Commands:",
    ...rows(COMMANDS.map((c) => [synopsis(c), c.summary])),
    "",
    "Options every command takes:",
    ...rows([...optionPairs(COMMON_OPTIONS), ["-V, --version", "print the version"]]),
    "",
    "AGENT is an agent id or a name unique in its project. REV is a commit id or prefix, a branch,",
    "HEAD or HEAD~N. ISO is an ISO 8601 time with an offset, e.g. 2025-05-08T13:56:00Z.",
    "Exit codes: 0 ok, 1 bad input, a conflict, no model or a database it cannot open, 2 bad command",
    "line, 3 internal error.",
    "Run 'engram <command> --help' for a command's options.",
  ].join("\n");
}

export function groupHelp(group: string): string {
  return [
    `${GROUPS[group] ?? group}`,
    "",
    `Usage: engram ${group} <command> [arguments] [options]`,
    "",
    "Commands:",
    ...rows(groupCommands(group).map((c) => [synopsis(c), c.summary])),
    "",
    `Run 'engram ${group} <command> --help' for a command's options.`,
  ].join("\n");
}

export function commandHelp(command: Command): string {
  const own = Object.keys(command.options).length > 0;
  return [
    `Usage: engram ${synopsis(command)} [options]`,
    "",
    command.summary,
    ...(own ? ["", "Options:", ...optionRows(command.options)] : []),
    "",
    "Common options:",
    ...optionRows(COMMON_OPTIONS),
    ...(command.details === undefined ? [] : ["", command.details]),
  ].join("\n");
}

function synopsis(command: Command): string {
  const args = command.args.map((a) =>
    a.endsWith("?") ? `[${a.slice(0, -1).toUpperCase()}]` : a.toUpperCase(),
  );
  return [command.name, ...args].join(" ");
}

function optionRows(options: OptionSpecs): string[] {
  return rows(optionPairs(options));
}

function optionPairs(options: OptionSpecs): [string, string][] {
  return Object.entries(options).map(([name, spec]) => [flag(name, spec), spec.help]);
}

function flag(name: string, spec: OptionSpec): string {
  const long = `--${name}${spec.type === "string" ? ` ${spec.arg ?? "VALUE"}` : ""}`;
  return spec.short === undefined ? long : `-${spec.short}, ${long}`;
}

function rows(pairs: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(20, ...pairs.map(([left]) => left.length));
  return pairs.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
