import { z } from "zod";
import { ConflictError, InvalidInputError } from "../core/errors.ts";
import type { Agent, NewEvent } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import { agentName, freeAgentNameIn } from "../memory/agents/agent-service.ts";
import { type EngineContext, makeEvent, nowIso, requireAgent } from "../memory/context.ts";
import type { ProjectService } from "../memory/projects/project-service.ts";
import { checkModelAllowed } from "../models/model-policy.ts";
import { importAgent } from "../store/import-agent.ts";
import { agentImportOf, documentCounts, privateCopyNotes } from "./agent-import.ts";
import { exportAgent } from "./export-agent.ts";
import {
  EXPORT_VERSION,
  type ExportDocument,
  type ExportDocumentV1,
  exportDocument,
  exportDocumentV1,
} from "./format.ts";
import { importGraph } from "./graph-section.ts";
import { type ImportFormat, toExportDocument } from "./peers/build.ts";
import { MEM0_DEFAULT_AGENT } from "./peers/defaults.ts";
import { decodeDocument, detectFormat } from "./peers/detect.ts";
import { fromLetta } from "./peers/letta.ts";
import { fromMem0 } from "./peers/mem0.ts";
import { freshIds, remapIds } from "./remap.ts";
import { type InStep, sharedInStep } from "./shared-in-step.ts";
import { checkEnvelope, verifyContents, verifyGraph, verifyHistory } from "./verify.ts";

export interface ImportOptions {
  /**
   * Give the agent and everything it owns (memories, messages, episodes, records, insights) new ids,
   * so a copy can live beside the original. Commit ids stay the same. The copy keeps the agent's
   * name if it is free in the project, else takes the first free `NAME-2`, `NAME-3`, …
   */
  newIds?: boolean | undefined;
  /** Project to import into (id or name); defaults to the caller's, else `default`. */
  project?: string | undefined;
  /** Create the named project when it does not exist yet (as `keys.create` does). */
  createProject?: boolean | undefined;
  /** The file's format: `engram`, `letta` or `mem0`; by default it is told by the file's shape. */
  from?: string | undefined;
  /**
   * The name of the agent a peer's file becomes: needed for Mem0 (whose export names no agent;
   * default `mem0`), optional for Letta (default: the file's agent name). Not for engram exports.
   */
  name?: string | undefined;
}

/** What an import carried, and what of the file it could not. */
export interface ImportReport {
  /** The format the file was read as. */
  from: ImportFormat;
  counts: {
    blocks: number;
    memories: number;
    messages: number;
    episodes: number;
    experienceRecords: number;
    insights: number;
  };
  /** One line per thing not carried or carried differently (e.g. tools listed, not run). */
  notes: string[];
}

/** An imported agent with the report of its import. */
export interface ImportResult {
  agent: Agent;
  report: ImportReport;
}

/** Reads of a shared block an import makes again when the block moved meanwhile. */
const SHARED_RETRIES = 10;

/** Export and import of whole agents as versioned JSON documents. */
export class TransferService {
  readonly #ctx: EngineContext;
  readonly #projects: ProjectService;

  constructor(ctx: EngineContext, projects: ProjectService) {
    this.#ctx = ctx;
    this.#projects = projects;
  }

