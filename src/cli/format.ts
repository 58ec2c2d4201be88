import type { LearnBenchResult } from "../bench/learn-bench.ts";
import type {
  Agent,
  Block,
  Branch,
  Commit,
  EngramEvent,
  Episode,
  ExperienceRecord,
  Insight,
  Memory,
  MemoryVersion,
  Message,
} from "../core/types.ts";
import type { Advice } from "../experience/advice.ts";
import type { InsightResult } from "../insights/insight-service.ts";
import type { BlockSet, CommitResult } from "../memory/blocks/block-service.ts";
import type { BlockSettings, CommitDiff } from "../memory/blocks/history-service.ts";
import { standingAt, type ValidityReference, validityNote } from "../memory/memories/validity-note.ts";
import type { SearchResponse, SearchResult } from "../retrieval/search-service.ts";
import { displayWidth, padDisplayEnd } from "./display-width.ts";
import { fields, oneLine, shortId, shortTime, table } from "./output.ts";

/** The `--json` shape of a write: the commit, plus whether anything changed and on which branch. */
export function commitJson(result: CommitResult): Commit & { changed: boolean; branch: string } {
  return { ...result.commit, changed: result.changed, branch: result.branch };
}

export function formatCommitResult(result: CommitResult): string {
  const id = shortId(result.commit.id);
  return result.changed
    ? `committed ${id} on ${result.branch}: ${oneLine(result.commit.message)}`
    : `nothing changed: ${result.branch} stays at ${id}`;
}

/** An agent's fields; the project by name when it is given, with its id. */
export function formatAgent(agent: Agent, projectName?: string): string {
  return fields([
    ["id", agent.id],
    ["name", agent.name],
    ["model", agent.model ?? "(server default)"],
    ["project", projectName === undefined ? agent.projectId : `${projectName} (${agent.projectId})`],
    ["branch", agent.defaultBranch],
    ["created", agent.createdAt],
    ["updated", agent.updatedAt],
    ["instructions", agent.instructions === "" ? "(none)" : indentAfterFirst(agent.instructions, 14)],
    ...(Object.keys(agent.metadata).length > 0
      ? [["metadata", JSON.stringify(agent.metadata)] as const]
      : []),
  ]);
}

export function formatAgents(agents: readonly Agent[], projectNames: ReadonlyMap<string, string>): string {
  if (agents.length === 0) return "no agents";
  return table(
    ["ID", "NAME", "PROJECT", "MODEL", "CREATED"],
    agents.map((a) => [
      a.id,
      a.name,
      projectNames.get(a.projectId) ?? a.projectId,
      a.model ?? "-",
      shortTime(a.createdAt),
    ]),
  );
}

export function formatBlock(block: Block): string {
  const flags = [`${block.size}/${block.limit} chars`, ...(block.readOnly ? ["read-only"] : [])];
  const head = `${block.label}  ${flags.join("  ")}${block.description === "" ? "" : `  — ${oneLine(block.description, 60)}`}`;
  const body = block.value === "" ? "  (empty)" : indent(block.value, 2);
  return `${head}\n${body}`;
}

export function formatBlockSet(set: BlockSet): string {
  const where = `commit ${shortId(set.commit)}${set.branch === null ? "" : ` (${set.branch})`}`;
  if (set.blocks.length === 0) return `${where}\n\nno blocks`;
  return [where, ...set.blocks.map(formatBlock)].join("\n\n");
}

export function formatLog(commits: readonly Commit[]): string {
  if (commits.length === 0) return "no commits";
  const width = Math.max(...commits.map((c) => displayWidth(c.author)));
  return commits
    .map(
      (c) =>
        `${shortId(c.id)}  ${shortTime(c.createdAt)}  ${padDisplayEnd(c.author, width)}  ${oneLine(c.message)}`,
    )
    .join("\n");
}

