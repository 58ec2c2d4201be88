// The inspector's shell: hash routes, the key prompt, breadcrumbs and error pages. Each area lives in
// its own module under views/ and renders into <main>.

import { ApiError, api, savedKey, saveKey } from "./api.js";
import { h, replace } from "./dom.js";
import { renderAgent } from "./views/agent.js";
import { renderAgents } from "./views/agents.js";
import { renderConversations } from "./views/conversations.js";
import { renderGraph } from "./views/graph.js";
import { renderHistory } from "./views/history.js";
import { renderLearning } from "./views/learning.js";
import { renderMemory } from "./views/memory.js";

/**
 * @typedef {object} ViewContext
 * @property {HTMLElement} main
 * @property {Record<string, string>} params
 * @property {URLSearchParams} query
 * @property {(crumbs: [string, string | null][]) => void} crumbs
 * @property {(query: Record<string, string | undefined>) => void} setQuery
 * @property {() => boolean} stale true once the page moved on: a slow answer must not draw over it
 */

/** @type {[RegExp, (ctx: ViewContext) => Promise<void>][]} */
const ROUTES = [
  [/^\/?$/, renderAgents],
  [/^\/agents\/(?<id>[^/]+)$/, renderAgent],
  [/^\/agents\/(?<id>[^/]+)\/history$/, renderHistory],
  [/^\/agents\/(?<id>[^/]+)\/memory$/, renderMemory],
  [/^\/agents\/(?<id>[^/]+)\/graph$/, renderGraph],
  [/^\/agents\/(?<id>[^/]+)\/conversations$/, renderConversations],
  [/^\/agents\/(?<id>[^/]+)\/learning$/, renderLearning],
];

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
let generation = 0;

async function route() {
  const current = ++generation;
  const hash = location.hash.replace(/^#/, "");
  const [path = "", search = ""] = hash.split("?");
  const query = new URLSearchParams(search);
  for (const [pattern, render] of ROUTES) {
    const match = pattern.exec(path);
    if (match === null) continue;
    /** @type {ViewContext} */
    const ctx = {
      main,
      params: Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decoded(v)])),
      query,
      // A page left before it loaded must not put its crumbs and title over the one shown now.
      crumbs: (crumbs) => {
        if (current === generation) setCrumbs(crumbs);
      },
      setQuery: (next) => setQuery(path, query, next),
      stale: () => current !== generation,
    };
    try {
      await render(ctx);
      if (!ctx.stale()) document.documentElement.dataset.ready = path === "" ? "/" : path;
      performance.mark("inspector-ready");
    } catch (error) {
      if (!ctx.stale()) showError(error, ctx);
    }
    return;
  }
  setCrumbs([]);
  replace(
    main,
    h("h1", {}, "Page not found"),
    h("p", {}, `There is no inspector page at “${path}”.`),
    h("p", {}, h("a", { href: "#/" }, "Back to the agents")),
  );
}

/**
 * A path segment unescaped, or as it is when its escapes are broken (a mistyped `%`): the page then
 * says no such agent, rather than failing before it draws anything.
 * @param {string} segment
 */
