/**
 * The compare handler.
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as Effect from "effect/Effect"
import { BacktestApi } from "../Api.js"
import { RunRegistry } from "../runs/RunRegistry.js"
import { compare } from "./Compare.js"

/** The compare group's handler. */
export const HttpCompareLive = HttpApiBuilder.group(BacktestApi, "compare", (handlers) =>
  Effect.gen(function* () {
    const registry = yield* RunRegistry
    return handlers.handle("compare", ({ urlParams }) =>
      Effect.map(
        Effect.all([registry.summary(urlParams.a), registry.summary(urlParams.b)], { concurrency: 2 }),
        ([a, b]) => compare(a, b)
      )
    )
  })
)
