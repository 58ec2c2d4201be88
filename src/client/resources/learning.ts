import type { EvolutionRun } from "../../core/evolution-types.ts";
import type { Agent, ExperienceRecord, Insight } from "../../core/types.ts";
import type { EvolutionReport, EvolutionResult, EvolutionService } from "../../evolution/index.ts";
import type { ExperienceService } from "../../experience/experience-service.ts";
import type { FeedbackService } from "../../feedback/feedback-service.ts";
import type { EntityService } from "../../graph/entity-service.ts";
import type { ImageService } from "../../images/image-service.ts";
import type { InsightService } from "../../insights/insight-service.ts";
import type { VectorService } from "../../retrieval/vector-service.ts";
import type { SleeptimeService } from "../../sleeptime/sleeptime-service.ts";
import type { ImportReport, TransferService } from "../../transfer/transfer-service.ts";
import { allPages } from "../all-pages.ts";
import { refuseLocalOptions } from "../local-only.ts";
import type { Transport } from "../transport.ts";

/** Episodes and experience over HTTP: the library's `engram.experience` methods the API serves. */
export type ExperienceClient = Pick<
  ExperienceService,
  | "recordEpisode"
  | "startEpisode"
  | "recordStep"
  | "finishEpisode"
  | "getEpisode"
  | "listEpisodes"
  | "records"
  | "advise"
>;

/** Images of messages over HTTP: the library's `engram.images`. */
export type ImagesClient = Pick<ImageService, "get">;

/** `client.images`. */
export function imagesClient(t: Transport): ImagesClient {
  return { get: (agentId, sha256) => t.call("images.get", { params: { id: agentId, sha256 } }) };
}

/** The entity graph over HTTP: the library's `engram.entities` reads. */
export type EntitiesClient = Pick<EntityService, "list" | "get">;

/** `client.entities`. */
export function entitiesClient(t: Transport): EntitiesClient {
  return {
    list: (agentId, options = {}) =>
      t.call("entities.list", { params: { id: agentId }, query: { ...options } }),
    get: (agentId, name, options = {}) =>
      t.call("entities.get", { params: { id: agentId, name }, query: { ...options } }),
  };
}

/** Feedback on turns over HTTP: the library's `engram.feedback`. */
export type FeedbackClient = Pick<FeedbackService, "give">;

/** `client.feedback`. */
export function feedbackClient(t: Transport): FeedbackClient {
  return {
    give: (agentId, turnId, input) =>
      t.call("feedback.give", { params: { id: agentId, turnId }, body: input }),
  };
}

/** Insights over HTTP: the library's `engram.insights` methods the API serves. */
export type InsightsClient = Pick<InsightService, "list" | "apply" | "extract">;

/** Self-evolution over HTTP: the library's `engram.evolution` methods the API serves. */
export type EvolutionClient = Pick<
  EvolutionService,
  "evolve" | "resume" | "rollback" | "list" | "get" | "report" | "distill"
>;

/** Sleep-time jobs over HTTP: the library's `engram.sleeptime` methods the API serves. */
export type SleeptimeClient = Pick<SleeptimeService, "run" | "enqueue" | "list" | "get">;

/** Export and import over HTTP: the library's `engram.transfer`. */
export type TransferClient = Pick<TransferService, "export" | "import" | "importWithReport">;

/** Vectors over HTTP: `reindex`, for one agent (the route is per agent, so `agentId` is required). */
export type VectorsClient = Pick<VectorService, "reindex">;

/** `client.experience`. */
export function experienceClient(t: Transport): ExperienceClient {
  const episode = (agentId: string, episodeId: string) => ({ id: agentId, eid: episodeId });
  return {
    recordEpisode: (agentId, input) =>
      t.call("experience.recordEpisode", { params: { id: agentId }, body: input }),
    // One route: a body without `steps` starts an episode.
    startEpisode: (agentId, input) =>
      t.call("experience.recordEpisode", { params: { id: agentId }, body: input }),
    recordStep: (agentId, episodeId, input) =>
      t.call("experience.recordStep", { params: episode(agentId, episodeId), body: input }),
    finishEpisode: (agentId, episodeId, input = {}) =>
      t.call("experience.finishEpisode", { params: episode(agentId, episodeId), body: input }),
    getEpisode: (agentId, episodeId) =>
      t.call("experience.getEpisode", { params: episode(agentId, episodeId) }),
    listEpisodes: (agentId, { filter, ...options } = {}) =>
      t.call("experience.listEpisodes", {
        params: { id: agentId },
        query: { ...options, filter: filter === undefined ? undefined : JSON.stringify(filter) },
      }),
    records: (agentId) =>
      allPages<ExperienceRecord>((cursor) =>
        t.call("experience.records", { params: { id: agentId }, query: { cursor, limit: 500 } }),
      ),
    advise: (agentId, input) => t.call("experience.advise", { params: { id: agentId }, body: input }),
  };
}

