import { ApiError, agentPath, api } from "../api.js";
import { timelineChart } from "../chart.js";
import { field, h, replace, shortId, time } from "../dom.js";
import { agentHeader } from "./agent-tabs.js";
import { message } from "./history.js";

/** Mentions whose text the entity's page reads (one request each). */
const MENTION_TEXTS = 20;
/** Rows of the relations' timeline: a person named in every turn has hundreds of relations. */
const TIMELINE_ROWS = 30;

/**
 * The `n` relations stated most often, in their order (oldest first).
 * @param {any[]} relations
 * @param {number} n
 */
function heaviest(relations, n) {
  if (relations.length <= n) return relations;
  const kept = new Set([...relations].sort((a, b) => b.weight - a.weight).slice(0, n));
  return relations.filter((r) => kept.has(r));
}

/**
 * The agent's entity graph: its entities (the agent's own, or one end user's), and one entity with
 * its relations over time and where it is named.
 * @param {import("../main.js").ViewContext} ctx
 */
export async function renderGraph(ctx) {
  const { agent, header } = await agentHeader(ctx, "/graph");
  if (ctx.stale()) return;
  const base = agentPath(agent.id);
  const userId = ctx.query.get("user") ?? "";
  const entityName = ctx.query.get("entity") ?? "";
  // Where the page is (its address): every link it draws keeps the user and the list's order.
  /** @type {Place} */
  const place = {
    agentId: agent.id,
    userId,
    order: ctx.query.get("order") === "mentions" ? "mentions" : "key",
  };
  const order = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      {
        onchange: () => {
          location.hash = graphHash({ ...place, order: order.value }, entityName);
        },
      },
      [
        ["key", "By name"],
        ["mentions", "Most named first"],
      ].map(([v, l]) => h("option", { value: v, selected: place.order === v }, l)),
    )
  );
  const user = /** @type {HTMLInputElement} */ (
    h("input", { type: "text", value: userId, placeholder: "the agent's own", autocomplete: "off" })
  );
  // Entities are listed by key, a page at a time: a name typed here opens it at once, in any case.
  // Without a name, the form lists the user's entities.
  const find = /** @type {HTMLInputElement} */ (
    h("input", { type: "search", value: entityName, placeholder: "a name", autocomplete: "off" })
  );
  const findForm = h(
    "form",
    {
      class: "toolbar",
      role: "search",
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        location.hash = graphHash({ ...place, userId: user.value.trim() }, find.value.trim());
      },
    },
    field("User", user),
    field("Entity", find),
    h("button", { type: "submit", class: "primary" }, "Show"),
  );
  const rows = h("tbody");
  const note = h("p", { class: "muted", role: "status" });
  const more = h("button", { type: "button", hidden: true }, "More entities");
  /** @type {string | null} */
  let cursor = null;
  async function load() {
    try {
      const page = await api(`${base}/entities`, {
        query: { userId, order: place.order === "mentions" ? "mentions" : undefined, cursor, limit: 100 },
      });
      for (const e of page.items) rows.append(entityRow(e, place));
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      note.textContent =
        rows.children.length === 0
          ? userId === ""
            ? "No entities in the agent's own graph. Entities learned from an end user's memories and messages are in that user's graph: name the user above."
            : `No entities in ${userId}'s graph.`
          : `${rows.children.length} entities shown.`;
    } catch (error) {
      note.textContent = `The entities could not be read: ${message(error)}`;
    }
  }
  more.addEventListener("click", () => load());
  const detail = entityName === "" ? null : await entitySection(base, place, entityName);
  if (ctx.stale()) return;
  replace(
    ctx.main,
    header,
    detail,
    h(
      "section",
      { "aria-labelledby": "entities-title" },
      h("h2", { id: "entities-title" }, userId === "" ? "Entities" : `Entities of user ${userId}`),
      h(
        "p",
        { class: "muted" },
        "The people, places, organisations, dates and things the agent's memories and messages name, and how often.",
      ),
      agent.metadata?.graph === "off"
        ? h(
            "p",
            { id: "graph-off" },
            h("span", { class: "tag warn" }, "graph off"),
            " This agent's graph is off (metadata.graph): nothing it learns now is recorded here, and its searches do not follow the graph. ",
            h("code", {}, `engram agent update ${agent.name} --graph rules`),
            " turns it on; a consolidation then rebuilds it.",
          )
        : null,
      findForm,
      h("div", { class: "toolbar" }, field("Order", order)),
      note,
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { id: "entities" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Name", "Type", "Named", "First seen", "Last seen"].map((t) => h("th", { scope: "col" }, t)),
            ),
          ),
          rows,
        ),
      ),
      more,
    ),
  );
  await load();
}

/**
 * The Graph page of one agent: whose graph (`userId`, "" for the agent's own) and in which order its
 * entities are listed (`key`, by name, or `mentions`, the most named first).
 * @typedef {{ agentId: string, userId: string, order: string }} Place
 */

/**
 * The address of the Graph page at `place`, opened at an entity ("" for none).
 * @param {Place} place
 * @param {string} entity
 */
function graphHash(place, entity) {
  const query = new URLSearchParams();
  if (place.userId !== "") query.set("user", place.userId);
  if (entity !== "") query.set("entity", entity);
  if (place.order === "mentions") query.set("order", place.order);
  const search = query.toString();
  return `#/agents/${encodeURIComponent(place.agentId)}/graph${search === "" ? "" : `?${search}`}`;
}

