/**
 * Running a backtest: load the instruments and open the catalog's merged cursor (Effect,
 * over UCS), replay it through the execution core against the simulated venues (plain
 * synchronous code, one await per row group), then write the results through UCS.
 *
 * ```ts
 * const config = yield* Backtest.decode(json)            // BacktestConfig, or InvalidConfig naming each bad field
 * const { summary, paths } = yield* Backtest.run(config, { onProgress: (p) => bar.update(p.fraction) })
 * ```
 *
 * Determinism: for the same config and the same catalog contents, every result file is
 * byte-identical on every run (and wherever it is written), except the two fields of
 * summary.json that measure the machine: `wallTimeMs` and `eventsPerSecond`.
 *
 * Cancelling: interrupt the fiber, or fire `options.signal`; the replay stops at its next
 * check (every 16,384 events and every row group) and nothing is written.
 */
import { Catalog, type Instrument, type MarketDataError } from "@odum/marketdata"
import { Storage, type StorageError } from "@odum/ucs"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as BacktestConfig from "./BacktestConfig.js"
import { BacktestError, invalidConfig } from "./BacktestError.js"
import { canonicalJson } from "./internal/canonicalJson.js"
import { Cancelled, Engine } from "./internal/Engine.js"
import { dataInstruments, plan as makePlan } from "./internal/instruments.js"
import * as Results from "./internal/results.js"
import * as ResultFiles from "./ResultFiles.js"
import * as RunId from "./RunId.js"
import type { RunSummary } from "./RunSummary.js"

/** Where a replay is, for progress bars. */
export interface Progress {
  readonly runId: string
  /** Market events replayed so far. */
  readonly events: number
  /** Simulated time reached, ns since the epoch. */
  readonly simTimeNs: bigint
  /** Share of the data range covered, 0 to 1 (by simulated time). */
  readonly fraction: number
}

/** Options of `run`. */
export interface RunOptions {
  /** The results root when the config sets no `output.uri` (default `results/`, a key under the storage's default location). */
  readonly defaultOutputUri?: string
  /** Called every row group and every 16,384 events (and once at the end). Keep it cheap. */
  readonly onProgress?: (progress: Progress) => void
  /** Cancels the run when it fires (fails with reason Cancelled; nothing is written). */
  readonly signal?: AbortSignal
  /** Write the result files (default true); false replays and summarises only (benchmarks). */
  readonly write?: boolean
}

/** A finished run. */
export interface Completed {
  readonly summary: RunSummary
  /** Where its files are (written unless `write: false`). */
  readonly paths: ResultFiles.RunPaths
}

/** Decodes and checks a configuration (JSON value); fails with InvalidConfig listing every bad field. */
export const decode = (input: unknown): Effect.Effect<BacktestConfig.BacktestConfig, BacktestError> =>
  Either.match(BacktestConfig.decode(input), { onLeft: Effect.fail, onRight: Effect.succeed })

/** The results root a config writes under. */
export const outputUriOf = (config: BacktestConfig.BacktestConfig, options: Pick<RunOptions, "defaultOutputUri"> = {}): string =>
  config.output.uri ?? options.defaultOutputUri ?? "results/"

/** The run id and the files of a config's run, without running it. */
export const pathsOf = (
  config: BacktestConfig.BacktestConfig,
  options: Pick<RunOptions, "defaultOutputUri"> = {}
): { readonly runId: string; readonly configHash: string; readonly paths: ResultFiles.RunPaths } => {
  const configHash = BacktestConfig.hash(config)
  const runId = RunId.derive(config, configHash)
  return { runId, configHash, paths: ResultFiles.runPaths(outputUriOf(config, options), runId) }
}

const dataError = (runId: string, what: string) => (e: MarketDataError.CatalogError) =>
  new BacktestError({ reason: e.reason === "InvalidInput" ? "InvalidConfig" : "Data", message: `${what}: ${e.message}`, runId, cause: e })

const storageError = (runId: string) => (e: StorageError.StorageError) =>
  new BacktestError({ reason: "Storage", message: `Writing the results failed: ${e.message}`, runId, cause: e })

