import { agentPath, api, latestOnly, request } from "../api.js";
import { field, h, replace, time } from "../dom.js";
import { agentHeader } from "./agent-tabs.js";
import { message } from "./history.js";

/** @param {import("../main.js").ViewContext} ctx */
export async function renderConversations(ctx) {
  const { agent, header } = await agentHeader(ctx, "/conversations");
  if (ctx.stale()) return;
  const base = agentPath(agent.id);
  const user = /** @type {HTMLInputElement} */ (
    h("input", { type: "text", value: ctx.query.get("user") ?? "", placeholder: "any", autocomplete: "off" })
  );
  const session = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "text",
      value: ctx.query.get("session") ?? "",
      placeholder: "any",
      autocomplete: "off",
    })
  );
  const threads = h("nav", { class: "threads", "aria-label": "Users and sessions" });
  const log = h("ol", { class: "messages", id: "messages" });
  const note = h("p", { class: "muted", role: "status" });
  const earlier = h("button", { type: "button", hidden: true }, "Earlier messages");
  /** @type {string | null} */
  let cursor = null;
  /** @type {Map<string, {userId: string | null, sessionId: string | null, count: number}>} */
  const seen = new Map();

  const loads = latestOnly();
  async function load(/** @type {boolean} */ fresh) {
    const latest = loads.begin();
    if (fresh) {
      cursor = null;
      log.replaceChildren();
    }
    try {
      const page = await api(`${base}/messages`, {
        query: {
          userId: user.value.trim(),
          sessionId: session.value.trim(),
          order: "desc",
          cursor,
          limit: 100,
        },
      });
      if (!latest()) return;
      // Newest first from the server; shown oldest first, so earlier pages go on top.
      const items = [...page.items].reverse();
      log.prepend(...items.map(messageItem));
      for (const m of page.items) {
        const key = `${m.userId ?? ""}\u0000${m.sessionId ?? ""}`;
        const entry = seen.get(key) ?? { userId: m.userId, sessionId: m.sessionId, count: 0 };
        entry.count++;
        seen.set(key, entry);
      }
      drawThreads();
      cursor = page.nextCursor;
      earlier.hidden = cursor === null;
      note.textContent =
        log.children.length === 0
          ? "No messages match."
          : `${log.children.length} messages shown, oldest first.`;
    } catch (error) {
      if (latest()) note.textContent = `The messages could not be read: ${message(error)}`;
    }
  }

  function drawThreads() {
    replace(
      threads,
      h("h2", {}, "Users and sessions"),
      h(
        "ul",
        {},
        h(
          "li",
          {},
          h("button", { type: "button", class: "link", onclick: () => choose("", "") }, "Everything"),
        ),
        [...seen.values()].map((t) =>
          h(
            "li",
            {},
            h(
              "button",
              { type: "button", class: "link", onclick: () => choose(t.userId ?? "", t.sessionId ?? "") },
              `${t.userId ?? "(no user)"} · ${t.sessionId ?? "(no session)"}`,
            ),
          ),
        ),
      ),
    );
  }

  function choose(/** @type {string} */ u, /** @type {string} */ s) {
    user.value = u;
    session.value = s;
    apply();
  }
  const apply = () => {
    ctx.setQuery({ user: user.value.trim(), session: session.value.trim() });
    load(true);
  };
  user.addEventListener("change", apply);
  session.addEventListener("change", apply);
  earlier.addEventListener("click", () => load(false));

  replace(
    ctx.main,
    header,
    h("div", { class: "toolbar" }, field("User", user), field("Session", session)),
    h(
      "div",
      { class: "conversation-grid" },
      threads,
      h(
        "section",
        { "aria-label": "Messages" },
        note,
        earlier,
        log,
        chatBox(agent, base, user, session, () => load(true)),
      ),
    ),
  );
  await load(true);
}

/** @param {any} m */
function messageItem(m) {
  const calls = Array.isArray(m.metadata?.toolCalls) ? m.metadata.toolCalls : [];
  return h(
    "li",
    { class: `message ${m.role}`, "data-id": m.id },
    h(
      "div",
      { class: "message-head" },
      h("span", { class: `role ${m.role}` }, m.role === "tool" ? `tool ${m.name ?? ""}` : m.role),
      m.name !== null && m.role !== "tool" ? h("span", {}, m.name) : null,
      m.userId === null ? null : h("span", { class: "muted" }, `user ${m.userId}`),
      m.sessionId === null ? null : h("span", { class: "muted" }, `session ${m.sessionId}`),
      time(m.createdAt),
    ),
    calls.length > 0 && m.metadata.callsOnly === true ? null : h("div", { class: "text" }, m.content),
    calls.map((/** @type {any} */ c) =>
      h(
        "div",
        { class: "tool-call" },
        h("strong", {}, `→ ${c.toolName}`),
        h("pre", { class: "text small" }, JSON.stringify(c.input, null, 2)),
      ),
    ),
    m.metadata?.error === undefined
      ? null
      : h("p", { class: "problem" }, `Turn failed: ${m.metadata.error.message ?? ""}`),
    m.metadata?.context === undefined ? null : contextDetails(m.metadata.context),
  );
}

