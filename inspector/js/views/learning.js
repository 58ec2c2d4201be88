import { agentPath, api, apiAll } from "../api.js";
import { lineChart, movingAverage } from "../chart.js";
import { field, h, num, replace, time } from "../dom.js";
import { agentHeader } from "./agent-tabs.js";
import { message } from "./history.js";

/** The most episodes read: the learning curve is drawn over all of them at once. */
const EPISODES_READ = 2000;
/** Insights read a page at a time, strongest first. */
const INSIGHTS_PAGE = 200;

/** @param {import("../main.js").ViewContext} ctx */
export async function renderLearning(ctx) {
  const { agent, header } = await agentHeader(ctx, "/learning");
  const base = agentPath(agent.id);
  const [episodes, insights, jobs, runs] = await Promise.all([
    apiAll(`${base}/episodes`, {}, EPISODES_READ),
    api(`${base}/insights`, { query: { limit: INSIGHTS_PAGE } }),
    api(`${base}/jobs`, { query: { limit: 100 } }),
    api(`${base}/evolution-runs`, { query: { limit: 50 } }),
  ]);
  if (ctx.stale()) return;
  const runPanel = h("div", { id: "run-report" });
  replace(
    ctx.main,
    header,
    episodeSection(episodes),
    adviceSection(base, ctx),
    insightSection(base, insights),
    jobSection(base, jobs),
    h(
      "section",
      { "aria-labelledby": "runs-title" },
      h("h2", { id: "runs-title" }, "Evolution runs"),
      runs.items.length === 0
        ? h("p", { class: "muted" }, "No evolution runs yet (engram evolve, or POST /v1/agents/{id}/evolve).")
        : pagedTable({
            heads: ["Run", "Status", "Branch", "Started", ""],
            first: runs,
            next: (cursor) => api(`${base}/evolution-runs`, { query: { limit: 50, cursor } }),
            row: (r) => [
              h("code", {}, r.id.slice(-10)),
              r.status,
              r.branch,
              time(r.startedAt),
              h(
                "button",
                { type: "button", class: "link", onclick: () => showRun(base, r.id, runPanel) },
                "Scores and candidates",
              ),
            ],
            more: "Older runs",
            what: "runs",
          }),
      runPanel,
    ),
  );
  const chosen = ctx.query.get("run");
  if (chosen !== null) await showRun(base, chosen, runPanel);
}

/**
 * The episodes read, newest first, as a learning curve and a table.
 * @param {{ items: any[], more: boolean }} read `more` when older episodes exist beyond those read
 */
function episodeSection({ items: episodes, more }) {
  const finished = episodes
    .filter((e) => e.status === "finished")
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  const points = finished.map((e, i) => ({
    x: i + 1,
    y: e.totalReward,
    label: `#${i + 1} ${e.task.slice(0, 40)}`,
  }));
  const successes = finished.filter((e) => e.success === true).length;
  return h(
    "section",
    { "aria-labelledby": "episodes-title" },
    h(
      "h2",
      { id: "episodes-title" },
      more ? `Episodes (the latest ${episodes.length}; older ones exist)` : `Episodes (${episodes.length})`,
    ),
    episodes.length === 0
      ? h("p", { class: "muted" }, "No episodes yet.")
      : [
          more
            ? h(
                "p",
                { id: "episodes-capped" },
                `Only the latest ${episodes.length} episodes are read: the chart, its counts and the table leave out the older ones.`,
              )
            : null,
          h("p", {}, `${finished.length} finished, ${successes} successful.`),
          lineChart(
            "Reward per episode, and the learning curve (mean of the last 5)",
            [
              { name: "reward", className: "s1", points, line: false },
              { name: "mean of 5", className: "s2", points: movingAverage(points, 5), dots: false },
            ],
            { xLabel: "episode", yLabel: "total reward", xFormat: (x) => String(Math.round(x)) },
          ),
          h(
            "details",
            {},
            h("summary", {}, "Every episode"),
            table(
              ["Task", "Status", "Steps", "Reward", "Success", "Started"],
              episodes.map((e) => [
                e.task,
                e.status,
                String(e.stepCount),
                num(e.totalReward),
                e.success === null ? "—" : e.success ? "yes" : "no",
                time(e.createdAt),
              ]),
            ),
          ),
        ],
  );
}

/**
 * @param {string} base
 * @param {import("../main.js").ViewContext} ctx
 */
