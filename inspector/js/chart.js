import { h, num, s } from "./dom.js";

/**
 * @typedef {object} Series
 * @property {string} name
 * @property {string} className colour and dash set in CSS, so series differ by more than colour
 * @property {{x: number, y: number, label?: string}[]} points
 * @property {boolean} [dots]
 * @property {boolean} [line]
 */

/**
 * A line chart as SVG, drawn here (no chart library), with a text table beside it for screen readers.
 * @param {string} title
 * @param {Series[]} series
 * @param {{ xLabel: string, yLabel: string, xFormat?: (x: number) => string }} axes
 */
export function lineChart(title, series, axes) {
  const all = series.flatMap((x) => x.points);
  if (all.length === 0) return h("p", { class: "muted" }, `${title}: nothing to draw yet.`);
  const W = 640;
  const H = 260;
  const pad = { l: 48, r: 12, t: 12, b: 36 };
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(0, ...ys), Math.max(...ys)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const X = (/** @type {number} */ x) => pad.l + ((x - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const Y = (/** @type {number} */ y) => H - pad.b - ((y - y0) / (y1 - y0)) * (H - pad.t - pad.b);
  const fx = axes.xFormat ?? ((/** @type {number} */ x) => num(x, 1));
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const svg = s(
    "svg",
    {
      viewBox: `0 0 ${W} ${H}`,
      class: "chart",
      role: "img",
      "aria-label": `${title} (${axes.yLabel} by ${axes.xLabel})`,
    },
    ticks.map((t) => {
      const y = y0 + t * (y1 - y0);
      return s(
        "g",
        { class: "grid" },
        s("line", { x1: pad.l, x2: W - pad.r, y1: Y(y), y2: Y(y) }),
        s("text", { x: pad.l - 6, y: Y(y) + 4, "text-anchor": "end" }, num(y, 2)),
      );
    }),
    [0, 0.5, 1].map((t) =>
      s(
        "text",
        {
          class: "axis",
          x: X(x0 + t * (x1 - x0)),
          y: H - pad.b + 16,
          "text-anchor": t === 0 ? "start" : t === 1 ? "end" : "middle",
        },
        fx(x0 + t * (x1 - x0)),
      ),
    ),
    s("text", { class: "axis", x: W / 2, y: H - 4, "text-anchor": "middle" }, axes.xLabel),
    series.map((x) =>
      s(
        "g",
        { class: `series ${x.className}` },
        x.line === false || x.points.length < 2
          ? null
          : s("polyline", { points: x.points.map((p) => `${X(p.x)},${Y(p.y)}`).join(" ") }),
        x.dots === false
          ? null
          : x.points.map((p) =>
              s(
                "circle",
                { cx: X(p.x), cy: Y(p.y), r: 3.5 },
                s("title", {}, p.label ?? `${fx(p.x)}: ${num(p.y)}`),
              ),
            ),
      ),
    ),
  );
  return h(
    "figure",
    { class: "chart-figure" },
    h(
      "figcaption",
      {},
      title,
      " ",
      h(
        "span",
        { class: "legend" },
        series.map((x) => h("span", { class: `key ${x.className}` }, x.name)),
      ),
    ),
    svg,
    h(
      "details",
      { class: "chart-data" },
      h("summary", {}, "Data as a table"),
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "Series"),
            h("th", { scope: "col" }, axes.xLabel),
            h("th", { scope: "col" }, axes.yLabel),
          ),
        ),
        h(
          "tbody",
          {},
          series.flatMap((x) =>
            x.points.map((p) =>
              h("tr", {}, h("td", {}, x.name), h("td", {}, p.label ?? fx(p.x)), h("td", {}, num(p.y))),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * Mean of each point and the `window - 1` before it: the learning curve under noisy rewards.
 * @param {{x: number, y: number}[]} points
 * @param {number} window
 */
export function movingAverage(points, window) {
  return points.map((p, i) => {
    const slice = points.slice(Math.max(0, i - window + 1), i + 1);
    return { x: p.x, y: slice.reduce((sum, q) => sum + q.y, 0) / slice.length };
  });
}

/**
 * @typedef {object} Span
 * @property {string} label what the row is (drawn at its left)
 * @property {number} from start, in ms since the epoch
 * @property {number | null} to end, or null while it still holds (drawn to `now`, with an arrow)
 * @property {string} [title] the row's tooltip
 */

/**
 * Spans over time as SVG, one row each: when each relation held. Open spans end in an arrow at
 * `now`, closed ones in a bar, so the two differ by shape as well as colour. The caller shows the
 * same data as a table.
 * @param {string} title
 * @param {Span[]} spans
 * @param {number} now
 */
export function timelineChart(title, spans, now) {
  if (spans.length === 0) return h("p", { class: "muted" }, `${title}: nothing to draw.`);
  const W = 640;
  const row = 22;
  const pad = { l: 150, r: 16, t: 8, b: 28 };
  const H = pad.t + pad.b + row * spans.length;
  let x0 = Math.min(...spans.map((x) => x.from));
  let x1 = Math.max(now, ...spans.map((x) => x.to ?? now));
  if (x0 === x1) [x0, x1] = [x0 - 86_400_000, x1 + 86_400_000];
  const X = (/** @type {number} */ t) => pad.l + ((t - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const day = (/** @type {number} */ t) => new Date(t).toISOString().slice(0, 10);
  return h(
    "figure",
    { class: "chart-figure" },
    h("figcaption", {}, title),
    s(
      "svg",
      {
        viewBox: `0 0 ${W} ${H}`,
        class: "chart timeline",
        role: "img",
        "aria-label": `${title}, ${day(x0)} to ${day(x1)}`,
      },
      [0, 0.5, 1].map((t) =>
        s(
          "text",
          {
            class: "axis",
            x: X(x0 + t * (x1 - x0)),
            y: H - 8,
            "text-anchor": t === 0 ? "start" : t === 1 ? "end" : "middle",
          },
          day(x0 + t * (x1 - x0)),
        ),
      ),
      spans.map((x, i) => {
        const y = pad.t + i * row;
        const a = X(x.from);
        const b = Math.max(X(x.to ?? now), a + 2);
        return s(
          "g",
          { class: x.to === null ? "span open" : "span closed" },
          s("title", {}, x.title ?? x.label),
          s("text", { x: pad.l - 6, y: y + 15, "text-anchor": "end" }, clip(x.label, 24)),
          s("rect", { x: a, y: y + 5, width: b - a, height: 12, rx: 2 }),
          x.to === null ? s("path", { d: `M${b},${y + 2} L${b + 8},${y + 11} L${b},${y + 20} Z` }) : null,
        );
      }),
    ),
  );
}

/** @param {string} text @param {number} max */
function clip(text, max) {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