/** `client.insights`. */
export function insightsClient(t: Transport): InsightsClient {
  return {
    list: (agentId) =>
      allPages<Insight>((cursor) =>
        t.call("insights.list", { params: { id: agentId }, query: { cursor, limit: 500 } }),
      ),
    apply: (agentId, operations, { strict } = {}) =>
      t.call("insights.apply", { params: { id: agentId }, body: { operations, strict } }),
    async extract(agentId, options = {}) {
      refuseLocalOptions("insights.extract", options, ["model"], { modelByName: true });
      return t.call("insights.extract", { params: { id: agentId }, body: options });
    },
  };
}

/** `client.evolution`: `evolve` and `resume` wait for the run's end, as the library's do. */
export function evolutionClient(t: Transport): EvolutionClient {
  const run = (agentId: string, runId: string) =>
    t.call<{ run: EvolutionRun; report: EvolutionReport }>("evolution.get", {
      params: { id: agentId, runId },
    });
  return {
    async evolve(agentId, options) {
      refuseLocalOptions("evolution.evolve", options, ["model", "runner", "checkers", "onProgress"], {
        modelByName: true,
      });
      return t.call<EvolutionResult>("evolution.evolve", {
        params: { id: agentId },
        body: { ...options, wait: true },
      });
    },
    async resume(agentId, runId, drivers = {}) {
      refuseLocalOptions("evolution.resume", drivers, ["model", "runner", "checkers", "onProgress"], {
        modelByName: true,
      });
      return t.call("evolution.resume", {
        params: { id: agentId, runId },
        body: { model: drivers.model, wait: true },
      });
    },
    rollback: (agentId, runId) => t.call("evolution.rollback", { params: { id: agentId, runId } }),
    list: (agentId, options = {}) =>
      t.call("evolution.list", { params: { id: agentId }, query: { ...options } }),
    get: async (agentId, runId) => (await run(agentId, runId)).run,
    report: async (agentId, runId) => (await run(agentId, runId)).report,
    distill: (agentId, options) => t.call("evolution.distill", { params: { id: agentId }, body: options }),
  };
}

/** `client.sleeptime`: `run` waits for the jobs, `enqueue` answers at once. */
export function sleeptimeClient(t: Transport): SleeptimeClient {
  return {
    async run(agentId, input = {}) {
      refuseLocalOptions("sleeptime.run", input, ["onProgress"]);
      return t.call("sleeptime.run", { params: { id: agentId }, body: { ...input, wait: true } });
    },
    enqueue: (agentId, input = {}) =>
      t.call("sleeptime.run", { params: { id: agentId }, body: { ...input, wait: false } }),
    list: (agentId, input = {}) => t.call("sleeptime.list", { params: { id: agentId }, query: { ...input } }),
    get: (agentId, jobId) => t.call("sleeptime.get", { params: { id: agentId, jid: jobId } }),
  };
}

/** `client.transfer`. */
export function transferClient(t: Transport): TransferClient {
  return {
    export: (agentId) => t.call("transfer.export", { params: { id: agentId } }),
    async importWithReport(document, { createProject, ...options } = {}) {
      // Whether a missing project may be created is the server's (the key's) to decide, not the caller's.
      void createProject;
      // The answer is the agent with its report beside its fields; the library keeps them apart.
      const { report, ...agent } = await t.call<Agent & { report: ImportReport }>("transfer.import", {
        body: { document, ...options, project: options.project ?? t.options.project },
      });
      return { agent, report };
    },
    async import(document, options) {
      return (await this.importWithReport(document, options)).agent;
    },
  };
}

/** `client.vectors`. */
export function vectorsClient(t: Transport): VectorsClient {
  return {
    async reindex(options = {}) {
      refuseLocalOptions("vectors.reindex", options, ["rebuild"]);
      const { agentId, ...body } = options;
      return t.call("vectors.reindex", { params: { id: agentId ?? "" }, body });
    },
  };
}
