import { ApiError, agentPath, api, apiAll, latestOnly } from "../api.js";
import { confirmDialog, field, h, replace, time } from "../dom.js";
import { agentHeader } from "./agent-tabs.js";
import { ACTORS, authorBadge } from "./authors.js";
import { diffView } from "./diff.js";

const PAGE = 100;
/** Branches are listed a page at a time, by name. */
const BRANCH_PAGE = 200;

/** @param {import("../main.js").ViewContext} ctx */
export async function renderHistory(ctx) {
  const asked = ctx.query.get("branch");
  const opened = agentPath(ctx.params.id ?? "");
  // Everything the first screen needs at once; the log of the default branch needs no name.
  const [{ agent, header }, branchPage, firstPage] = await Promise.all([
    agentHeader(ctx, "/history"),
    api(`${opened}/branches`, { query: { limit: BRANCH_PAGE } }),
    asked === "*" ? null : api(`${opened}/commits`, { query: { branch: asked, limit: PAGE } }),
  ]);
  if (ctx.stale()) return;
  const base = agentPath(agent.id);
  const branches = branchPage.items;
  /** @type {string | null} */
  let branchCursor = branchPage.nextCursor;
  const state = {
    branch: asked ?? agent.defaultBranch,
    from: ctx.query.get("from") ?? "",
    to: ctx.query.get("to") ?? "",
    view: ctx.query.get("view") === "split" ? "split" : "unified",
  };
  /** @type {Map<string, string[]>} */
  const heads = new Map();
  for (const b of branches) heads.set(b.head, [...(heads.get(b.head) ?? []), b.name]);

  const status = h("p", { class: "status", role: "status", id: "history-status" });
  const timeline = h("ol", { class: "timeline", id: "timeline" });
  const more = h("button", { type: "button", hidden: true }, "Older commits");
  const diffPanel = h(
    "section",
    { id: "diff", "aria-labelledby": "diff-title" },
    h("h2", { id: "diff-title" }, "Diff"),
    h("p", { class: "muted" }, "Choose “Changes” on a commit, or A and B on two commits."),
  );
  /** @type {string | null} */
  let cursor = null;
  /** @type {any[]} */
  let commits = [];
  /**
   * All branches, read a page per branch at a time: each branch's cursor and the time of its oldest
   * commit read, and every commit read, by id (branches share their older commits).
   */
  const across = {
    /** @type {Map<string, string | null>} */
    cursors: new Map(),
    /** @type {Map<string, string>} */
    oldest: new Map(),
    /** @type {Map<string, any>} */
    read: new Map(),
  };

  const branchSelect = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      {
        onchange: () => {
          state.branch = branchSelect.value;
          ctx.setQuery({ branch: state.branch });
          loadMore(true);
        },
      },
      h("option", { value: "*", selected: state.branch === "*" }, "All branches"),
      branches.map((/** @type {any} */ b) =>
        h("option", { value: b.name, selected: b.name === state.branch }, b.name),
      ),
      // The branch shown may sort after the branches listed so far.
      state.branch === "*" || branches.some((/** @type {any} */ b) => b.name === state.branch)
        ? null
        : h("option", { value: state.branch, selected: true }, state.branch),
    )
  );
  const moreBranches = /** @type {HTMLButtonElement} */ (
    h("button", { type: "button", onclick: () => readBranches() }, "More branches")
  );
  const branchNote = h("p", { class: "muted", id: "branches-capped" });

  function showBranchCursor() {
    moreBranches.hidden = branchCursor === null;
    branchNote.hidden = branchCursor === null;
    replace(
      branchNote,
      branchCursor === null
        ? null
        : `Only the first ${branches.length} branches by name are listed, and “All branches” covers only those: more exist.`,
    );
  }

  /** The next page of branches, added to the list (and to “All branches”, re-read when shown). */
  async function readBranches() {
    if (branchCursor === null) return;
    moreBranches.disabled = true;
    try {
      const page = await api(`${base}/branches`, { query: { limit: BRANCH_PAGE, cursor: branchCursor } });
      const listed = new Set([...branchSelect.options].map((o) => o.value));
      for (const b of page.items) {
        // A branch made here since, or the one shown, is listed already.
        if (branches.some((/** @type {any} */ known) => known.name === b.name)) continue;
        branches.push(b);
        heads.set(b.head, [...(heads.get(b.head) ?? []), b.name]);
        if (!listed.has(b.name)) branchSelect.append(h("option", { value: b.name }, b.name));
      }
      branchCursor = page.nextCursor;
      showBranchCursor();
      if (state.branch === "*") await loadMore(true);
      else drawTimeline();
    } catch (error) {
      replace(status, h("span", { class: "problem" }, `The branches could not be read: ${message(error)}`));
    } finally {
      moreBranches.disabled = false;
    }
  }

  /** @param {boolean} fresh @param {any} [page] a first page already fetched */
  async function loadCommits(fresh, page) {
    if (fresh) {
      commits = [];
      cursor = null;
    }
    if (page) {
      commits = page.items;
      cursor = page.nextCursor;
    } else if (state.branch === "*") {
      await readAcross(fresh);
    } else {
      const next = await api(`${base}/commits`, { query: { branch: state.branch, limit: PAGE, cursor } });
      commits = [...commits, ...next.items];
      cursor = next.nextCursor;
    }
    more.hidden =
      state.branch === "*" ? ![...across.cursors.values()].some((c) => c !== null) : cursor === null;
    drawTimeline();
  }

  /**
   * The next page of every branch with more to read (the first of each when `fresh`). Shown are the
   * commits down to where every such branch has been read: an older commit already read on one
   * branch waits for the others, so that a later page adds commits below those shown, never among them.
   * @param {boolean} fresh
   */
  async function readAcross(fresh) {
    if (fresh) {
      across.cursors.clear();
      for (const b of branches) across.cursors.set(b.name, null);
      across.oldest.clear();
      across.read.clear();
    }
    const pending = fresh ? [...across.cursors] : [...across.cursors].filter(([, c]) => c !== null);
    const pages = await Promise.all(
      pending.map(([name, after]) =>
        api(`${base}/commits`, { query: { branch: name, limit: PAGE, cursor: after } }),
      ),
    );
    pending.forEach(([name], i) => {
      const one = pages[i];
      for (const c of one.items) across.read.set(c.id, c);
      const last = one.items.at(-1);
      if (last !== undefined) across.oldest.set(name, last.createdAt);
      across.cursors.set(name, one.nextCursor);
    });
    let horizon = "";
    for (const [name, next] of across.cursors) {
      const oldest = across.oldest.get(name) ?? "";
      if (next !== null && oldest > horizon) horizon = oldest;
    }
    commits = [...across.read.values()]
      .filter((c) => c.createdAt >= horizon)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /**
   * Commits loaded on a click (older ones, another branch): a failure is said in the status line,
   * not left as an unhandled rejection with the timeline as it was.
   * @param {boolean} fresh
   */
  async function loadMore(fresh) {
    // A second click while a page is on its way would read that page twice.
    more.disabled = true;
    try {
      await loadCommits(fresh);
      if (status.querySelector(".problem") !== null) replace(status);
    } catch (error) {
      replace(status, h("span", { class: "problem" }, `The commits could not be read: ${message(error)}`));
    } finally {
      more.disabled = false;
    }
  }

  function drawTimeline() {
    replace(
      timeline,
      commits.map((c, i) =>
        h(
          "li",
          { class: `commit ${c.author}`, "data-commit": c.id },
          h(
            "div",
            { class: "commit-head" },
            authorBadge(c.author),
            h(
              "span",
              { class: "message" },
              c.message === "" ? h("span", { class: "muted" }, "(no message)") : c.message,
            ),
            (heads.get(c.id) ?? []).map((name) => h("span", { class: "tag branch" }, name)),
          ),
          h(
            "div",
            { class: "commit-meta" },
            h("code", { title: c.id }, c.id.slice(0, 10)),
            " · ",
            time(c.createdAt),
            " · ",
            `${c.tree.length} block${c.tree.length === 1 ? "" : "s"}`,
          ),
          h(
            "div",
            { class: "commit-actions" },
            pick("from", c.id, `Compare from ${c.id.slice(0, 10)}`),
            pick("to", c.id, `Compare to ${c.id.slice(0, 10)}`),
            c.parentId === null
              ? null
              : h(
                  "button",
                  { type: "button", class: "link", onclick: () => showDiff(c.parentId, c.id) },
                  "Changes",
                ),
            i === 0 && state.branch !== "*"
              ? null
              : h("button", { type: "button", class: "link", onclick: () => revert(c) }, "Revert to this"),
            h("button", { type: "button", class: "link", onclick: () => branchFrom(c) }, "Branch from here"),
          ),
        ),
      ),
    );
  }

  /**
   * A radio to pick one end of the comparison.
   * @param {"from" | "to"} end
   * @param {string} id
   * @param {string} label
   */
  function pick(end, id, label) {
    const radio = h("input", {
      type: "radio",
      name: `pick-${end}`,
      value: id,
      checked: state[end] === id,
      "aria-label": label,
      onchange: () => {
        state[end] = id;
        if (state.from !== "" && state.to !== "") showDiff(state.from, state.to);
      },
    });
    return h("label", { class: "pick" }, radio, end === "from" ? "A" : "B");
  }

  async function showDiff(/** @type {string} */ from, /** @type {string} */ to) {
    state.from = from;
    state.to = to;
    ctx.setQuery({ from, to });
    for (const end of /** @type {const} */ (["from", "to"])) {
      for (const radio of timeline.querySelectorAll(`input[name=pick-${end}]`)) {
        /** @type {HTMLInputElement} */ (radio).checked =
          /** @type {HTMLInputElement} */ (radio).value === state[end];
      }
    }
    replace(diffPanel, h("p", { class: "muted" }, "Loading the diff…"));
    try {
      const diff = await api(`${base}/diff`, { query: { from, to } });
      const toggle = h(
        "div",
        { class: "segmented", role: "group", "aria-label": "Diff layout" },
        ["unified", "split"].map((mode) =>
          h(
            "button",
            {
              type: "button",
              "aria-pressed": String(state.view === mode),
              onclick: () => {
                state.view = mode;
                ctx.setQuery({ view: mode });
                showDiff(from, to);
              },
            },
            mode === "unified" ? "Unified" : "Side by side",
          ),
        ),
      );
      replace(
        diffPanel,
        h(
          "h2",
          { id: "diff-title" },
          "Diff ",
          h("code", {}, from.slice(0, 10)),
          " → ",
          h("code", {}, to.slice(0, 10)),
        ),
        toggle,
        diffView(diff, /** @type {any} */ (state.view)),
      );
      diffPanel.scrollIntoView({ block: "nearest" });
    } catch (error) {
      replace(
        diffPanel,
        h("p", { class: "problem", role: "alert" }, `The diff could not be read: ${message(error)}`),
      );
    }
  }

  async function revert(/** @type {any} */ c) {
    const branch = state.branch === "*" ? agent.defaultBranch : state.branch;
    const ok = await confirmDialog(
      "Revert the blocks?",
      h(
        "p",
        {},
        `A new commit on “${branch}” will set every block as it was at ${c.id.slice(0, 10)} (“${c.message}”). Nothing is deleted: the history keeps every commit.`,
      ),
      "Revert",
    );
    if (!ok) return;
    try {
      const result = await api(`${base}/revert`, {
        method: "POST",
        body: { to: c.id, branch, author: "user", message: `Revert to ${c.id.slice(0, 10)} (inspector)` },
      });
      replace(
        status,
        result.changed === false
          ? "The blocks already equal that commit: nothing changed."
          : `Reverted: new commit ${result.commit.id.slice(0, 10)} on ${branch}.`,
      );
      await refreshHeads();
      await loadCommits(true);
    } catch (error) {
      replace(status, h("span", { class: "problem" }, `The revert failed: ${message(error)}`));
    }
  }

  async function branchFrom(/** @type {any} */ c) {
    const input = /** @type {HTMLInputElement} */ (
      h("input", { id: "branch-name", required: true, autocomplete: "off" })
    );
    const ok = await confirmDialog(
      "Create a branch",
      [h("p", {}, `The branch starts at ${c.id.slice(0, 10)}.`), field("Branch name", input)],
      "Create branch",
    );
    if (!ok || input.value.trim() === "") return;
    try {
      const created = await api(`${base}/branches`, {
        method: "POST",
        body: { name: input.value.trim(), from: c.id },
      });
      replace(status, `Branch “${created.name}” created at ${created.head.slice(0, 10)}.`);
      branches.push(created);
      branchSelect.append(h("option", { value: created.name }, created.name));
      await refreshHeads();
      drawTimeline();
    } catch (error) {
      replace(status, h("span", { class: "problem" }, `The branch was not created: ${message(error)}`));
    }
  }

  async function refreshHeads() {
    // As many branches as are listed, so that the heads of those read on later pages keep their tags.
    const fresh = (await apiAll(`${base}/branches`, {}, branches.length)).items;
    heads.clear();
    for (const b of fresh) heads.set(b.head, [...(heads.get(b.head) ?? []), b.name]);
  }

  more.addEventListener("click", () => loadMore(false));
  showBranchCursor();
  const events = eventLog(ctx, base);
  replace(
    ctx.main,
    header,
    h(
      "div",
      { class: "toolbar" },
      field("Branch", branchSelect),
      moreBranches,
      h("p", { class: "muted legend" }, "Pick A and B on two commits to compare them."),
    ),
    branchNote,
    status,
    h(
      "div",
      { class: "history-grid" },
      h("section", { "aria-label": "Commits" }, h("h2", {}, "Commits"), timeline, more),
      diffPanel,
    ),
    events.section,
  );
  await Promise.all([
    loadCommits(true, firstPage ?? undefined),
    state.from !== "" && state.to !== "" ? showDiff(state.from, state.to) : null,
    events.load(),
  ]);
}

