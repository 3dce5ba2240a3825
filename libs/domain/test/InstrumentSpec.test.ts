import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as D from "../src/Decimal.js"
import * as InstrumentSpec from "../src/InstrumentSpec.js"

const d = D.unsafeFromString
const decode = Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)

// Contract terms as the venues publish them (Binance USD-M BTCUSDT, Deribit BTC-PERPETUAL).
const btcusdtPerp = decode({
  canonicalId: "BINANCE-FUTURES:PERPETUAL:BTC-USDT",
  venue: "BINANCE-FUTURES",
  baseAsset: "BTC",
  quoteAsset: "USDT",
  settlementAsset: "USDT",
  kind: "PERPETUAL",
  tickSize: "0.10",
  lotSize: "0.001",
  minQuantity: "0.001",
  maxQuantity: "1000",
  minNotional: "100",
  makerFee: "0.0002",
  takerFee: "0.0005",
  contractSize: "1",
  contractType: "LINEAR"
})
const deribitPerp = decode({
  canonicalId: "DERIBIT:PERPETUAL:BTC-USD@INV",
  venue: "DERIBIT",
  baseAsset: "BTC",
  quoteAsset: "USD",
  settlementAsset: "BTC",
  kind: "PERPETUAL",
  tickSize: "0.5",
  lotSize: "1",
  minQuantity: "1",
  makerFee: "-0.0001",
  takerFee: "0.0005",
  contractSize: "10",
  contractType: "INVERSE"
})

describe("InstrumentSpec", () => {
  it("decodes venue terms into exact decimals and encodes them back canonically", () => {
    expect(btcusdtPerp.tickSize).toEqual(d("0.1"))
    expect(D.isNegative(deribitPerp.makerFee)).toBe(true)
    const encoded = Schema.encodeSync(InstrumentSpec.InstrumentSpec)(btcusdtPerp)
    expect(encoded.tickSize).toBe("0.1")
    expect(decode(encoded)).toEqual(btcusdtPerp)
  })

  it("checks the price and quantity grids", () => {
    expect(InstrumentSpec.isPriceOnGrid(btcusdtPerp, d("65000.3"))).toBe(true)
    expect(InstrumentSpec.isPriceOnGrid(btcusdtPerp, d("65000.35"))).toBe(false)
    expect(InstrumentSpec.isQuantityOnGrid(btcusdtPerp, d("0.012"))).toBe(true)
    expect(InstrumentSpec.isQuantityOnGrid(btcusdtPerp, d("0.0125"))).toBe(false)
    expect(InstrumentSpec.isPriceOnGrid(deribitPerp, d("65000.5"))).toBe(true)
  })

  it("linear notional is quantity x contract size x price, exact, in the quote asset", () => {
    expect(InstrumentSpec.notional(btcusdtPerp, d("0.015"), d("65000.1"))).toEqual(d("975.0015"))
    expect(InstrumentSpec.notionalAsset(btcusdtPerp)).toBe("USDT")
  })

  it("inverse notional is quantity x contract size / price in the coin, rounded as documented", () => {
    // 3 contracts of 10 USD at 60000 = 0.0005 BTC exactly.
    expect(InstrumentSpec.notional(deribitPerp, d("3"), d("60000"))).toEqual(d("0.0005"))
    // 1 x 10 / 70000 = 0.000142857142857142857..., 18 places half-even.
    expect(D.format(InstrumentSpec.notional(deribitPerp, d("1"), d("70000")))).toBe("0.000142857142857143")
    expect(D.format(InstrumentSpec.notional(deribitPerp, d("1"), d("70000"), 8, "down"))).toBe("0.00014285")
    expect(InstrumentSpec.notionalAsset(deribitPerp)).toBe("BTC")
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10000 }), fc.integer({ min: 1, max: 2_000_000 }), (q, p) => {
        const n = InstrumentSpec.notional(deribitPerp, D.fromInt(q), D.fromInt(p))
        // Within half a unit in the 18th place of the exact value q*10/p.
        const err = D.sub(D.mul(n, D.fromInt(p)), D.fromInt(q * 10))
        expect(D.lessThanOrEqual(D.abs(err), D.mul(D.fromInt(p), D.fromScaled(5n, 19)))).toBe(true)
      })
    )
  })

  it("fees are notional x rate, a negative rate being a rebate", () => {
    expect(InstrumentSpec.fee(btcusdtPerp, d("1000"), "TAKER")).toEqual(d("0.5"))
    expect(InstrumentSpec.fee(deribitPerp, d("0.0005"), "MAKER")).toEqual(d("-0.00000005"))
  })

  it("refuses inconsistent terms with a message naming them", () => {
    const bad = (patch: Record<string, unknown>) =>
      Schema.decodeUnknownEither(InstrumentSpec.InstrumentSpec)({
        ...Schema.encodeSync(InstrumentSpec.InstrumentSpec)(btcusdtPerp),
        ...patch
      })
    const option = bad({ kind: "OPTION" })
    expect(Either.isLeft(option) && option.left.message).toMatch(/OPTION needs strike, right and expiry/)
    expect(Either.isLeft(bad({ kind: "FUTURE" }))).toBe(true)
    expect(Either.isLeft(bad({ kind: "SPOT", contractType: "INVERSE" }))).toBe(true)
    expect(Either.isLeft(bad({ maxQuantity: "0.0001", minQuantity: "0.001" }))).toBe(true)
    const tick = bad({ tickSize: "0" })
    expect(Either.isLeft(tick) && tick.left.message).toMatch(/tickSize[\s\S]*positive/)
    const tick2 = bad({ tickSize: "1e-2" })
    expect(Either.isLeft(tick2) && tick2.left.message).toContain('"1e-2"')
    expect(
      Either.isRight(bad({ kind: "OPTION", strike: "50000", right: "CALL", expiry: 1735632000000 }))
    ).toBe(true)
  })
})
