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
import type { MarketDataError } from "@odum/marketdata"
import { Storage, type StorageError } from "@odum/ucs"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { setFlagsFromString } from "node:v8"
import * as BacktestConfig from "./BacktestConfig.js"
import { BacktestError } from "./BacktestError.js"
import { canonicalJson } from "./internal/canonicalJson.js"
import { Cancelled } from "./internal/Engine.js"
import { dataError, prepare } from "./internal/prepare.js"
import * as Results from "./internal/results.js"
import * as ResultFiles from "./ResultFiles.js"
import * as RunId from "./RunId.js"
import type { RunSummary } from "./RunSummary.js"

/**
 * Sets the V8 option a process that runs backtests should run with: allocation-site
 * pretenuring off. Call it once, at start-up, before the first replay (the odum CLI and the
 * backtest service do); it changes the whole process, so a library never calls it for you.
 *
 * Why: V8 decides per allocation site, from how long its objects survived so far, to
 * allocate them straight into the old generation, and keeps the decision. A replay with
 * few orders keeps each order's records for many scavenges (the OMS holds its last
 * finished orders, and they finish rarely), so their sites are pretenured; a replay with an
 * order per tick after it, in the same process, then allocates records that die within a
 * few hundred ticks in the old generation, where only a full collection frees them, and
 * every young object they point to survives each scavenge. Measured (docs/performance.md,
 * session 8): one order per tick for 1.5M ticks after a 10M-tick sparse replay ran at
 * 150,000-162,000 CPU ticks/s with 15-20 ms scavenges keeping 5 MB each, 210,000-229,000
 * with this (4 ms, 1 MB); the same replay alone is unchanged either way. Not for a process
 * whose orders live long by design: an OMS keeping every one of 1M orders is 25-35% slower
 * without pretenuring (the OMS benchmark).
 */
export const tuneHeap = (): void => {
  setFlagsFromString("--no-allocation-site-pretenuring")
}

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
  /**
   * Give the event loop a turn every `yieldEvery` market events (rounded up to a multiple of
   * 1,024) instead of after every 20 ms of replay (the default). The replay's results are the
   * same either way; this makes the number and place of the turns a function of the data, not
   * of the wall clock (for instruction counts under a profiler, which runs ~50x slower).
   */
  readonly yieldEvery?: number
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
    const { engine, cursor } = yield* prepare(config, runId, { tables: options.write !== false })

    const onProgress = options.onProgress
    const progress = onProgress === undefined ? undefined : (p: Omit<Progress, "runId">) => onProgress({ runId, ...p })
    const started = performance.now()
    yield* Effect.tryPromise({
      try: (interrupt) => {
        const outer = options.signal
        const signal = outer === undefined ? interrupt : AbortSignal.any([outer, interrupt])
        return engine.run(cursor, signal, progress, options.yieldEvery)
      },
      catch: (e) =>
        e instanceof Cancelled
          ? new BacktestError({ reason: "Cancelled", message: "The backtest was cancelled; nothing was written", runId })
          : isCatalogError(e)
            ? dataError(runId, "Reading the market data")(e)
            : new BacktestError({ reason: "Engine", message: `The replay failed: ${messageOf(e)}`, runId, cause: e })
    })
    const wallTimeMs = performance.now() - started

    const deterministic = Results.summarize(engine, config, runId, configHash)
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
      // One table's rows at a time, built from the engine's compact columns when it is written.
      // Each encoding is one synchronous stretch: give the event loop a turn between them (a
      // service answers its other requests meanwhile).
      for (const { table: rowsOf } of Results.tables(engine)) {
        const table = rowsOf()
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

const isCatalogError = (u: unknown): u is MarketDataError.CatalogError =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "CatalogError"

const messageOf = (u: unknown): string => (u instanceof Error ? u.message : String(u))
