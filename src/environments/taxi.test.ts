import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEnvironment, type Environment } from "./environment.ts";
import { createRandom } from "./random.ts";
import { decodeTaxiState, encodeTaxiState, IN_TAXI, TAXI_ACTIONS, type TaxiState, taxi } from "./taxi.ts";

const R = 0;
const G = 1;
const Y = 2;
const B = 3;
const dynamics = taxi();
const random = createRandom(0);
const act = (state: TaxiState, action: (typeof TAXI_ACTIONS)[number]) => {
  const transition = dynamics.transition(encodeTaxiState(state), TAXI_ACTIONS.indexOf(action), random);
  return { ...transition, decoded: decodeTaxiState(transition.state) };
};
const at = (taxiRow: number, taxiColumn: number, passenger: number, destination: number): TaxiState => ({
  taxiRow,
  taxiColumn,
  passenger,
  destination,
});

/** The shortest action sequence that delivers the passenger, found by breadth-first search. */
function plan(start: number): string[] {
  const previous = new Map<number, [number, string]>([[start, [start, ""]]]);
  const queue = [start];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const [index, action] of TAXI_ACTIONS.entries()) {
      const next = dynamics.transition(state, index, random);
      if (next.terminated) {
        const actions: string[] = [action];
        for (let s = state; s !== start; s = previous.get(s)?.[0] ?? start)
          actions.unshift(previous.get(s)?.[1] ?? "");
        return actions;
      }
      if (!previous.has(next.state)) {
        previous.set(next.state, [state, action]);
        queue.push(next.state);
      }
    }
  }
  throw new Error("no plan");
}

describe("taxi state encoding", () => {
  it("round-trips all 500 states through Gymnasium's encoding", () => {
    for (let state = 0; state < 500; state++) assert.equal(encodeTaxiState(decodeTaxiState(state)), state);
    assert.equal(encodeTaxiState(at(3, 1, 2, 0)), 328); // Gymnasium's documented example
    assert.deepEqual(decodeTaxiState(499), at(4, 4, 4, 3));
  });
});

describe("taxi dynamics", () => {
  it("picks up at the passenger's stand and delivers at the destination for +20, ending the episode", () => {
    let state = at(0, 0, R, G);
    const pickup = act(state, "pickup");
    assert.deepEqual([pickup.reward, pickup.terminated, pickup.decoded], [-1, false, at(0, 0, IN_TAXI, G)]);
    state = pickup.decoded;
    // R to G around the walls: east, south, south, east, east, east, north, north.
    for (const action of ["east", "south", "south", "east", "east", "east", "north", "north"] as const) {
      const move = act(state, action);
      assert.deepEqual([move.reward, move.terminated], [-1, false], action);
      state = move.decoded;
    }
    assert.deepEqual(state, at(0, 4, IN_TAXI, G));
    const dropoff = act(state, "dropoff");
    assert.deepEqual([dropoff.reward, dropoff.terminated, dropoff.decoded], [20, true, at(0, 4, G, G)]);
  });

  it("charges -10 for a pickup away from the passenger or with the passenger aboard", () => {
    for (const state of [at(2, 2, Y, B), at(0, 0, G, B), at(0, 0, IN_TAXI, B)]) {
      const pickup = act(state, "pickup");
      assert.deepEqual([pickup.reward, pickup.terminated, pickup.decoded], [-10, false, state]);
    }
  });

  it("charges -10 for a dropoff without the passenger or away from any stand", () => {
    for (const state of [at(0, 4, R, G), at(2, 2, IN_TAXI, G)]) {
      const dropoff = act(state, "dropoff");
      assert.deepEqual([dropoff.reward, dropoff.terminated, dropoff.decoded], [-10, false, state]);
    }
  });

  it("leaves the passenger waiting at another stand for the usual -1", () => {
    const dropoff = act(at(4, 3, IN_TAXI, G), "dropoff");
    assert.deepEqual([dropoff.reward, dropoff.terminated, dropoff.decoded], [-1, false, at(4, 3, B, G)]);
  });

  it("stops at walls and edges for -1", () => {
    const blocked: [TaxiState, (typeof TAXI_ACTIONS)[number]][] = [
      [at(0, 1, R, G), "east"], // |R: | : :G|
      [at(0, 2, R, G), "west"],
      [at(3, 0, R, G), "east"], // | | : | : |
      [at(4, 1, R, G), "west"], // |Y| : |B: |
      [at(4, 2, R, G), "east"],
      [at(0, 3, R, G), "north"],
      [at(4, 4, R, G), "south"],
      [at(2, 4, R, G), "east"],
      [at(2, 0, R, G), "west"],
    ];
    for (const [state, action] of blocked) {
      const move = act(state, action);
      assert.deepEqual([move.reward, move.decoded], [-1, state], `${action} from ${JSON.stringify(state)}`);
    }
    assert.deepEqual(act(at(2, 1, R, G), "east").decoded, at(2, 2, R, G));
    assert.deepEqual(act(at(4, 3, R, G), "east").decoded, at(4, 4, R, G));
  });

  it("reports Gymnasium's action mask", () => {
    assert.deepEqual(dynamics.stateInfo?.(encodeTaxiState(at(0, 0, R, G))), {
      actionMask: [1, 0, 1, 0, 1, 0],
    });
    assert.deepEqual(dynamics.stateInfo?.(encodeTaxiState(at(4, 3, IN_TAXI, G))), {
      actionMask: [0, 1, 1, 0, 0, 1],
    });
  });
});

