import { type ParseArgsOptionDescriptor, parseArgs } from "node:util";
import { closest, didYouMean } from "../core/suggest.ts";
import type { CommandContext } from "./context.ts";
import type { CommandResult } from "./output.ts";
import { UsageError } from "./usage-error.ts";

/** A flag: what `parseArgs` needs, plus one line of help. */
export interface OptionSpec extends ParseArgsOptionDescriptor {
  help: string;
  /** Placeholder shown for a string flag's value, e.g. `REV`. */
  arg?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Flags every command takes. */
export const COMMON_OPTIONS = {
  db: {
    type: "string",
    arg: "PATH",
    help: "SQLite database file (default: $ENGRAM_DB, else ~/.engram/engram.db)",
  },
  database: {
    type: "string",
    arg: "URL",
    help: "database: postgres://… or a SQLite file (default: $ENGRAM_DATABASE_URL, else the --db default)",
  },
  json: { type: "boolean", help: "print machine-readable JSON on stdout, errors included" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const satisfies OptionSpecs;

type ParseConfig<O extends OptionSpecs> = {
  options: O & typeof COMMON_OPTIONS;
  strict: true;
  allowPositionals: true;
  allowNegative: true;
};

/** The parsed flags of a command, typed from its option specs. */
export type Values<O extends OptionSpecs> = ReturnType<typeof parseArgs<ParseConfig<O>>>["values"];

/** Positional arguments by name; a name ending in `?` is optional. */
export type Args<A extends readonly string[]> = {
  [K in A[number] as K extends `${string}?` ? never : K]: string;
} & {
  [K in A[number] as K extends `${infer N}?` ? N : never]?: string | undefined;
};

/** A command after parsing: the common flags, and a runner bound to the rest. */
export interface PreparedCommand {
  db: string | undefined;
  database: string | undefined;
  json: boolean;
  help: boolean;
  run(ctx: CommandContext): Promise<CommandResult | undefined>;
}

/** One command of the CLI, e.g. `block set`. */
export interface Command {
  /** The words that name it after `engram`, e.g. `block set`. */
  readonly name: string;
  readonly summary: string;
  /** Positional argument names, `?` marking optional ones. */
  readonly args: readonly string[];
  readonly options: OptionSpecs;
  /** Further help text, shown under the flags. */
  readonly details: string | undefined;
  /** Whether the command only reads its database; see `CommandSpec.readOnly`. */
  readonly readOnly: boolean;
  /** @throws UsageError when argv does not fit the command. */
  prepare(argv: readonly string[]): PreparedCommand;
}

export interface CommandSpec<A extends readonly string[], O extends OptionSpecs> {
  name: string;
  summary: string;
  args: A;
  options: O;
  details?: string;
  /**
   * The command only reads its database (list, show, search …): a SQLite file that does not exist is
   * an error naming the path, not a new empty database that would hide a mistyped `--db`. Commands
   * that write (the default) create it.
   */
  readOnly?: boolean;
  run(input: { args: Args<A>; options: Values<O> }, ctx: CommandContext): Promise<CommandResult | undefined>;
}

/**
 * Declares a command; its arguments and flags are typed from the declaration.
 *
 * @example
 * export const show = defineCommand({
 *   name: "agent show", summary: "Show an agent", args: ["agent"], options: {},
 *   run: async ({ args }, ctx) => ({ data: await ctx.engram().agents.find(args.agent), text: "…" }),
 * });
 */
export function defineCommand<const A extends readonly string[], const O extends OptionSpecs>(
  spec: CommandSpec<A, O>,
): Command {
  const options = { ...COMMON_OPTIONS, ...spec.options };
  return {
    name: spec.name,
    summary: spec.summary,
    args: spec.args,
    options: spec.options,
    details: spec.details,
    readOnly: spec.readOnly === true,
    prepare(argv) {
      let parsed: ReturnType<typeof parseArgs<ParseConfig<O>>>;
      try {
        parsed = parseArgs({
          args: [...argv],
          options: options as O & typeof COMMON_OPTIONS,
          strict: true,
          allowPositionals: true,
          allowNegative: true,
        });
      } catch (error) {
        throw new UsageError(`${parseArgsMessage(error)}${suggestOption(error, options)}`, spec.name);
      }
      const values = parsed.values as Values<O> & {
        db?: string;
        database?: string;
        json?: boolean;
        help?: boolean;
      };
      const help = values.help === true;
      const args = help ? {} : bindArgs(spec.name, spec.args, parsed.positionals);
      return {
        db: values.db,
        database: values.database,
        json: values.json === true,
        help,
        run: (ctx) => spec.run({ args: args as Args<A>, options: values }, ctx),
      };
    },
  };
}

function bindArgs(command: string, names: readonly string[], positionals: string[]): Record<string, string> {
  const bound: Record<string, string> = {};
  names.forEach((name, i) => {
    const value = positionals[i];
    const optional = name.endsWith("?");
    const key = optional ? name.slice(0, -1) : name;
    if (value !== undefined) bound[key] = value;
    else if (!optional) throw new UsageError(`missing argument ${key.toUpperCase()}`, command);
  });
  const extra = positionals[names.length];
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, command);
  return bound;
}

/** ` (did you mean --limit?)` for an unknown `--limt`, when one of the command's flags is that close. */
function suggestOption(error: unknown, options: OptionSpecs): string {
  if ((error as { code?: unknown }).code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") return "";
  const given = /'(--[^'=]+)/.exec(error instanceof Error ? error.message : "")?.[1];
  if (given === undefined) return "";
  const flags = Object.entries(options).flatMap(([name, spec]) =>
    spec.type === "boolean" ? [`--${name}`, `--no-${name}`] : [`--${name}`],
  );
  return didYouMean(closest(given, flags));
}

/** parseArgs messages end with advice about `--` that is noise here; keep the first sentence. */
function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split(". To specify")[0]?.replace(/\.$/, "") ?? message;
}

/** Reads an integer flag. @throws UsageError when it is not an integer. */
export function intOption(value: string | undefined, flag: string, command: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim()))
    throw new UsageError(`--${flag} must be an integer, got "${value}"`, command);
  return Number(value);
}

/** Reads a number flag. @throws UsageError when it is not a finite number. */
export function numberOption(value: string | undefined, flag: string, command: string): number | undefined {
  if (value === undefined) return undefined;
  const number = value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isFinite(number)) throw new UsageError(`--${flag} must be a number, got "${value}"`, command);
  return number;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Reads a duration flag such as `90s`, `30m`, `1h` or `2d` (a bare number is milliseconds). */
export function durationOption(value: string | undefined, flag: string, command: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (match === null)
    throw new UsageError(`--${flag} must be a duration such as 90s, 30m, 1h or 2d, got "${value}"`, command);
  return Math.round(Number(match[1]) * (DURATION_UNITS[match[2] ?? "ms"] ?? 1));
}
