import { isObject } from "../../core/json-object.ts";
import { agentName } from "../../memory/agents/agent-service.ts";
import { BLOCK_DEFAULTS, blockDescription, blockLabel, blockLimit } from "../../memory/blocks/schemas.ts";
import {
  counted,
  invalidPeer,
  type PeerBlock,
  type PeerImport,
  type PeerMemory,
  peerMemoryText,
  peerTime,
} from "./build.ts";
import { lettaMessages } from "./letta-messages.ts";

export const LETTA_WHAT = "Letta agent file";
const WHAT = LETTA_WHAT;

/** Providers whose Letta model handles (`openai/gpt-4o-mini`) name an engram model as they are. */
const PROVIDERS = new Set(["openai", "anthropic", "ollama"]);

/**
 * Whether a value is a Letta agent file: the current shape (`agents` beside `blocks` and `tools`)
 * or the older one (one agent with `core_memory`, or `agent_type` with `system` and `messages`).
 */
export function looksLikeLetta(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (Array.isArray(value.agents) && (Array.isArray(value.blocks) || Array.isArray(value.tools))) return true;
  return (
    Array.isArray(value.core_memory) ||
    (typeof value.agent_type === "string" &&
      typeof value.system === "string" &&
      Array.isArray(value.messages))
  );
}

/**
 * A Letta agent file as one engram agent: its system prompt as the instructions, its memory blocks
 * (labels, values, limits, descriptions, read-only) as the first commit, its messages as the
 * conversation and its archival passages (when the file holds them) as memories. Tools are listed
 * in the notes and in `metadata.letta.tools`, never run; the LLM settings are kept in metadata.
 */
export function fromLetta(file: unknown, name: string | undefined, now: string): PeerImport {
  if (!isObject(file)) throw invalidPeer(WHAT, "must be a JSON object");
  const notes: string[] = [];
  const current = Array.isArray(file.agents);
  const agents = current ? (file.agents as unknown[]) : [file];
  const agent = agents[0];
  const at = current ? "agents.0" : "";
  const p = (field: string) => (at === "" ? field : `${at}.${field}`);
  if (!isObject(agent)) throw invalidPeer(WHAT, "agents: must hold at least one agent");
  if (agents.length > 1)
    notes.push(`agents: ${counted(agents.length, "agent")} in the file; only the first was imported`);
  const createdAt = peerTime(agent.created_at ?? file.created_at, p("created_at"), WHAT, now);
  const toolList = current ? toolsOf(file.tools, agent.tool_ids) : asArray(agent.tools);
  const tools = toolList.map((t) => (isObject(t) && typeof t.name === "string" ? t.name : "?"));
  if (tools.length > 0)
    notes.push(`tools: ${tools.length} listed, not imported (tool code is never run): ${tools.join(", ")}`);
  const llm = isObject(agent.llm_config) ? agent.llm_config : null;
  const model = modelOf(llm);
  if (llm !== null && typeof llm.model === "string")
    notes.push(
      model === null
        ? `llm_config: model "${llm.model}" kept in metadata.letta.llmConfig; set a model with agent update`
        : `llm_config: model "${llm.model}" imported as ${model}; the rest kept in metadata.letta.llmConfig`,
    );
  const messages = lettaMessages(asArray(agent.messages), p("messages"), {
    system: typeof agent.system === "string" ? agent.system : "",
    fallback: createdAt,
    notes,
  });
  for (const key of ["groups", "files", "sources", "mcp_servers"] as const) {
    const n = asArray(file[key]).length;
    if (n > 0) notes.push(`${key}: ${n} not imported`);
  }
  const rules = asArray(agent.tool_rules).length;
  if (rules > 0) notes.push(`tool_rules: ${counted(rules, "tool rule")} not imported (engram has none)`);
  const variables = variableNames(agent.tool_exec_environment_variables);
  if (variables.length > 0)
    notes.push(`tool_exec_environment_variables: ${variables.length} not imported: ${variables.join(", ")}`);
  const nameCheck = agentName.safeParse(name ?? agent.name);
  if (!nameCheck.success) {
    // A name given to the import is checked before the file is read: this is the file's.
    const problem =
      typeof agent.name === "string" && agent.name.trim() !== ""
        ? nameCheck.error.issues[0]?.message
        : "must be a non-empty string";
    throw invalidPeer(WHAT, `${p("name")}: ${problem}`);
  }
  if (agent.system !== undefined && typeof agent.system !== "string")
    throw invalidPeer(WHAT, `${p("system")}: must be a string (the system prompt)`);
  return {
    agent: {
      name: nameCheck.data,
      model,
      instructions: typeof agent.system === "string" ? agent.system : "",
      metadata: {
        importedFrom: "letta",
        letta: compact({
          agentType: agent.agent_type,
          description: agent.description,
          llmConfig: llm,
          embeddingConfig: agent.embedding_config,
          tags: asArray(agent.tags).map((t) => (isObject(t) ? t.tag : t)),
          tools,
        }),
      },
      createdAt,
      blocks: blocksOf(file, agent, current, p),
      memories: passagesOf(file, agent, p, createdAt, notes),
      messages,
    },
    notes,
  };
}