/** Unified-style text, one section per changed block. */
export function formatDiff(diff: CommitDiff): string {
  const title = `diff ${shortId(diff.from)}..${shortId(diff.to)}`;
  if (diff.blocks.length === 0) return `${title}\nno differences`;
  const sections = diff.blocks.map((block) => {
    const lines = [
      `--- ${block.status === "added" ? "/dev/null" : `a/${block.label}`}`,
      `+++ ${block.status === "removed" ? "/dev/null" : `b/${block.label}`}`,
    ];
    if (block.status === "added" && block.settings?.after != null)
      lines.push(newBlockLine(block.settings.after));
    else if (block.status === "modified" && block.settings !== null)
      lines.push(...settingsLines(block.settings.before, block.settings.after));
    if (block.patch !== "") lines.push(block.patch);
    return lines.join("\n");
  });
  return [title, ...sections].join("\n");
}

export function formatBranches(branches: readonly Branch[], defaultBranch: string): string {
  if (branches.length === 0) return "no branches";
  return table(
    ["", "BRANCH", "HEAD", "UPDATED"],
    branches.map((b) => [
      b.name === defaultBranch ? "*" : "",
      b.name,
      shortId(b.head),
      shortTime(b.updatedAt),
    ]),
  );
}

/** One event on one line, as `engram events --follow` prints them. */
export function formatEventLine(e: EngramEvent): string {
  const target = `${e.targetType} ${e.targetType === "commit" ? shortId(e.targetId) : e.targetId}`;
  return `${e.seq}  ${shortTime(e.createdAt)}  ${e.actor}  ${e.kind}  ${target}`;
}

export function formatEvents(events: readonly EngramEvent[]): string {
  if (events.length === 0) return "no events";
  return table(
    ["SEQ", "TIME", "ACTOR", "KIND", "TARGET"],
    events.map((e) => [
      String(e.seq),
      shortTime(e.createdAt),
      e.actor,
      e.kind,
      `${e.targetType} ${e.targetType === "commit" ? shortId(e.targetId) : e.targetId}`,
    ]),
  );
}

/** One memory with all its fields; its validity as it stands at `nowIso`, the engine's present. */
export function formatMemory(memory: Memory, nowIso: string): string {
  const { messageIds, externalIds } = memory.provenance;
  const validity =
    memory.validFrom === null && memory.validTo === null
      ? []
      : [["valid", validitySpan(memory, nowIso)] as const];
  const sources = [
    ...(messageIds.length > 0 ? [`messages ${messageIds.join(", ")}`] : []),
    ...(externalIds.length > 0 ? [`external ${externalIds.join(", ")}`] : []),
  ];
  return fields([
    ["id", memory.id],
    ["kind", memory.kind],
    ["user", memory.userId ?? "(shared)"],
    ["importance", String(memory.importance)],
    ["tags", memory.tags.length === 0 ? "(none)" : memory.tags.join(", ")],
    ...(memory.key === null ? [] : [["key", memory.key] as const]),
    ...validity,
    ...(sources.length > 0 ? [["source", sources.join("; ")] as const] : []),
    ...(Object.keys(memory.metadata).length > 0
      ? [["metadata", JSON.stringify(memory.metadata)] as const]
      : []),
    ["version", String(memory.version)],
    ...(memory.archivedAt === null ? [] : [["archived", memory.archivedAt] as const]),
    ["created", memory.createdAt],
    ["updated", memory.updatedAt],
    ["text", indentAfterFirst(memory.text, 12)],
  ]);
}

/** `A to B`, `from A` or `until B`, then how the fact stands now when it is not true: never "to now". */
function validitySpan(memory: Memory, nowIso: string): string {
  const { validFrom: from, validTo: to } = memory;
  const span = from === null ? `until ${to}` : to === null ? `from ${from}` : `${from} to ${to}`;
  const standing = standingAt(memory, nowIso);
  return standing === "true" ? span : `${span}, ${standing}`;
}

export function formatMemories(memories: readonly Memory[]): string {
  if (memories.length === 0) return "no memories";
  return table(
    ["ID", "KIND", "IMP", "USER", "CREATED", "TEXT"],
    memories.map((m) => [
      m.id,
      m.kind,
      m.importance.toFixed(2),
      m.userId ?? "-",
      shortTime(m.createdAt),
      m.archivedAt === null ? oneLine(m.text, 60) : `(archived) ${oneLine(m.text, 49)}`,
    ]),
  );
}

