/**
 * What the API says about a run: its status, progress and outcome, and the files it wrote.
 */
import * as Schema from "effect/Schema"

/**
 * queued: accepted, waiting for a free run slot; running: replaying; succeeded: results
 * written (summary.json last); failed: see `error`; cancelled: stopped by `DELETE /runs/:id`
 * (or the service shutting down) before it finished, nothing kept.
 */
export const RunStatus = Schema.Literal("queued", "running", "succeeded", "failed", "cancelled").annotations({
  identifier: "RunStatus"
})
/** A run's status. */
export type RunStatus = typeof RunStatus.Type

/** True once a run can no longer change. */
export const isTerminal = (s: RunStatus): boolean => s === "succeeded" || s === "failed" || s === "cancelled"

/** How far a run has got. */
export const RunProgress = Schema.Struct({
  /** Market events replayed so far. */
  eventsProcessed: Schema.Int,
  /** Simulated time of the last replayed event (ISO-8601, ns); null before the first. */
  simTime: Schema.NullOr(Schema.String),
  /** Simulated time elapsed over the configured data range, 0 to 100. */
  percent: Schema.Number
}).annotations({ identifier: "RunProgress" })
/** How far a run has got. */
export type RunProgress = typeof RunProgress.Type

/** Why a run failed. */
export const RunFailure = Schema.Struct({
  /** The engine's reason: InvalidConfig, Data, Storage, Engine (or Cancelled). */
  reason: Schema.String,
  message: Schema.String
}).annotations({ identifier: "RunFailure" })
/** Why a run failed. */
export type RunFailure = typeof RunFailure.Type

/** One run. */
export const RunInfo = Schema.Struct({
  runId: Schema.String,
  /** The config's `name`; null when it has none, or not yet read (runs found in storage, in listings). */
  name: Schema.NullOr(Schema.String),
  /** SHA-256 of the config's normal form: equal configs, equal hashes. Null as for `name`. */
  configHash: Schema.NullOr(Schema.String),
  status: RunStatus,
  /** `service`: started by this process; `storage`: a finished run found in the results storage. */
  origin: Schema.Literal("service", "storage"),
  /** ISO-8601 wall-clock times; null when unknown (runs found in storage know only when they finished). */
  submittedAt: Schema.NullOr(Schema.String),
  startedAt: Schema.NullOr(Schema.String),
  finishedAt: Schema.NullOr(Schema.String),
  /** Null until the run starts replaying. */
  progress: Schema.NullOr(RunProgress),
  /** Set when `status` is failed. */
  error: Schema.NullOr(RunFailure),
  /** Where its files are (`<results root>/<runId>/`). */
  resultsUri: Schema.String
}).annotations({ identifier: "RunInfo" })
/** One run. */
export type RunInfo = typeof RunInfo.Type

/** One result file of a run. */
export const ResultFile = Schema.Struct({
  /** File name, e.g. `fills.csv`; fetch it from `/runs/:runId/files/:name`. */
  name: Schema.String,
  size: Schema.Int,
  contentType: Schema.String,
  updatedAt: Schema.NullOr(Schema.String)
}).annotations({ identifier: "ResultFile" })
/** One result file. */
export type ResultFile = typeof ResultFile.Type

/** The content type a result file is served with, from its extension. */
export const contentTypeOf = (name: string): string => {
  const ext = name.slice(name.lastIndexOf(".") + 1).toLowerCase()
  switch (ext) {
    case "csv":
      return "text/csv; charset=utf-8"
    case "json":
      return "application/json"
    case "parquet":
      return "application/vnd.apache.parquet"
    default:
      return "application/octet-stream"
  }
}
