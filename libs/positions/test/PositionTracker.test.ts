import { Decimal } from "@odum/domain"
import { describe, expect, it } from "vitest"
import * as PositionError from "../src/PositionError.js"
import * as PositionTracker from "../src/PositionTracker.js"
import {
  BINANCE_PERP,
  BINANCE_SPOT,
  d,
  DERIBIT_CALL,
  DERIBIT_PERP,
  fill,
  IB_CALL,
  OKX_PERP,
  specOf,
  specs,
  str,
  strategy
} from "./fixtures.js"

const A = strategy("alpha")
const B = strategy("beta")

const tracker = () => PositionTracker.make({ instruments: specs })

const applyOk = (t: PositionTracker.PositionTracker, f: Parameters<PositionTracker.PositionTracker["apply"]>[0], s = A) => {
  const error = t.apply(f, s)
  expect(error).toBeUndefined()
}

describe("linear contracts", () => {
  it("averages entries, realizes on a partial close, nets settlement-currency fees (hand-checked)", () => {
    const t = tracker()
    applyOk(t, fill(BINANCE_PERP, "BUY", "2", "40000", { fee: "8" }))
    applyOk(t, fill(BINANCE_PERP, "BUY", "1", "43000", { fee: "4.3" }))
    let p = t.position(BINANCE_PERP, A)!
    // 2 @ 40000 + 1 @ 43000 = 123000 for 3 BTC
    expect(str(p.quantity)).toBe("3")
    expect(str(p.costBasis)).toBe("123000")
    expect(str(p.averageEntryPrice)).toBe("41000")
    expect(str(p.realizedPnl)).toBe("-12.3")

    applyOk(t, fill(BINANCE_PERP, "SELL", "1.5", "45000", { fee: "6.75" }))
    expect(t.mark(BINANCE_PERP, d("44000"), 1_800_000_000_000)).toBeUndefined()
    p = t.position(BINANCE_PERP, A)!
    // Released basis 123000 * 1.5 / 3 = 61500; proceeds 67500; gross realized 6000; fees 19.05.
    expect(str(p.quantity)).toBe("1.5")
    expect(str(p.costBasis)).toBe("61500")
    expect(str(p.averageEntryPrice)).toBe("41000")
    expect(str(p.realizedPnl)).toBe("5980.95")
    expect(str(p.fees["USDT"])).toBe("19.05")
    // 1.5 * 44000 - 61500
    expect(str(p.unrealizedPnl)).toBe("4500")
    expect(str(p.marketValue)).toBe("66000")
    expect(p.pnlAsset).toBe("USDT")
    expect(p.updatedAt).toBe(1_800_000_000_000)
  })

  it("sizes quantities by contract size (OKX: 1 contract = 0.01 BTC)", () => {
    const t = tracker()
    applyOk(t, fill(OKX_PERP, "BUY", "50", "60000"))
    applyOk(t, fill(OKX_PERP, "SELL", "20", "61000"))
    const p = t.position(OKX_PERP, A)!
    expect(str(p.quantity)).toBe("30")
    expect(str(p.size)).toBe("0.3")
    expect(p.sizeAsset).toBe("BTC")
    // 0.2 BTC closed 1000 higher
    expect(str(p.realizedPnl)).toBe("200")
    expect(str(p.averageEntryPrice)).toBe("60000")
  })

  it("flips a long into a short: closes at the fill price, opens the rest there", () => {
    const t = tracker()
    applyOk(t, fill(BINANCE_PERP, "BUY", "1", "100"))
    applyOk(t, fill(BINANCE_PERP, "SELL", "3", "120"))
    let p = t.position(BINANCE_PERP, A)!
    expect(str(p.quantity)).toBe("-2")
    expect(str(p.realizedPnl)).toBe("20")
    expect(str(p.averageEntryPrice)).toBe("120")
    expect(str(p.costBasis)).toBe("-240")
    applyOk(t, fill(BINANCE_PERP, "BUY", "2", "110"))
    p = t.position(BINANCE_PERP, A)!
    expect(Decimal.isZero(p.quantity)).toBe(true)
    expect(str(p.realizedPnl)).toBe("40")
    expect(str(p.costBasis)).toBe("0")
    expect(p.averageEntryPrice).toBeUndefined()
    // Flat: nothing unrealized even without a mark.
    expect(str(p.unrealizedPnl)).toBe("0")
  })

  it("rounds the released basis half-even at 18 places and keeps the remainder in the basis", () => {
    const t = tracker()
    applyOk(t, fill(BINANCE_PERP, "BUY", "1", "100"))
    applyOk(t, fill(BINANCE_PERP, "BUY", "1", "100"))
    applyOk(t, fill(BINANCE_PERP, "BUY", "1", "101"))
    applyOk(t, fill(BINANCE_PERP, "SELL", "1", "110"))
    const p = t.position(BINANCE_PERP, A)!
    // released = 301 / 3 = 100.333333333333333333 (18 places)
    expect(str(p.realizedPnl)).toBe("9.666666666666666667")
    expect(str(p.costBasis)).toBe("200.666666666666666667")
    // realized + basis still account for every unit paid: 301 - 110 = 191 = basis - realized
    expect(str(Decimal.sub(p.costBasis, p.realizedPnl))).toBe("191")
  })
})

