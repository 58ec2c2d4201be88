import type { CurvePoint, LearnBenchResult } from "./learn-bench.ts";

/** What the plot needs of a learning benchmark's result. */
export type LearningCurveInput = Pick<
  LearnBenchResult,
  "env" | "episodes" | "seed" | "target" | "curve" | "episodesToTarget" | "settings" | "runs"
> & { baseline: Pick<LearnBenchResult["baseline"], "curve" | "episodesToTarget"> };

const WIDTH = 720;
const HEIGHT = 420;
const PLOT = { left: 72, right: WIDTH - 24, top: 84, bottom: HEIGHT - 58 };
const COLOURS = { engram: "#1f6fb4", baseline: "#d9480f", target: "#2b8a3e", grid: "#e6e6e6", axis: "#333" };
const LABELS = { engram: "engram experience memory", baseline: "tabular Q-learning" };

/**
 * The learning curves of `engram bench learn` as a self-contained SVG (720×420): the greedy policy's
 * success rate (or mean return, for environments whose target is a return) against training
 * episodes, for the engram learner and the tabular Q-learning baseline, with the target level dashed.
 *
 * @example
 * writeFileSync("curve.svg", learningCurveSvg(await runLearnBench({ env: "taxi", episodes: 2000 })));
 */
export function learningCurveSvg(result: LearningCurveInput): string {
  const bySuccess = result.target.successRate !== undefined;
  const metric = (p: CurvePoint) => (bySuccess ? p.successRate : p.meanReturn);
  const targetLevel = bySuccess ? result.target.successRate : result.target.meanReturn;
  const values = [...result.curve, ...result.baseline.curve].map(metric);
  if (targetLevel !== undefined) values.push(targetLevel);
  const yAxis = bySuccess ? { min: 0, max: 1, step: 0.2 } : niceRange(values);
  const lastEpisode = Math.max(result.episodes, ...result.curve.map((p) => p.episode), 1);
  const xAxis = niceRange([0, lastEpisode], 0);
  const x = (episode: number) =>
    PLOT.left + ((episode - xAxis.min) / (xAxis.max - xAxis.min)) * (PLOT.right - PLOT.left);
  const y = (value: number) =>
    PLOT.bottom - ((value - yAxis.min) / (yAxis.max - yAxis.min)) * (PLOT.bottom - PLOT.top);

  const metricName = bySuccess ? "success rate" : "mean return";
  const title = `${result.env}: ${metricName} of the greedy policy by training episodes`;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
  );

  out.push(
    text(WIDTH / 2, 24, title, {
      anchor: "middle",
      size: 14,
      weight: "bold",
    }),
    text(WIDTH / 2, 43, subtitle(result), { anchor: "middle", fill: "#555" }),
  );

  // Grid and tick labels.
  for (const tick of ticks(yAxis)) {
    const ty = round(y(tick));
    out.push(
      `<line x1="${PLOT.left}" y1="${ty}" x2="${PLOT.right}" y2="${ty}" stroke="${COLOURS.grid}"/>`,
      text(PLOT.left - 8, ty + 4, formatTick(tick, yAxis.step), { anchor: "end" }),
    );
  }
  for (const tick of ticks(xAxis)) {
    const tx = round(x(tick));
    out.push(
      `<line x1="${tx}" y1="${PLOT.top}" x2="${tx}" y2="${PLOT.bottom}" stroke="${COLOURS.grid}"/>`,
      `<line x1="${tx}" y1="${PLOT.bottom}" x2="${tx}" y2="${PLOT.bottom + 5}" stroke="${COLOURS.axis}"/>`,
      text(tx, PLOT.bottom + 19, formatTick(tick, xAxis.step), { anchor: "middle" }),
    );
  }
  out.push(
    `<path d="M${PLOT.left} ${PLOT.top}V${PLOT.bottom}H${PLOT.right}" fill="none" stroke="${COLOURS.axis}"/>`,
    text((PLOT.left + PLOT.right) / 2, HEIGHT - 16, "training episodes", { anchor: "middle", size: 13 }),
    `<text x="18" y="${(PLOT.top + PLOT.bottom) / 2}" transform="rotate(-90 18 ${(PLOT.top + PLOT.bottom) / 2})" text-anchor="middle" font-size="13">${escapeXml(metricName)}</text>`,
  );

  // The target, dashed, labelled at its right end.
  if (targetLevel !== undefined) {
    const ty = round(y(targetLevel));
    out.push(
      `<line x1="${PLOT.left}" y1="${ty}" x2="${PLOT.right}" y2="${ty}" stroke="${COLOURS.target}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    );
  }

  // The baseline first and wider, so the engram curve stays visible where they coincide.
  out.push(curve(result.baseline.curve, metric, x, y, COLOURS.baseline, 3.5, "square"));
  out.push(curve(result.curve, metric, x, y, COLOURS.engram, 2, "circle"));
  // The target's label last, haloed in white, so no curve runs through it.
  if (targetLevel !== undefined) {
    out.push(
      text(PLOT.right - 4, round(y(targetLevel)) - 5, `target ${formatValue(targetLevel)}`, {
        anchor: "end",
        fill: COLOURS.target,
        weight: "bold",
        halo: true,
      }),
    );
  }

  // Legend, above the plot.
  const legendY = 64;
  let lx = PLOT.left;
  for (const [label, colour, dashed] of [
    [LABELS.engram, COLOURS.engram, false],
    [LABELS.baseline, COLOURS.baseline, false],
    ["target", COLOURS.target, true],
  ] as const) {
    out.push(
      `<line x1="${lx}" y1="${legendY - 4}" x2="${lx + 24}" y2="${legendY - 4}" stroke="${colour}" stroke-width="${dashed ? 1.5 : 2.5}"${dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      text(lx + 30, legendY, label),
    );
    lx += 30 + textWidth(label) + 26;
  }

  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** `episodes to target: engram 120, Q-learning not reached`, and how the points were measured. */
function subtitle(result: LearningCurveInput): string {
  const reached = (n: number | null) => (n === null ? "not reached" : `at ${n}`);
  const evalEpisodes = result.settings.evalEpisodes;
  const seeds =
    result.runs === undefined ? "" : `, mean of seeds ${result.runs.map((r) => r.seed).join(", ")}`;
  const measured =
    typeof evalEpisodes === "number" ? `each point: ${evalEpisodes} greedy episodes${seeds}; ` : "";
  return `${measured}target reached: engram ${reached(result.episodesToTarget)}, Q-learning ${reached(result.baseline.episodesToTarget)}`;
}

function curve(
  points: readonly CurvePoint[],
  metric: (p: CurvePoint) => number,
  x: (n: number) => number,
  y: (v: number) => number,
  colour: string,
  width: number,
  marker: "circle" | "square",
): string {
  const xy = points.map((p) => [round(x(p.episode)), round(y(metric(p)))] as const);
  const line = `<polyline fill="none" stroke="${colour}" stroke-width="${width}" stroke-linejoin="round" points="${xy.map(([a, b]) => `${a},${b}`).join(" ")}"/>`;
  // Markers only while they do not crowd the line.
  if (xy.length > 60) return line;
  const marks = xy.map(([a, b]) =>
    marker === "circle"
      ? `<circle cx="${a}" cy="${b}" r="3" fill="${colour}"/>`
      : `<rect x="${round(a - 3.5)}" y="${round(b - 3.5)}" width="7" height="7" fill="${colour}"/>`,
  );
  return [line, ...marks].join("\n");
}

interface Axis {
  min: number;
  max: number;
  step: number;
}

/** A range covering `values` with about five round ticks (1, 2 or 5 times a power of ten). */
function niceRange(values: readonly number[], floor?: number): Axis {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (floor !== undefined) lo = Math.min(lo, floor);
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const rough = (hi - lo) / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power) as number;
  return { min: Math.floor(lo / step) * step, max: Math.ceil(hi / step) * step, step };
}

