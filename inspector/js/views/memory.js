import { agentPath, api, latestOnly } from "../api.js";
import { field, h, num, replace, shortId, time } from "../dom.js";
import { standingLabel } from "../validity.js";
import { agentHeader } from "./agent-tabs.js";
import { message } from "./history.js";

/** @param {import("../main.js").ViewContext} ctx */
export async function renderMemory(ctx) {
  const { agent, header } = await agentHeader(ctx, "/memory");
  if (ctx.stale()) return;
  const base = agentPath(agent.id);
  const q = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "search",
      id: "memory-query",
      value: ctx.query.get("q") ?? "",
      placeholder: "what to look for",
      autocomplete: "off",
    })
  );
  // Which memories a search finds: those true now (the default), those true at a time, or all of
  // them, the ones no longer true marked (as an agent's prompt marks them).
  const valid = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      {},
      [
        ["now", "True now"],
        ["at", "True at…"],
        ["any", "Also no longer true"],
      ].map(([v, l]) => h("option", { value: v, selected: (ctx.query.get("valid") ?? "now") === v }, l)),
    )
  );
  const at = /** @type {HTMLInputElement} */ (
    h("input", { type: "datetime-local", value: ctx.query.get("at") ?? "", step: 1 })
  );
  const atField = field("At", at);
  const showAt = () => {
    atField.hidden = valid.value !== "at";
  };
  valid.addEventListener("change", showAt);
  showAt();
  const results = h("div", { id: "search-results", "aria-live": "polite" });
  const searchForm = h(
    "form",
    {
      class: "toolbar",
      role: "search",
      onsubmit: async (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        ctx.setQuery({
          q: q.value,
          valid: valid.value === "now" ? undefined : valid.value,
          at: valid.value === "at" ? at.value : undefined,
        });
        await search();
      },
    },
    field("Search memories", q),
    field("Valid", valid),
    atField,
    h("button", { type: "submit", class: "primary" }, "Search"),
  );
  async function search() {
    if (q.value.trim() === "") {
      results.replaceChildren();
      return;
    }
    /** @type {Record<string, unknown>} */
    const when = {};
    if (valid.value === "any") when.includeSuperseded = true;
    if (valid.value === "at") {
      const instant = new Date(at.value);
      if (at.value === "" || Number.isNaN(instant.getTime())) {
        replace(results, h("p", { class: "problem", role: "alert" }, "Give the time to search at."));
        return;
      }
      when.validAt = instant.toISOString();
    }
    replace(results, h("p", { class: "muted" }, "Searching…"));
    try {
      // recordAccess false: looking does not count as the agent using a memory.
      const response = await api(`${base}/memories/search`, {
        method: "POST",
        body: { query: q.value, k: 20, recordAccess: false, ...when },
      });
      // Each result's validity is judged where the search looked: at its validAt, else now.
      replace(results, searchTable(response, { now: new Date().toISOString(), validAt: when.validAt }));
    } catch (error) {
      replace(results, h("p", { class: "problem", role: "alert" }, `The search failed: ${message(error)}`));
    }
  }

  const kind = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "text",
      value: ctx.query.get("kind") ?? "",
      placeholder: "fact, note…",
      autocomplete: "off",
    })
  );
  const user = /** @type {HTMLInputElement} */ (
    h("input", { type: "text", value: ctx.query.get("user") ?? "", placeholder: "any", autocomplete: "off" })
  );
  // A fact's key (user.city): the list then holds its values over time, the one that holds and
  // those it closed.
  const key = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "text",
      value: ctx.query.get("key") ?? "",
      placeholder: "user.city",
      autocomplete: "off",
    })
  );
  const archived = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      {},
      [
        ["exclude", "Active"],
        ["only", "Archived"],
        ["include", "Both"],
      ].map(([v, l]) =>
        h("option", { value: v, selected: (ctx.query.get("archived") ?? "exclude") === v }, l),
      ),
    )
  );
  const list = h("div", { id: "memory-list" });
  const note = h("p", { class: "muted", role: "status" });
  const more = h("button", { type: "button", hidden: true }, "More memories");
  /** @type {string | null} */
  let cursor = null;
  const loads = latestOnly();
  async function load(/** @type {boolean} */ fresh) {
    const latest = loads.begin();
    if (fresh) {
      cursor = null;
      list.replaceChildren();
    }
    try {
      const page = await api(`${base}/memories`, {
        query: {
          kind: kind.value.trim(),
          userId: user.value.trim(),
          filter: key.value.trim() === "" ? undefined : JSON.stringify({ key: key.value.trim() }),
          archived: archived.value,
          cursor,
          limit: 50,
        },
      });
      if (!latest()) return;
      for (const m of page.items) list.append(memoryCard(m, base, () => load(true)));
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      note.textContent =
        list.children.length === 0 ? "No memories match." : `${list.children.length} memories shown.`;
    } catch (error) {
      if (latest()) note.textContent = `The memories could not be read: ${message(error)}`;
    }
  }
  const apply = () => {
    ctx.setQuery({
      kind: kind.value.trim(),
      user: user.value.trim(),
      key: key.value.trim(),
      archived: archived.value === "exclude" ? undefined : archived.value,
    });
    load(true);
  };
  for (const el of [kind, user, key, archived]) el.addEventListener("change", apply);
  more.addEventListener("click", () => load(false));

  replace(
    ctx.main,
    header,
    h(
      "section",
      { "aria-labelledby": "search-title" },
      h("h2", { id: "search-title" }, "Search"),
      searchForm,
      results,
    ),
    h(
      "section",
      { "aria-labelledby": "memories-title" },
      h("h2", { id: "memories-title" }, "Memories"),
      h(
        "div",
        { class: "toolbar" },
        field("Kind", kind),
        field("User", user),
        field("Key", key),
        field("Show", archived),
      ),
      note,
      list,
      more,
    ),
  );
  await Promise.all([load(true), search()]);
}

