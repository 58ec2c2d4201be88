// Small DOM helpers: elements are built with properties, never from HTML strings, so text from the
// API (memory text, block values, messages) is always shown as text and never run as markup.

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * @typedef {string | number | Node | null | undefined | false | Child[]} Child
 */

/**
 * An element with attributes (`on*` functions become listeners) and children.
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...Child} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttributes(el, attrs);
  append(el, children);
  return el;
}

/**
 * An SVG element.
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...Child} children
 * @returns {SVGElement}
 */
export function s(tag, attrs = {}, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  setAttributes(el, attrs);
  append(el, children);
  return el;
}

/**
 * @param {Element} el
 * @param {Record<string, unknown>} attrs
 */
function setAttributes(el, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    } else if (name === "value" && "value" in el) {
      /** @type {HTMLInputElement} */ (el).value = String(value);
    } else if (name === "checked" || name === "selected") {
      /** @type {any} */ (el)[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
}

/**
 * @param {Node} el
 * @param {Child[]} children
 */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces an element's children.
 * @param {Element} el
 * @param {...Child} children
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * A time as a person reads it, in their time zone; the ISO time in its title.
 * @param {string | null | undefined} iso
 */
export function time(iso) {
  if (iso === null || iso === undefined) return h("span", { class: "muted" }, "—");
  const date = new Date(iso);
  return h(
    "time",
    { datetime: iso, title: iso },
    date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }),
  );
}

/** @param {number} n @param {number} [digits] */
export function num(n, digits = 3) {
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

/**
 * A short id for display, full id in the title.
 * @param {string} id
 */
export function shortId(id) {
  const tail = id.includes("_") ? id.slice(id.indexOf("_") + 1) : id;
  return h("code", { title: id }, tail.length > 10 ? tail.slice(-10) : tail);
}

/**
 * A labelled form control.
 * @param {string} label
 * @param {HTMLElement} control
 */
export function field(label, control) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

/**
 * Asks a yes/no question in a modal dialog (keyboard: Enter confirms, Escape cancels).
 * @param {string} title
 * @param {Child} body
 * @param {string} confirmLabel
 * @returns {Promise<boolean>}
 */
export function confirmDialog(title, body, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = /** @type {HTMLDialogElement} */ (
      h(
        "dialog",
        { class: "confirm", "aria-labelledby": "confirm-title" },
        h(
          "form",
          { method: "dialog" },
          h("h2", { id: "confirm-title" }, title),
          h("div", {}, body),
          h(
            "div",
            { class: "actions" },
            h("button", { value: "cancel", type: "submit" }, "Cancel"),
            h("button", { value: "ok", type: "submit", class: "primary", id: "confirm-ok" }, confirmLabel),
          ),
        ),
      )
    );
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    /** @type {HTMLElement} */ (dialog.querySelector("#confirm-ok")).focus();
  });
}