describe("taxi", () => {
  it("starts anywhere, with the passenger waiting away from the destination, covering all 300 starts", () => {
    const env = createEnvironment("taxi");
    env.reset(31);
    const starts = new Set<number>();
    for (let episode = 0; episode < 5000; episode++) {
      if (episode > 0) env.reset();
      const { passenger, destination } = decodeTaxiState(env.state);
      assert.ok(passenger < IN_TAXI && passenger !== destination);
      starts.add(env.state);
    }
    assert.equal(starts.size, 300);
  });

  it("delivers the passenger along a planned route, for +20 at the end and -1 per other step", () => {
    const env: Environment = createEnvironment("taxi");
    for (const seed of [1, 2, 3, 4, 5]) {
      env.reset(seed);
      const steps = plan(env.state).map((action) => env.step(action));
      assert.deepEqual(
        steps.map((step) => [step.reward, step.done]),
        [...steps.slice(0, -1).map(() => [-1, false]), [20, true]],
      );
      assert.equal(steps.at(-1)?.truncated, false);
      assert.match(steps.at(-1)?.observation ?? "", /The passenger has arrived at their destination/);
    }
  });

  it("names the passenger and the destination in the task and the observation", () => {
    const env = createEnvironment("taxi");
    const reset = env.reset(3);
    const { passenger, destination } = decodeTaxiState(env.state);
    const names = [
      "R (row 1, column 1)",
      "G (row 1, column 5)",
      "Y (row 5, column 1)",
      "B (row 5, column 4)",
    ];
    assert.equal(
      reset.task,
      `Pick up the passenger at ${names[passenger]} and drop them off at ${names[destination]} in a 5x5 city (row 1 is the north edge).`,
    );
    assert.match(reset.observation, new RegExp(`waiting at ${names[passenger]?.replace(/[()]/g, "\\$&")}`));
  });

  it("says which moves are open and which are blocked", () => {
    assert.equal(
      dynamics.observe(encodeTaxiState(at(0, 1, IN_TAXI, Y))),
      "The taxi is at row 1, column 2. The passenger is in the taxi. The destination is Y (row 5, column 1). " +
        "Open: south, west. Blocked: north, east.",
    );
    assert.equal(
      dynamics.observe(encodeTaxiState(at(0, 0, R, B))),
      "The taxi is at row 1, column 1 (R). The passenger is waiting at R (row 1, column 1). " +
        "The destination is B (row 5, column 4). Open: south, east. Blocked: north, west.",
    );
  });
});