/**
 * @param {any} response
 * @param {import("../validity.js").ValidityReference} reference
 */
function searchTable(response, reference) {
  if (response.results.length === 0) return h("p", { class: "muted" }, "Nothing found.");
  /** @param {number | null} v */
  const part = (v) => (v === null ? h("span", { class: "muted" }, "—") : num(v));
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      { class: "scores" },
      h(
        "caption",
        {},
        "Each result's score and its parts: BM25 (lexical), vector distance and rank, the entity graph (and the entities it came through), recency, importance, access.",
      ),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Memory", "Score", "BM25", "Vector", "Graph", "Recency", "Importance", "Access"].map((t) =>
            h("th", { scope: "col" }, t),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        response.results.map((/** @type {any} */ r) =>
          h(
            "tr",
            { "data-id": r.id },
            h(
              "td",
              {},
              r.text,
              r.memory === undefined
                ? null
                : h(
                    "div",
                    { class: "muted small" },
                    r.memory.kind,
                    r.memory.key === null ? "" : ` · key ${r.memory.key}`,
                    r.memory.tags.length === 0 ? "" : ` · ${r.memory.tags.join(", ")}`,
                  ),
              r.memory === undefined ? null : validityNote(r.memory, reference),
            ),
            h("td", {}, h("strong", {}, num(r.score))),
            h("td", {}, part(r.components.bm25)),
            h(
              "td",
              {},
              r.components.vectorDistance === null
                ? part(null)
                : `${num(r.components.vectorDistance)} (#${r.components.vectorRank})`,
            ),
            h(
              "td",
              {},
              r.components.graph === 0
                ? part(null)
                : [
                    num(r.components.graph),
                    h("div", { class: "muted small" }, `via ${r.components.graphEntities.join(", ")}`),
                  ],
            ),
            h("td", {}, part(r.components.recency)),
            h("td", {}, part(r.components.importance)),
            h("td", {}, part(r.components.access)),
          ),
        ),
      ),
    ),
    response.warnings.length === 0
      ? null
      : h(
          "ul",
          { class: "muted" },
          response.warnings.map((/** @type {string} */ w) => h("li", {}, w)),
        ),
  );
}

/**
 * @param {any} m
 * @param {string} base
 * @param {() => void} reload
 */
