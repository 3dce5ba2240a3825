/**
 * The runs endpoints: start, list, follow, summary, files, cancel.
 */
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { BacktestConfig, RunSummary } from "@odum/backtest"
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import { FileNotFound, InvalidConfig, RunExists, RunNotFound, RunNotReady, StorageFailure } from "../ApiErrors.js"
import { ResultFile, RunInfo, RunStatus } from "./RunInfo.js"

/**
 * The config's JSON Schema with every definition inlined, so the OpenAPI document (and
 * Swagger UI) shows the fields a config takes while decoding stays the engine's.
 */
const configJsonSchema: object = (() => {
  const defs: Record<string, JSONSchema.JsonSchema7> = {}
  const root = JSONSchema.fromAST(Schema.encodedSchema(BacktestConfig.BacktestConfig).ast, { definitions: defs })
  const inline = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(inline)
    if (typeof node !== "object" || node === null) return node
    const ref = (node as { $ref?: unknown }).$ref
    if (typeof ref === "string" && ref.startsWith("#/$defs/")) return inline(defs[ref.slice(8)])
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v)]))
  }
  return inline(root) as object
})()

const startRunDescription =
  'A backtest config (JSON), or { "configPath": "backtest.example.json" } naming a file under the service\'s config folder. ' +
  "Leave runId out to get a fresh id per submission; leave output.uri out (the service writes under its results root)."

/**
 * The body of `POST /runs`: a backtest config (the JSON of @odum/backtest `BacktestConfig`),
 * or `{ "configPath": "<file under the config folder>" }`. It is checked by the engine's own
 * decoder (unknown fields are errors), not by this schema, so every problem is reported by
 * its field path.
 */
export const StartRunPayload = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  identifier: "StartRunPayload",
  jsonSchema: {
    description: startRunDescription,
    oneOf: [
      configJsonSchema,
      {
        type: "object",
        required: ["configPath"],
        properties: { configPath: { type: "string", description: "A .json file under the config folder, e.g. backtest.example.json" } },
        additionalProperties: false
      }
    ]
  },
  description: startRunDescription
})

const runIdParam = Schema.Struct({ runId: BacktestConfig.RunId })

/** A result file's name: one path segment. */
export const FileName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { message: () => "a file name such as fills.csv" })
).annotations({ identifier: "FileName" })

/** Server-Sent Events: `event: status` with a RunInfo per change, then `event: end` with the final RunInfo. */
export const ProgressEvents = HttpApiSchema.Text({ contentType: "text/event-stream" }).annotations({
  description: "Server-Sent Events: `status` events carry the RunInfo JSON at every change; the last one is an `end` event with the final RunInfo."
})

/** Bytes of a result file; its content type follows its extension (text/csv, application/vnd.apache.parquet, application/json). */
export const FileBytes = HttpApiSchema.Uint8Array({ contentType: "application/octet-stream" })

/** The runs group. */
export class RunsApi extends HttpApiGroup.make("runs")
  .add(
    HttpApiEndpoint.post("start", "/runs")
      .setPayload(StartRunPayload)
      .addSuccess(RunInfo, { status: 202 })
      .addError(InvalidConfig)
      .addError(RunExists)
      .addError(StorageFailure)
      .annotate(OpenApi.Summary, "Start a run: validates the config, queues the run and answers at once with its id")
  )
  .add(
    HttpApiEndpoint.get("list", "/runs")
      .setUrlParams(Schema.Struct({ status: Schema.optional(RunStatus) }))
      .addSuccess(Schema.Array(RunInfo))
      .addError(StorageFailure)
      .annotate(OpenApi.Summary, "List runs: this process's runs, newest first, then finished runs found in the results storage")
  )
  .add(
    HttpApiEndpoint.get("get", "/runs/:runId")
      .setPath(runIdParam)
      .addSuccess(RunInfo)
      .addError(RunNotFound)
      .addError(StorageFailure)
      .annotate(OpenApi.Summary, "A run's status and progress")
  )
  .add(
    HttpApiEndpoint.get("progress", "/runs/:runId/progress")
      .setPath(runIdParam)
      .addSuccess(ProgressEvents)
      .addError(RunNotFound)
      .addError(StorageFailure)
      .annotate(OpenApi.Summary, "Follow a run: Server-Sent Events until it ends")
  )
  .add(
    HttpApiEndpoint.get("summary", "/runs/:runId/summary")
      .setPath(runIdParam)
      .addSuccess(RunSummary.RunSummary)
      .addError(RunNotFound)
      .addError(RunNotReady)
      .addError(StorageFailure)
      .annotate(OpenApi.Summary, "A succeeded run's summary.json")
  )
  .add(
    HttpApiEndpoint.get("files", "/runs/:runId/files")
      .setPath(runIdParam)
      .addSuccess(Schema.Array(ResultFile))
      .addError(RunNotFound)
      .addError(StorageFailure)
      .annotate(OpenApi.Summary, "A run's result files")
  )
  .add(
    HttpApiEndpoint.get("file", "/runs/:runId/files/:name")
      .setPath(Schema.Struct({ runId: BacktestConfig.RunId, name: FileName }))
      .addSuccess(FileBytes)
      .addError(RunNotFound)
      .addError(FileNotFound)
      .addError(StorageFailure)
      .annotate(OpenApi.Summary, "One result file (fills.csv, equity.parquet, ...), streamed from storage")
  )
  .add(
    HttpApiEndpoint.del("cancel", "/runs/:runId")
      .setPath(runIdParam)
      .addSuccess(RunInfo)
      .addError(RunNotFound)
      .addError(RunNotReady)
      .addError(StorageFailure)
      .annotate(OpenApi.Summary, "Cancel a queued or running run (its results are not kept)")
  )
  .annotate(OpenApi.Title, "Runs")
  .annotate(OpenApi.Description, "Start backtest runs, follow them, fetch their results") {}
