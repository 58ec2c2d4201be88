import type { McpServerConfig } from "../core/mcp-server-types.ts";
import type { McpConnection, McpToolInfo } from "./mcp-connection.ts";
import { configKey } from "./mcp-server-config.ts";

/** How the pool keeps connections. */
export interface McpPoolOptions {
  /** A connection unused this long is closed (its child stopped). Default 10 minutes. */
  idleMs?: number;
  /** Connections kept open at most; past it the least recently used idle one is closed. Default 100. */
  maxConnections?: number;
  /** Opens a connection; by default McpConnection.open (tests and benchmarks may count or wrap it). */
  open?: (config: McpServerConfig, timeoutMs: number) => Promise<McpConnection>;
}

interface Entry {
  key: string;
  connection: Promise<McpConnection> | undefined;
  /** The tools last listed under this configuration: offered while the server cannot be reached. */
  tools: McpToolInfo[] | undefined;
  /** After a failed attempt to connect, the error and until when it is given without trying again. */
  failure: { error: Error; untilMs: number; delayMs: number } | undefined;
  lastUsedMs: number;
  busy: number;
}

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 60_000;
/** Longest wait for a server to start and answer the handshake, whatever its call time-out. */
const MAX_CONNECT_MS = 10_000;

/**
 * Open connections to agents' MCP servers, one per (agent, server name, configuration), shared by
 * every turn of the engine. A connection that died (its child exited, its session broke) is opened
 * again on next use; one that failed to open (within 10 s at most) is tried again after a pause that
 * grows to a minute, so a server that is down does not hold up every turn. A changed configuration closes the old one.
 */
export class McpConnectionPool {
  readonly #entries = new Map<string, Entry>();
  readonly #idleMs: number;
  readonly #max: number;
  readonly #open: NonNullable<McpPoolOptions["open"]>;
  #reaper: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: McpPoolOptions = {}) {
    this.#idleMs = options.idleMs ?? 600_000;
    this.#max = options.maxConnections ?? 100;
    this.#open =
      options.open ??
      (async (config, timeoutMs) =>
        (await import("./mcp-connection.ts")).McpConnection.open(config, timeoutMs));
  }

  /**
   * The open connection to an agent's server, opened (or reopened) when needed.
   * @throws Error saying why the server cannot be reached
   */
  async acquire(agentId: string, name: string, config: McpServerConfig): Promise<McpConnection> {
    if (this.#closed) throw new Error("engram is closed");
    const entry = this.#entry(agentId, name, config);
    entry.lastUsedMs = Date.now();
    const current =
      entry.connection === undefined ? undefined : await entry.connection.catch(() => undefined);
    if (current !== undefined && !current.closed) return current;
    if (entry.failure !== undefined && Date.now() < entry.failure.untilMs) throw entry.failure.error;
    const opening = this.#open(config, Math.min(config.timeoutMs, MAX_CONNECT_MS));
    entry.connection = opening;
    try {
      const connection = await opening;
      entry.failure = undefined;
      this.#startReaper();
      this.#trim();
      return connection;
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      const delayMs = Math.min(LAST_RETRY_MS, (entry.failure?.delayMs ?? FIRST_RETRY_MS / 2) * 2);
      entry.failure = { error, untilMs: Date.now() + delayMs, delayMs };
      if (entry.connection === opening) entry.connection = undefined;
      throw error;
    }
  }

  /** The server's tools, listed on its connection; remembered for when it cannot be reached. */
  async tools(agentId: string, name: string, config: McpServerConfig): Promise<McpToolInfo[]> {
    const connection = await this.acquire(agentId, name, config);
    const tools = await connection.tools(config.timeoutMs);
    this.#entry(agentId, name, config).tools = tools;
    return tools;
  }

  /** The tools last listed under this configuration, if any. */
  knownTools(agentId: string, name: string, config: McpServerConfig): McpToolInfo[] | undefined {
    const entry = this.#entries.get(entryName(agentId, name));
    return entry?.key === configKey(config) ? entry.tools : undefined;
  }

  /** Runs `fn` with the connection counted as busy, so trimming never closes it mid-call. */
  async using<T>(
    agentId: string,
    name: string,
    config: McpServerConfig,
    fn: (connection: McpConnection) => Promise<T>,
  ): Promise<T> {
    const connection = await this.acquire(agentId, name, config);
    const entry = this.#entry(agentId, name, config);
    entry.busy++;
    try {
      return await fn(connection);
    } finally {
      entry.busy--;
      entry.lastUsedMs = Date.now();
    }
  }

  /** How many connections are open (or opening). */
  get size(): number {
    return [...this.#entries.values()].filter((e) => e.connection !== undefined).length;
  }

  /** Closes every connection (stops every child); the pool opens no more. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reaper !== undefined) clearInterval(this.#reaper);
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => closeEntry(e)));
  }

  #entry(agentId: string, name: string, config: McpServerConfig): Entry {
    const id = entryName(agentId, name);
    const key = configKey(config);
    let entry = this.#entries.get(id);
    if (entry !== undefined && entry.key !== key) {
      void closeEntry(entry);
      entry = undefined;
    }
    if (entry === undefined) {
      entry = {
        key,
        connection: undefined,
        tools: undefined,
        failure: undefined,
        lastUsedMs: Date.now(),
        busy: 0,
      };
      this.#entries.set(id, entry);
    }
    return entry;
  }

  /** Past the limit, closes the least recently used connections no call is using. */
  #trim(): void {
    const open = [...this.#entries.values()].filter((e) => e.connection !== undefined);
    if (open.length <= this.#max) return;
    const idle = open.filter((e) => e.busy === 0).sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    for (const entry of idle.slice(0, open.length - this.#max)) void closeEntry(entry);
  }

  #startReaper(): void {
    if (this.#reaper !== undefined) return;
    this.#reaper = setInterval(
      () => {
        const cutoff = Date.now() - this.#idleMs;
        for (const entry of this.#entries.values())
          if (entry.busy === 0 && entry.lastUsedMs < cutoff && entry.connection !== undefined)
            void closeEntry(entry);
      },
      Math.min(60_000, this.#idleMs),
    );
    // Idle connections never keep a process alive whose work is done.
    this.#reaper.unref();
  }
}

function entryName(agentId: string, name: string): string {
  return `${agentId}\u0000${name}`;
}

async function closeEntry(entry: Entry): Promise<void> {
  const opening = entry.connection;
  entry.connection = undefined;
  const connection = await opening?.catch(() => undefined);
  await connection?.close();
}
