import { Decimal, Fill } from "@odum/domain"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { Positions } from "../src/Positions.js"
import * as PositionsModule from "../src/Positions.js"
import { BINANCE_PERP, d, DERIBIT_PERP, fill, specOf, specs, str, strategy } from "./fixtures.js"

const A = strategy("alpha")

describe("Positions service", () => {
  it.effect("applies fills, marks with the Clock's time, and serves unified rows", () =>
    Effect.gen(function* () {
      const positions = yield* Positions
      const p = yield* positions.applyFill(fill(DERIBIT_PERP, "BUY", "100", "40000", { timestamp: 5 }), A)
      expect(str(p.size)).toBe("1000")
      yield* TestClock.adjust("1 minute")
      yield* positions.mark(DERIBIT_PERP, d("50000"))
      const [row] = yield* positions.unifiedRows
      expect(row!.canonical_id).toBe("PERPETUAL:BTC-USD@INV")
      expect(str(row!.unrealized_pnl ?? undefined)).toBe("0.005")
      expect(row!.updated_at).toBe(60_000)
      expect(row!.pnl_currency).toBe("BTC")
    }).pipe(Effect.provide(PositionsModule.layer({ instruments: specs })))
  )

  it.effect("decodes encoded fills and fails with InvalidFill on a non-decimal quantity, changing nothing", () =>
    Effect.gen(function* () {
      const positions = yield* Positions
      const encoded = Schema.encodeSync(Fill.Fill)(fill(BINANCE_PERP, "BUY", "2", "100"))
      const p = yield* positions.applyEncodedFill(encoded, "alpha")
      expect(str(p.quantity)).toBe("2")
      const bad = yield* Effect.either(positions.applyEncodedFill({ ...encoded, tradeId: "other", quantity: "1e3" }, "alpha"))
      expect(Either.isLeft(bad) && bad.left.reason).toBe("InvalidFill")
      expect(Either.isLeft(bad) && bad.left.message).toContain("1e3")
      const noStrategy = yield* Effect.either(positions.applyEncodedFill({ ...encoded, tradeId: "third" }, ""))
      expect(Either.isLeft(noStrategy) && noStrategy.left.reason).toBe("InvalidFill")
      const duplicate = yield* Effect.either(positions.applyEncodedFill(encoded, "alpha"))
      expect(Either.isLeft(duplicate) && duplicate.left.reason).toBe("DuplicateFill")
      const all = yield* positions.positions
      expect(all.map((x) => str(x.quantity))).toEqual(["2"])
    }).pipe(Effect.provide(PositionsModule.layer({ instruments: specs })))
  )

  it.effect("fails typed on unknown instruments, missing marks and bad reports", () =>
    Effect.gen(function* () {
      const positions = yield* Positions
      const unknown = yield* Effect.either(positions.mark("OKX:PERPETUAL:DOGE-USDT", d("1")))
      expect(Either.isLeft(unknown) && unknown.left.reason).toBe("UnknownInstrument")
      yield* positions.applyFill(fill(BINANCE_PERP, "BUY", "1", "100"), A)
      const exposure = yield* Effect.either(positions.exposure({ currency: "USDT", rates: {} }))
      expect(Either.isLeft(exposure) && exposure.left.reason).toBe("MissingMark")
      const diffs = yield* positions.reconcile([{ venue: specOf(BINANCE_PERP).venue, canonicalId: BINANCE_PERP, quantity: d("1") }])
      expect(diffs).toEqual([])
      yield* positions.addInstrument(specOf(BINANCE_PERP))
      const conflict = yield* Effect.either(positions.addInstrument({ ...specOf(BINANCE_PERP), contractSize: Decimal.fromInt(2) }))
      expect(Either.isLeft(conflict) && conflict.left.reason).toBe("InvalidInstrument")
    }).pipe(Effect.provide(PositionsModule.layer({ instruments: specs })))
  )

  it.effect("the layer fails when two specs for one instrument disagree", () =>
    Effect.gen(function* () {
      const result = yield* Effect.either(
        PositionsModule.make({ instruments: [specOf(BINANCE_PERP), { ...specOf(BINANCE_PERP), contractSize: d("0.1") }] })
      )
      expect(Either.isLeft(result) && result.left.reason).toBe("InvalidInstrument")
    })
  )
})
