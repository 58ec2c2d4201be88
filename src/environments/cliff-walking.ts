// Follows Gymnasium 1.2's CliffWalking-v1 (gymnasium/envs/toy_text/cliffwalking.py, is_slippery=False):
// since v1 the cliff sends you back to the start with -100 and does not end the episode.
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

/** Gymnasium's action order: 0 up, 1 right, 2 down, 3 left. */
export const CLIFF_WALKING_ACTIONS: readonly Direction[] = ["up", "right", "down", "left"];

const GRID: Grid = { rows: 4, columns: 12 };
const START: Cell = { row: 3, column: 0 };
const GOAL: Cell = { row: 3, column: 11 };

/**
 * Gymnasium registers CliffWalking-v1 without a time limit; a random walk can take thousands of steps,
 * so engram truncates at 200 unless told otherwise.
 */
export const CLIFF_WALKING_MAX_STEPS = 200;

const isCliff = (cell: Cell): boolean => cell.row === 3 && cell.column >= 1 && cell.column <= 10;
const isGoal = (cell: Cell): boolean => cell.row === GOAL.row && cell.column === GOAL.column;

/**
 * Walk along the bottom of a 4x12 grid from the start to the goal. Every step costs 1; stepping into
 * the cliff between them costs 100 and puts you back at the start; walking off the edge leaves you
 * where you were.
 */
export function cliffWalking(): DiscreteDynamics {
  return {
    name: "cliffwalking",
    actions: CLIFF_WALKING_ACTIONS,
    stateCount: GRID.rows * GRID.columns,
    maxSteps: CLIFF_WALKING_MAX_STEPS,
    initialState: () => cellIndex(GRID, START),

    transition(state, action) {
      const here = cellAt(GRID, state);
      const next = neighbour(GRID, here, itemAt(CLIFF_WALKING_ACTIONS, action)) ?? here;
      if (isCliff(next)) {
        return {
          state: cellIndex(GRID, START),
          reward: -100,
          terminated: false,
          info: { fellOffCliff: true },
        };
      }
      return {
        state: cellIndex(GRID, next),
        reward: -1,
        terminated: isGoal(next),
        info: { fellOffCliff: false },
      };
    },

    observe(state) {
      const cell = cellAt(GRID, state);
      if (isGoal(cell)) return `You reached the goal at ${cellText(cell)}.`;
      const around: Record<"Open" | "Cliff" | "Goal" | "Edge", Direction[]> = {
        Open: [],
        Cliff: [],
        Goal: [],
        Edge: [],
      };
      for (const direction of CLIFF_WALKING_ACTIONS) {
        const next = neighbour(GRID, cell, direction);
        const kind = next === undefined ? "Edge" : isCliff(next) ? "Cliff" : isGoal(next) ? "Goal" : "Open";
        around[kind].push(direction);
      }
      const start = cell.row === START.row && cell.column === START.column ? " (the start)" : "";
      const parts = [`You are at ${cellText(cell)}${start} of a 4x12 cliff walk.`];
      for (const [kind, directions] of Object.entries(around)) {
        if (directions.length > 0) parts.push(`${kind}: ${directions.join(", ")}.`);
      }
      parts.push(`The goal is at ${cellText(GOAL)}.`);
      return parts.join(" ");
    },

    task: () =>
      `Walk from the start at ${cellText(START)} to the goal at ${cellText(GOAL)} of a 4x12 grid ` +
      "(row 1 is the top). Each step costs 1 point; the cliff along row 4, columns 2 to 11, costs 100 " +
      "and sends you back to the start.",
  };
}