/**
 * The event log, latest first, filterable by kind and actor.
 * @param {import("../main.js").ViewContext} ctx
 * @param {string} base
 */
function eventLog(ctx, base) {
  const kind = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "text",
      value: ctx.query.get("kind") ?? "",
      placeholder: "e.g. blocks.committed",
      list: "event-kinds",
      autocomplete: "off",
    })
  );
  const kinds = h("datalist", { id: "event-kinds" });
  const actor = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      {},
      h("option", { value: "" }, "Anyone"),
      ACTORS.map((a) => h("option", { value: a, selected: ctx.query.get("actor") === a }, a)),
    )
  );
  const body = h("tbody", { id: "events" });
  const more = h("button", { type: "button", hidden: true }, "Earlier events");
  const note = h("p", { class: "muted", role: "status" });
  /** @type {string | null} */
  let cursor = null;
  const seenKinds = new Set();
  const loads = latestOnly();
  async function load(/** @type {boolean} */ fresh = true) {
    const latest = loads.begin();
    if (fresh) {
      cursor = null;
      body.replaceChildren();
    }
    try {
      const page = await api(`${base}/events`, {
        // The latest first: what an agent did last is what one looks for; earlier pages follow.
        query: { kind: kind.value.trim(), actor: actor.value, order: "desc", cursor, limit: 100 },
      });
      if (!latest()) return;
      for (const e of page.items) {
        if (!seenKinds.has(e.kind)) {
          seenKinds.add(e.kind);
          kinds.append(h("option", { value: e.kind }));
        }
        body.append(
          h(
            "tr",
            {},
            h("td", {}, String(e.seq)),
            h("td", {}, time(e.createdAt)),
            h("td", {}, authorBadge(e.actor)),
            h("td", {}, h("code", {}, e.kind)),
            h("td", {}, h("code", { title: e.targetId }, `${e.targetType} ${e.targetId.slice(-10)}`)),
            h(
              "td",
              {},
              // Drawn when opened: a page of events holds a lot of JSON no one may look at.
              h(
                "details",
                {
                  ontoggle: (/** @type {Event} */ event) => {
                    const details = /** @type {HTMLDetailsElement} */ (event.currentTarget);
                    if (!details.open || details.querySelector("pre") !== null) return;
                    details.append(
                      h(
                        "pre",
                        { class: "text small" },
                        JSON.stringify({ before: e.before, after: e.after }, null, 2),
                      ),
                    );
                  },
                },
                h("summary", {}, "before / after"),
              ),
            ),
          ),
        );
      }
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      note.textContent =
        body.children.length === 0
          ? "No events match."
          : `${body.children.length} events shown, latest first.`;
    } catch (error) {
      if (latest()) note.textContent = `The events could not be read: ${message(error)}`;
    }
  }
  const apply = () => {
    ctx.setQuery({ kind: kind.value.trim(), actor: actor.value });
    load(true);
  };
  kind.addEventListener("change", apply);
  actor.addEventListener("change", apply);
  more.addEventListener("click", () => load(false));
  const section = h(
    "section",
    { "aria-labelledby": "events-title" },
    h("h2", { id: "events-title" }, "Event log"),
    h("div", { class: "toolbar" }, field("Kind", kind), kinds, field("Actor", actor)),
    note,
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { class: "events" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["#", "When", "Actor", "Kind", "Target", "Change"].map((t) => h("th", { scope: "col" }, t)),
          ),
        ),
        body,
      ),
    ),
    more,
  );
  return { section, load };
}

/** @param {unknown} error */
export function message(error) {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}