function adviceSection(base, ctx) {
  const task = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "text",
      id: "advice-task",
      value: ctx.query.get("task") ?? "",
      autocomplete: "off",
      required: true,
    })
  );
  const observation = /** @type {HTMLInputElement} */ (
    h("input", { type: "text", id: "advice-observation", autocomplete: "off" })
  );
  const out = h("div", { "aria-live": "polite", id: "advice" });
  return h(
    "section",
    { "aria-labelledby": "advice-title" },
    h("h2", { id: "advice-title" }, "Advice from experience"),
    h(
      "form",
      {
        class: "toolbar",
        onsubmit: async (/** @type {SubmitEvent} */ event) => {
          event.preventDefault();
          ctx.setQuery({ task: task.value });
          try {
            const advice = await api(`${base}/advice`, {
              method: "POST",
              body: { task: task.value, observation: observation.value || task.value },
            });
            replace(
              out,
              advice.items.length === 0
                ? h("p", { class: "muted" }, "No similar experience yet.")
                : advice.items.map((/** @type {any} */ item) =>
                    h(
                      "article",
                      { class: "advice" },
                      h(
                        "p",
                        {},
                        h("strong", {}, item.task),
                        ` — similarity ${num(item.similarity, 2)}, ${item.visits} visits`,
                      ),
                      h("p", { class: "muted small" }, item.observation),
                      h(
                        "ul",
                        {},
                        item.encouraged.map((/** @type {any} */ a) =>
                          h("li", { class: "good" }, `do: ${a.action} (Q ${num(a.q, 2)})`),
                        ),
                        item.discouraged.map((/** @type {any} */ a) =>
                          h("li", { class: "bad" }, `avoid: ${a.action} (Q ${num(a.q, 2)})`),
                        ),
                      ),
                    ),
                  ),
              advice.text === ""
                ? null
                : h(
                    "details",
                    {},
                    h("summary", {}, "As the prompt gets it"),
                    h("pre", { class: "text small" }, advice.text),
                  ),
            );
          } catch (error) {
            replace(out, h("p", { class: "problem", role: "alert" }, `No advice: ${message(error)}`));
          }
        },
      },
      field("Task", task),
      field("Observation (optional)", observation),
      h("button", { type: "submit", class: "primary" }, "Get advice"),
    ),
    out,
  );
}

/**
 * The agent's rules, strongest first, a page at a time.
 * @param {string} base
 * @param {{ items: any[], nextCursor: string | null }} first the first page
 */
function insightSection(base, first) {
  let shown = first.items.length;
  const title = h("h2", { id: "insights-title" });
  /** @param {string | null} cursor */
  const count = (cursor) =>
    replace(title, cursor === null ? `Insights (${shown})` : `Insights (the strongest ${shown}; more exist)`);
  count(first.nextCursor);
  /** @param {any} i */
  const item = (i) =>
    h("li", {}, h("span", { class: "count", title: "support count" }, `×${i.count}`), " ", i.text);
  const list = h("ol", { class: "insights" }, first.items.map(item));
  return h(
    "section",
    { "aria-labelledby": "insights-title" },
    title,
    shown === 0
      ? h("p", { class: "muted" }, "No insights yet.")
      : [
          list,
          moreButton({
            cursor: first.nextCursor,
            next: (cursor) => api(`${base}/insights`, { query: { limit: INSIGHTS_PAGE, cursor } }),
            add: (page) => {
              list.append(...page.items.map(item));
              shown += page.items.length;
              count(page.nextCursor);
            },
            label: "More insights",
            what: "insights",
          }),
        ],
  );
}

/**
 * @param {string} base
 * @param {{ items: any[], nextCursor: string | null }} jobs the first page
 */
function jobSection(base, jobs) {
  return h(
    "section",
    { "aria-labelledby": "jobs-title" },
    h("h2", { id: "jobs-title" }, "Sleep-time jobs"),
    jobs.items.length === 0
      ? h("p", { class: "muted" }, "No sleep-time jobs yet.")
      : pagedTable({
          heads: ["Kind", "Status", "Trigger", "Queued", "Finished", "What it changed"],
          first: jobs,
          next: (cursor) => api(`${base}/jobs`, { query: { limit: 100, cursor } }),
          row: (j) => [
            j.kind,
            h("span", { class: `tag ${j.status}` }, j.status),
            j.trigger,
            time(j.createdAt),
            time(j.finishedAt),
            jobChanges(j),
          ],
          more: "Older jobs",
          what: "jobs",
        }),
  );
}

/** @param {any} job */
function jobChanges(job) {
  if (job.error !== null) return h("span", { class: "problem" }, job.error.message);
  const result = job.result;
  if (result === null) return h("span", { class: "muted" }, "—");
  const changes = Array.isArray(result.changes) ? result.changes : [];
  return h(
    "div",
    {},
    typeof result.summary === "string" ? h("p", {}, result.summary) : null,
    changes.length === 0
      ? null
      : h(
          "details",
          {},
          h("summary", {}, `${changes.length} changes`),
          h("pre", { class: "text small" }, JSON.stringify(changes, null, 2)),
        ),
  );
}

/**
 * @param {string} base
 * @param {string} runId
 * @param {HTMLElement} panel
 */
