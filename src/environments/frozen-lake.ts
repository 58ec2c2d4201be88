// Follows Gymnasium 1.2's FrozenLake-v1 and FrozenLake8x8-v1 (gymnasium/envs/toy_text/frozen_lake.py,
// default success_rate=1/3 and reward_schedule=(1, 0, 0)) and their registrations' max_episode_steps.
import type { DiscreteDynamics } from "./discrete-environment.ts";
import {
  type Cell,
  cellAt,
  cellIndex,
  cellText,
  type Direction,
  type Grid,
  itemAt,
  neighbour,
} from "./grid.ts";

export const FROZEN_LAKE_MAPS = {
  "4x4": ["SFFF", "FHFH", "FFFH", "HFFG"],
  "8x8": ["SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF", "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"],
} as const;

export type FrozenLakeMap = keyof typeof FROZEN_LAKE_MAPS;

/** Gymnasium's action order: 0 left, 1 down, 2 right, 3 up. */
export const FROZEN_LAKE_ACTIONS: readonly Direction[] = ["left", "down", "right", "up"];

const MAX_STEPS: Record<FrozenLakeMap, number> = { "4x4": 100, "8x8": 200 };

export interface FrozenLakeOptions {
  map: FrozenLakeMap;
  /** Each move goes the intended way or to either side of it, each with probability 1/3. */
  slippery: boolean;
}

/**
 * Cross the lake from S to G without stepping into a hole H. Reaching G pays 1 and ends the episode;
 * a hole ends it with 0; walking off the edge leaves you where you were.
 */
export function frozenLake({ map, slippery }: FrozenLakeOptions): DiscreteDynamics {
  const rows: readonly string[] = FROZEN_LAKE_MAPS[map];
  const tiles = rows.join("");
  const grid: Grid = { rows: rows.length, columns: tiles.length / rows.length };
  const tileAt = (cell: Cell): string => tiles.charAt(cellIndex(grid, cell));
  const goal = cellAt(grid, tiles.indexOf("G"));
  const lake = `the ${map} frozen lake`;

  return {
    name: `frozenlake-${map}${slippery ? "-slippery" : ""}`,
    actions: FROZEN_LAKE_ACTIONS,
    stateCount: tiles.length,
    maxSteps: MAX_STEPS[map],
    initialState: () => tiles.indexOf("S"),

    transition(state, action, random) {
      // Gymnasium's slip outcomes, in its order: [(a - 1) % 4, a, (a + 1) % 4].
      const taken = slippery ? (action + itemAt([3, 0, 1], random.integer(3))) % 4 : action;
      const moved = itemAt(FROZEN_LAKE_ACTIONS, taken);
      const here = cellAt(grid, state);
      const next = cellIndex(grid, neighbour(grid, here, moved) ?? here);
      const tile = tiles.charAt(next);
      return {
        state: next,
        reward: tile === "G" ? 1 : 0,
        terminated: tile === "G" || tile === "H",
        info: { moved, prob: slippery ? 1 / 3 : 1 },
      };
    },

    observe(state) {
      const cell = cellAt(grid, state);
      const tile = tileAt(cell);
      if (tile === "H") return `You fell into a hole at ${cellText(cell)} of ${lake}.`;
      if (tile === "G") return `You reached the goal at ${cellText(cell)} of ${lake}.`;
      const around: Record<"Frozen" | "Holes nearby" | "Goal" | "Edge", Direction[]> = {
        Frozen: [],
        "Holes nearby": [],
        Goal: [],
        Edge: [],
      };
      for (const direction of FROZEN_LAKE_ACTIONS) {
        const next = neighbour(grid, cell, direction);
        const nextTile = next === undefined ? undefined : tileAt(next);
        const kind =
          nextTile === undefined
            ? "Edge"
            : nextTile === "H"
              ? "Holes nearby"
              : nextTile === "G"
                ? "Goal"
                : "Frozen";
        around[kind].push(direction);
      }
      const parts = [`You are at ${cellText(cell)} of ${lake}.`];
      for (const [kind, directions] of Object.entries(around)) {
        if (directions.length > 0 || kind === "Holes nearby") {
          parts.push(`${kind}: ${directions.length > 0 ? directions.join(", ") : "none"}.`);
        }
      }
      parts.push(`The goal is at ${cellText(goal)}.`);
      return parts.join(" ");
    },

    task(initialState) {
      const walk =
        `Walk from the start at ${cellText(cellAt(grid, initialState))} to the goal at ${cellText(goal)} of ${lake} ` +
        "without falling into a hole (row 1 is the top).";
      return slippery
        ? `${walk} The ice is slippery: a move goes the intended way only one time in three, otherwise to either side.`
        : walk;
    },
  };
}
