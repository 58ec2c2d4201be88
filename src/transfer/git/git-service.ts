import type { Memory } from "../../core/types.ts";
import type { BlockService } from "../../memory/blocks/block-service.ts";
import type { HistoryService } from "../../memory/blocks/history-service.ts";
import { type EngineContext, requireAgent } from "../../memory/context.ts";
import { exportToGit, type GitExportOptions, type GitExportReport } from "./git-export.ts";
import { type GitImportReport, importFromGit } from "./git-import.ts";

export type { GitExportOptions, GitExportReport, GitImportReport };

/** Memories read per store call. */
const PAGE = 500;

/**
 * An agent's memory as a real git repository: blocks as files, one git commit per engram commit,
 * branches as branches; commits made there with git taken back. Needs the `git` command.
 */
export class GitService {
  readonly #ctx: EngineContext;
  readonly #blocks: BlockService;
  readonly #history: HistoryService;

  constructor(ctx: EngineContext, services: { blocks: BlockService; history: HistoryService }) {
    this.#ctx = ctx;
    this.#blocks = services.blocks;
    this.#history = services.history;
  }

  /**
   * Writes the agent's history to a git repository in `dir` (made when missing or empty), or brings
   * one it wrote before up to date. Refuses a folder with other files or another history, a work
   * tree with uncommitted changes, and a branch with git commits not yet imported.
   */
  async export(agentId: string, dir: string, options: GitExportOptions = {}): Promise<GitExportReport> {
    const agent = await requireAgent(this.#ctx, agentId);
    return exportToGit(
      this.#ctx.store,
      agent,
      dir,
      options,
      async () => ({
        memories: await this.#memories(agent.id),
        insights: await this.#ctx.store.insights.list(agent.id),
      }),
      this.#ctx.now(),
    );
  }

  /**
   * Takes the commits made with git in a repository this agent was exported to, as engram commits
   * authored `user`; a history that diverged from engram's is refused and nothing changes.
   */
  async import(agentId: string, dir: string): Promise<GitImportReport> {
    const agent = await requireAgent(this.#ctx, agentId);
    return importFromGit(
      { store: this.#ctx.store, blocks: this.#blocks, history: this.#history },
      agent,
      dir,
    );
  }

  async #memories(agentId: string): Promise<Memory[]> {
    const out: Memory[] = [];
    for (let after: string | undefined; ; ) {
      const page = await this.#ctx.store.memories.list(
        { agentId, archived: "include" },
        { after, limit: PAGE },
      );
      out.push(...page);
      if (page.length < PAGE) return out;
      after = page.at(-1)?.id;
    }
  }
}
