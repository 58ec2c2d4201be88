import { apiAll } from "../api.js";
import { field, h, replace, time } from "../dom.js";

/** @param {import("../main.js").ViewContext} ctx */
export async function renderAgents(ctx) {
  ctx.crumbs([]);
  // Project names, to tell agents of several projects apart (a key sees one project only).
  const [{ items, more }, projects] = await Promise.all([
    apiAll("v1/agents", {}, 5000),
    apiAll("v1/projects", {}, 1000).catch(() => ({ items: [] })),
  ]);
  if (ctx.stale()) return;
  const projectNames = new Map(projects.items.map((/** @type {any} */ p) => [p.id, p.name]));
  const several = new Set(items.map((a) => a.projectId)).size > 1;
  const search = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "search",
      value: ctx.query.get("q") ?? "",
      placeholder: "name, project, model or id",
      autocomplete: "off",
    })
  );
  const list = h("ul", { class: "cards", id: "agent-list" });
  const count = h("p", { class: "muted", "aria-live": "polite" });
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const shown = items.filter(
      (a) =>
        q === "" ||
        a.name.toLowerCase().includes(q) ||
        a.id.toLowerCase().includes(q) ||
        (projectNames.get(a.projectId) ?? "").toLowerCase().includes(q) ||
        (a.model ?? "").toLowerCase().includes(q),
    );
    replace(count, `${shown.length} of ${items.length}${more ? "+" : ""} agents`);
    replace(
      list,
      shown.map((a) =>
        h(
          "li",
          { class: "card" },
          h("h2", {}, h("a", { href: `#/agents/${encodeURIComponent(a.id)}` }, a.name)),
          several
            ? h("p", { class: "muted" }, `project ${projectNames.get(a.projectId) ?? a.projectId}`)
            : null,
          h(
            "p",
            {},
            a.model === null ? h("span", { class: "muted" }, "no model set") : h("code", {}, a.model),
          ),
          h("p", { class: "muted" }, "updated ", time(a.updatedAt)),
        ),
      ),
    );
  };
  search.addEventListener("input", () => {
    ctx.setQuery({ q: search.value });
    draw();
  });
  replace(
    ctx.main,
    h("h1", {}, "Agents"),
    items.length === 0
      ? h(
          "p",
          {},
          "No agents yet. Create one with ",
          h("code", {}, "engram agent create NAME"),
          " or POST /v1/agents.",
        )
      : [h("div", { class: "toolbar" }, field("Search agents", search)), count, list],
  );
  draw();
}
