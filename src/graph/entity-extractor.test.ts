import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extractEntities, MAX_ENTITIES_PER_TEXT } from "./entity-extractor.ts";
import { candidateKeys, entityKey } from "./entity-key.ts";

const names = (text: string, speaker?: string) =>
  extractEntities(text, speaker === undefined ? {} : { speaker }).entities.map((e) => [e.name, e.type]);

describe("entity extractor", () => {
  it("finds names with a guessed type, places after place words, organisations, quoted titles and dates", () => {
    assert.deepEqual(names("Bea moved to Lisbon in May 2021."), [
      ["May 2021", "date"],
      ["Bea", "person"],
      ["Lisbon", "place"],
    ]);
    assert.deepEqual(
      names('She works at Acme Inc and loved "Charlotte\'s Web" at the University of Lisbon.'),
      [
        ["Charlotte's Web", "thing"],
        ["Acme Inc", "organisation"],
        ["University of Lisbon", "organisation"],
      ],
    );
    assert.deepEqual(names("We went to the Grand Canyon on 8 May, 2023."), [
      ["8 May, 2023", "date"],
      ["Grand Canyon", "place"],
    ]);
  });

  it("types an employer after a word of work as an organisation", () => {
    assert.deepEqual(
      names("Ada works at Acme in Berlin. Bea got a job with Globex. Cleo met Dan at Lisbon."),
      [
        ["Ada", "person"],
        ["Acme", "organisation"],
        ["Berlin", "place"],
        ["Bea", "person"],
        ["Globex", "organisation"],
        ["Cleo", "person"],
        ["Dan", "person"],
        ["Lisbon", "place"],
      ],
    );
    assert.deepEqual(names("Eve was hired by the Red Cross"), [
      ["Eve", "person"],
      ["Red Cross", "organisation"],
    ]);
  });

  it("ends a name at a possessive, unless the whole is a quoted title, and never at a common word", () => {
    assert.deepEqual(names("I love Ed Sheeran's Perfect. Ada's Berlin flat is big."), [
      ["Ed Sheeran", "person"],
      ["Perfect", "person"],
      ["Ada", "person"],
      ["Berlin", "person"],
    ]);
    assert.deepEqual(names('We read "Charlotte\'s Web" and saw "Summer Sounds" The band was loud.'), [
      ["Charlotte's Web", "thing"],
      ["Summer Sounds", "thing"],
    ]);
  });

  it("ends a name at a comma; a name listed after a place is a place", () => {
    assert.deepEqual(names("Gina, Door Dash is hiring drivers again."), [
      ["Gina", "person"],
      ["Door Dash", "person"],
    ]);
    assert.deepEqual(names("Ada moved to Lisbon, Portugal, with Bea."), [
      ["Ada", "person"],
      ["Lisbon", "place"],
      ["Portugal", "place"],
      ["Bea", "person"],
    ]);
  });

  it("skips sentence openers, 'I' and weekdays, and takes the speaker as a person", () => {
    assert.deepEqual(names("Yesterday I saw Jon. Thanks! Wow, Monday was fun.", "Gina"), [
      ["Gina", "person"],
      ["Jon", "person"],
    ]);
    assert.deepEqual(names("no names here at all"), []);
    // A common word contracted is no name; nor is a sentence's first word that is an opener, also
    // inflected, or shaped as a gerund or a long adverb. Names elsewhere in the sentence stay.
    assert.deepEqual(
      names(
        "It's Bea. That's fine. Can't wait! You're right. Let's go. Seeing Cleo was fun. Hopefully Dan comes. Keep going. Looks good. Agreed. Anything new?",
      ),
      [
        ["Bea", "person"],
        ["Cleo", "person"],
        ["Dan", "person"],
      ],
    );
    assert.deepEqual(names("Seven of us went. Nah. Phew! See you Fri or Tues."), []);
    // An assistant's acknowledgements name no one either.
    assert.deepEqual(names("Noted: green tea. Done! Understood. Certainly, Ada."), [["Ada", "person"]]);
    // Short gerund-shaped and adverb-shaped names, and a possessive, are names.
    assert.deepEqual(names("Ming called. Emily's dog ran. Kimberly laughed."), [
      ["Ming", "person"],
      ["Emily", "person"],
      ["Kimberly", "person"],
    ]);
    // "I" and its contractions, opening a sentence or inside one, never start or join a name.
    assert.deepEqual(names("I'm Ada and I’ve met Bea. Then Cleo I'd say."), [
      ["Ada", "person"],
      ["Bea", "person"],
      ["Cleo", "person"],
    ]);
  });

  it("takes an ordinary English word opening a sentence for no name, and a name there for one", () => {
    // The README's tour: a project memory, a shared block, a preference.
    assert.deepEqual(names("Invoices go out on the 5th of each month"), []);
    assert.deepEqual(names("Prefers email over phone. Follow-up sent."), []);
    assert.ok(!names("Refunds over 500 EUR go to a human.").some(([name]) => name === "Refunds"));
    assert.deepEqual(names("Family time matters. Art's allowed me to explore. Dance is my passion!"), []);
    // Names the word list holds capitalised ("Rose", "Caroline") or not at all ("Bea") still count.
    assert.deepEqual(names("Bea moved to Lisbon. Caroline went to the park. Rose lives in Oslo."), [
      ["Bea", "person"],
      ["Lisbon", "place"],
      ["Caroline", "person"],
      ["Rose", "person"],
      ["Oslo", "place"],
    ]);
  });

  it("takes an ordinary word for a name where the text capitalises it inside a sentence too", () => {
    assert.deepEqual(names("Faith moved to Oslo."), [["Oslo", "place"]]);
    assert.deepEqual(names("Faith moved to Oslo. Bea met Faith there."), [
      ["Faith", "person"],
      ["Oslo", "place"],
      ["Bea", "person"],
    ]);
    // Inside a sentence, capitalisation alone makes a name, however ordinary the word.
    assert.deepEqual(names("We met Faith and Hope at Summer Camp."), [
      ["Faith", "person"],
      ["Hope", "person"],
      ["Summer Camp", "place"],
    ]);
  });

  it("runs a name across single spaces only: a tab, bar, slash, dash or lone carriage return ends it", () => {
    for (const text of ["Berlin\tParis", "Berlin | Paris", "Berlin/Paris", "Berlin – Paris", "Berlin\rParis"])
      assert.deepEqual(names(text), [
        ["Berlin", "person"],
        ["Paris", "person"],
      ]);
    // A tab or bar starts a table's cell as a line break does: its first word opens a sentence.
    assert.deepEqual(names("| Invoices | Refunds |\nInvoices\tmonthly"), []);
    assert.deepEqual(names("Ada Lovelace\u00a0Byron studied at the University of London. I love R&B."), [
      ["Ada Lovelace Byron", "person"],
      ["University of London", "organisation"],
      ["R&B", "person"],
    ]);
  });

  it("relates what one text names: co-occurrence both ways in one row, the speaker mentioning the rest", () => {
    const facts = extractEntities("Ada met Bea in Paris.", { speaker: "Cleo" });
    assert.deepEqual(facts.relations, [
      { source: "cleo", target: "ada", type: "mentions" },
      { source: "cleo", target: "bea", type: "mentions" },
      { source: "cleo", target: "paris", type: "mentions" },
      { source: "ada", target: "bea", type: "co_occurs" },
      { source: "ada", target: "paris", type: "co_occurs" },
      { source: "bea", target: "paris", type: "co_occurs" },
    ]);
  });

  it("keeps at most a bounded number of entities from one text", () => {
    const text = Array.from(
      { length: 40 },
      (_, i) => `Mr${String.fromCharCode(65 + (i % 26))}x${i} went home.`,
    ).join(" ");
    assert.equal(extractEntities(text).entities.length, MAX_ENTITIES_PER_TEXT);
  });

  it("normalises names to keys and cuts queries into candidate keys", () => {
    assert.equal(entityKey("Ada's"), "ada");
    assert.equal(entityKey("  José  Saramago "), "jose saramago");
    assert.deepEqual(candidateKeys("Where does Ada's sister live?").slice(0, 5), [
      "where",
      "where does",
      "where does ada",
      "where does ada sister",
      "does",
    ]);
  });
});