/** One turn of the event loop (setImmediate), between synchronous stretches. */
const breathe = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** Runs a backtest and writes its results; see the module comment. */
export const run = (
  config: BacktestConfig.BacktestConfig,
  options: RunOptions = {}
): Effect.Effect<Completed, BacktestError, Storage.Storage> =>
  Effect.gen(function* () {
    const { runId, configHash, paths } = pathsOf(config, options)
    const catalog = yield* Catalog.make({ root: config.data.catalog })

    // Every listing's and data instrument's definition; an unknown one is a config error at its path.
    const wanted = new Map<string, string>()
    config.venues.forEach((v, vi) =>
      v.instruments.forEach((l, li) => {
        if (!wanted.has(l.instrument)) wanted.set(l.instrument, `venues[${vi}].instruments[${li}].instrument`)
      })
    )
    for (const d of dataInstruments(config)) if (!wanted.has(d.id)) wanted.set(d.id, d.path)
    const definitions = new Map<string, Instrument.InstrumentDefinition>()
    const missing: Array<string> = []
    for (const [id, path] of wanted) {
      const def = yield* catalog.instrument(id).pipe(
        Effect.map((d) => d as typeof d | undefined),
        Effect.catchTag("CatalogError", (e) =>
          e.reason === "UnknownInstrument"
            ? Effect.sync(() => {
                missing.push(`${path}: ${id} is not defined in the catalog at ${config.data.catalog}`)
                return undefined
              })
            : Effect.fail(dataError(runId, `Reading the definition of ${id}`)(e))
        )
      )
      if (def !== undefined) definitions.set(id, def)
    }
    if (missing.length > 0) {
      const all = yield* catalog.instruments().pipe(Effect.mapError(dataError(runId, "Reading the catalog's instruments")))
      if (all.length === 0) {
        return yield* Effect.fail(
          new BacktestError({
            reason: "Data",
            message: `No catalog at ${config.data.catalog} (data.catalog): it defines no instruments. A bare key is resolved against the storage's default location (the local root or default bucket the app configured; the odum CLI's is UNIFIED_CLOUD_LOCAL_PATH, default ./data); a gs:// or file:// URI is explicit`,
            runId
          })
        )
      }
      return yield* Effect.fail(withRunId(invalidConfig(missing), runId))
    }
    const plan = makePlan(config, definitions)
    if (Either.isLeft(plan)) return yield* Effect.fail(withRunId(invalidConfig(plan.left), runId))
    const engine = Engine.make(config, plan.right)
    if (Either.isLeft(engine)) return yield* Effect.fail(withRunId(invalidConfig(engine.left), runId))

    const cursor = yield* catalog
      .cursor({ instruments: plan.right.data.map((d) => d.id), kinds: config.data.kinds, from: config.data.from, to: config.data.to })
      .pipe(Effect.mapError(dataError(runId, "Opening the market data")))

    const onProgress = options.onProgress
    const progress = onProgress === undefined ? undefined : (p: Omit<Progress, "runId">) => onProgress({ runId, ...p })
    const started = performance.now()
    yield* Effect.tryPromise({
      try: (interrupt) => {
        const outer = options.signal
        const signal = outer === undefined ? interrupt : AbortSignal.any([outer, interrupt])
        return engine.right.run(cursor, signal, progress)
      },
      catch: (e) =>
        e instanceof Cancelled
          ? new BacktestError({ reason: "Cancelled", message: "The backtest was cancelled; nothing was written", runId })
          : isCatalogError(e)
            ? dataError(runId, "Reading the market data")(e)
            : new BacktestError({ reason: "Engine", message: `The replay failed: ${messageOf(e)}`, runId, cause: e })
    })
    const wallTimeMs = performance.now() - started

    const deterministic = Results.summarize(engine.right, config, runId, configHash)
    const events = deterministic.eventCount
    const summary: RunSummary = {
      ...deterministic,
      wallTimeMs: Math.round(wallTimeMs * 1000) / 1000,
      eventsPerSecond: wallTimeMs > 0 ? Math.round((events / wallTimeMs) * 1000) : 0
    }

    if (options.write !== false) {
      const storage = yield* Storage.Storage
      const put = (uri: string, data: Uint8Array | string) => storage.upload(uri, data).pipe(Effect.mapError(storageError(runId)))
      const { output: _output, ...configForFile } = BacktestConfig.encode(config)
      yield* put(paths.config, `${JSON.stringify(JSON.parse(canonicalJson(configForFile)), null, 2)}\n`)
      const meta = [
        { key: "odum.run_id", value: runId },
        { key: "odum.config_hash", value: configHash }
      ]
      // Each encoding is one synchronous stretch: give the event loop a turn between them (a
      // service answers its other requests meanwhile).
      for (const table of Results.tables(engine.right)) {
        if (config.output.formats.includes("csv")) {
          yield* breathe
          yield* put(paths.csv[table.name], ResultFiles.toCsv(table))
        }
        if (config.output.formats.includes("parquet")) {
          yield* breathe
          yield* put(paths.parquet[table.name], ResultFiles.toParquet(table, meta))
        }
      }
      // Last: a summary.json marks a complete set of results.
      yield* put(paths.summary, `${JSON.stringify(summary, null, 2)}\n`)
    }
    return { summary, paths }
  })

const withRunId = (e: BacktestError, runId: string): BacktestError =>
  new BacktestError({ reason: e.reason, message: e.message, runId })

const isCatalogError = (u: unknown): u is MarketDataError.CatalogError =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "CatalogError"

const messageOf = (u: unknown): string => (u instanceof Error ? u.message : String(u))
