/**
 * Before a replay: the instruments' definitions from the catalog, the plan, the engine and
 * the catalog's merged cursor over the data range. Config errors name the config path.
 */
import { Catalog, type Instrument, type MarketDataError, type MergedCursor } from "@odum/marketdata"
import type { Storage } from "@odum/ucs"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { BacktestConfig } from "../BacktestConfig.js"
import { BacktestError, invalidConfig } from "../BacktestError.js"
import { Engine, type EngineOptions } from "./Engine.js"
import { dataInstruments, plan as makePlan } from "./instruments.js"

/** A catalog failure as a BacktestError (InvalidInput is the config's fault). */
export const dataError = (runId: string, what: string) => (e: MarketDataError.CatalogError) =>
  new BacktestError({ reason: e.reason === "InvalidInput" ? "InvalidConfig" : "Data", message: `${what}: ${e.message}`, runId, cause: e })

const withRunId = (e: BacktestError, runId: string): BacktestError =>
  new BacktestError({ reason: e.reason, message: e.message, runId })

/** The engine of run `runId` and the cursor it replays. */
export const prepare = (
  config: BacktestConfig,
  runId: string,
  options: EngineOptions
): Effect.Effect<{ readonly engine: Engine; readonly cursor: MergedCursor.MergedCursor }, BacktestError, Storage.Storage> =>
  Effect.gen(function* () {
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
    const engine = Engine.make(config, plan.right, options)
    if (Either.isLeft(engine)) return yield* Effect.fail(withRunId(invalidConfig(engine.left), runId))

    const cursor = yield* catalog
      .cursor({ instruments: plan.right.data.map((d) => d.id), kinds: config.data.kinds, from: config.data.from, to: config.data.to })
      .pipe(Effect.mapError(dataError(runId, "Opening the market data")))
    return { engine: engine.right, cursor }
  })