function blocksOf(
  file: Record<string, unknown>,
  agent: Record<string, unknown>,
  current: boolean,
  p: (field: string) => string,
): PeerBlock[] {
  let entries: { block: unknown; path: string }[];
  if (current) {
    const all = asArray(file.blocks);
    const ids = Array.isArray(agent.block_ids) ? agent.block_ids : null;
    entries = all
      .map((block, i) => ({ block, path: `blocks.${i}` }))
      .filter(({ block }) => ids === null || (isObject(block) && ids.includes(block.id)));
  } else {
    entries = asArray(agent.core_memory).map((block, i) => ({ block, path: p(`core_memory.${i}`) }));
  }
  const seen = new Set<string>();
  return entries.map(({ block, path }) => {
    if (!isObject(block)) throw invalidPeer(WHAT, `${path}: must be an object (a memory block)`);
    const label = blockLabel.safeParse(block.label);
    if (!label.success)
      throw invalidPeer(
        WHAT,
        `${path}.label: ${block.label === undefined ? "required (the block's label)" : label.error.issues[0]?.message}`,
      );
    if (seen.has(label.data)) throw invalidPeer(WHAT, `${path}.label: "${label.data}" appears twice`);
    seen.add(label.data);
    const value = block.value ?? "";
    if (typeof value !== "string") throw invalidPeer(WHAT, `${path}.value: must be a string`);
    const limit = block.limit ?? BLOCK_DEFAULTS.limit;
    if (!blockLimit.safeParse(limit).success)
      throw invalidPeer(WHAT, `${path}.limit: must be a whole number from 1 to ${BLOCK_DEFAULTS.maxLimit}`);
    if ([...value].length > (limit as number))
      throw invalidPeer(WHAT, `${path}.value: over the block's limit of ${limit} characters`);
    const description = blockDescription.safeParse(block.description ?? "");
    if (!description.success)
      throw invalidPeer(
        WHAT,
        `${path}.description: must be a string of at most ${BLOCK_DEFAULTS.maxDescription} characters`,
      );
    return {
      label: label.data,
      value,
      description: description.data,
      limit: limit as number,
      readOnly: block.read_only === true,
    };
  });
}

/**
 * Archival passages. The published agent file does not carry them yet; a file that does (a
 * `passages` list on the agent or the file, as Letta's archival export writes them) has them read.
 */
function passagesOf(
  file: Record<string, unknown>,
  agent: Record<string, unknown>,
  p: (field: string) => string,
  fallback: string,
  notes: string[],
): PeerMemory[] {
  const onAgent = Array.isArray(agent.passages);
  const list = onAgent ? (agent.passages as unknown[]) : asArray(file.passages);
  const prefix = onAgent ? p("passages") : "passages";
  if (list.length === 0) notes.push("archival memory: the file holds no passages");
  return list.map((passage, i) => {
    const path = `${prefix}.${i}`;
    if (!isObject(passage)) throw invalidPeer(WHAT, `${path}: must be an object (a passage)`);
    const text = peerMemoryText(passage.text, `${path}.text`, WHAT, "passage");
    const createdAt = peerTime(passage.created_at, `${path}.created_at`, WHAT, fallback);
    const tags = asArray(passage.tags).filter((t): t is string => typeof t === "string" && t.trim() !== "");
    return {
      text,
      kind: "note",
      userId: null,
      tags: [...new Set(tags.map((t) => t.trim().slice(0, 64)))].slice(0, 32),
      validTo: null,
      externalId: typeof passage.id === "string" && passage.id !== "" ? `letta:${passage.id}` : null,
      metadata: isObject(passage.metadata) ? { ...passage.metadata } : {},
      createdAt,
      updatedAt: peerTime(passage.updated_at, `${path}.updated_at`, WHAT, createdAt),
    };
  });
}

function toolsOf(tools: unknown, ids: unknown): unknown[] {
  const all = asArray(tools);
  return Array.isArray(ids) ? all.filter((t) => isObject(t) && ids.includes(t.id)) : all;
}

/**
 * `openai/gpt-4o-mini` (a handle) or an endpoint type with a model, as engram's `provider:model`.
 * A handle names the provider as the Letta server called it (`OpenAI/gpt-4.1` for a key of the
 * user's own), so its case is ignored, and the endpoint type is tried when the handle's provider is
 * none engram knows.
 */
function modelOf(llm: Record<string, unknown> | null): string | null {
  if (llm === null) return null;
  const [provider, ...rest] = typeof llm.handle === "string" ? llm.handle.split("/") : [];
  const candidates: [unknown, unknown][] = [
    [provider?.toLowerCase(), rest.join("/")],
    [llm.model_endpoint_type, llm.model],
  ];
  for (const [p, model] of candidates)
    if (typeof p === "string" && PROVIDERS.has(p) && typeof model === "string" && model !== "")
      return `${p}:${model}`;
  return null;
}

/** The names of an agent's tool environment variables: a list of `{key}` (older files) or an object. */
function variableNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => (isObject(v) && typeof v.key === "string" ? v.key : "?"));
  return isObject(value) ? Object.keys(value) : [];
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Drops undefined and null fields, so metadata holds only what the file said. */
function compact(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null));
}
