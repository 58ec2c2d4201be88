// Apart from the command table, so that finding where a command line's words end needs no command module.

/** Commands that take a second word, with what they are about. */
export const GROUPS: Readonly<Record<string, string>> = {
  project: "Projects: tenants that nothing crosses",
  agent: "Agents",
  block: "An agent's memory blocks (every write is a commit), and blocks shared by a project's agents",
  branch: "Branches of an agent's block history",
  memory: "An agent's long-term memories: add, search, update, with every version kept",
  messages: "An agent's conversation log: append, list, search",
  episode: "An agent's episodes: task attempts, step by step, that its experience memory learns from",
  experience: "An agent's experience memory: what each action was worth where it was taken",
  insights: "Rules distilled from experience (ExpeL), with support counts",
  evolution: "An agent's evolution runs: list them, show their reports",
  group: "Groups of a project's agents answering together: supervisor, round-robin, sleeptime",
  jobs: "An agent's background jobs (sleep-time work): list, show, run the due ones",
  keys: "API keys: each lets HTTP clients use one project",
  git: "An agent's memory as a real git repository: export it, import commits made with git",
  tools: "The tools an agent's model is offered, and the MCP servers they come from",
  webhooks: "Webhooks: a project's events sent to a URL as they happen, signed",
  bench: "Benchmarks",
};