function memoryCard(m, base, reload) {
  const versions = h("div");
  const history = h(
    "details",
    {
      ontoggle: async (/** @type {Event} */ event) => {
        if (!(/** @type {HTMLDetailsElement} */ (event.target).open) || versions.children.length > 0) return;
        try {
          const page = await api(`${base}/memories/${encodeURIComponent(m.id)}/history`, {
            query: { limit: 50 },
          });
          replace(
            versions,
            h(
              "ol",
              {},
              page.items.map((/** @type {any} */ v) =>
                h(
                  "li",
                  {},
                  `v${v.version} ${v.operation} by ${v.actor}, `,
                  time(v.createdAt),
                  h("div", { class: "text small" }, v.memory.text),
                ),
              ),
            ),
          );
        } catch (error) {
          replace(versions, h("p", { class: "problem" }, message(error)));
        }
      },
    },
    h("summary", {}, `Versions (${m.version})`),
    versions,
  );
  const restore =
    m.archivedAt === null
      ? null
      : h(
          "button",
          {
            type: "button",
            onclick: async () => {
              try {
                await api(`${base}/memories/${encodeURIComponent(m.id)}/restore`, { method: "POST" });
                reload();
              } catch (error) {
                alert(`The memory was not restored: ${message(error)}`);
              }
            },
          },
          "Restore",
        );
  // A fact's mark now: null while it holds, else "not yet true" or "no longer true".
  const label = standingLabel(m, { now: new Date().toISOString() });
  const validity =
    m.validFrom === null && m.validTo === null
      ? null
      : h(
          "span",
          {},
          "valid ",
          m.validFrom === null ? "" : ["from ", time(m.validFrom), " "],
          m.validTo !== null ? ["until ", time(m.validTo)] : label === null ? "(still true)" : "",
        );
  const supersededBy = m.metadata?.sleeptime?.supersededBy;
  // A keyed fact that says again what the one before it said: true since the first of them.
  const trueSince = m.metadata?.sleeptime?.trueSince;
  const restated =
    typeof trueSince === "string" && trueSince !== m.validFrom
      ? h("span", { class: "true-since" }, "said before: true since ", time(trueSince))
      : null;
  return h(
    "article",
    { class: `memory${m.archivedAt === null ? "" : " archived"}`, "data-id": m.id },
    h("p", { class: "text" }, m.text),
    h(
      "p",
      { class: "meta" },
      h("span", { class: "tag" }, m.kind),
      m.key === null ? null : h("span", { class: "tag soft" }, `key ${m.key}`),
      label === null ? null : h("span", { class: "tag warn" }, label),
      m.tags.map((/** @type {string} */ t) => h("span", { class: "tag soft" }, `#${t}`)),
      h("span", {}, m.userId === null ? "agent-wide" : `user ${m.userId}`),
      h("span", {}, `importance ${num(m.importance, 2)}`),
      validity,
      restated,
      typeof supersededBy === "string" ? successor(supersededBy, base) : null,
      h("span", {}, "created ", time(m.createdAt)),
      m.archivedAt === null ? null : h("span", { class: "tag warn" }, "archived ", time(m.archivedAt)),
    ),
    h("div", { class: "row" }, history, restore),
  );
}

/**
 * The fact that superseded a closed one: its id, and its text and validity once opened (read then).
 * @param {string} id
 * @param {string} base
 */
function successor(id, base) {
  const body = h("span");
  return h(
    "details",
    {
      class: "successor",
      ontoggle: async (/** @type {Event} */ event) => {
        if (!(/** @type {HTMLDetailsElement} */ (event.target).open) || body.childNodes.length > 0) return;
        try {
          const next = await api(`${base}/memories/${encodeURIComponent(id)}`);
          replace(
            body,
            h("q", { class: "text" }, next.text),
            next.validFrom === null ? null : [" valid from ", time(next.validFrom)],
            next.validTo === null ? null : [" until ", time(next.validTo)],
          );
        } catch (error) {
          replace(body, h("span", { class: "problem" }, `not readable: ${message(error)}`));
        }
      },
    },
    h("summary", {}, "superseded by ", shortId(id)),
    body,
  );
}

/**
 * A search result's validity, as a prompt marks it, with its interval: at the time searched at ("True
 * at…") always, how it stood then; else only when it does not hold now ("Also no longer true").
 * @param {any} m
 * @param {import("../validity.js").ValidityReference} reference
 */
function validityNote(m, reference) {
  const label = standingLabel(m, reference);
  if (label === null) return null;
  return h(
    "div",
    { class: "small" },
    h("span", { class: label.startsWith("true") ? "tag" : "tag warn" }, label),
    m.validFrom === null && m.validTo === null ? "" : " valid ",
    m.validFrom === null ? "" : ["from ", time(m.validFrom), " "],
    m.validTo === null ? "" : ["until ", time(m.validTo)],
  );
}