  /** The agent with its block history and everything it has learned (vectors aside). */
  async export(agentId: string): Promise<ExportDocument> {
    const agent = await requireAgent(this.#ctx, agentId);
    return exportAgent(this.#ctx.store, agent, nowIso(this.#ctx));
  }

  /**
   * Recreates an exported agent exactly: same commits, branches and blocks, and the same memories,
   * messages, episodes, records and insights with their ids and times. The whole document is checked
   * first, then written in one transaction: a document that fails anywhere writes nothing. Also
   * reads a Letta agent file (`.af`) or a Mem0 export (told by shape, or named by `from`) as a new
   * agent; see `importWithReport` for what such a file carried.
   */
  async import(document: unknown, options: ImportOptions = {}): Promise<Agent> {
    return (await this.importWithReport(document, options)).agent;
  }

  /**
   * As `import` (which also reads a Letta agent file or a Mem0 export, each turned into an export
   * document first so the same checks apply), and reports what was carried and what was not.
   */
  async importWithReport(file: unknown, options: ImportOptions = {}): Promise<ImportResult> {
    const { document, notes } = decodeDocument(file);
    const from = detectFormat(document, options.from);
    if (from === "engram") {
      if (options.name !== undefined)
        throw new InvalidInputError(
          "name: names the agent of a Letta or Mem0 file; an engram export keeps its agent's own",
        );
      return this.#import(document, options, from, notes);
    }
    if (options.name !== undefined)
      parseInput(z.object({ name: agentName }), { name: options.name }, "import");
    const now = nowIso(this.#ctx);
    const peer =
      from === "letta"
        ? fromLetta(document, options.name, now)
        : fromMem0(document, options.name ?? MEM0_DEFAULT_AGENT, now);
    const doc = toExportDocument(peer.agent, this.#ctx.generateId, now);
    return this.#import(doc, options, from, [...notes, ...peer.notes]);
  }

  async #import(
    document: unknown,
    options: ImportOptions,
    from: ImportFormat,
    notes: string[],
  ): Promise<ImportResult> {
    const version = checkEnvelope(document);
    const doc =
      version === 1
        ? fromVersion1(parseInput(exportDocumentV1, document, "export document"))
        : parseInput(exportDocument, document, "export document");
    verifyHistory(doc);
    verifyContents(doc);
    verifyGraph(doc);
    if (doc.agent.model !== null) checkModelAllowed(this.#ctx, doc.agent.model, "model");
    // Before a missing project is created: the commonest conflict must leave nothing behind.
    if (options.newIds !== true && (await this.#ctx.store.agents.get(doc.agent.id)) !== null)
      throw new ConflictError(
        `an agent with id ${doc.agent.id} already exists: import with new ids (--new-ids, newIds) to add a copy`,
      );
    const project = await this.#projects.target(options.project, { createMissing: options.createProject });
    const ids = options.newIds === true ? freshIds(doc, this.#ctx.generateId) : new Map<string, string>();
    const copy = remapIds(doc.agent, ids);
    // A copy beside the original takes a free name, as names are unique within a project.
    const name =
      options.newIds === true ? await freeAgentNameIn(this.#ctx.store, project.id, copy.name) : copy.name;
    const agent: Agent = { ...copy, name, projectId: project.id };
    const counts = documentCounts(doc);
    const imported = await this.#write(doc, agent, ids, (written) =>
      makeEvent(this.#ctx, {
        projectId: project.id,
        agentId: agent.id,
        actor: "user",
        kind: "agent.imported",
        targetType: "agent",
        targetId: agent.id,
        after: {
          agent,
          from: doc.agent.id,
          format: from,
          version,
          commits: written.commits.length,
          branches: written.branches,
          ...counts,
        },
      }),
    );
    notes.push(...imported.notes, ...(ids.size > 0 ? privateCopyNotes(doc) : []));
    await importGraph(this.#ctx.store, agent.id, doc, ids);
    // The blocks the agent starts with: those at the head of its default branch.
    const head = imported.doc.branches.find((b) => b.name === doc.agent.defaultBranch)?.head;
    const blocks = imported.doc.commits.find((c) => c.id === head)?.tree.length ?? 0;
    return { agent, report: { from, counts: { blocks, ...counts }, notes } };
  }

  /**
   * Writes the agent, its copies of the shared blocks its project has already brought in step with
   * them (see `sharedInStep`); read again when such a block moved meanwhile.
   */
  async #write(
    doc: ExportDocument,
    agent: Agent,
    ids: ReadonlyMap<string, string>,
    event: (doc: ExportDocument) => NewEvent,
  ): Promise<InStep> {
    for (let attempt = 0; ; attempt++) {
      const inStep =
        ids.size > 0
          ? { doc, versions: new Map<string, number>(), notes: [] }
          : await sharedInStep(this.#ctx.store, doc, agent.projectId, nowIso(this.#ctx));
      try {
        await importAgent(
          this.#ctx.store,
          agentImportOf(inStep.doc, agent, ids, [event(inStep.doc)], inStep.versions),
        );
        return inStep;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        // A shared block edited meanwhile: read it again (a copy with new ids would not help).
        if ((error.details as { retry?: unknown } | undefined)?.retry === "shared") {
          if (attempt < SHARED_RETRIES) continue;
          throw error;
        }
        throw new ConflictError(`${error.message}: import with new ids (--new-ids, newIds) to add a copy`, {
          cause: error,
        });
      }
    }
  }
}

/** A version-1 document read as the current version: an agent that has learned nothing but blocks. */
function fromVersion1(doc: ExportDocumentV1): ExportDocument {
  return {
    ...doc,
    version: EXPORT_VERSION,
    memories: [],
    messages: [],
    episodes: [],
    experience: { version: 0, records: [] },
    insights: [],
  };
}
