import { h } from "../dom.js";

/**
 * A commit diff as unified lines or side by side; each line marked with + or − as well as colour.
 * @param {any} diff `{from, to, blocks: [{label, status, settings, lines}]}`
 * @param {"unified" | "split"} mode
 */
export function diffView(diff, mode) {
  if (diff.blocks.length === 0)
    return h("p", { class: "muted" }, "No differences: the two commits hold the same blocks.");
  return h(
    "div",
    { class: "diff" },
    diff.blocks.map((/** @type {any} */ block) =>
      h(
        "section",
        { class: "diff-block" },
        h("h3", {}, block.label, " ", h("span", { class: `tag ${block.status}` }, block.status)),
        settingsChange(block.settings),
        mode === "unified" ? unified(block.lines) : split(block.lines),
      ),
    ),
  );
}

/** @param {any} settings */
function settingsChange(settings) {
  if (settings === null) return null;
  /** @param {any} s */
  const text = (s) => (s === null ? "none" : `limit ${s.limit}${s.readOnly ? ", read-only" : ""}`);
  return h("p", { class: "muted" }, `Settings: ${text(settings.before)} → ${text(settings.after)}`);
}

const SIGN = { equal: " ", insert: "+", delete: "−" };

/** @param {{op: "equal" | "insert" | "delete", text: string}[]} lines */
function unified(lines) {
  return h(
    "pre",
    { class: "diff-lines", role: "table", "aria-label": "unified diff" },
    lines.map((line) =>
      h(
        "span",
        { class: `line ${line.op}`, role: "row" },
        h("span", { class: "sign", "aria-hidden": "true" }, SIGN[line.op]),
        h("span", { class: "sr" }, line.op === "equal" ? "" : `${line.op}: `),
        line.text,
        "\n",
      ),
    ),
  );
}

/** @param {{op: "equal" | "insert" | "delete", text: string}[]} lines */
function split(lines) {
  /** @type {[any, any][]} */
  const rows = [];
  let i = 0;
  while (i < lines.length) {
    const line = /** @type {any} */ (lines[i]);
    if (line.op === "equal") {
      rows.push([line, line]);
      i++;
      continue;
    }
    const deleted = [];
    const inserted = [];
    while (i < lines.length && lines[i]?.op === "delete") deleted.push(lines[i++]);
    while (i < lines.length && lines[i]?.op === "insert") inserted.push(lines[i++]);
    for (let k = 0; k < Math.max(deleted.length, inserted.length); k++)
      rows.push([deleted[k] ?? null, inserted[k] ?? null]);
  }
  /** @param {any} line */
  const cell = (line) =>
    line === null
      ? h("td", { class: "line blank" })
      : h(
          "td",
          { class: `line ${line.op}` },
          h("span", { class: "sign", "aria-hidden": "true" }, SIGN[/** @type {"equal"} */ (line.op)]),
          line.text,
        );
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      { class: "diff-split" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Before"), h("th", { scope: "col" }, "After"))),
      h(
        "tbody",
        {},
        rows.map(([a, b]) => h("tr", {}, cell(a), cell(b))),
      ),
    ),
  );
}
