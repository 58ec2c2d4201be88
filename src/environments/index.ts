export { cliffWalking } from "./cliff-walking.ts";
export { type DiscreteDynamics, DiscreteEnvironment, type Transition } from "./discrete-environment.ts";
export {
  createEnvironment,
  ENVIRONMENT_NAMES,
  type Environment,
  type EnvironmentName,
  type EnvironmentOptions,
  isEnvironmentName,
  type ResetResult,
  type StepResult,
} from "./environment.ts";
export { type FrozenLakeOptions, frozenLake } from "./frozen-lake.ts";
export { createRandom, type Random } from "./random.ts";
export { decodeTaxiState, encodeTaxiState, type TaxiState, taxi } from "./taxi.ts";
