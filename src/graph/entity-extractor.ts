import type { EntityType, GraphFacts } from "../core/graph-types.ts";
import { STOP_WORDS } from "../core/text.ts";
import { entityKey } from "./entity-key.ts";

const MONTHS =
  "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec";
const DATE_PATTERN = new RegExp(
  `\\b(?:\\d{1,2}(?:st|nd|rd|th)?\\s+(?:${MONTHS})\\.?(?:,?\\s+\\d{4})?|(?:${MONTHS})\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?(?:,?\\s+\\d{4})?|(?:${MONTHS})\\s+\\d{4}|\\d{4}-\\d{2}-\\d{2})\\b`,
  "g",
);
const MONTH_WORDS = new Set(MONTHS.toLowerCase().split("|"));
/** A capitalised word, optionally joined to the next by a hyphen or apostrophe (O'Brien, Jean-Luc). */
const CAPITALISED = /^\p{Lu}[\p{L}\p{N}]*(?:['’-][\p{L}\p{N}]+)*$/u;
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
 * Capitalised words that open sentences without naming anything. A sentence's first word is taken
 * as a name only when it is none of these and no stop word: "Bea moved to Lisbon" names Bea, "Yesterday
 * we moved" names no one.
 */
const SENTENCE_OPENERS = new Set(
  `yes yeah yep yup no nope ok okay oh ah wow hey hi hello thanks thank sure great cool nice awesome
  well so yesterday today tomorrow tonight last next maybe perhaps actually anyway honestly please sorry
  congrats congratulations glad good bad absolutely definitely totally exactly right true haha lol omg
  look check see let happy love hope feel think know remember guess sounds sound wish also just really
  even still always never sometimes often usually recently lately finally first then after before once
  since though although however besides plus anyway wait dear anything everything something nothing
  everyone everybody someone somebody anyone anybody nobody bye goodbye btw gonna wanna gotta whoa woah
  yay oops ha hmm um uh aw aww nah phew fyi yikes ugh meh one two three four five six seven eight nine
  ten twelve twenty hundred thousand keep take make give tell try stay come bring call find help enjoy believe
  need want show talk appreciate agree start remind note done understood certainly indeed alright`
    .split(/\s+/)
    .filter(Boolean),
);

/** Most entities taken from one text, so a long text cannot grow the graph without bound. */
export const MAX_ENTITIES_PER_TEXT = 12;

/**
 * The entities a text names and their co-occurrence, found without a model: capitalised names (a
 * run of capitalised words, possibly joined by "of", "de" …), quoted titles, and dates, plus the
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

/** The tokens that end a sentence (or a clause a name does not run across). */
const SENTENCE_ENDS = new Set([".", "!", "?", ";", ":", "\n"]);

interface NameHit {
  text: string;
  type: EntityType;
}

/** Runs of capitalised words, with a guessed type, skipping sentence openers and dates. */
function capitalisedNames(text: string, titles: ReadonlySet<string>): NameHit[] {
  const out: NameHit[] = [];
  // Commas are tokens too: a name does not run across one ("Gina, Door Dash is hiring").
  const tokens = text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*|[.!?;:,\n]/gu) ?? [];
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
      if (CAPITALISED.test(next) && !FIRST_PERSON.test(next) && !isMonthOrDay(next)) {
        words.push(next);
        j++;
      } else if (NAME_JOINERS.has(next) && CAPITALISED.test(tokens[j + 1] ?? "")) {
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
    if (opening && (isOpener(first) || isCommon(first) || looksLikeVerbOrAdverb(first))) words.shift();
    if (words.length === 0 || words.every(isCommon)) continue;
    // Nor does a name end in a common word: the next sentence's "The" after a title, say.
    let trailing = 0;
    while (words.length > 1 && isCommon(words.at(-1) ?? "")) {
      words.pop();
      trailing++;
    }
    const name = words.join(" ").replace(POSSESSIVE, "");
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