/** A memory's versions, oldest first, each with what it said then. */
export function formatMemoryHistory(versions: readonly MemoryVersion[]): string {
  return table(
    ["VERSION", "OPERATION", "ACTOR", "TIME", "TEXT"],
    versions.map((v) => [
      String(v.version),
      v.operation,
      v.actor,
      shortTime(v.createdAt),
      oneLine(v.memory.text, 60),
    ]),
  );
}

export function formatMessage(message: Message): string {
  return fields([
    ["id", message.id],
    ["role", message.role],
    ...(message.name === null ? [] : [["name", message.name] as const]),
    ...(message.userId === null ? [] : [["user", message.userId] as const]),
    ["created", message.createdAt],
    ["content", indentAfterFirst(message.content, 9)],
  ]);
}

export function formatMessages(messages: readonly Message[]): string {
  if (messages.length === 0) return "no messages";
  return table(
    ["ID", "TIME", "ROLE", "CONTENT"],
    messages.map((m) => [m.id, shortTime(m.createdAt), speaker(m), oneLine(m.content, 60)]),
  );
}

/**
 * One line per result: its score and the signals behind it (rank in the full-text and the vector
 * ranking, recency, importance), then what was found. A memory carries its validity after its text,
 * as a prompt shows it, judged at the search's `validAt` (every result then, "true on …") or else at
 * `now`, the searching engine's clock (only a result not true now: closed, superseded, or not yet
 * begun, as `includeSuperseded` returns them).
 */
export function formatSearch(response: SearchResponse, reference: ValidityReference): string {
  if (response.results.length === 0) return "no results";
  return table(
    ["SCORE", "LEXICAL", "VECTOR", "GRAPH", "RECENCY", "IMPORTANCE", "ID", "TEXT"],
    response.results.map((r) => [
      r.score.toFixed(3),
      rank(r.components.lexicalRank),
      rank(r.components.vectorRank),
      r.components.graph > 0 ? r.components.graph.toFixed(2) : "-",
      r.components.recency.toFixed(2),
      r.source === "memory" ? r.components.importance.toFixed(2) : "-",
      r.id,
      `${oneLine(resultText(r), 60)}${validityMark(r, reference)}`,
    ]),
  );
}

/** ` [valid … to …, no longer true …]` for a memory result read at a `validAt` or not open and true now, else "". */
function validityMark(result: SearchResult, reference: ValidityReference): string {
  const memory = result.memory;
  if (memory === undefined) return "";
  const openNow = memory.validTo === null && standingAt(memory, reference.now) === "true";
  if (reference.validAt === undefined && openNow) return "";
  return ` [${validityNote(memory, reference)}]`;
}

/** Side notes of a search for stderr: near-duplicates left out, and warnings. */
export function searchHint(response: SearchResponse): string | undefined {
  const notes = [
    ...(response.suppressed.length > 0
      ? [
          `${response.suppressed.length} near-duplicate${response.suppressed.length === 1 ? "" : "s"} left out`,
        ]
      : []),
    ...response.warnings.map((w) => `warning: ${w}`),
  ];
  return notes.length === 0 ? undefined : notes.join("\n");
}

/** Warnings of a write, for stderr. */
export function warningsHint(warnings: readonly string[]): string | undefined {
  return warnings.length === 0 ? undefined : warnings.map((w) => `warning: ${w}`).join("\n");
}