async function showRun(base, runId, panel) {
  replace(panel, h("p", { class: "muted" }, "Loading the run…"));
  try {
    const { run, report } = await api(`${base}/evolution-runs/${encodeURIComponent(runId)}`);
    const candidates = /** @type {any[]} */ (report.candidates);
    /** @param {string} decision */
    const pts = (decision) =>
      candidates
        .filter((c) => c.decision === decision && c.validation !== null)
        .map((c) => ({ x: c.round, y: c.validation, label: `round ${c.round}: ${c.operation}` }));
    const best = [];
    let top = -Infinity;
    for (const c of [...candidates].sort((a, b) => a.round - b.round)) {
      if (c.decision === "accepted" && c.validation !== null && c.validation > top) top = c.validation;
      if (top > -Infinity) best.push({ x: c.round, y: top });
    }
    replace(
      panel,
      h(
        "h3",
        {},
        `Run ${run.id.slice(-10)}: ${run.status}, ${report.accepted} accepted, ${report.rejected} rejected`,
      ),
      lineChart(
        "Validation score per round",
        [
          { name: "accepted", className: "s1", points: pts("accepted"), line: false },
          { name: "rejected", className: "s3", points: pts("rejected"), line: false },
          { name: "best so far", className: "s2", points: best, dots: false },
        ],
        { xLabel: "round", yLabel: "validation score", xFormat: (x) => String(Math.round(x)) },
      ),
      table(
        [
          "Round",
          "Operation",
          "Decision",
          "Minibatch (parent → child)",
          "Validation",
          "Held-out",
          "Reason",
          "Commit",
        ],
        candidates.map((c) => [
          String(c.round),
          `${c.operation}${c.component === null ? "" : ` (${c.component})`}`,
          h("span", { class: `tag ${c.decision}` }, c.decision),
          c.minibatch === null
            ? "—"
            : `${num(c.minibatch.parent, 2)} → ${c.minibatch.child === null ? "—" : num(c.minibatch.child, 2)}`,
          c.validation === null ? "—" : num(c.validation, 3),
          c.heldOut === null ? "—" : num(c.heldOut, 3),
          c.reason ?? "",
          c.commit === null ? "—" : h("code", {}, c.commit.slice(0, 10)),
        ]),
      ),
    );
  } catch (error) {
    replace(
      panel,
      h("p", { class: "problem", role: "alert" }, `The run could not be read: ${message(error)}`),
    );
  }
}

/**
 * @param {string[]} heads
 * @param {(string | Node)[][]} rows
 */
function table(heads, rows) {
  return h("div", { class: "scroll" }, h("table", {}, tableHead(heads), h("tbody", {}, rows.map(tableRow))));
}

/**
 * A table of a paged list, newest first: its first page, and under it a button that appends the
 * next (see `moreButton`).
 * @param {{
 *   heads: string[],
 *   first: { items: any[], nextCursor: string | null },
 *   next: (cursor: string) => Promise<{ items: any[], nextCursor: string | null }>,
 *   row: (item: any) => (string | Node)[],
 *   more: string,
 *   what: string,
 * }} list `more` labels the button; `what` names the items when a page cannot be read
 */
function pagedTable({ heads, first, next, row, more: label, what }) {
  const body = h(
    "tbody",
    {},
    first.items.map((item) => tableRow(row(item))),
  );
  return [
    h("div", { class: "scroll" }, h("table", {}, tableHead(heads), body)),
    moreButton({
      cursor: first.nextCursor,
      next,
      add: (page) => body.append(...page.items.map((item) => tableRow(row(item)))),
      label,
      what,
    }),
  ];
}

/**
 * A button that reads the next page of a list and hands it to `add`, hidden once the list has no
 * next page, and a status line that says when a page cannot be read.
 * @param {{
 *   cursor: string | null,
 *   next: (cursor: string) => Promise<{ items: any[], nextCursor: string | null }>,
 *   add: (page: { items: any[], nextCursor: string | null }) => void,
 *   label: string,
 *   what: string,
 * }} list `cursor` is the first page's; `what` names the items when a page cannot be read
 */
function moreButton({ cursor: first, next, add, label, what }) {
  let cursor = first;
  const status = h("p", { role: "status" });
  const more = /** @type {HTMLButtonElement} */ (
    h(
      "button",
      {
        type: "button",
        hidden: cursor === null,
        onclick: async () => {
          if (cursor === null) return;
          more.disabled = true;
          try {
            const page = await next(cursor);
            add(page);
            cursor = page.nextCursor;
            more.hidden = cursor === null;
            replace(status);
          } catch (error) {
            replace(
              status,
              h("span", { class: "problem" }, `More ${what} could not be read: ${message(error)}`),
            );
          } finally {
            more.disabled = false;
          }
        },
      },
      label,
    )
  );
  return [more, status];
}

/** @param {string[]} heads */
function tableHead(heads) {
  return h(
    "thead",
    {},
    h(
      "tr",
      {},
      heads.map((t) => h("th", { scope: "col" }, t)),
    ),
  );
}

/** @param {(string | Node)[]} cells */
function tableRow(cells) {
  return h(
    "tr",
    {},
    cells.map((cell) => h("td", {}, cell)),
  );
}
