/**
 * The runs handlers.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { BacktestApi } from "../Api.js"
import { FileNotFound } from "../ApiErrors.js"
import { ServiceConfig } from "../ServiceConfig.js"
import { isTerminal, RunInfo } from "./RunInfo.js"
import { RunRegistry } from "./RunRegistry.js"
import { toConfig } from "./RunRequest.js"
import { RunResults } from "./RunResults.js"

const encoder = new TextEncoder()
const encodeInfo = Schema.encodeSync(Schema.parseJson(RunInfo))

/** One SSE message; the JSON has no newlines, so one `data:` line carries it. */
const sse = (event: string, info: RunInfo) => encoder.encode(`event: ${event}\ndata: ${encodeInfo(info)}\n\n`)

/** The runs group's handlers. */
export const HttpRunsLive = HttpApiBuilder.group(BacktestApi, "runs", (handlers) =>
  Effect.gen(function* () {
    const registry = yield* RunRegistry
    const results = yield* RunResults
    const requestContext = yield* Effect.context<ServiceConfig | FileSystem.FileSystem | Path.Path>()
    return handlers
      .handle("start", ({ payload }) => Effect.flatMap(Effect.provide(toConfig(payload), requestContext), registry.submit))
      .handle("list", ({ urlParams }) => registry.list({ status: urlParams.status }))
      .handle("get", ({ path }) => registry.get(path.runId))
      .handle("progress", ({ path }) =>
        Effect.map(registry.watch(path.runId), (changes) => {
          // Each state as a `status` event; the final one again as `end`, so clients know to stop
          // (an EventSource otherwise reconnects when the stream closes).
          const events = Stream.mapConcat(changes, (info) =>
            isTerminal(info.status) ? [sse("status", info), sse("end", info)] : [sse("status", info)]
          )
          return HttpServerResponse.stream(events, {
            contentType: "text/event-stream",
            headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
          })
        })
      )
      .handle("summary", ({ path }) => registry.summary(path.runId))
      .handle("files", ({ path }) => Effect.zipRight(registry.get(path.runId), results.files(path.runId)))
      .handle("file", ({ path }) =>
        Effect.gen(function* () {
          yield* registry.get(path.runId)
          const file = (yield* results.files(path.runId)).find((f) => f.name === path.name)
          if (file === undefined) {
            return yield* new FileNotFound({ runId: path.runId, name: path.name, message: `run ${path.runId} has no file ${path.name}` })
          }
          return HttpServerResponse.stream(results.download(path.runId, file.name), {
            contentType: file.contentType,
            contentLength: file.size,
            headers: { "content-disposition": `inline; filename="${file.name}"` }
          })
        })
      )
      .handle("cancel", ({ path }) => registry.cancel(path.runId))
  })
)