describe("inverse contracts (Deribit BTC-PERPETUAL, 10 USD per contract)", () => {
  it("buy 1000 USD at 40000, sell at 50000: +0.005 BTC", () => {
    const t = tracker()
    applyOk(t, fill(DERIBIT_PERP, "BUY", "100", "40000"))
    let p = t.position(DERIBIT_PERP, A)!
    expect(str(p.size)).toBe("1000")
    expect(p.sizeAsset).toBe("USD")
    expect(p.pnlAsset).toBe("BTC")
    expect(str(p.averageEntryPrice)).toBe("40000")
    // value(1000, 40000) = -1000/40000
    expect(str(p.costBasis)).toBe("-0.025")
    applyOk(t, fill(DERIBIT_PERP, "SELL", "100", "50000"))
    p = t.position(DERIBIT_PERP, A)!
    expect(str(p.realizedPnl)).toBe("0.005")
    expect(Decimal.isZero(p.quantity)).toBe(true)
  })

  it("short 1000 USD at 50000, buy back at 40000: +0.005 BTC", () => {
    const t = tracker()
    applyOk(t, fill(DERIBIT_PERP, "SELL", "100", "50000"))
    applyOk(t, fill(DERIBIT_PERP, "BUY", "100", "40000"))
    expect(str(t.position(DERIBIT_PERP, A)!.realizedPnl)).toBe("0.005")
  })

  it("unrealized PnL at a mark: 1000 USD long from 40000 marked at 50000 is +0.005 BTC, fees in BTC netted", () => {
    const t = tracker()
    applyOk(t, fill(DERIBIT_PERP, "BUY", "100", "40000", { fee: "0.0000125" }))
    expect(t.mark(DERIBIT_PERP, d("50000"), 1)).toBeUndefined()
    const p = t.position(DERIBIT_PERP, A)!
    expect(str(p.unrealizedPnl)).toBe("0.005")
    expect(str(p.marketValue)).toBe("-0.02")
    expect(str(p.realizedPnl)).toBe("-0.0000125")
  })

  it("averages entries harmonically: 1000 USD at 40000 and 1000 USD at 60000 average 48000", () => {
    const t = tracker()
    applyOk(t, fill(DERIBIT_PERP, "BUY", "100", "40000"))
    applyOk(t, fill(DERIBIT_PERP, "BUY", "100", "60000"))
    const p = t.position(DERIBIT_PERP, A)!
    // 1000/40000 + 1000/60000 = 0.025 + 0.016666666666666667 (rounded at 18 places)
    expect(str(p.costBasis)).toBe("-0.041666666666666667")
    // 2000 / 0.041666666666666667 is 48000 less 3.84e-13 from that rounding.
    expect(str(Decimal.round(p.averageEntryPrice!, 8, "half-even"))).toBe("48000")
    expect(Decimal.lessThan(Decimal.abs(Decimal.sub(p.averageEntryPrice!, d("48000"))), d("0.000000000001"))).toBe(true)
    // The arithmetic mean would be 50000: make sure it is not that.
    expect(str(Decimal.round(p.averageEntryPrice!, 0, "half-even"))).not.toBe("50000")
  })

  it("flips an inverse long into a short at the fill price", () => {
    const t = tracker()
    applyOk(t, fill(DERIBIT_PERP, "BUY", "100", "40000"))
    applyOk(t, fill(DERIBIT_PERP, "SELL", "300", "50000"))
    const p = t.position(DERIBIT_PERP, A)!
    expect(str(p.size)).toBe("-2000")
    expect(str(p.realizedPnl)).toBe("0.005")
    expect(str(p.averageEntryPrice)).toBe("50000")
    expect(str(p.costBasis)).toBe("0.04")
  })
})

