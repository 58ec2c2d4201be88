import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MockLanguageModelV3 } from "ai/test";
import { checkLanguageModel, modelForAgent, NO_MODEL_HELP, noModelFor } from "./language-model.ts";

/** The message `modelForAgent` fails with, or null when it returns a model. */
function refusal(...args: Parameters<typeof modelForAgent>): string | null {
  try {
    modelForAgent(...args);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe("noModelFor", () => {
  it("is true exactly when modelForAgent would refuse for want of any model", () => {
    const mock = new MockLanguageModelV3();
    const agentModels = [null, "", "ollama:llama3.2"];
    const engineModels = [undefined, "", "ollama:qwen3", mock];
    const envModels = [undefined, "", "ollama:mistral"];
    let none = 0;
    for (const agentModel of agentModels)
      for (const engineModel of engineModels)
        for (const envModel of envModels) {
          const ctx = { env: envModel === undefined ? {} : { ENGRAM_MODEL: envModel }, model: engineModel };
          const agent = { model: agentModel };
          const refused = refusal(ctx, agent);
          const label = JSON.stringify({ agentModel, engineModel: String(engineModel), envModel });
          if (noModelFor(ctx, agent)) {
            none++;
            assert.equal(refused, NO_MODEL_HELP, label);
          } else {
            assert.equal(refused, null, label);
          }
        }
    // Neither nothing nor everything: both branches were checked.
    assert.equal(none, 2 * 2 * 2);
  });
});

describe("checkLanguageModel for anthropic: models", () => {
  const spec = "anthropic:claude-test";

  it("takes ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN", () => {
    checkLanguageModel(spec, { ANTHROPIC_API_KEY: "sk-test" });
    checkLanguageModel(spec, { ANTHROPIC_AUTH_TOKEN: "token-test" });
    // An empty one counts as unset.
    checkLanguageModel(spec, { ANTHROPIC_API_KEY: "", ANTHROPIC_AUTH_TOKEN: "token-test" });
  });

  it("refuses neither, and both, naming the two settings", () => {
    assert.throws(
      () => checkLanguageModel(spec, {}),
      /model anthropic:claude-test needs ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN to be set/,
    );
    assert.throws(
      () => checkLanguageModel(spec, { ANTHROPIC_API_KEY: "sk-test", ANTHROPIC_AUTH_TOKEN: "token-test" }),
      /model anthropic:claude-test has both ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN set: unset one/,
    );
  });
});
