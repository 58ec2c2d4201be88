/**
 * The command line itself is wrong: an unknown command or flag, a missing or extra argument, a flag
 * value of the wrong shape. Reported with code `usage` and exit code 2, and never touches the database.
 */
export class UsageError extends Error {
  readonly code = "usage";
  /** The command whose help to point at, e.g. `block set`; the top level when absent. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}
