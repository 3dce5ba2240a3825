/**
 * The health handler.
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as Effect from "effect/Effect"
import { BacktestApi } from "../Api.js"
import { RunRegistry } from "../runs/RunRegistry.js"
import { RunResults } from "../runs/RunResults.js"
import { ServiceConfig } from "../ServiceConfig.js"

/** The service's version, shown by `/health`. */
export const VERSION = "0.1.0"

/** The health group's handler. */
export const HttpHealthLive = HttpApiBuilder.group(BacktestApi, "health", (handlers) =>
  Effect.gen(function* () {
    const registry = yield* RunRegistry
    const results = yield* RunResults
    const settings = yield* ServiceConfig
    return handlers.handle("health", () =>
      Effect.map(registry.counts, (runs) => ({
        status: "ok" as const,
        service: "backtest" as const,
        version: VERSION,
        runs,
        maxConcurrentRuns: settings.maxConcurrentRuns,
        resultsUri: results.root
      }))
    )
  })
)