/**
 * The context a turn's model call was given, section by section with token counts.
 * @param {any} context
 */
function contextDetails(context) {
  const s = context.sections;
  /** @type {[string, number | undefined, string][]} */
  const rows = [
    ["Instructions", s.instructions?.tokens, ""],
    ["Guidance", s.guidance?.tokens, context.responder],
    [
      "Blocks",
      s.blocks?.tokens,
      (s.blocks?.items ?? []).map((/** @type {any} */ b) => `${b.label} ${b.size}/${b.limit}`).join(", "),
    ],
    ["Tools", s.tools?.tokens, (s.tools?.names ?? []).join(", ")],
    [
      "Insights",
      s.insights?.tokens,
      `${s.insights?.items?.length ?? 0} rules${s.insights?.omitted ? `, ${s.insights.omitted} left out` : ""}`,
    ],
    ["Summary", s.summary?.tokens ?? 0, s.summary === null ? "none" : `${s.summary.covered} messages`],
    [
      "Memories",
      s.memories?.tokens,
      `${s.memories?.items?.length ?? 0} retrieved${s.memories?.omitted ? `, ${s.memories.omitted} left out` : ""}`,
    ],
    [
      "Recent messages",
      s.messages?.tokens,
      `${s.messages?.count ?? 0} of budget ${s.messages?.budget ?? "?"}`,
    ],
    ["New message", s.pending?.tokens ?? 0, ""],
  ];
  return h(
    "details",
    { class: "context" },
    h(
      "summary",
      {},
      `Context the model saw (${context.budget.used} of ${context.budget.available} tokens, ${context.model ?? "no model"})`,
    ),
    h(
      "table",
      { class: "sections" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Section"),
          h("th", { scope: "col" }, "Tokens"),
          h("th", { scope: "col" }, "What"),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map(([name, tokens, what]) =>
          h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, String(tokens ?? 0)), h("td", {}, what)),
        ),
      ),
    ),
    h("h4", {}, "System prompt"),
    h("pre", { class: "text small" }, context.system),
    context.retrieved === ""
      ? null
      : [
          h("h4", {}, "Retrieved memories (sent with the message)"),
          h("pre", { class: "text small" }, context.retrieved),
        ],
  );
}

/**
 * A message box that runs a turn with the answer streamed in.
 * @param {any} agent
 * @param {string} base
 * @param {HTMLInputElement} user
 * @param {HTMLInputElement} session
 * @param {() => Promise<void>} reload
 */
function chatBox(agent, base, user, session, reload) {
  const input = /** @type {HTMLTextAreaElement} */ (
    h("textarea", { rows: 3, id: "chat-input", required: true })
  );
  const answer = h("div", { class: "answer text", "aria-live": "polite", id: "chat-answer" });
  const send = /** @type {HTMLButtonElement} */ (h("button", { type: "submit", class: "primary" }, "Send"));
  const form = h(
    "form",
    {
      class: "chat",
      onsubmit: async (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        if (input.value.trim() === "") return;
        send.disabled = true;
        answer.textContent = "";
        try {
          const response = await request(`${base}/messages`, {
            method: "POST",
            body: {
              content: input.value,
              stream: true,
              userId: user.value.trim() || undefined,
              sessionId: session.value.trim() || undefined,
            },
          });
          await readEvents(response, (type, data) => {
            if (type === "text-delta") answer.append(data.text);
            else if (type === "tool-call")
              answer.append(h("div", { class: "tool-call" }, `→ ${data.toolName}`));
            else if (type === "error")
              answer.append(h("p", { class: "problem" }, data.error?.message ?? "the turn failed"));
          });
          input.value = "";
          await reload();
        } catch (error) {
          replace(
            answer,
            h("p", { class: "problem", role: "alert" }, `The agent did not answer: ${message(error)}`),
          );
        } finally {
          send.disabled = false;
        }
      },
    },
    h("h2", {}, "Talk to the agent"),
    agent.model === null
      ? h("p", { class: "muted" }, "This agent names no model: the server's default is used, if it has one.")
      : null,
    field("Message", input),
    send,
    answer,
  );
  return form;
}

/**
 * Reads a server-sent event stream.
 * @param {Response} response
 * @param {(type: string, data: any) => void} onEvent
 */
async function readEvents(response, onEvent) {
  if (response.body === null) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const chunk = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = "message";
      let data = "";
      for (const line of chunk.split("\n")) {
        if (line.startsWith("event:")) type = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (data !== "") onEvent(type, JSON.parse(data));
      end = buffer.indexOf("\n\n");
    }
  }
}
