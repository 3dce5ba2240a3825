import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as InMemoryRiskBook from "../src/InMemoryRiskBook.js"
import * as RiskEngine from "../src/RiskEngine.js"
import { makeBook, order, outcome } from "./fixtures.js"

const engineLayer = (config: unknown) => RiskEngine.layer(config).pipe(Layer.provide(InMemoryRiskBook.layer(makeBook())))

describe("RiskEngine service", () => {
  it.effect("takes the time from Effect's Clock: velocity windows move with TestClock", () =>
    Effect.gen(function* () {
      const engine = yield* RiskEngine.RiskEngine
      yield* TestClock.setTime(1_700_000_000_000)
      expect(outcome(yield* engine.check(order()))).toBe("ALLOW")
      expect(outcome(yield* engine.check(order()))).toBe("ALLOW")
      expect(outcome(yield* engine.check(order()))).toBe("VELOCITY_GLOBAL_PER_SECOND")
      yield* TestClock.adjust("999 millis")
      expect(outcome(yield* engine.check(order()))).toBe("VELOCITY_GLOBAL_PER_SECOND")
      yield* TestClock.adjust("1 millis")
      expect(outcome(yield* engine.check(order()))).toBe("ALLOW")
    }).pipe(Effect.provide(engineLayer({ velocity: { perSecond: 2 } })))
  )

  it.effect("replaceConfig fails with a typed error and keeps the config in force", () =>
    Effect.gen(function* () {
      const engine = yield* RiskEngine.RiskEngine
      const before = yield* engine.currentConfig
      const exit = yield* Effect.exit(engine.replaceConfig({ defaults: { maxQuantity: "ten" } }))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(engine.replaceConfig({ defaults: { maxQuantity: "ten" } }))
      expect(error._tag).toBe("RiskConfigError")
      expect(error.reason).toBe("InvalidConfig")
      expect(error.message).toContain('"ten"')
      expect(yield* engine.currentConfig).toBe(before)
      yield* engine.replaceConfig({ defaults: { maxQuantity: "0.001" } })
      expect(outcome(yield* engine.check(order()))).toBe("QUANTITY_ABOVE_MAX")
    }).pipe(Effect.provide(engineLayer({ defaults: { maxQuantity: "1" } })))
  )

  it.effect("HALTED through the service denies orders and allows cancels", () =>
    Effect.gen(function* () {
      const engine = yield* RiskEngine.RiskEngine
      yield* engine.setTradingState("HALTED", "s1")
      expect(yield* engine.tradingState("s1")).toBe("HALTED")
      expect(outcome(yield* engine.check(order()))).toBe("TRADING_HALTED")
      expect((yield* engine.checkCancel).allowed).toBe(true)
      expect((yield* engine.checkAll(order())).map((d) => d.reason)).toEqual(["TRADING_HALTED"])
    }).pipe(Effect.provide(engineLayer({})))
  )

  it.effect("a layer built from an invalid config fails with RiskConfigError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Effect.provide(RiskEngine.RiskEngine, engineLayer({ velocity: { perSecond: -1 } })))
      expect(error._tag).toBe("RiskConfigError")
      expect(error.message).toContain("perSecond")
    })
  )
})
