import { Decimal } from "@odum/domain"
import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import * as Exposure from "../src/Exposure.js"
import * as PositionTracker from "../src/PositionTracker.js"
import { BINANCE_SPOT, BYBIT_SPOT, d, DERIBIT_CALL, DERIBIT_PERP, fill, OKX_PERP, specs, str, strategy } from "./fixtures.js"

const A = strategy("alpha")
const B = strategy("beta")
const ok = (error: unknown) => expect(error).toBeUndefined()

const book = () => {
  const t = PositionTracker.make({ instruments: specs })
  ok(t.apply(fill(BINANCE_SPOT, "BUY", "0.5", "59000"), A))
  ok(t.apply(fill(BYBIT_SPOT, "BUY", "0.25", "59500"), B))
  ok(t.apply(fill(OKX_PERP, "SELL", "40", "59800"), B)) // 0.4 BTC short
  ok(t.apply(fill(DERIBIT_PERP, "SELL", "100", "60000"), A)) // 1000 USD short
  ok(t.apply(fill(DERIBIT_CALL, "BUY", "2", "0.05"), A)) // 2 BTC of underlying
  return t
}

const marks = (t: PositionTracker.PositionTracker) => {
  ok(t.mark(BINANCE_SPOT, d("60000"), 1))
  ok(t.mark(BYBIT_SPOT, d("60010"), 1))
  ok(t.mark(OKX_PERP, d("60020"), 1))
  ok(t.mark(DERIBIT_PERP, d("50000"), 1))
  ok(t.mark(DERIBIT_CALL, d("0.06"), 1))
}

const rates = { USDT: d("0.999"), BTC: d("60000") }

describe("exposure", () => {
  it("adds spot, linear and inverse notionals in one currency, options by underlying (hand-checked)", () => {
    const t = book()
    marks(t)
    const e = Either.getOrThrow(t.exposure({ currency: "USD", rates }))
    // spot 0.5*60000 = 30000 USDT, 0.25*60010 = 15002.5 USDT, OKX -0.4*60020 = -24008 USDT:
    // at 0.999 USD: 29970 + 14987.4975 - 23983.992 ; Deribit -1000 USD ; option 2 BTC * 60000 = 120000 USD.
    expect(str(e.gross)).toBe("189941.4895")
    expect(str(e.net)).toBe("19973.5055")
    const btc = e.byBaseAsset["BTC"]!
    // 0.5 + 0.25 - 0.4 - 1000/50000
    expect(str(btc.netQuantity)).toBe("0.33")
    expect(str(btc.optionUnderlying)).toBe("2")
    expect(str(btc.gross)).toBe(str(e.gross))
    expect(str(e.byVenue["DERIBIT"]!.gross)).toBe("121000")
    expect(str(e.byVenue["DERIBIT"]!.net)).toBe("-1000")
    expect(str(e.byStrategy["beta"]!.net)).toBe("-8996.4945")
  })

  it("totals the same whichever venue holds the BTC: spot on Binance or Bybit", () => {
    const t1 = PositionTracker.make({ instruments: specs })
    const t2 = PositionTracker.make({ instruments: specs })
    ok(t1.apply(fill(BINANCE_SPOT, "BUY", "1", "59000"), A))
    ok(t2.apply(fill(BYBIT_SPOT, "BUY", "1", "59000"), A))
    ok(t1.mark(BINANCE_SPOT, d("60000"), 1))
    ok(t2.mark(BYBIT_SPOT, d("60000"), 1))
    const e1 = Either.getOrThrow(t1.exposure({ currency: "USDT", rates: {} }))
    const e2 = Either.getOrThrow(t2.exposure({ currency: "USDT", rates: {} }))
    expect(str(e1.net)).toBe("60000")
    expect(e1.byBaseAsset).toEqual(e2.byBaseAsset)
  })

  it("fails naming every instrument without a mark, and every asset without a rate", () => {
    const t = book()
    const missingMark = Exposure.compute(t.positions(), { currency: "USD", rates })
    expect(Either.isLeft(missingMark) && missingMark.left.reason).toBe("MissingMark")
    expect(Either.isLeft(missingMark) && missingMark.left.message).toContain(BINANCE_SPOT)
    expect(Either.isLeft(missingMark) && missingMark.left.message).toContain(DERIBIT_PERP)
    marks(t)
    const missingRate = t.exposure({ currency: "USD", rates: { USDT: d("1") } })
    expect(Either.isLeft(missingRate) && missingRate.left.reason).toBe("MissingRate")
    expect(Either.isLeft(missingRate) && missingRate.left.message).toContain("BTC")
  })

  it("ignores flat positions, marked or not", () => {
    const t = PositionTracker.make({ instruments: specs })
    ok(t.apply(fill(OKX_PERP, "BUY", "1", "100"), A))
    ok(t.apply(fill(OKX_PERP, "SELL", "1", "100"), A))
    const e = Either.getOrThrow(t.exposure({ currency: "USD", rates: {} }))
    expect(Decimal.isZero(e.gross)).toBe(true)
    expect(e.byBaseAsset).toEqual({})
  })
})