export function formatEpisode(episode: Episode): string {
  const head = fields([
    ["id", episode.id],
    ["task", indentAfterFirst(episode.task, 9)],
    ["status", episode.status],
    ["steps", String(episode.steps.length)],
    ["return", String(episode.totalReward)],
    ["success", episode.success === null ? "(not said)" : episode.success ? "yes" : "no"],
    ...(episode.finalObservation === null
      ? []
      : [["final", oneLine(episode.finalObservation, 100)] as const]),
    ...(Object.keys(episode.metadata).length > 0
      ? [["metadata", JSON.stringify(episode.metadata)] as const]
      : []),
    ["created", episode.createdAt],
    ...(episode.finishedAt === null ? [] : [["finished", episode.finishedAt] as const]),
  ]);
  if (episode.steps.length === 0) return `${head}\n\nno steps`;
  const steps = table(
    ["STEP", "ACTION", "REWARD", "OBSERVATION"],
    episode.steps.map((s) => [String(s.index), s.action, String(s.reward), oneLine(s.observation, 80)]),
  );
  return `${head}\n\n${steps}`;
}

export function formatEpisodes(episodes: readonly (Episode & { stepCount?: number })[]): string {
  if (episodes.length === 0) return "no episodes";
  return table(
    ["ID", "STATUS", "STEPS", "RETURN", "SUCCESS", "CREATED", "TASK"],
    episodes.map((e) => [
      e.id,
      e.status,
      String(e.stepCount ?? e.steps.length),
      String(e.totalReward),
      e.success === null ? "-" : e.success ? "yes" : "no",
      shortTime(e.createdAt),
      oneLine(e.task, 60),
    ]),
  );
}

/** One line per experience record: its best action by Q, and how often it was visited. */
export function formatExperience(records: readonly ExperienceRecord[]): string {
  if (records.length === 0) return "no experience records";
  return table(
    ["ID", "VISITS", "BEST ACTION", "Q", "TASK", "OBSERVATION"],
    records.map((r) => {
      const best = [...r.actions].sort((a, b) => b.q - a.q)[0];
      return [
        r.id,
        String(r.visits),
        best?.action ?? "-",
        best === undefined ? "-" : formatNumber(best.q),
        oneLine(r.task, 30),
        oneLine(r.observation, 60),
      ];
    }),
  );
}

/** Rememberer's text, or a line saying there is nothing to advise from. */
export function formatAdvice(advice: Advice): string {
  return advice.items.length === 0 ? "no advice: the agent has no experience records yet" : advice.text;
}

export function formatInsights(insights: readonly Insight[]): string {
  if (insights.length === 0) return "no insights";
  return table(
    ["ID", "COUNT", "RULE"],
    insights.map((r) => [r.id, String(r.count), oneLine(r.text, 100)]),
  );
}

/** What rule operations did, then the rules as they are now. */
export function formatInsightResult(result: InsightResult & { pairs?: number }): string {
  const lines: string[] = [];
  if (result.pairs !== undefined)
    lines.push(`compared ${result.pairs} success/failure pair${result.pairs === 1 ? "" : "s"} of episodes`);
  lines.push(`applied ${result.applied.length} operation${result.applied.length === 1 ? "" : "s"}`);
  for (const op of result.applied) lines.push(`  ${describeOperation(op)}`);
  if (result.skipped.length > 0) {
    lines.push(`skipped ${result.skipped.length}`);
    for (const { operation, reason } of result.skipped)
      lines.push(`  ${describeOperation(operation)}: ${reason}`);
  }
  return `${lines.join("\n")}\n\n${formatInsights(result.insights)}`;
}

function describeOperation(op: InsightResult["applied"][number]): string {
  switch (op.op) {
    case "add":
      return `add ${JSON.stringify(oneLine(op.text, 80))}`;
    case "edit":
      return `edit ${op.id}: ${JSON.stringify(oneLine(op.text, 80))}`;
    default:
      return `${op.op} ${op.id}`;
  }
}

/**
 * The learning benchmark for people: both learners' curves side by side, the final figures, and how
 * many training episodes each took to reach the target.
 */
