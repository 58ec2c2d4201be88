import type { EntityType, GraphFacts } from "../core/graph-types.ts";
import { once } from "../core/lazy-module.ts";
import { STOP_WORDS } from "../core/text.ts";
import { entityKey } from "./entity-key.ts";
import { isOrdinaryWord } from "./ordinary-words.ts";

const MONTHS =
  "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec";
const DATE_PATTERN = new RegExp(
  `\\b(?:\\d{1,2}(?:st|nd|rd|th)?\\s+(?:${MONTHS})\\.?(?:,?\\s+\\d{4})?|(?:${MONTHS})\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?(?:,?\\s+\\d{4})?|(?:${MONTHS})\\s+\\d{4}|\\d{4}-\\d{2}-\\d{2})\\b`,
  "g",
);
const MONTH_WORDS = new Set(MONTHS.toLowerCase().split("|"));
/** A capitalised word, optionally joined to the next by a hyphen, apostrophe or "&" (O'Brien, Jean-Luc, AT&T). */
const CAPITALISED = /^\p{Lu}[\p{L}\p{N}]*(?:['’&-][\p{L}\p{N}]+)*$/u;
/** "I" and its contractions ("I'm", "I’ve"): capitalised, never a name. */
const FIRST_PERSON = /^I(?:['’](?:m|ve|ll|d))?$/;
const POSSESSIVE = /['’]s$/;
/** Small words that may sit inside a name ("Bank of England", "Leonardo da Vinci"). */
const NAME_JOINERS = new Set(["of", "de", "da", "del", "van", "von", "der", "la", "le", "du"]);
/** Words before an employer, after a word of work: "works at Acme", "a job with Globex", "hired by Initech". */
const EMPLOYER_CUES = new Set(["at", "for", "with", "by"]);
const WORK_WORDS = new Set(
  "work works worked working job jobs employed employee hired intern interned internship interning career position role".split(
    " ",
  ),
);
/** Words before a place. */
const PLACE_CUES = new Set(["in", "at", "from", "to", "near", "visited", "visit", "around"]);
const ORGANISATION_WORDS =
  /\b(?:Inc|Corp|Corporation|Ltd|LLC|GmbH|Company|University|College|School|Institute|Bank|Club|Foundation|Group|Agency|Association|Society|Hospital|Museum|Council|Ministry|Department)\b/;
/**
 * Capitalised words that open sentences without naming anything, also at the head of a run of
 * capitalised words ("Hey Mel", "Yesterday Bea called": the name is what follows). Most ordinary words
 * need no place here (see `isOrdinaryWord`): these are the interjections the word list has capitalised,
 * as subtitles open lines with them ("Wow", "Thanks", "Congrats"), and words that stand right before a
 * name, which the list cannot tell from the first word of "New York".
 */
const SENTENCE_OPENERS = new Set(
  `yes yeah yep yup no nope ok okay oh ah wow hey hi hello thanks thank well so yesterday today tomorrow
  tonight last next maybe perhaps actually anyway honestly please sorry congrats congratulations
  absolutely definitely totally haha lol omg look check see let happy love hope feel think know remember
  guess sounds sound wish also just really even still always never sometimes often usually recently
  lately finally first then after before once since though although however besides plus wait dear
  nobody bye goodbye btw whoa woah yay oops hmm um aw aww nah phew fyi yikes ugh meh twelve twenty keep
  take make give tell try stay come bring call find help enjoy believe need want show talk appreciate
  agree start remind note certainly indeed alright cheers gotcha lemme yea hah oof woohoo`
    .split(/\s+/)
    .filter(Boolean),
);

/** Most entities taken from one text, so a long text cannot grow the graph without bound. */
export const MAX_ENTITIES_PER_TEXT = 12;

/**
 * The entities a text names and their co-occurrence, found without a model: capitalised names (a
 * run of capitalised words across single spaces, possibly joined by "of", "de" …; not an ordinary
 * English word alone at a sentence's start, "Invoices go out"), quoted titles, and dates, plus the
 * speaker when given. Each pair named together is related by `co_occurs`; the speaker `mentions`
 * every other entity. Types are guesses from the words around a name (after "in", "at", "from" → a
 * place; "University", "Inc" … → an organisation; a quoted title → a thing; otherwise a person).
 *
 * @example
 * extractEntities("Bea moved to Lisbon in May 2021").entities.map((e) => e.name);
 * // ["Bea", "Lisbon", "May 2021"]
 */
export function extractEntities(text: string, options: { speaker?: string | null } = {}): GraphFacts {
  const found = new Map<string, { key: string; name: string; type: EntityType }>();
  const add = (name: string, type: EntityType) => {
    const key = entityKey(name);
    if (key === "" || key.length > 200 || found.has(key) || found.size >= MAX_ENTITIES_PER_TEXT) return;
    found.set(key, { key, name: name.trim(), type });
  };
  const speaker = options.speaker?.trim();
  if (speaker !== undefined && speaker !== "") add(speaker, "person");
  const sample = text.slice(0, 20_000);
  // Each pattern needs a character most texts lack (a quote; a digit in every date): test for it first.
  if (/["“]/.test(sample))
    for (const match of sample.matchAll(/["“]([^"“”\n]{2,80})["”]/g)) add(match[1] ?? "", "thing");
  if (/\d/.test(sample)) for (const match of sample.matchAll(DATE_PATTERN)) add(match[0], "date");
  for (const name of capitalisedNames(sample, new Set(found.keys()))) add(name.text, name.type);
  const entities = [...found.values()];
  const relations: GraphFacts["relations"] = [];
  const speakerKey = speaker === undefined ? "" : entityKey(speaker);
  for (let i = 0; i < entities.length; i++) {
    for (let j = i + 1; j < entities.length; j++) {
      const a = entities[i]?.key ?? "";
      const b = entities[j]?.key ?? "";
      if (a === speakerKey) relations.push({ source: a, target: b, type: "mentions" });
      else
        relations.push(
          a < b ? { source: a, target: b, type: "co_occurs" } : { source: b, target: a, type: "co_occurs" },
        );
    }
  }
  return { entities, relations };
}

/**
 * The tokens that end a sentence (or a clause a name does not run across): punctuation, a line
 * break of any kind, and a table's cell (a tab, "|").
 */
const SENTENCE_ENDS = new Set(".!?;:\n\r\v\f\u0085\u2028\u2029\t|");
/** Words, and the punctuation that matters to names (sentence ends and commas). */
const TOKEN = /[\p{L}\p{N}][\p{L}\p{N}'’&-]*|[.!?;:,|\n\r\t\v\f\u0085\u2028\u2029]/gu;
/** What may stand between two words of one name: one space, nothing else ("Berlin / Paris" is two). */
const NAME_GAP = /^\p{Zs}$/u;

interface NameHit {
  text: string;
  type: EntityType;
}

/** Runs of capitalised words, with a guessed type, skipping sentence openers and dates. */
function capitalisedNames(text: string, titles: ReadonlySet<string>): NameHit[] {
  const out: NameHit[] = [];
  // Commas are tokens too: a name does not run across one ("Gina, Door Dash is hiring").
  const tokens = text.match(TOKEN) ?? [];
  // Whether token i follows token i - 1 across a single space: a name runs only across those. What
  // lies between two tokens has no letter, digit or token in it, so a token is the first of its
  // text after the previous one.
  const spaced: boolean[] = [];
  let end = 0;
  for (const token of tokens) {
    const start = text.indexOf(token, end);
    spaced.push(start === end + 1 && (text.charCodeAt(end) === 32 || NAME_GAP.test(text[end] ?? "")));
    end = start + token.length;
  }
  const joins = (j: number) => spaced[j] === true && CAPITALISED.test(tokens[j] ?? "");
  const inside = once(() => capitalisedInside(tokens));
  let last: { end: number; type: EntityType } | null = null;
  let sentenceStart = true;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    if (token.length === 1 && SENTENCE_ENDS.has(token)) {
      sentenceStart = true;
      continue;
    }
    const word = token;
    if (!CAPITALISED.test(word) || FIRST_PERSON.test(word) || isMonthOrDay(word)) {
      sentenceStart = false;
      continue;
    }
    const opening = sentenceStart;
    sentenceStart = false;
    const words = [word];
    let j = i + 1;
    while (j < tokens.length) {
      const next = tokens[j] ?? "";
      if (joins(j) && !FIRST_PERSON.test(next) && !isMonthOrDay(next)) {
        words.push(next);
        j++;
      } else if (spaced[j] === true && NAME_JOINERS.has(next) && joins(j + 1)) {
        words.push(next);
        j++;
      } else break;
    }
    // A possessive ends a name, what follows is another ("Ed Sheeran's Perfect", "Ada's Berlin
    // flat"), unless the whole is a title quoted in the text ("Charlotte's Web").
    const owner = words.findIndex((w) => POSSESSIVE.test(w));
    if (owner >= 0 && owner < words.length - 1 && !titles.has(entityKey(words.join(" ")))) {
      j -= words.length - owner - 1;
      words.length = owner + 1;
    }
    i = j - 1;
    const first = words[0] ?? "";
    const opener = opening && (isOpener(first) || isCommon(first) || looksLikeVerbOrAdverb(first));
    if (opener) words.shift();
    if (words.length === 0 || words.every(isCommon)) continue;
    // Nor does a name end in a common word: the next sentence's "The" after a title, say.
    let trailing = 0;
    while (words.length > 1 && isCommon(words.at(-1) ?? "")) {
      words.pop();
      trailing++;
    }
    const name = words.join(" ").replace(POSSESSIVE, "");
    // An ordinary English word alone at a sentence's start is capitalised for its place, not as a
    // name ("Invoices go out on the 5th"), unless the text capitalises it elsewhere too.
    const lower = name.toLowerCase();
    if (opening && !opener && words.length === 1 && isOrdinaryWord(lower) && !inside().has(lower)) continue;
    let back = i - words.length - trailing;
    if (/^(?:the|a)$/i.test(tokens[back] ?? "")) back--;
    const before = (tokens[back] ?? "").toLowerCase();
    // A name right after another and a comma is of the same kind ("in Lisbon, Portugal").
    const listed: EntityType | null =
      before === "," && last !== null && last.end === back - 1 ? last.type : null;
    const employer = EMPLOYER_CUES.has(before) && WORK_WORDS.has((tokens[back - 1] ?? "").toLowerCase());
    const type: EntityType =
      ORGANISATION_WORDS.test(name) || employer
        ? "organisation"
        : PLACE_CUES.has(before)
          ? "place"
          : (listed ?? (words.length > 3 ? "thing" : "person"));
    out.push({ text: name, type });
    last = { end: i - trailing, type };
  }
  return out;
}

/** The capitalised words of a text that do not open a sentence, lower-cased, without a possessive 's. */
function capitalisedInside(tokens: readonly string[]): Set<string> {
  const inside = new Set<string>();
  let sentenceStart = true;
  for (const token of tokens) {
    if (token.length === 1 && SENTENCE_ENDS.has(token)) sentenceStart = true;
    else {
      if (!sentenceStart && CAPITALISED.test(token)) inside.add(token.replace(POSSESSIVE, "").toLowerCase());
      sentenceStart = false;
    }
  }
  return inside;
}

/** A word in lower case without a contraction's ending: "It's" → "it", "Don't" → "don", "We've" → "we". */
function bare(word: string): string {
  return word.toLowerCase().replace(/['’].*$/, "");
}

/** A sentence opener, also inflected ("Thanks", "Looks", "Loved", "Agreed", "Started"). */
function isOpener(word: string): boolean {
  const lower = bare(word);
  if (SENTENCE_OPENERS.has(lower)) return true;
  for (const ending of ["s", "es", "d", "ed"])
    if (lower.endsWith(ending) && SENTENCE_OPENERS.has(lower.slice(0, -ending.length))) return true;
  return false;
}

/** A stop word, or one contracted ("It's", "Can't", "Let's", "You're"): never a name. */
function isCommon(word: string): boolean {
  return STOP_WORDS.has(word.toLowerCase()) || STOP_WORDS.has(bare(word));
}

/**
 * A sentence's first word shaped as a gerund or an adverb ("Seeing", "Hopefully"): a name there
 * would be rare (the lengths spare "Ming" and "Emily", "Kimberly"); found elsewhere in a sentence, the
 * same word is still taken.
 */
function looksLikeVerbOrAdverb(word: string): boolean {
  const lower = word.toLowerCase();
  return (lower.endsWith("ing") && lower.length >= 6) || (lower.endsWith("ly") && lower.length >= 9);
}

const DAYS = new Set(
  "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun".split(
    " ",
  ),
);

function isMonthOrDay(word: string): boolean {
  const lower = word.toLowerCase();
  return MONTH_WORDS.has(lower) || DAYS.has(lower);
}
