import { agentPath, api } from "../api.js";
import { h, replace, time } from "../dom.js";
import { agentHeader } from "./agent-tabs.js";

/** @param {import("../main.js").ViewContext} ctx */
export async function renderAgent(ctx) {
  // The agent and its blocks at once: the path takes the id or name the page was opened with.
  const [{ agent, header }, { blocks, commit }] = await Promise.all([
    agentHeader(ctx, ""),
    api(`${agentPath(ctx.params.id ?? "")}/blocks`),
  ]);
  if (ctx.stale()) return;
  const runtime = agent.metadata?.runtime ?? {};
  replace(
    ctx.main,
    header,
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Id"),
      h("dd", {}, h("code", {}, agent.id)),
      h("dt", {}, "Model"),
      h(
        "dd",
        {},
        agent.model === null
          ? h("span", { class: "muted" }, "none (the server's default, if any)")
          : h("code", {}, agent.model),
      ),
      h("dt", {}, "Branch"),
      h("dd", {}, agent.defaultBranch, " at ", h("code", { title: commit }, commit?.slice(0, 10) ?? "—")),
      h("dt", {}, "Created"),
      h("dd", {}, time(agent.createdAt)),
      h("dt", {}, "Updated"),
      h("dd", {}, time(agent.updatedAt)),
    ),
    h(
      "section",
      {},
      h("h2", {}, "Instructions"),
      agent.instructions === ""
        ? h("p", { class: "muted" }, "No instructions.")
        : h("pre", { class: "text" }, agent.instructions),
    ),
    h(
      "section",
      {},
      h("h2", {}, `Memory blocks (${blocks.length})`),
      blocks.length === 0
        ? h("p", { class: "muted" }, "No blocks.")
        : h("div", { class: "blocks" }, blocks.map(blockCard)),
    ),
    h(
      "section",
      {},
      h("h2", {}, "Settings"),
      Object.keys(runtime).length === 0
        ? h("p", { class: "muted" }, "Runtime settings are the defaults (metadata.runtime is empty).")
        : h(
            "table",
            {},
            h(
              "tbody",
              {},
              Object.entries(runtime).map(([k, v]) =>
                h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, h("code", {}, JSON.stringify(v)))),
              ),
            ),
          ),
      Object.keys(agent.metadata ?? {}).length === 0
        ? null
        : h(
            "details",
            {},
            h("summary", {}, "All metadata"),
            h("pre", { class: "text" }, JSON.stringify(agent.metadata, null, 2)),
          ),
    ),
  );
}

/** @param {any} block */
function blockCard(block) {
  const size = [...block.value].length;
  const share = block.limit > 0 ? Math.min(1, size / block.limit) : 0;
  const level = share >= 0.9 ? "full" : share >= 0.7 ? "high" : "ok";
  return h(
    "article",
    { class: "block", "data-label": block.label },
    h("h3", {}, block.label, block.readOnly ? h("span", { class: "tag" }, "read-only") : null),
    h(
      "div",
      { class: "meter-row" },
      h("meter", {
        min: 0,
        max: block.limit,
        value: size,
        low: block.limit * 0.7,
        high: block.limit * 0.9,
        optimum: 0,
        "aria-label": `${block.label}: ${size} of ${block.limit} characters`,
      }),
      h("span", { class: `fill ${level}` }, `${size} / ${block.limit} chars (${Math.round(share * 100)} %)`),
    ),
    h("pre", { class: "text" }, block.value === "" ? "(empty)" : block.value),
  );
}