function ticks(axis: Axis): number[] {
  const out: number[] = [];
  const count = Math.round((axis.max - axis.min) / axis.step);
  for (let i = 0; i <= count; i++) out.push(axis.min + i * axis.step);
  return out;
}

function formatTick(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return minus(value.toFixed(decimals).replace(/^-0(\.0*)?$/, "0"));
}

function formatValue(value: number): string {
  return minus(String(Math.round(value * 1000) / 1000));
}

/** A typographic minus sign, which reads better than a hyphen in a figure. */
function minus(s: string): string {
  return s.replace(/^-/, "\u2212");
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** A rough width of 12px sans-serif text, for laying out the legend. */
function textWidth(s: string): number {
  return s.length * 6.3;
}

function text(
  x: number,
  y: number,
  content: string,
  style: {
    anchor?: "start" | "middle" | "end";
    size?: number;
    weight?: string;
    fill?: string;
    halo?: boolean;
  } = {},
): string {
  const attrs = [
    `x="${round(x)}"`,
    `y="${round(y)}"`,
    ...(style.anchor !== undefined && style.anchor !== "start" ? [`text-anchor="${style.anchor}"`] : []),
    ...(style.size !== undefined ? [`font-size="${style.size}"`] : []),
    ...(style.weight !== undefined ? [`font-weight="${style.weight}"`] : []),
    ...(style.fill !== undefined ? [`fill="${style.fill}"`] : []),
    ...(style.halo === true ? ['stroke="#ffffff" stroke-width="4" paint-order="stroke"'] : []),
  ];
  return `<text ${attrs.join(" ")}>${escapeXml(content)}</text>`;
}

/** Text made safe inside an XML element or attribute. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`,
  );
}
