/** A series of an ASCII plot: its points, and the character that marks them. */
export interface AsciiSeries {
  label: string;
  mark: string;
  points: readonly (readonly [number, number])[];
}

/**
 * Curves as text, for a terminal: `height` rows from `yMax` down to `yMin`, `width` columns from 0 to
 * `xMax`; each column shows each series' value there (a later series draws over an earlier one where
 * they meet), with a legend below.
 *
 * @example
 * asciiPlot([{ label: "accuracy", mark: "*", points: [[0, 0.4], [200, 0.8]] }], { xMax: 200, yMin: 0, yMax: 1 });
 */
export function asciiPlot(
  series: readonly AsciiSeries[],
  options: { xMax: number; yMin: number; yMax: number; width?: number; height?: number; xLabel?: string },
): string {
  const width = options.width ?? 60;
  const height = options.height ?? 14;
  const rows = Array.from({ length: height }, () => Array<string>(width).fill(" "));
  const span = options.yMax - options.yMin || 1;
  for (const s of series) {
    for (let col = 0; col < width; col++) {
      const x = (col / (width - 1)) * options.xMax;
      const y = valueAt(s.points, x);
      if (y === undefined) continue;
      const row = Math.round(((options.yMax - y) / span) * (height - 1));
      if (row >= 0 && row < height) (rows[row] as string[])[col] = s.mark;
    }
  }
  const label = (row: number) => (options.yMax - (row / (height - 1)) * span).toFixed(2);
  const lines = rows.map((r, i) => `${i % 3 === 0 ? label(i) : "    "} |${r.join("").trimEnd()}`);
  const axis = `     +${"-".repeat(width)}`;
  const ticks = Array<string>(width + 6).fill(" ");
  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    const text = String(Math.round(share * options.xMax));
    const at = Math.min(6 + Math.round(share * (width - 1)), width + 6 - text.length);
    for (let i = 0; i < text.length; i++) ticks[at + i] = text[i] as string;
  }
  const legend = series.map((s) => `${s.mark} ${s.label}`).join("   ");
  return [
    ...lines,
    axis,
    `${ticks.join("").trimEnd()}  ${options.xLabel ?? ""}`.trimEnd(),
    `      ${legend}`,
  ].join("\n");
}

/** The step function through the points (each value holds until the next point); none before the first. */
function valueAt(points: readonly (readonly [number, number])[], x: number): number | undefined {
  let value: number | undefined;
  for (const [px, py] of points) if (px <= x + 1e-9) value = py;
  return value;
}
