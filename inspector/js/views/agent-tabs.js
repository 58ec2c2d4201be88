import { agentPath, api } from "../api.js";
import { h } from "../dom.js";

const TABS = [
  ["", "Overview"],
  ["/history", "History"],
  ["/memory", "Memory"],
  ["/graph", "Graph"],
  ["/conversations", "Conversations"],
  ["/learning", "Learning"],
];

/**
 * The agent, with the crumbs and tabs every agent page starts with.
 * @param {import("../main.js").ViewContext} ctx
 * @param {string} current the tab's path suffix, e.g. `/history`
 */
export async function agentHeader(ctx, current) {
  const agent = await api(agentPath(ctx.params.id ?? ""));
  const base = `#/agents/${encodeURIComponent(agent.id)}`;
  const label = TABS.find(([suffix]) => suffix === current)?.[1] ?? "";
  ctx.crumbs(
    current === ""
      ? [[agent.name, null]]
      : [
          [agent.name, base],
          [label, null],
        ],
  );
  const tabs = h(
    "nav",
    { class: "tabs", "aria-label": "Agent sections" },
    h(
      "ul",
      {},
      TABS.map(([suffix, name]) =>
        h(
          "li",
          {},
          h("a", { href: `${base}${suffix}`, "aria-current": suffix === current ? "page" : undefined }, name),
        ),
      ),
    ),
  );
  return {
    agent,
    header: [
      h("h1", {}, agent.name, label === "Overview" ? null : h("span", { class: "sub" }, ` · ${label}`)),
      tabs,
    ],
  };
}
