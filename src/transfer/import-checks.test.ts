import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { ConflictError } from "../core/errors.ts";
import { createTestEngram } from "../test/index.ts";
import type { ExportDocument } from "./format.ts";
import { agentWhoLearned } from "./test-fixture.ts";

let doc: ExportDocument;
before(async () => {
  const source = createTestEngram();
  doc = await source.transfer.export((await agentWhoLearned(source)).agent.id);
});

type Edit = (d: ExportDocument) => void;
const edited = (edit: Edit): ExportDocument => {
  const copy = structuredClone(doc);
  edit(copy);
  return copy;
};
// biome-ignore lint/suspicious/noExplicitAny: the edits write what the types forbid
const loose = (value: unknown) => value as any;

/** Gives an item another id, in the graph too (which may name only the document's items). */
function renamed(d: ExportDocument, item: { id: string } | undefined, id: string | undefined): void {
  const from = item?.id;
  for (const source of [
    ...(d.graph?.mentions ?? []),
    ...(d.graph?.relations ?? []).flatMap((r) => r.provenance),
  ])
    if (source.id === from) source.id = id as string;
  loose(item).id = id;
}

describe("import checks the whole document before writing", () => {
  it("names the path and the problem of anything malformed, and writes nothing", async () => {
    const cases: [Edit, RegExp][] = [
      [(d) => (loose(d.memories[2]).text = ""), /memories\.2\.text: must not be empty/],
      // The limits of live writes hold for imported items too.
      [(d) => (loose(d.memories[1]).text = "x".repeat(8001)), /memories\.1\.text: must be at most 8000/],
      [(d) => (loose(d.messages[3]).content = "x".repeat(100_001)), /messages\.3\.content: must be at most/],
      [(d) => (loose(d.insights[0]).text = "x".repeat(2001)), /insights\.0\.text: must be at most 2000/],
      [
        (d) => (loose(d.memories[0]).id = d.messages[0]?.id),
        /memories\.0\.id: must be a memory id \(mem_…\)/,
      ],
      [(d) => (loose(d.messages[5]).createdAt = "yesterday"), /messages\.5\.createdAt: must be an ISO 8601/],
      [(d) => (loose(d.messages[1]).role = "narrator"), /messages\.1\.role/],
      [(d) => (loose(d.memories[1]).agentId = "agt_01kdvdna05pr6x0q4bzbnpyzy7"), /memories\.1: .*agentId/i],
      [(d) => (loose(d.agent).projectId = "prj_01kdvdna05pr6x0q4bzbnpyzy7"), /agent: .*projectId/i],
      [
        (d) => (loose(d.memories[0]?.versions[0]?.memory).agentId = "x"),
        /memories\.0\.versions\.0\.memory: .*agentId/i,
      ],
      [(d) => (loose(d.episodes[0]?.steps[1]).reward = "a lot"), /episodes\.0\.steps\.1\.reward/],
      [(d) => (loose(d.experience).version = -1), /experience\.version/],
      [(d) => (loose(d.insights[1]).count = 1.5), /insights\.1\.count/],
      [(d) => (loose(d.insights[0]).id = "ins_short"), /insights\.0\.id: must be an insight id/],
      [(d) => (loose(d.messages[6]).id = d.messages[2]?.id), /messages\.6\.id: appears twice/],
      [
        (d) => (loose(d.memories[0]?.versions[1]).version = 1),
        /memories\.0\.versions\.1\.version: must be 2 \(versions are numbered from 1\)/,
      ],
      // What a live write refuses, import refuses too: the same schemas check both.
      [
        (d) => (loose(d.episodes[0]?.steps[1]).action = "fly"),
        /episodes\.0\.steps\.1\.action: must be one of availableActions/,
      ],
      [(d) => (loose(d.insights[0]).count = -1), /insights\.0\.count: must be at least 1/],
      [
        (d) => (loose(d.memories[0]).version = 1e9),
        /memories\.0\.version: must be \d+, the number of its newest/,
      ],
      [(d) => (loose(d.memories[1]).versions = []), /memories\.1\.versions: must hold at least the version/],
      [(d) => (loose(d.episodes[0]).totalReward += 1), /episodes\.0\.totalReward: must be -?\d/],
      [(d) => (loose(d.episodes[0]).finishedAt = null), /episodes\.0\.finishedAt: must be set when/],
      [
        (d) => (loose(d.episodes[0]?.steps[0]).availableActions = []),
        /episodes\.0\.steps\.0\.availableActions/,
      ],
      [(d) => (loose(d.episodes[0]).task = ""), /episodes\.0\.task: must not be empty/],
      [
        (d) =>
          Object.assign(d.memories[0] ?? {}, {
            validFrom: "2026-02-01T00:00:00.000Z",
            validTo: "2026-01-01T00:00:00.000Z",
          }),
        /memories\.0\.validTo: must not be before validFrom/,
      ],
      [(d) => (loose(d.messages[0]).content = ""), /messages\.0\.content: must not be empty/],
      [(d) => (loose(d.messages[0]).sessionId = ""), /messages\.0\.sessionId/],
      [(d) => (loose(d.memories[0]).tags = [""]), /memories\.0\.tags\.0: must not be empty/],
      [(d) => (loose(d.memories[0]).tags = Array(33).fill("t")), /memories\.0\.tags: /],
      [(d) => (loose(d.memories[0]).userId = "u".repeat(257)), /memories\.0\.userId/],
      [(d) => (loose(d.agent).model = "gpt-4o"), /agent\.model: must be provider:model/],
      [(d) => (loose(d.agent).name = ""), /agent\.name: must not be empty/],
      [
        (d) => (loose(d.agent).name = "agt_x"),
        /agent\.name: must not start with "agt_", which marks agent ids/,
      ],
      [(d) => (loose(d.branches[0]).name = "HEAD"), /branches\.0\.name: .*not HEAD/],
      [(d) => (loose(d.commits[0]?.tree[0]).label = "-x"), /commits\.0\.tree\.0\.label: must be 1-64/],
      [(d) => (loose(d.commits[0]?.tree[0]).limit = 2_000_000), /commits\.0\.tree\.0\.limit/],
      [(d) => (loose(d.commits[0]).message = "m".repeat(10_001)), /commits\.0\.message/],
      [(d) => (loose(d.episodes[0]?.steps[1]).index = 5), /episodes\.0\.steps\.1\.index: must be 1/],
      [
        (d) => {
          const [first, second] = d.experience.records;
          Object.assign(second ?? {}, { task: first?.task, observation: first?.observation });
        },
        /experience\.records\.1: another record has the same task and observation/,
      ],
      // The graph names only what the document holds.
      [
        (d) => Object.assign(d.graph?.mentions[0] ?? {}, { source: "memory", id: "mem_doesnotexist" }),
        /graph\.mentions\.0\.id: memory mem_doesnotexist is not in the document/,
      ],
      [
        (d) => Object.assign(d.graph?.mentions[1] ?? {}, { source: "message", id: d.memories[0]?.id }),
        /graph\.mentions\.1\.id: message mem_\w+ is not in the document/,
      ],
      [
        (d) => (loose(d.graph?.mentions[0]).key = "nobody"),
        /graph\.mentions\.0\.key: entity "nobody" (of user \w+ )?is not/,
      ],
      [
        (d) => (loose(d.graph?.relations[0]?.provenance[0]).id = "msg_doesnotexist"),
        /graph\.relations\.0\.provenance\.0\.id: \w+ msg_doesnotexist is not in the document/,
      ],
      [
        (d) => (loose(d.graph?.relations[0]).target = "nowhere"),
        /graph\.relations\.0\.target: entity "nowhere"/,
      ],
    ];
    const target = createTestEngram();
    for (const [edit, expected] of cases) {
      await assert.rejects(target.transfer.import(edited(edit)), expected);
    }
    assert.equal((await target.agents.list()).items.length, 0);
    assert.equal((await target.events.list()).items.length, 0);
  });

  describe("all or nothing, in one transaction", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "engram-import-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    /** Rows in every table of the database file, full-text index shadow tables included. */
    function rowCounts(path: string): Record<string, number> {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        const tables = db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")
          .all() as { name: string }[];
        return Object.fromEntries(
          tables.map(({ name }) => [
            name,
            (db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n,
          ]),
        );
      } finally {
        db.close();
      }
    }

    it("leaves no trace when a late part of the document conflicts with the database", async () => {
      const path = join(dir, "target.db");
      const target = createTestEngram({ path, start: Date.UTC(2027, 0, 1) });
      const bystander = await agentWhoLearned(target, "bystander");
      const theirs = await target.transfer.export(bystander.agent.id);
      const counts = rowCounts(path);
      assert.ok((counts.memories_fts_data ?? 0) > 0 && (counts.messages_fts_data ?? 0) > 0);

      // Insights are written last; messages, episodes and records before them.
      const conflicts: [Edit, RegExp][] = [
        [(d) => (loose(d.insights.at(-1)).id = theirs.insights[0]?.id), /insight ins_\w+ already exists/],
        [(d) => renamed(d, d.messages.at(-1), theirs.messages[3]?.id), /message msg_\w+ already exists/],
        [(d) => (loose(d.experience.records.at(-1)).id = theirs.experience.records[0]?.id), /record exp_\w+/],
        [(d) => (loose(d.episodes.at(-1)).id = theirs.episodes[0]?.id), /episode epi_\w+ already exists/],
        [(d) => renamed(d, d.memories.at(-1), theirs.memories[0]?.id), /memory mem_\w+ already exists/],
      ];
      for (const [edit, expected] of conflicts) {
        const error = await target.transfer.import(edited(edit)).catch((e: unknown) => e);
        assert.ok(error instanceof ConflictError, String(error));
        assert.match(error.message, expected);
        assert.match(error.message, /import with new ids \(--new-ids, newIds\)/);
        assert.deepEqual(rowCounts(path), counts);
      }
      assert.equal(await target.store.agents.get(doc.agent.id), null);
      assert.equal(await target.store.experience.version(doc.agent.id), 0);
      // The bystander's insight, which an upsert would have overwritten, is as it was.
      assert.deepEqual(
        { ...(await target.transfer.export(bystander.agent.id)), exportedAt: "" },
        { ...theirs, exportedAt: "" },
      );

      // The same documents import with new ids, and the untouched one as it is.
      await target.transfer.import(doc);
      const copy = await target.transfer.import(edited(conflicts[0]?.[0] as Edit), { newIds: true });
      assert.equal(copy.name, `${doc.agent.name}-2`);
      assert.equal((await target.agents.list()).items.length, 3);
      await target.close();
    });
  });
});
