import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { escapeXml, type LearningCurveInput, learningCurveSvg } from "./svg-plot.ts";

const points = (values: [number, number, number][]) =>
  values.map(([episode, successRate, meanReturn]) => ({ episode, successRate, meanReturn }));

const SUCCESS: LearningCurveInput = {
  env: "frozenlake-4x4",
  episodes: 40,
  seed: 1,
  target: { successRate: 1 },
  settings: { evalEpisodes: 5 },
  curve: points([
    [10, 0, 0],
    [20, 0.4, 0.4],
    [30, 1, 1],
    [40, 1, 1],
  ]),
  episodesToTarget: 30,
  baseline: {
    curve: points([
      [10, 0, 0],
      [20, 0, 0],
      [30, 0.2, 0.2],
      [40, 0.6, 0.6],
    ]),
    episodesToTarget: null,
  },
};

/** Checks that every element is closed in order: enough XML to catch a broken tag. */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match as unknown as [string, string, string, string];
    if (selfClosing === "/") continue;
    if (closing === "/") assert.equal(stack.pop(), name, `</${name}> closes what is open`);
    else stack.push(name as string);
  }
  assert.deepEqual(stack, [], "every element is closed");
  assert.doesNotMatch(svg.replace(/<[^>]*>/g, ""), /[<>]|&(?!(amp|lt|gt|quot|apos);)/, "text is escaped");
}

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe("learningCurveSvg", () => {
  it("plots the success rate of both learners with a legend, axes and the target", () => {
    const svg = learningCurveSvg(SUCCESS);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" role="img" width="720" height="420"/);
    assert.match(
      svg,
      /<title>frozenlake-4x4: success rate of the greedy policy by training episodes<\/title>/,
    );
    assert.match(svg, /<\/svg>\n$/);
    assertBalanced(svg);
    assert.equal(svg.match(/<polyline /g)?.length, 2);
    const labels = texts(svg);
    for (const label of [
      "engram experience memory",
      "tabular Q-learning",
      "target",
      "training episodes",
      "success rate",
      "target 1",
    ])
      assert.ok(labels.includes(label), label);
    assert.ok(
      labels.some((t) => t?.startsWith("frozenlake-4x4: success rate")),
      "the title names the environment",
    );
    for (const tick of ["0.0", "0.2", "1.0", "0", "10", "40"]) assert.ok(labels.includes(tick), tick);
    assert.ok(
      labels.some((t) => t?.includes("engram at 30, Q-learning not reached")),
      "episodes to target",
    );
    assert.match(svg, /stroke-dasharray="6 4"/, "the target is dashed");
    // The two curves are drawn in distinct colours.
    const colours = [...svg.matchAll(/<polyline fill="none" stroke="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(colours).size, 2);
  });

  it("plots the mean return when the target is a return, with round ticks around the data", () => {
    const svg = learningCurveSvg({
      ...SUCCESS,
      env: "cliffwalking",
      target: { meanReturn: -13 },
      curve: points([
        [100, 0, -250],
        [200, 1, -13],
      ]),
      baseline: {
        curve: points([
          [100, 0, -180],
          [200, 0, -100],
        ]),
        episodesToTarget: null,
      },
    });
    assertBalanced(svg);
    const labels = texts(svg);
    assert.ok(labels.includes("mean return"));
    assert.ok(!labels.includes("success rate"));
    assert.ok(labels.includes("target \u221213"));
    for (const tick of ["\u2212250", "\u2212200", "\u221250", "0", "200"])
      assert.ok(labels.includes(tick), tick);
    // Every point lies inside the plot.
    for (const m of svg.matchAll(/points="([^"]+)"/g))
      for (const pair of (m[1] as string).split(" ")) {
        const [x, y] = pair.split(",").map(Number) as [number, number];
        assert.ok(x >= 72 && x <= 696 && y >= 84 && y <= 362, pair);
      }
  });

  it("escapes text", () => {
    const svg = learningCurveSvg({ ...SUCCESS, env: `<lake & "co">` });
    assertBalanced(svg);
    assert.match(svg, /&lt;lake &amp; &quot;co&quot;&gt;: success rate/);
    assert.equal(escapeXml(`a<b>&'"`), "a&lt;b&gt;&amp;&apos;&quot;");
  });
});