/**
 * @param {any} e
 * @param {Place} place
 */
function entityRow(e, place) {
  return h(
    "tr",
    { "data-key": e.key },
    h("td", {}, h("a", { href: graphHash(place, e.key) }, e.name)),
    h("td", {}, e.type),
    h("td", {}, String(e.mentions)),
    h("td", {}, time(e.firstSeen)),
    h("td", {}, time(e.lastSeen)),
  );
}

/**
 * One entity: its relations over time (a timeline and a table) and the latest memories and messages
 * naming it. An unknown name is said in words here, not as a missing agent.
 * @param {string} base
 * @param {Place} place
 * @param {string} name
 */
async function entitySection(base, place, name) {
  /** @type {any} */
  let detail;
  try {
    detail = await api(`${base}/entities/${encodeURIComponent(name)}`, { query: { userId: place.userId } });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    return h(
      "section",
      { id: "entity", class: "problem", role: "alert" },
      h("h2", {}, `No entity “${name}”`),
      h("p", {}, error.message),
      h("p", {}, h("a", { href: graphHash(place, "") }, "Back to the entities")),
    );
  }
  const { entity, relations, mentions, names } = detail;
  const now = Date.now();
  const otherKey = (/** @type {any} */ r) => (r.source === entity.key ? r.target : r.source);
  // Shown as written ("Berlin"), linked by key; a key with no entity behind it is shown as it is.
  const other = (/** @type {any} */ r) => names?.[otherKey(r)] ?? otherKey(r);
  const how = (/** @type {any} */ r) =>
    r.type === "co_occurs" ? "named with" : r.source === entity.key ? r.type : `${r.type} (by)`;
  const texts = await mentionTexts(base, mentions);
  return h(
    "section",
    { id: "entity", "aria-labelledby": "entity-title" },
    h("h2", { id: "entity-title" }, entity.name, h("span", { class: "sub" }, ` · ${entity.type}`)),
    h(
      "p",
      { class: "muted" },
      `Named ${entity.mentions} ${entity.mentions === 1 ? "time" : "times"}, first `,
      time(entity.firstSeen),
      ", last ",
      time(entity.lastSeen),
      ".",
    ),
    h("h3", {}, `Relations over time (${relations.length})`),
    relations.length === 0
      ? h("p", { class: "muted" }, "No relations.")
      : [
          timelineChart(
            relations.length > TIMELINE_ROWS
              ? `When each relation of ${entity.name} held (the ${TIMELINE_ROWS} stated most often, of ${relations.length})`
              : `When each relation of ${entity.name} held`,
            heaviest(relations, TIMELINE_ROWS).map((/** @type {any} */ r) => ({
              label: `${how(r)} ${other(r)}`,
              from: Date.parse(r.validFrom),
              to: r.validTo === null ? null : Date.parse(r.validTo),
              title: `${how(r)} ${other(r)}: ${r.validFrom} to ${r.validTo ?? "now"}`,
            })),
            now,
          ),
          h(
            "div",
            { class: "scroll" },
            h(
              "table",
              { id: "relations" },
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  ["Relation", "With", "Weight", "From", "To", "Learned from"].map((t) =>
                    h("th", { scope: "col" }, t),
                  ),
                ),
              ),
              h(
                "tbody",
                {},
                relations.map((/** @type {any} */ r) =>
                  h(
                    "tr",
                    { class: r.validTo === null ? "open" : "closed" },
                    h("td", {}, how(r)),
                    h("td", {}, h("a", { href: graphHash(place, otherKey(r)) }, other(r))),
                    h("td", {}, String(r.weight)),
                    h("td", {}, time(r.validFrom)),
                    h(
                      "td",
                      {},
                      r.validTo === null ? h("span", { class: "tag added" }, "now") : time(r.validTo),
                    ),
                    h(
                      "td",
                      { class: "small" },
                      r.provenance.map((/** @type {any} */ p, /** @type {number} */ i) => [
                        i === 0 ? "" : ", ",
                        `${p.source} `,
                        shortId(p.id),
                      ]),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ],
    h("h3", {}, `Where it is named (the latest ${mentions.length})`),
    mentions.length === 0
      ? h("p", { class: "muted" }, "No memory or message names it now.")
      : h(
          "ul",
          { id: "mentions", class: "mentions" },
          mentions.map((/** @type {any} */ m) =>
            h(
              "li",
              {},
              time(m.at),
              ` ${m.source} `,
              shortId(m.id),
              texts.has(m.id) ? h("div", { class: "text small" }, texts.get(m.id)) : null,
            ),
          ),
        ),
  );
}

/**
 * The text of the latest memories naming the entity (messages are read on the Conversations page).
 * A memory deleted since is left without text.
 * @param {string} base
 * @param {any[]} mentions
 * @returns {Promise<Map<string, string>>}
 */
async function mentionTexts(base, mentions) {
  const ids = mentions
    .filter((m) => m.source === "memory")
    .slice(0, MENTION_TEXTS)
    .map((m) => m.id);
  const read = await Promise.all(
    ids.map((id) => api(`${base}/memories/${encodeURIComponent(id)}`).catch(() => null)),
  );
  return new Map(read.filter((m) => m !== null).map((m) => [m.id, m.text]));
}
