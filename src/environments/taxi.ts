// Follows Gymnasium 1.2's Taxi-v3 (gymnasium/envs/toy_text/taxi.py, is_rainy=False and
// fickle_passenger=False) and its registration's max_episode_steps=200.
import type { DiscreteDynamics } from "./discrete-environment.ts";
import { type Cell, cellText, itemAt } from "./grid.ts";

/** Gymnasium's map: `:` is open road between two cells, `|` a wall. */
const MAP = [
  "+---------+",
  "|R: | : :G|",
  "| : | : : |",
  "| : : : : |",
  "| | : | : |",
  "|Y| : |B: |",
  "+---------+",
] as const;

const SIZE = 5;

/** The four stands, in Gymnasium's index order. */
export const TAXI_LOCATIONS: readonly (Cell & { name: string })[] = [
  { name: "R", row: 0, column: 0 },
  { name: "G", row: 0, column: 4 },
  { name: "Y", row: 4, column: 0 },
  { name: "B", row: 4, column: 3 },
];

/** The passenger index meaning "in the taxi". */
export const IN_TAXI = 4;

/** Gymnasium's action order: 0 south, 1 north, 2 east, 3 west, 4 pickup, 5 dropoff. */
export const TAXI_ACTIONS = ["south", "north", "east", "west", "pickup", "dropoff"] as const;

const SOUTH = 0;
const NORTH = 1;
const EAST = 2;
const WEST = 3;
const PICKUP = 4;
const DROPOFF = 5;

export interface TaxiState {
  taxiRow: number;
  taxiColumn: number;
  /** 0..3 waiting at that stand, 4 in the taxi. */
  passenger: number;
  /** 0..3, a stand. */
  destination: number;
}

/** Gymnasium's encoding: `((taxiRow * 5 + taxiColumn) * 5 + passenger) * 4 + destination`. */
export function encodeTaxiState({ taxiRow, taxiColumn, passenger, destination }: TaxiState): number {
  return ((taxiRow * SIZE + taxiColumn) * 5 + passenger) * 4 + destination;
}

export function decodeTaxiState(state: number): TaxiState {
  return {
    taxiRow: Math.floor(state / 100),
    taxiColumn: Math.floor(state / 20) % SIZE,
    passenger: Math.floor(state / 4) % 5,
    destination: state % 4,
  };
}

const roadAt = (row: number, index: number): boolean => itemAt(MAP, row + 1).charAt(index) === ":";
const canGoEast = (row: number, column: number): boolean => roadAt(row, 2 * column + 2);
const canGoWest = (row: number, column: number): boolean => roadAt(row, 2 * column);

const standAt = (row: number, column: number): number | undefined => {
  const index = TAXI_LOCATIONS.findIndex((stand) => stand.row === row && stand.column === column);
  return index < 0 ? undefined : index;
};

const standText = (index: number): string => {
  const stand = itemAt(TAXI_LOCATIONS, index);
  return `${stand.name} (${cellText(stand)})`;
};

/** Which actions change the state, as Gymnasium's `info["action_mask"]`. */
export function taxiActionMask(state: number): number[] {
  const { taxiRow: row, taxiColumn: column, passenger } = decodeTaxiState(state);
  const stand = standAt(row, column);
  return [
    row < SIZE - 1,
    row > 0,
    column < SIZE - 1 && canGoEast(row, column),
    column > 0 && canGoWest(row, column),
    passenger < IN_TAXI && stand === passenger,
    passenger === IN_TAXI && stand !== undefined,
  ].map(Number);
}

// Gymnasium starts uniformly among these 300: any taxi cell, the passenger waiting away from the destination.
const INITIAL_STATES: readonly number[] = Array.from({ length: 500 }, (_, state) => state).filter((state) => {
  const { passenger, destination } = decodeTaxiState(state);
  return passenger < IN_TAXI && passenger !== destination;
});

/**
 * Drive to the passenger, pick them up, and drop them off at their destination. Every action costs 1;
 * a delivery pays 20 and ends the episode; a pickup or dropoff that cannot happen costs 10. Dropping
 * the passenger at another stand leaves them waiting there, at the usual cost of 1.
 */
export function taxi(): DiscreteDynamics {
  return {
    name: "taxi",
    actions: TAXI_ACTIONS,
    stateCount: 500,
    maxSteps: 200,
    initialState: (random) => itemAt(INITIAL_STATES, random.integer(INITIAL_STATES.length)),

    transition(state, action) {
      let { taxiRow: row, taxiColumn: column, passenger } = decodeTaxiState(state);
      const { destination } = decodeTaxiState(state);
      const stand = standAt(row, column);
      let reward = -1;
      let terminated = false;
      if (action === SOUTH) row = Math.min(row + 1, SIZE - 1);
      else if (action === NORTH) row = Math.max(row - 1, 0);
      else if (action === EAST && canGoEast(row, column)) column = Math.min(column + 1, SIZE - 1);
      else if (action === WEST && canGoWest(row, column)) column = Math.max(column - 1, 0);
      else if (action === PICKUP) {
        if (passenger < IN_TAXI && stand === passenger) passenger = IN_TAXI;
        else reward = -10;
      } else if (action === DROPOFF) {
        if (passenger === IN_TAXI && stand === destination) {
          passenger = destination;
          reward = 20;
          terminated = true;
        } else if (passenger === IN_TAXI && stand !== undefined) {
          passenger = stand;
        } else {
          reward = -10;
        }
      }
      return {
        state: encodeTaxiState({ taxiRow: row, taxiColumn: column, passenger, destination }),
        reward,
        terminated,
      };
    },

    observe(state) {
      const { taxiRow: row, taxiColumn: column, passenger, destination } = decodeTaxiState(state);
      const stand = standAt(row, column);
      const taxiAt = `The taxi is at ${cellText({ row, column })}${stand === undefined ? "" : ` (${itemAt(TAXI_LOCATIONS, stand).name})`}.`;
      if (passenger === destination) {
        return `${taxiAt} The passenger has arrived at their destination ${standText(destination)}.`;
      }
      const mask = taxiActionMask(state);
      const moves = TAXI_ACTIONS.slice(0, 4);
      const open = moves.filter((_, index) => mask[index] === 1);
      const blocked = moves.filter((_, index) => mask[index] === 0);
      return [
        taxiAt,
        passenger === IN_TAXI
          ? "The passenger is in the taxi."
          : `The passenger is waiting at ${standText(passenger)}.`,
        `The destination is ${standText(destination)}.`,
        `Open: ${open.join(", ")}.`,
        blocked.length > 0 ? `Blocked: ${blocked.join(", ")}.` : "",
      ]
        .filter((part) => part !== "")
        .join(" ");
    },

    task(initialState) {
      const { passenger, destination } = decodeTaxiState(initialState);
      return (
        `Pick up the passenger at ${standText(passenger)} and drop them off at ${standText(destination)} ` +
        "in a 5x5 city (row 1 is the north edge)."
      );
    },

    stateInfo: (state) => ({ actionMask: taxiActionMask(state) }),
  };
}
