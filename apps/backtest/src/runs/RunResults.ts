/**
 * Reads finished runs from the results storage: every run the service starts writes under
 * `<results root>/<runId>/` (the layout of @odum/backtest `ResultFiles`), and a run whose
 * `summary.json` exists is finished. This is how runs of earlier processes (or of the
 * `odum` CLI writing to the same root) are listed and served.
 */
import { ResultFiles, RunSummary } from "@odum/backtest"
import { Storage, StorageConfig, StorageError } from "@odum/ucs"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import { StorageFailure } from "../ApiErrors.js"
import { ServiceConfig } from "../ServiceConfig.js"
import { contentTypeOf, type ResultFile } from "./RunInfo.js"

/** A finished run found in storage. */
export interface StoredRun {
  readonly runId: string
  /** When its summary.json was written, ISO-8601; null if the storage does not say. */
  readonly finishedAt: string | null
}

/** Access to the results storage. */
export interface RunResultsService {
  /** The results root, as configured (any UCS URI form). */
  readonly root: string
  /** The run's folder, ending in `/`. */
  readonly runUri: (runId: string) => string
  /** The run's summary; none if it has none (not finished, or unknown). */
  readonly summary: (runId: string) => Effect.Effect<Option.Option<RunSummary.RunSummary>, StorageFailure>
  /** The finished run `runId` with its summary; none if storage has no summary for it. */
  readonly find: (runId: string) => Effect.Effect<Option.Option<StoredRun & { readonly summary: RunSummary.RunSummary }>, StorageFailure>
  /** Whether the run has a summary (is finished) in storage. */
  readonly exists: (runId: string) => Effect.Effect<boolean, StorageFailure>
  /** Every finished run under the root, in run id order. */
  readonly list: Effect.Effect<ReadonlyArray<StoredRun>, StorageFailure>
  /** The run's files (empty when it has none yet). */
  readonly files: (runId: string) => Effect.Effect<ReadonlyArray<ResultFile>, StorageFailure>
  /** One file's bytes, streamed from storage. */
  readonly download: (runId: string, name: string) => Stream.Stream<Uint8Array, StorageError.StorageError>
}

/** The results storage. */
export class RunResults extends Context.Tag("@odum/backtest-service/RunResults")<RunResults, RunResultsService>() {}

/** A storage failure as the API reports it. */
export const storageFailure = (e: StorageError.StorageError): StorageFailure =>
  new StorageFailure({ reason: e.reason, message: e.message })

const decodeSummary = Schema.decodeUnknown(Schema.parseJson(RunSummary.RunSummary))

const iso = (d: Date | undefined): string | null => (d === undefined ? null : d.toISOString())

/** Builds the service over `storage`, rooted at `root`. */
export const make = (storage: Storage.StorageService, root: string): RunResultsService => {
  const base = root.replace(/\/+$/, "")
  const prefix = base === "" ? "" : `${base}/`
  const runUri = (runId: string) => ResultFiles.runPaths(root, runId).root

  const summary = (runId: string): Effect.Effect<Option.Option<RunSummary.RunSummary>, StorageFailure> =>
    Effect.gen(function* () {
      const bytes = yield* storage.download(ResultFiles.runPaths(root, runId).summary).pipe(
        Effect.map(Option.some),
        Effect.catchIf((e) => e.reason === "NotFound", () => Effect.succeedNone),
        Effect.mapError(storageFailure)
      )
      if (Option.isNone(bytes)) return Option.none()
      const decoded = yield* decodeSummary(new TextDecoder().decode(bytes.value)).pipe(
        Effect.mapError(
          (e) => new StorageFailure({ reason: "Corrupt", message: `${runId}/summary.json is not a run summary: ${e.message}` })
        )
      )
      return Option.some(decoded)
    })

  const exists = (runId: string) =>
    storage.exists(ResultFiles.runPaths(root, runId).summary).pipe(Effect.mapError(storageFailure))

  const list = storage.list(prefix).pipe(
    Effect.map(({ objects }) => {
      const runs: Array<StoredRun> = []
      for (const o of objects) {
        const rest = o.uri.startsWith(prefix) ? o.uri.slice(prefix.length) : undefined
        const m = rest === undefined ? null : /^([^/]+)\/summary\.json$/.exec(rest)
        if (m !== null) runs.push({ runId: m[1]!, finishedAt: iso(o.updated) })
      }
      return runs
    }),
    Effect.mapError(storageFailure)
  )

  const files = (runId: string) => {
    const folder = runUri(runId)
    return storage.list(folder, { delimiter: "/" }).pipe(
      Effect.map(({ objects }) =>
        objects.map((o): ResultFile => {
          const name = o.uri.slice(folder.length)
          return { name, size: o.size, contentType: contentTypeOf(name), updatedAt: iso(o.updated) }
        })
      ),
      Effect.mapError(storageFailure)
    )
  }

  const find = (runId: string) =>
    Effect.gen(function* () {
      const found = yield* summary(runId)
      if (Option.isNone(found)) return Option.none()
      const info = yield* storage.stat(ResultFiles.runPaths(root, runId).summary).pipe(
        Effect.map(Option.some),
        // Deleted between the two calls: as if it were never there.
        Effect.catchIf((e) => e.reason === "NotFound", () => Effect.succeedNone),
        Effect.mapError(storageFailure)
      )
      return Option.map(info, (i) => ({ runId, finishedAt: iso(i.updated), summary: found.value }))
    })

  return {
    root,
    runUri,
    summary,
    find,
    exists,
    list,
    files,
    download: (runId, name) => storage.downloadStream(`${runUri(runId)}${name}`)
  }
}

/** The service over the app's storage, rooted at `BACKTEST_RESULTS_URI` or else the storage's results location. */
export const layer = Layer.effect(
  RunResults,
  Effect.gen(function* () {
    const storage = yield* Storage.Storage
    const settings = yield* ServiceConfig
    const storageConfig = yield* StorageConfig.StorageConfig
    return make(storage, Option.getOrElse(settings.resultsUri, () => storageConfig.resultsBaseUri))
  })
)
