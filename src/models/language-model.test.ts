import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MockLanguageModelV3 } from "ai/test";
import { modelForAgent, NO_MODEL_HELP, noModelFor } from "./language-model.ts";

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
