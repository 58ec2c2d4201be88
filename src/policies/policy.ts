/** What a policy sees at each step. */
export interface Situation {
  task: string;
  observation: string;
  availableActions: readonly string[];
}

/** Chooses an action. */
export interface Policy {
  act(situation: Situation): Promise<string>;
}