export function formatLearnBench(r: LearnBenchResult): string {
  const bySuccess = r.target.successRate !== undefined;
  const target = bySuccess
    ? `success rate >= ${r.target.successRate}`
    : `mean return >= ${r.target.meanReturn}`;
  const evalEpisodes = r.settings.evalEpisodes;
  const baseline = r.baseline.curve;
  const curve = table(
    ["EPISODE", "SUCCESS", "RETURN", "Q-LEARNING SUCCESS", "Q-LEARNING RETURN"],
    r.curve.map((p, i) => {
      const b =
        baseline[i]?.episode === p.episode ? baseline[i] : baseline.find((q) => q.episode === p.episode);
      return [
        String(p.episode),
        fixed2(p.successRate),
        fixed2(p.meanReturn),
        b === undefined ? "-" : fixed2(b.successRate),
        b === undefined ? "-" : fixed2(b.meanReturn),
      ];
    }),
  );
  const reached = (n: number | null) => (n === null ? "not reached" : `${n} episodes`);
  const summary = table(
    ["LEARNER", "SUCCESS", "RETURN", "TO TARGET"],
    [
      [
        "engram experience memory",
        fixed2(r.final.successRate),
        fixed2(r.final.meanReturn),
        reached(r.episodesToTarget),
      ],
      [
        "tabular Q-learning",
        fixed2(r.baseline.final.successRate),
        fixed2(r.baseline.final.meanReturn),
        reached(r.baseline.episodesToTarget),
      ],
    ],
  );
  const seeds =
    r.runs === undefined ? `seed ${r.seed}` : `mean of seeds ${r.runs.map((run) => run.seed).join(", ")}`;
  const perSeed =
    r.runs === undefined
      ? []
      : [
          "",
          "each seed:",
          table(
            [
              "SEED",
              "SUCCESS",
              "RETURN",
              "TO TARGET",
              "Q-LEARNING SUCCESS",
              "Q-LEARNING RETURN",
              "Q-LEARNING TO TARGET",
            ],
            r.runs.map((run) => [
              String(run.seed),
              fixed2(run.final.successRate),
              fixed2(run.final.meanReturn),
              reached(run.episodesToTarget),
              fixed2(run.baseline.final.successRate),
              fixed2(run.baseline.final.meanReturn),
              reached(run.baseline.episodesToTarget),
            ]),
          ),
        ];
  return [
    `engram bench learn — ${r.env}, ${r.episodes} training episodes, ${seeds}`,
    `each point: the greedy policy over ${typeof evalEpisodes === "number" ? evalEpisodes : "the"} evaluation episodes; target: ${target}`,
    "",
    curve,
    "",
    "final:",
    summary,
    ...perSeed,
    "",
    `took ${r.seconds} s`,
  ].join("\n");
}

/** Two decimals, so that a column of figures lines up. */
function fixed2(n: number): string {
  return n.toFixed(2);
}

/** At most 3 decimals, no trailing zeros. */
function formatNumber(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

function speaker(message: Message): string {
  return message.name === null ? message.role : `${message.role} (${message.name})`;
}

function rank(value: number | null): string {
  return value === null ? "-" : `#${value}`;
}

function resultText(result: SearchResult): string {
  return result.message === undefined ? result.text : `${speaker(result.message)}: ${result.text}`;
}

function settingsLines(before: BlockSettings | null, after: BlockSettings | null): string[] {
  const keys = ["description", "limit", "readOnly"] as const;
  return keys.flatMap((key) => {
    const a = before?.[key];
    const b = after?.[key];
    return a === b ? [] : [`# ${key}: ${show(a)} → ${show(b)}`];
  });
}

function newBlockLine(settings: BlockSettings): string {
  const parts = [`limit ${settings.limit}`, ...(settings.readOnly ? ["read-only"] : [])];
  if (settings.description !== "") parts.push(`description ${JSON.stringify(settings.description)}`);
  return `# new block: ${parts.join(", ")}`;
}

function show(value: unknown): string {
  return value === undefined ? "(none)" : JSON.stringify(value);
}

function indent(text: string, by: number): string {
  const pad = " ".repeat(by);
  return text
    .split("\n")
    .map((line) => (line === "" ? "" : pad + line))
    .join("\n");
}

function indentAfterFirst(text: string, by: number): string {
  const [first = "", ...rest] = text.split("\n");
  return rest.length === 0 ? first : `${first}\n${indent(rest.join("\n"), by)}`;
}
