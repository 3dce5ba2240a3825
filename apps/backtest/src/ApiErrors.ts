/**
 * Every error the HTTP API answers with. They cross the process boundary, so each is a
 * `Schema.TaggedError` whose status is part of its schema (and of the OpenAPI document).
 * The body is the error encoded as JSON: `{ "_tag": "InvalidConfig", "message": ..., ... }`.
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as Schema from "effect/Schema"

/** The submitted config (or its request) is malformed; `issues` name each bad field by its path. Nothing was started. */
export class InvalidConfig extends Schema.TaggedError<InvalidConfig>()(
  "InvalidConfig",
  {
    message: Schema.String,
    /** One entry per problem: `path: what is wrong` (e.g. `strategy.quantity: Expected a positive decimal ...`). */
    issues: Schema.Array(Schema.String)
  },
  HttpApiSchema.annotations({ status: 400, description: "The backtest config is invalid; issues name each bad field" })
) {}

/** No run with this id, in this process or in the results storage. */
export class RunNotFound extends Schema.TaggedError<RunNotFound>()(
  "RunNotFound",
  { runId: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No run with this id" })
) {}

/** The config fixes a run id that is already taken (queued, running, or with results in storage). */
export class RunExists extends Schema.TaggedError<RunExists>()(
  "RunExists",
  { runId: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 409, description: "A run with this id already exists" })
) {}

/** The request needs a finished run (summary, files, compare), or a live one (cancel), and the run is not in that state. */
export class RunNotReady extends Schema.TaggedError<RunNotReady>()(
  "RunNotReady",
  { runId: Schema.String, status: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 409, description: "The run is not in a state that allows this request" })
) {}

/** The run has no result file of this name. */
export class FileNotFound extends Schema.TaggedError<FileNotFound>()(
  "FileNotFound",
  { runId: Schema.String, name: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "The run has no file of this name" })
) {}

/** The results storage failed (unreachable, permission denied, corrupt data). */
export class StorageFailure extends Schema.TaggedError<StorageFailure>()(
  "StorageFailure",
  { reason: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 503, description: "The results storage failed" })
) {}