describe("options, by contract", () => {
  it("Deribit BTC call: premium in BTC, one contract = 1 BTC", () => {
    const t = tracker()
    applyOk(t, fill(DERIBIT_CALL, "BUY", "2", "0.05", { fee: "0.0006" }))
    applyOk(t, fill(DERIBIT_CALL, "SELL", "1", "0.08", { fee: "0.0003" }))
    expect(t.mark(DERIBIT_CALL, d("0.07"), 5)).toBeUndefined()
    const p = t.position(DERIBIT_CALL, A)!
    expect(p.valuation).toBe("LINEAR")
    expect(p.pnlAsset).toBe("BTC")
    expect(str(p.realizedPnl)).toBe("0.0291")
    expect(str(p.unrealizedPnl)).toBe("0.02")
    expect(str(p.averageEntryPrice)).toBe("0.05")
  })

  it("IB equity call: premium per share times the 100 multiplier, in USD", () => {
    const t = tracker()
    applyOk(t, fill(IB_CALL, "BUY", "3", "5.20", { fee: "1.95" }))
    applyOk(t, fill(IB_CALL, "SELL", "3", "4.10", { fee: "1.95" }))
    const p = t.position(IB_CALL, A)!
    // 3 * 100 * (4.10 - 5.20) - 3.90
    expect(str(p.realizedPnl)).toBe("-333.9")
    expect(str(p.size)).toBe("0")
  })
})

describe("fees", () => {
  it("keeps fees by currency and nets only those in the PnL currency; rebates are negative fees", () => {
    const t = tracker()
    applyOk(t, fill(BINANCE_SPOT, "BUY", "1", "60000", { fee: "0.001", feeCurrency: "BNB" }))
    applyOk(t, fill(BINANCE_SPOT, "SELL", "1", "60100", { fee: "-1.5", feeCurrency: "USDT" }))
    const p = t.position(BINANCE_SPOT, A)!
    expect(str(p.fees["BNB"])).toBe("0.001")
    expect(str(p.fees["USDT"])).toBe("-1.5")
    // 100 gross, plus a 1.5 USDT rebate; the BNB fee is recorded, not converted.
    expect(str(p.realizedPnl)).toBe("101.5")
  })
})

