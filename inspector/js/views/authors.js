import { h } from "../dom.js";

/** Each author's letter and class: told apart by text and shape as well as colour. */
const AUTHORS = {
  user: ["U", "a person, through the API or CLI"],
  agent: ["A", "the agent itself, with its memory tools"],
  sleeptime: ["S", "a sleep-time job"],
  evolver: ["E", "the evolution loop"],
  system: ["·", "engram itself"],
};

/** @param {string} author */
export function authorBadge(author) {
  const [letter, meaning] = AUTHORS[/** @type {keyof typeof AUTHORS} */ (author)] ?? ["?", author];
  return h(
    "span",
    { class: `author ${author}`, title: meaning },
    h("span", { class: "letter", "aria-hidden": "true" }, letter),
    author,
  );
}

export const ACTORS = Object.keys(AUTHORS);
