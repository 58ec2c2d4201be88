import { InvalidInputError, UnsupportedFormatError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import type { Agent } from "../core/types.ts";
import { charCount, parseInput } from "../core/validation.ts";
import { hashCommit, hashTree } from "../memory/blocks/commit-hash.ts";
import { type EngineContext, makeEvent, nowIso, requireAgent } from "../memory/context.ts";
import { DEFAULT_PROJECT, type ProjectService } from "../memory/projects/project-service.ts";
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportDocument, exportDocument } from "./format.ts";

export interface ImportOptions {
  /** Give the agent a new id, so a copy can live beside the original. Commit ids stay the same. */
  newIds?: boolean | undefined;
  /** Project to import into (id or name); defaults to the caller's, else `default`. */
  project?: string | undefined;
}

/** Export and import of whole agents as versioned JSON documents. */
export class TransferService {
  readonly #ctx: EngineContext;
  readonly #projects: ProjectService;

  constructor(ctx: EngineContext, projects: ProjectService) {
    this.#ctx = ctx;
    this.#projects = projects;
  }

  async export(agentId: string): Promise<ExportDocument> {
    const agent = await requireAgent(this.#ctx, agentId);
    const history = await this.#ctx.store.history.snapshot(agent.id);
    const { projectId: _, ...portable } = agent;
    return {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: nowIso(this.#ctx),
      agent: portable,
      branches: history.branches,
      commits: history.commits,
      blobs: history.blobs,
    };
  }

  /**
   * Recreates an exported agent exactly: same commits, branches and blocks. Every hash is checked, and
   * a document that fails any check writes nothing.
   */
  async import(document: unknown, options: ImportOptions = {}): Promise<Agent> {
    checkEnvelope(document);
    const doc = parseInput(exportDocument, document, "export document");
    verifyHistory(doc);
    const project =
      options.project !== undefined
        ? await this.#projects.get(options.project)
        : this.#ctx.projectId !== undefined
          ? await this.#projects.get(this.#ctx.projectId)
          : await this.#projects.ensure(DEFAULT_PROJECT);
    const now = nowIso(this.#ctx);
    const agent: Agent = {
      ...doc.agent,
      id: options.newIds === true ? this.#ctx.generateId("agent") : doc.agent.id,
      projectId: project.id,
    };
    await this.#ctx.store.agents.create(
      agent,
      { commits: doc.commits, blobs: doc.blobs, branches: doc.branches },
      [
        makeEvent(this.#ctx, {
          projectId: project.id,
          agentId: agent.id,
          actor: "user",
          kind: "agent.imported",
          targetType: "agent",
          targetId: agent.id,
          after: { agent, from: doc.agent.id, commits: doc.commits.length, branches: doc.branches },
          createdAt: now,
        }),
      ],
    );
    return agent;
  }
}

/** Format and version are checked first, so a newer document gets a clear "upgrade" error. */
function checkEnvelope(document: unknown): void {
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new InvalidInputError("invalid export document: must be a JSON object");
  }
  const { format, version } = document as { format?: unknown; version?: unknown };
  if (format !== EXPORT_FORMAT) {
    throw new InvalidInputError(
      `invalid export document: format: must be "${EXPORT_FORMAT}", got ${JSON.stringify(format)}`,
    );
  }
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    throw new InvalidInputError("invalid export document: version: must be a positive integer");
  }
  if (version > EXPORT_VERSION) {
    throw new UnsupportedFormatError(
      `export document version ${version} is newer than this engram reads (up to ${EXPORT_VERSION}): upgrade engram to import it`,
    );
  }
}

/** Checks every content address and link, so an imported history is exactly the exported one. */
function verifyHistory(doc: ExportDocument): void {
  const blobs = new Map<string, string>();
  doc.blobs.forEach((blob, i) => {
    if (sha256(blob.value) !== blob.hash) throw bad(`blobs.${i}.hash: does not match the value`);
    blobs.set(blob.hash, blob.value);
  });
  const seen = new Set<string>();
  doc.commits.forEach((commit, i) => {
    if (seen.has(commit.id)) throw bad(`commits.${i}.id: appears twice`);
    if (commit.parentId !== null && !seen.has(commit.parentId)) {
      throw bad(
        `commits.${i}.parentId: ${commit.parentId.slice(0, 12)} does not come earlier in the document`,
      );
    }
    const labels = new Set<string>();
    commit.tree.forEach((entry, j) => {
      if (labels.has(entry.label)) throw bad(`commits.${i}.tree.${j}.label: "${entry.label}" appears twice`);
      labels.add(entry.label);
      const value = blobs.get(entry.valueHash);
      if (value === undefined) throw bad(`commits.${i}.tree.${j}.valueHash: no blob has this hash`);
      if (charCount(value) > entry.limit)
        throw bad(`commits.${i}.tree.${j}: value is over the block's limit`);
    });
    if (hashTree(commit.tree) !== commit.treeHash)
      throw bad(`commits.${i}.treeHash: does not match the tree`);
    if (hashCommit(commit) !== commit.id) throw bad(`commits.${i}.id: does not match the commit's content`);
    seen.add(commit.id);
  });
  const names = new Set<string>();
  doc.branches.forEach((branch, i) => {
    if (names.has(branch.name)) throw bad(`branches.${i}.name: "${branch.name}" appears twice`);
    names.add(branch.name);
    if (!seen.has(branch.head)) throw bad(`branches.${i}.head: no commit in the document has this id`);
  });
  if (!names.has(doc.agent.defaultBranch))
    throw bad(`agent.defaultBranch: no branch named "${doc.agent.defaultBranch}"`);
}

function bad(problem: string): InvalidInputError {
  return new InvalidInputError(`invalid export document: ${problem}`);
}