describe("bad input changes nothing", () => {
  const seeded = () => {
    const t = tracker()
    applyOk(t, fill(BINANCE_PERP, "BUY", "1", "100", { tradeId: "dup" }))
    return t
  }

  it("refuses a duplicate (venue, tradeId) and says whether it is an identical replay", () => {
    const t = seeded()
    const before = t.positions()
    const same = t.apply(fill(BINANCE_PERP, "BUY", "1", "100", { tradeId: "dup", timestamp: 1 }), A)
    expect(same).toBeInstanceOf(PositionError.PositionError)
    expect(same?.reason).toBe("DuplicateFill")
    expect(same?.message).toContain("identical replay")
    const conflicting = t.apply(fill(BINANCE_PERP, "SELL", "5", "90", { tradeId: "dup" }), A)
    expect(conflicting?.reason).toBe("DuplicateFill")
    expect(conflicting?.message).toContain("different content")
    expect(t.positions()).toEqual(before)
  })

  it("tells an identical replay from one by another strategy, whichever strategy applied the fill first", () => {
    // The instrument's first strategy (A) and a later one (B) are kept differently; both must answer alike.
    const t = tracker()
    applyOk(t, fill(BINANCE_PERP, "BUY", "1", "100", { tradeId: "a1" }), A)
    applyOk(t, fill(BINANCE_PERP, "BUY", "2", "101", { tradeId: "b1" }), B)
    const before = t.positions()
    const replay = (tradeId: string, quantity: string, price: string, s: typeof A) =>
      t.apply(fill(BINANCE_PERP, "BUY", quantity, price, { tradeId }), s)?.message
    expect(replay("a1", "1", "100", A)).toContain("identical replay")
    expect(replay("a1", "1", "100", B)).toContain("different content")
    expect(replay("b1", "2", "101", B)).toContain("identical replay")
    expect(replay("b1", "2", "101", A)).toContain("different content")
    expect(replay("b1", "2", "102", B)).toContain("different content")
    expect(t.positions()).toEqual(before)
  })

  it("accepts the same trade id on another venue", () => {
    const t = seeded()
    expect(t.apply(fill(OKX_PERP, "BUY", "1", "100", { tradeId: "dup" }), A)).toBeUndefined()
    expect(t.hasFill(specOf(OKX_PERP).venue, fill(OKX_PERP, "BUY", "1", "1", { tradeId: "dup" }).tradeId)).toBe(true)
  })

  it("without deduplicate, applies every fill it is given and keeps no fill ids (the caller de-duplicates)", () => {
    const t = PositionTracker.make({ instruments: specs, deduplicate: false })
    applyOk(t, fill(BINANCE_PERP, "BUY", "1", "100", { tradeId: "dup" }))
    applyOk(t, fill(BINANCE_PERP, "BUY", "1", "100", { tradeId: "dup" }))
    expect(str(t.position(BINANCE_PERP, A)!.quantity)).toBe("2")
    expect(t.position(BINANCE_PERP, A)!.fillCount).toBe(2)
    expect(t.hasFill(specOf(BINANCE_PERP).venue, fill(BINANCE_PERP, "BUY", "1", "1", { tradeId: "dup" }).tradeId)).toBe(false)
    // The option passes through makeEither too; the default still refuses the replay.
    const e = PositionTracker.makeEither({ instruments: specs, deduplicate: false })
    if (e._tag === "Left") throw e.left
    applyOk(e.right, fill(BINANCE_PERP, "BUY", "1", "100", { tradeId: "dup" }))
    applyOk(e.right, fill(BINANCE_PERP, "BUY", "1", "100", { tradeId: "dup" }))
    const checked = tracker()
    applyOk(checked, fill(BINANCE_PERP, "BUY", "1", "100", { tradeId: "dup" }))
    expect(checked.apply(fill(BINANCE_PERP, "BUY", "1", "100", { tradeId: "dup" }), A)?.reason).toBe("DuplicateFill")
  })

  it("refuses an unknown instrument", () => {
    const t = seeded()
    const before = t.positions()
    const f = { ...fill(BINANCE_PERP, "BUY", "1", "100"), canonicalId: "BINANCE-FUTURES:PERPETUAL:DOGE-USDT" }
    const error = t.apply(f, A)
    expect(error?.reason).toBe("UnknownInstrument")
    expect(error?.message).toContain("DOGE-USDT")
    expect(t.positions()).toEqual(before)
    // And it was not recorded as seen: once the instrument is known... it still is unknown, so it is refused again.
    expect(t.apply(f, A)?.reason).toBe("UnknownInstrument")
  })

  it("refuses a non-decimal or non-positive quantity, a negative price, a zero inverse price, a foreign venue", () => {
    const t = seeded()
    const before = t.positions()
    const cases: Array<[ReturnType<typeof fill>, string]> = [
      [{ ...fill(BINANCE_PERP, "BUY", "1", "100"), quantity: "1" as unknown as Decimal.Decimal }, "quantity is not a Decimal"],
      [{ ...fill(BINANCE_PERP, "BUY", "1", "100"), quantity: 1 as unknown as Decimal.Decimal }, "quantity is not a Decimal"],
      [{ ...fill(BINANCE_PERP, "BUY", "1", "100"), quantity: d("0") }, "not positive"],
      [{ ...fill(BINANCE_PERP, "BUY", "1", "100"), quantity: d("-1") }, "not positive"],
      [fill(BINANCE_PERP, "BUY", "1", "-100"), "negative"],
      // Beyond 2^53 units (no exact number form): the signs are read from the bigints.
      [{ ...fill(BINANCE_PERP, "BUY", "1", "100"), quantity: d("-90071992547409930") }, "not positive"],
      [fill(BINANCE_PERP, "BUY", "1", "-90071992547409930"), "negative"],
      [fill(DERIBIT_PERP, "BUY", "1", "0"), "price 0 on an inverse contract"],
      [{ ...fill(BINANCE_PERP, "BUY", "1", "100"), fee: "0.1" as unknown as Decimal.Decimal }, "fee is not a Decimal"],
      [{ ...fill(BINANCE_PERP, "BUY", "1", "100"), side: "HOLD" as "BUY" }, "side"],
      [{ ...fill(BINANCE_PERP, "BUY", "1", "100"), venue: specOf(OKX_PERP).venue }, "not the instrument's venue"]
    ]
    for (const [bad, message] of cases) {
      const error = t.apply(bad, A)
      expect(error?.reason).toBe("InvalidFill")
      expect(error?.message).toContain(message)
    }
    expect(t.positions()).toEqual(before)
  })

  it("applyRecorded (a fill the OMS recorded) answers and applies as apply does, and still refuses a bad price, venue or instrument", () => {
    const fills = [
      fill(BINANCE_PERP, "BUY", "2", "40000", { fee: "8", tradeId: "r1" }),
      fill(BINANCE_PERP, "SELL", "3", "43000", { fee: "4.3", tradeId: "r2" }),
      fill(DERIBIT_PERP, "BUY", "100", "40000", { tradeId: "r3" }),
      fill(DERIBIT_PERP, "SELL", "150", "50000", { tradeId: "r4" }),
      fill(OKX_PERP, "BUY", "1", "100", { tradeId: "r5" }),
      fill(BINANCE_PERP, "BUY", "1", "0", { tradeId: "r6" }),
      // A replay: refused as a duplicate by both.
      fill(OKX_PERP, "BUY", "1", "100", { tradeId: "r5" })
    ]
    const a = tracker()
    const b = tracker()
    for (const f of fills) {
      expect(b.applyRecorded(f, A)).toEqual(a.apply(f, A))
      expect(b.applyRecorded(f, B)).toEqual(a.apply(f, B))
    }
    expect(b.positions()).toEqual(a.positions())
    const before = b.positions()
    const bad: Array<[ReturnType<typeof fill>, string, string]> = [
      [fill(BINANCE_PERP, "BUY", "1", "-100", { tradeId: "x1" }), "InvalidFill", "negative"],
      [fill(BINANCE_PERP, "BUY", "1", "-90071992547409930", { tradeId: "x2" }), "InvalidFill", "negative"],
      [fill(DERIBIT_PERP, "BUY", "1", "0", { tradeId: "x3" }), "InvalidFill", "price 0 on an inverse contract"],
      [{ ...fill(BINANCE_PERP, "BUY", "1", "100", { tradeId: "x4" }), venue: specOf(OKX_PERP).venue }, "InvalidFill", "not the instrument's venue"],
      [{ ...fill(BINANCE_PERP, "BUY", "1", "100", { tradeId: "x5" }), canonicalId: "BINANCE-FUTURES:PERPETUAL:DOGE-USDT" }, "UnknownInstrument", "DOGE-USDT"]
    ]
    for (const [f, reason, message] of bad) {
      const error = b.applyRecorded(f, A)
      expect(error?.reason).toBe(reason)
      expect(error?.message).toContain(message)
      expect(error).toEqual(a.apply(f, A))
    }
    expect(b.positions()).toEqual(before)
  })

  it("refuses bad marks and conflicting instrument specs", () => {
    const t = seeded()
    expect(t.mark("NOPE:SPOT_PAIR:X-Y", d("1"), 1)?.reason).toBe("UnknownInstrument")
    expect(t.mark(BINANCE_PERP, d("-1"), 1)?.reason).toBe("InvalidMark")
    expect(t.mark(DERIBIT_PERP, d("0"), 1)?.reason).toBe("InvalidMark")
    expect(t.mark(BINANCE_PERP, "100" as unknown as Decimal.Decimal, 1)?.reason).toBe("InvalidMark")
    expect(t.position(BINANCE_PERP, A)!.markPrice).toBeUndefined()
    expect(t.addInstrument(specOf(BINANCE_PERP))).toBeUndefined()
    const changed = { ...specOf(BINANCE_PERP), contractSize: d("0.001") }
    expect(t.addInstrument(changed)?.reason).toBe("InvalidInstrument")
    expect(t.instrument(BINANCE_PERP)!.contractSize).toEqual(d("1"))
    const either = PositionTracker.makeEither({ instruments: [specOf(BINANCE_PERP), changed] })
    expect(either._tag).toBe("Left")
  })
})