function decoded(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Changes the hash's query without adding a history entry per keystroke.
 * @param {string} path
 * @param {URLSearchParams} query
 * @param {Record<string, string | undefined>} next
 */
function setQuery(path, query, next) {
  const merged = new URLSearchParams(query);
  for (const [name, value] of Object.entries(next)) {
    if (value === undefined || value === "") merged.delete(name);
    else merged.set(name, value);
  }
  const search = merged.toString();
  history.replaceState(null, "", `#${path}${search === "" ? "" : `?${search}`}`);
}

/** @param {[string, string | null][]} crumbs */
function setCrumbs(crumbs) {
  const nav = /** @type {HTMLElement} */ (document.getElementById("crumbs"));
  const all = /** @type {[string, string | null][]} */ ([["Agents", "#/"], ...crumbs]);
  replace(
    nav,
    h(
      "ol",
      {},
      all.map(([label, href], i) =>
        h(
          "li",
          {},
          href === null || i === all.length - 1
            ? h("span", { "aria-current": i === all.length - 1 ? "page" : undefined }, label)
            : h("a", { href }, label),
        ),
      ),
    ),
  );
  document.title = `${all.at(-1)?.[0] ?? "Agents"} · engram inspector`;
}

/**
 * Words for what went wrong, and the way back: never a blank page or a stack trace.
 * @param {unknown} error
 * @param {ViewContext} ctx
 */
function showError(error, ctx) {
  const retry = h("button", { type: "button", class: "primary", onclick: () => route() }, "Try again");
  const back = h("a", { href: "#/" }, "Back to the agents");
  if (error instanceof ApiError && error.status === 401) {
    showKeyForm(savedKey() === null ? null : `The server refused the API key: ${error.message}.`);
    return;
  }
  /** @type {(string | Node)[]} */
  let body;
  let title = "Something went wrong";
  if (error instanceof ApiError && error.status === 0) {
    title = "The server is not answering";
    body = [
      h("p", {}, "The engram server did not answer. It may have stopped, or the network is down."),
      h("p", {}, "Start it again (", h("code", {}, "engram serve"), "), then try again."),
    ];
  } else if (error instanceof ApiError && error.status === 404 && ctx.params.id !== undefined) {
    title = "Agent not found";
    body = [
      h(
        "p",
        {},
        `There is no agent “${ctx.params.id}” here. It may have been deleted, renamed, or belong to another project.`,
      ),
      h("p", { class: "muted" }, `The server said: ${error.message}`),
    ];
  } else if (error instanceof ApiError) {
    body = [h("p", {}, error.message), h("p", { class: "muted" }, `(${error.code}, HTTP ${error.status})`)];
  } else {
    body = [
      h("p", {}, `The page could not be shown: ${error instanceof Error ? error.message : String(error)}`),
    ];
  }
  replace(
    main,
    h(
      "section",
      { class: "problem", role: "alert" },
      h("h1", {}, title),
      ...body,
      h("p", { class: "actions" }, retry, " ", back),
    ),
  );
  main.focus();
}

/** @param {string | null} problem */
function showKeyForm(problem) {
  setCrumbs([]);
  const input = /** @type {HTMLInputElement} */ (
    h("input", {
      id: "api-key",
      type: "password",
      autocomplete: "off",
      spellcheck: "false",
      required: true,
      placeholder: "egk_…",
    })
  );
  const form = h(
    "form",
    {
      class: "key-form",
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        saveKey(input.value.trim());
        updateWho();
        route();
      },
    },
    h("h1", {}, "API key needed"),
    problem === null ? null : h("p", { class: "problem", role: "alert" }, problem),
    h(
      "p",
      {},
      "This server requires an API key. The inspector shows only the key's project, keeps the key for this browser tab only (sessionStorage) and sends it to this server alone, as an Authorization header.",
    ),
    h("div", { class: "field" }, h("label", { for: "api-key" }, "API key"), input),
    h("p", { class: "muted" }, "Create one with ", h("code", {}, "engram keys create --project NAME"), "."),
    h("button", { type: "submit", class: "primary" }, "Open"),
  );
  if (problem !== null) saveKey(null);
  updateWho();
  replace(main, form);
  input.focus();
}

async function updateWho() {
  const who = /** @type {HTMLElement} */ (document.getElementById("who"));
  const forget = /** @type {HTMLButtonElement} */ (document.getElementById("forget"));
  forget.hidden = savedKey() === null;
  if (savedKey() === null) {
    who.textContent = "";
    return;
  }
  try {
    const projects = await api("v1/projects", { query: { limit: 10 } });
    who.textContent = `Project: ${projects.items.map((/** @type {any} */ p) => p.name).join(", ")}`;
  } catch {
    who.textContent = "";
  }
}

/** @type {HTMLButtonElement} */ (document.getElementById("forget")).addEventListener("click", () => {
  saveKey(null);
  updateWho();
  showKeyForm(null);
});
window.addEventListener("hashchange", () => {
  route();
});
updateWho();
route();
