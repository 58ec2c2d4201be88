import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  agentNameCandidates,
  freeAgentName,
  ID_LIKE_NAME,
  isAgentId,
  MAX_AGENT_NAME,
} from "./agent-names.ts";
import { createIdGenerator } from "./ids.ts";

function firstCandidates(name: string, n: number): string[] {
  const out: string[] = [];
  for (const candidate of agentNameCandidates(name)) {
    out.push(candidate);
    if (out.length === n) break;
  }
  return out;
}

describe("agent name candidates", () => {
  it("are the name, then NAME-2, NAME-3, …", () => {
    assert.deepEqual(firstCandidates("support", 3), ["support", "support-2", "support-3"]);
    assert.equal(
      freeAgentName("support", (c) => c === "support" || c === "support-2"),
      "support-3",
    );
  });

  it("are cut to the name limit, never splitting a surrogate pair", () => {
    const long = "a".repeat(MAX_AGENT_NAME);
    const [same, second] = firstCandidates(long, 2);
    assert.equal(same, long);
    assert.equal(second, `${"a".repeat(MAX_AGENT_NAME - 2)}-2`);
    const astral = "😀".repeat(MAX_AGENT_NAME / 2);
    for (const candidate of firstCandidates(astral, 12)) {
      assert.ok(candidate.length <= MAX_AGENT_NAME, candidate);
      assert.doesNotMatch(candidate, /\p{Surrogate}/u);
    }
  });
});

describe("agent ids and names", () => {
  it("are told apart by the id prefix, which names may not start with", () => {
    assert.ok(isAgentId(createIdGenerator()("agent")));
    assert.ok(!isAgentId("support") && !isAgentId("agt") && !isAgentId("AGT_x"));
    assert.equal(ID_LIKE_NAME, 'must not start with "agt_", which marks agent ids');
  });
});
