import { EngramError } from "../../core/errors.ts";
import type { Statements } from "./statements.ts";

/**
 * The numbers the event log stores for project and agent ids (see event-layout.ts), added as ids are
 * first written. Use one instance per write transaction and drop it with the transaction: a number
 * created in a transaction that rolls back must never be used again, so nothing is kept beyond it.
 */
export class EventOwners {
  readonly #s: Statements;
  readonly #known = new Map<string, number>();

  constructor(statements: Statements) {
    this.#s = statements;
  }

  /** The number of `id`, added when it has none yet. */
  of(id: string): number {
    let n = this.#known.get(id) ?? this.#read(id);
    if (n === undefined) {
      this.#s.run("INSERT OR IGNORE INTO event_owners (id) VALUES (?)", id);
      n = this.#read(id);
      if (n === undefined) throw new EngramError("internal", `the event log could not number owner ${id}`);
    }
    this.#known.set(id, n);
    return n;
  }

  /** `of(id)`, or null for none (an event of no agent). */
  ofNullable(id: string | null): number | null {
    return id === null ? null : this.of(id);
  }

  #read(id: string): number | undefined {
    return this.#s.get<{ n: number }>("SELECT n FROM event_owners WHERE id = ?", id)?.n;
  }
}
