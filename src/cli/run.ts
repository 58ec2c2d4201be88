import { closest, didYouMean } from "../core/suggest.ts";
import type { Command } from "./command.ts";
import { type CliIo, createContext } from "./context.ts";
import { chooseDatabase, namesDatabase, requireExistingDatabase } from "./database-option.ts";
import { GROUPS } from "./groups.ts";
import { EXIT, printError, printResult } from "./output.ts";
import { UsageError } from "./usage-error.ts";
import { version } from "./version.ts";

export type { CliIo } from "./context.ts";

/**
 * Runs one command line (without `node` and the script) and returns its exit code: 0 ok, 1 the
 * caller's error, 2 a wrong command line, 3 an internal failure. Never exits the process, and always
 * closes the database it opened.
 *
 * @example
 * const code = await run(["agent", "create", "--name", "helper", "--json"], {
 *   stdout: process.stdout, stderr: process.stderr, env: process.env,
 * });
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const json = flagsOf(argv).includes("--json");
  try {
    const located = await locate(argv);
    if (located.kind === "text") {
      io.stdout.write(`${located.text}\n`);
      return EXIT.ok;
    }
    const prepared = located.command.prepare(located.rest);
    if (prepared.help) {
      const { commandHelp } = await import("./help.ts");
      io.stdout.write(`${commandHelp(located.command)}\n`);
      return EXIT.ok;
    }
    const database = chooseDatabase(prepared, io.env, located.command.name);
    // The engine is loaded only for a command that runs: help and --version start without it.
    const { createEngram } = await import("../engram.ts");
    const { openStore } = await import("../store/open-store.ts");
    const { secretBoxFromEnv } = await import("../core/secret-box.ts");
    const ctx = createContext(io, {
      json: prepared.json,
      database,
      open: (location) => {
        // Checked on opening, so that a wrong command line is still reported as one first. Only a
        // database the user named can be mistyped: the default's absence just means nothing yet.
        if (located.command.readOnly && namesDatabase(prepared, io.env)) requireExistingDatabase(location);
        return createEngram({
          store: openStore(location, { secrets: secretBoxFromEnv(io.env) }),
          env: io.env,
        });
      },
    });
    try {
      const result = await prepared.run(ctx).catch(async (error: unknown) => {
        // A database that cannot be opened fails whatever touched it first: report it as itself.
        throw (await ctx.openFailure()) ?? error;
      });
      if (result !== undefined) printResult(io, prepared.json, result);
      return EXIT.ok;
    } finally {
      await ctx.close();
    }
  } catch (error) {
    return printError(io, json, error);
  }
}

type Located = { kind: "text"; text: string } | { kind: "command"; command: Command; rest: string[] };

/** Flags that may come before the command words. */
const GLOBAL_BOOLEANS = new Set(["--json", "--help", "-h", "--version", "-V"]);

/**
 * Finds the command named by the leading words; global flags may sit before or between them. The
 * command table and help are loaded only past `--version`, which so starts without them.
 */
async function locate(argv: readonly string[]): Promise<Located> {
  const words: number[] = [];
  let flag: string | undefined;
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const token = argv[i] as string;
    if (token === "--") break;
    if (token === "--db" || token === "--database") i++;
    else if (!GLOBAL_BOOLEANS.has(token) && !/^--(db|database)=/.test(token)) {
      if (token.startsWith("-")) {
        flag = token;
        break;
      }
      words.push(i);
      if (words.length === 1 && GROUPS[token] === undefined && token !== "help") break;
    }
  }
  const [first, second] = words.map((i) => argv[i] as string);
  const flags = flagsOf(argv);
  const help = flags.includes("--help") || flags.includes("-h");
  if (first === undefined && (flags.includes("--version") || flags.includes("-V")))
    return { kind: "text", text: version() };
  const { groupHelp, mainHelp } = await import("./help.ts");
  const { COMMANDS, findCommand, groupCommands } = await import("./registry.ts");
  if (first === undefined) {
    if (help) return { kind: "text", text: mainHelp() };
    if (flag !== undefined) throw leadingFlag(flag);
    throw new UsageError("missing command");
  }
  if (first === "help")
    return { kind: "text", text: await helpFor(argv.filter((t) => !t.startsWith("-")).slice(1)) };
  const rest = argv.filter((_, i) => !words.includes(i));
  if (GROUPS[first] !== undefined) {
    if (second === undefined) {
      if (help) return { kind: "text", text: groupHelp(first) };
      throw new UsageError(`missing ${first} command`, first);
    }
    const command = findCommand(`${first} ${second}`);
    if (command === undefined) {
      const meant = closest(
        second,
        groupCommands(first).map((c) => c.name.slice(first.length + 1)),
      );
      throw new UsageError(
        `unknown command "${first} ${second}"${didYouMean(meant === undefined ? undefined : `"${first} ${meant}"`)}`,
        first,
      );
    }
    return { kind: "command", command, rest };
  }
  const command = findCommand(first);
  if (command === undefined) {
    const meant = closest(first, ["help", ...COMMANDS.map((c) => c.name.split(" ")[0] as string)]);
    throw new UsageError(
      `unknown command "${first}"${didYouMean(meant === undefined ? undefined : `"${meant}"`)}`,
    );
  }
  return { kind: "command", command, rest };
}

/** A flag before any command word that is none of those allowed there. */
function leadingFlag(flag: string): UsageError {
  const name = flag.split("=")[0] as string;
  const meant = closest(
    name,
    [...GLOBAL_BOOLEANS, "--db", "--database"].filter((f) => f.startsWith("--")),
  );
  if (meant !== undefined) return new UsageError(`unknown option '${name}'${didYouMean(meant)}`);
  return new UsageError(
    `missing command before '${name}' (only --db, --database, --json, --help and --version may come first)`,
  );
}

/** `engram help [GROUP [COMMAND]]` */
async function helpFor(words: string[]): Promise<string> {
  const { commandHelp, groupHelp, mainHelp } = await import("./help.ts");
  const { findCommand } = await import("./registry.ts");
  const [group, name] = words;
  if (group === undefined) return mainHelp();
  const command = findCommand(name === undefined ? group : `${group} ${name}`);
  if (command !== undefined) return commandHelp(command);
  if (GROUPS[group] !== undefined && name === undefined) return groupHelp(group);
  throw new UsageError(`unknown command "${words.join(" ")}"`);
}

/** The flags before `--`. */
function flagsOf(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).filter((t) => t.startsWith("-"));
}