describe("positions", () => {
  it("keeps one position per (venue, instrument, strategy), sorted", () => {
    const t = tracker()
    applyOk(t, fill(OKX_PERP, "BUY", "1", "100"), B)
    applyOk(t, fill(BINANCE_PERP, "BUY", "1", "100"), B)
    applyOk(t, fill(BINANCE_PERP, "SELL", "2", "100"), A)
    expect(t.positions().map((p) => `${p.venue} ${p.canonicalId} ${p.strategyId} ${str(p.quantity)}`)).toEqual([
      "BINANCE-FUTURES BINANCE-FUTURES:PERPETUAL:BTC-USDT alpha -2",
      "BINANCE-FUTURES BINANCE-FUTURES:PERPETUAL:BTC-USDT beta 1",
      "OKX OKX:PERPETUAL:BTC-USDT beta 1"
    ])
    expect(t.positions()[0]!.instrumentKey).toBe("PERPETUAL:BTC-USDT")
  })

  it("applyAll applies what it can and returns the refused fills", () => {
    const t = tracker()
    const good = fill(BINANCE_PERP, "BUY", "1", "100", { tradeId: "x" })
    const refused = t.applyAll([
      { fill: good, strategyId: A },
      { fill: good, strategyId: A },
      { fill: fill(BINANCE_PERP, "BUY", "2", "100"), strategyId: A }
    ])
    expect(refused.map((r) => r.error.reason)).toEqual(["DuplicateFill"])
    expect(str(t.position(BINANCE_PERP, A)!.quantity)).toBe("3")
  })
})

describe("updatedAt", () => {
  // PositionState keeps it in a double field written in place (see its class comment): the first
  // fill's timestamp is set by the constructor, later ones only when later, small and large alike.
  it("is the latest timestamp of the position's fills, the first one included, in either arithmetic", () => {
    for (const fastPath of [true, false]) {
      for (const times of [[7], [1_800_000_000_000], [1_800_000_000_005, 3, 1_800_000_000_001], [2, 2 ** 31 + 1, 2 ** 31 - 1], [0, 0]]) {
        const t = PositionTracker.make({ instruments: specs, fastPath })
        times.forEach((timestamp, i) => {
          expect(t.applyRecorded(fill(BINANCE_PERP, i % 2 === 0 ? "BUY" : "SELL", "1", "100", { timestamp }), A)).toBeUndefined()
          expect(t.position(BINANCE_PERP, A)!.updatedAt).toBe(Math.max(...times.slice(0, i + 1)))
        })
      }
    }
  })
})
