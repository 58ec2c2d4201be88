/** Grid geometry shared by the gridworld environments. Rows count from the top, as in Gymnasium. */

export type Direction = "left" | "down" | "right" | "up";

export interface Grid {
  rows: number;
  columns: number;
}

export interface Cell {
  row: number;
  column: number;
}

const OFFSETS: Record<Direction, Cell> = {
  left: { row: 0, column: -1 },
  down: { row: 1, column: 0 },
  right: { row: 0, column: 1 },
  up: { row: -1, column: 0 },
};

/** The cell one step away, or undefined past the edge (where Gymnasium's worlds leave you in place). */
export function neighbour(grid: Grid, cell: Cell, direction: Direction): Cell | undefined {
  const row = cell.row + OFFSETS[direction].row;
  const column = cell.column + OFFSETS[direction].column;
  return row < 0 || row >= grid.rows || column < 0 || column >= grid.columns ? undefined : { row, column };
}

/** Gymnasium's state index of a cell: `row * columns + column`. */
export function cellIndex(grid: Grid, cell: Cell): number {
  return cell.row * grid.columns + cell.column;
}

export function cellAt(grid: Grid, index: number): Cell {
  return { row: Math.floor(index / grid.columns), column: index % grid.columns };
}

/** One-based, for readers: "row 1, column 2". */
export function cellText(cell: Cell): string {
  return `row ${cell.row + 1}, column ${cell.column + 1}`;
}

/** `items[index]`, for indices the caller has already bounded. */
export function itemAt<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`index ${index} is outside 0..${items.length - 1}`);
  return item;
}
