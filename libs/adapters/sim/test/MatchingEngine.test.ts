import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { ASK, BID, BUY, F_CLEAR, F_LAST, F_SNAPSHOT, SELL } from "../src/MarketEvent.js"
import * as MatchingEngine from "../src/MatchingEngine.js"
import { d, engineFor, inverseSpec, linearSpec, order, Recorder, spotSpec } from "./fixtures.js"

// Units: tick 0.1 -> price scale 1 (100.0 is 1000); lot 0.001 -> size scale 3 (1 BTC is 1000).
// The book: asks 100.0 x 1, 100.1 x 2, 100.3 x 0.5; bids 99.9 x 1.5, 99.8 x 3.
const withBook = (options: Parameters<typeof engineFor>[0] = {}) => {
  const r = engineFor(options)
  const e = r.engine
  e.onBookLevel(1n, ASK, 1000, 1000, F_SNAPSHOT | F_CLEAR)
  e.onBookLevel(1n, ASK, 1001, 2000, F_SNAPSHOT)
  e.onBookLevel(1n, ASK, 1003, 500, F_SNAPSHOT)
  e.onBookLevel(1n, BID, 999, 1500, F_SNAPSHOT)
  e.onBookLevel(1n, BID, 998, 3000, F_SNAPSHOT | F_LAST)
  return r
}

const levels = (side: MatchingEngine.MatchingEngine["book"]["asks"]) => side.levels().map(([p, s]) => `${s}@${p}`)

describe("MatchingEngine: takers against the book", () => {
  it("a market buy walks the levels from the best, one fill per level", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("m1", "BUY", 2500), 10n)
    expect(recorder.out[0]).toEqual({ type: "accepted", id: "m1", ts: 10n })
    expect(recorder.fills()).toEqual(["1000@1000/TAKER", "1500@1001/TAKER"])
    expect(recorder.out.some((o) => o.type === "expired")).toBe(false)
    expect(engine.position).toBe(2500)
  })

  it("removes the liquidity it took until the feed reports the level again", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("m1", "BUY", 2500), 10n)
    expect(levels(engine.book.asks)).toEqual(["500@1001", "500@1003"])
    recorder.clear()
    engine.submit(order("m2", "BUY", 1000), 11n)
    expect(recorder.fills()).toEqual(["500@1001/TAKER", "500@1003/TAKER"])
    // The feed re-reports 100.0 (its size never knew about us): the level is back.
    engine.onBookLevel(12n, ASK, 1000, 800, F_LAST)
    recorder.clear()
    engine.submit(order("m3", "BUY", 800), 13n)
    expect(recorder.fills()).toEqual(["800@1000/TAKER"])
  })

  it("a market order larger than the visible depth fills what there is and expires the rest", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("m1", "BUY", 4000), 10n)
    expect(recorder.fills()).toEqual(["1000@1000/TAKER", "2000@1001/TAKER", "500@1003/TAKER"])
    expect(recorder.out.at(-1)).toEqual({ type: "expired", id: "m1", message: "market remainder 0.5 unfilled" })
    expect(engine.book.asks.length).toBe(0)
  })

  it("a market sell walks the bids downwards", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("s1", "SELL", 2000), 10n)
    expect(recorder.fills()).toEqual(["1500@999/TAKER", "500@998/TAKER"])
    expect(engine.position).toBe(-2000)
  })

  it("a marketable limit fills up to its limit and rests the remainder (GTC)", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("l1", "BUY", 4000, 1001), 10n)
    expect(recorder.fills()).toEqual(["1000@1000/TAKER", "2000@1001/TAKER"])
    expect(engine.openOrders().map((o) => [o.clientOrderId, o.quantity - o.filled, o.queueAhead])).toEqual([["l1", 1000, 0]])
  })

  it("IOC expires the remainder; FOK fills whole or expires whole", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("i1", "BUY", 1500, 1000, { tif: "IOC" }), 10n)
    expect(recorder.fills("i1")).toEqual(["1000@1000/TAKER"])
    expect(recorder.out.at(-1)).toEqual({ type: "expired", id: "i1", message: "IOC remainder 0.5 unfilled" })
    recorder.clear()
    engine.submit(order("f1", "BUY", 2500, 1001, { tif: "FOK" }), 11n) // only 2.0 left within 100.1
    expect(recorder.fills()).toEqual([])
    expect(recorder.out.map((o) => o.type)).toEqual(["accepted", "expired"])
    recorder.clear()
    engine.submit(order("f2", "BUY", 2000, 1001, { tif: "FOK" }), 12n)
    expect(recorder.fills()).toEqual(["2000@1001/TAKER"])
  })

  it("rejects a post-only order that would cross, and rests one that would not", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("p1", "BUY", 1000, 1000, { postOnly: true }), 10n)
    expect(recorder.out).toEqual([
      { type: "rejected", id: "p1", reason: "PostOnlyWouldCross", message: "post-only buy at 100 would take liquidity at 100" }
    ])
    recorder.clear()
    engine.submit(order("p2", "BUY", 1000, 999, { postOnly: true }), 11n)
    expect(recorder.out.map((o) => o.type)).toEqual(["accepted"])
    expect(engine.openOrders()[0]!.queueAhead).toBe(1500)
  })
})

describe("MatchingEngine: resting orders and the queue model", () => {
  it("volume at our price first consumes the queue ahead, then fills us", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("b1", "BUY", 1000, 999), 10n) // joins behind 1.5
    engine.onTrade(20n, 999, 1000, SELL) // queue 1.5 -> 0.5
    expect(recorder.fills()).toEqual([])
    engine.onTrade(21n, 999, 5000, BUY) // a buyer lifting offers never hits bids
    expect(recorder.fills()).toEqual([])
    engine.onTrade(22n, 999, 800, SELL) // 0.5 ahead, then 0.3 for us
    expect(recorder.out.at(-1)).toEqual({ type: "fill", id: "b1", price: 999, qty: 300, liquidity: "MAKER", ts: 22n })
    engine.onTrade(23n, 999, 2000, 0) // unknown aggressor counts against us: the rest fills
    expect(recorder.fills("b1")).toEqual(["300@999/MAKER", "700@999/MAKER"])
    expect(engine.openOrders()).toEqual([])
  })

  it("the queue ahead shrinks to the level's size when the feed reports it smaller", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("b1", "BUY", 1000, 998), 10n) // behind 3.0
    engine.onBookLevel(11n, BID, 998, 1000, F_LAST) // cancels ahead of us: queue 1.0
    engine.onBookLevel(12n, BID, 998, 4000, F_LAST) // orders joining behind us do not push us back
    expect(engine.openOrders()[0]!.queueAhead).toBe(1000)
    engine.onTrade(13n, 998, 1500, SELL)
    expect(recorder.fills()).toEqual(["500@998/MAKER"])
  })

  it("a trade through our price fills the whole remainder at our price", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("b1", "BUY", 2000, 999), 10n)
    engine.submit(order("a1", "SELL", 1000, 1003), 10n)
    engine.onTrade(20n, 998, 1, SELL)
    expect(recorder.fills()).toEqual(["2000@999/MAKER"])
    engine.onTrade(21n, 1004, 1, BUY)
    expect(recorder.fills("a1")).toEqual(["1000@1003/MAKER"])
  })

  it("the opposite best moving strictly through our price fills us, on a consistent book only", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("b1", "BUY", 1000, 999), 10n)
    engine.onBookLevel(11n, ASK, 999, 500, 0) // touching is not through
    engine.onBookLevel(12n, ASK, 998, 500, 0) // through, but the message is not complete yet
    expect(recorder.fills()).toEqual([])
    engine.onBookLevel(13n, BID, 997, 100, F_LAST)
    expect(recorder.out.at(-1)).toEqual({ type: "fill", id: "b1", price: 999, qty: 1000, liquidity: "MAKER", ts: 13n })
  })

  it("several of our orders at one price share a trade in arrival order", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("b1", "BUY", 1000, 1000), 10n) // takes the 1.0 ask at 100.0, nothing rests
    recorder.clear()
    engine.submit(order("b2", "BUY", 1000, 999), 11n) // queue 1.5
    engine.submit(order("b3", "BUY", 1000, 999), 12n) // queue 1.5 (we never see our own orders in the book)
    engine.onTrade(20n, 999, 3000, SELL)
    // b2: 3.0 - 1.5 ahead = 1.5 passing -> fills 1.0. b3: 3.0 - 1.0 (ours) = 2.0 passing, 1.5 ahead -> 0.5.
    expect(recorder.fills()).toEqual(["1000@999/MAKER", "500@999/MAKER"])
  })

  it("cancels a resting order, and refuses to cancel one that is gone", () => {
    const { engine, recorder } = withBook()
    const b1 = order("b1", "BUY", 1000, 999)
    engine.submit(b1, 10n)
    engine.cancel(b1, 11n)
    engine.cancel(b1, 12n)
    expect(recorder.out.map((o) => o.type)).toEqual(["accepted", "cancelled", "cancelRejected"])
    expect(engine.openOrders()).toEqual([])
    engine.onTrade(13n, 990, 10_000, SELL)
    expect(recorder.fills()).toEqual([])
  })

  it("runs a submit made from inside a listener after the current event", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("b1", "BUY", 1000, 999), 10n)
    engine.submit(order("a1", "SELL", 1000, 1001), 10n)
    recorder.after = (o) => {
      if (o.type === "fill" && o.id === "b1") engine.submit(order("x1", "SELL", 1000, 1002), o.ts)
    }
    engine.onTrade(20n, 998, 1, SELL) // fills b1 through; a1 stays
    recorder.after = undefined
    expect(recorder.out.slice(-2).map((o) => `${o.type}:${o.id}`)).toEqual(["fill:b1", "accepted:x1"])
    expect(engine.openOrders().map((o) => o.clientOrderId)).toEqual(["a1", "x1"])
  })
})

describe("MatchingEngine: other market states", () => {
  it("quotes only: takers see the top of book, which each quote replaces", () => {
    const { engine, recorder } = engineFor()
    engine.onQuote(1n, 999, 1500, 1000, 1000)
    engine.submit(order("m1", "BUY", 2000), 2n)
    expect(recorder.fills()).toEqual(["1000@1000/TAKER"])
    expect(recorder.out.at(-1)).toMatchObject({ type: "expired", message: "market remainder 1 unfilled" })
    engine.onQuote(3n, 999, 1500, 1001, 700)
    recorder.clear()
    engine.submit(order("m2", "BUY", 2000), 4n)
    expect(recorder.fills()).toEqual(["700@1001/TAKER"])
  })

  it("quotes only: a deeper resting order has an unknown queue until its price is quoted", () => {
    const { engine, recorder } = engineFor()
    engine.onQuote(1n, 999, 1500, 1000, 1000)
    engine.submit(order("b1", "BUY", 1000, 998), 2n)
    expect(engine.openOrders()[0]!.queueAhead).toBe(Infinity)
    engine.onTrade(3n, 998, 5000, SELL)
    expect(recorder.fills()).toEqual([])
    engine.onQuote(4n, 998, 2000, 999, 100)
    engine.onTrade(5n, 998, 2500, SELL)
    expect(recorder.fills()).toEqual(["500@998/MAKER"])
  })

  it("quotes are ignored once L2 rows are known", () => {
    const { engine, recorder } = withBook()
    engine.onQuote(5n, 1100, 1, 1200, 1)
    engine.submit(order("m1", "BUY", 1000), 6n)
    expect(recorder.fills()).toEqual(["1000@1000/TAKER"])
  })

  it("trades only: takers fill whole at the last price moved by the slippage model", () => {
    const ticks = engineFor({ slippage: { ticks: 2 } })
    ticks.engine.onTrade(1n, 1000, 5, BUY)
    ticks.engine.submit(order("m1", "BUY", 7000), 2n)
    ticks.engine.submit(order("m2", "SELL", 1000), 3n)
    expect(ticks.recorder.fills()).toEqual(["7000@1002/TAKER", "1000@998/TAKER"])
    // 10 bp of 100.0 is 0.1: one tick.
    const bps = engineFor({ slippage: { bps: 10 } })
    bps.engine.onTrade(1n, 1000, 5, BUY)
    bps.engine.submit(order("m1", "BUY", 1000), 2n)
    // A limit below the implied price rests; one at or above it fills there.
    bps.engine.submit(order("l1", "BUY", 1000, 1000), 3n)
    bps.engine.submit(order("l2", "BUY", 1000, 1005), 4n)
    expect(bps.recorder.fills()).toEqual(["1000@1001/TAKER", "1000@1001/TAKER"])
    expect(bps.engine.openOrders().map((o) => [o.clientOrderId, o.queueAhead])).toEqual([["l1", Infinity]])
    // With the queue unknown, only a trade through the price fills the resting order.
    bps.engine.onTrade(5n, 1000, 50_000, SELL)
    expect(bps.recorder.fills("l1")).toEqual([])
    bps.engine.onTrade(6n, 999, 1, SELL)
    expect(bps.recorder.fills("l1")).toEqual(["1000@1000/MAKER"])
  })

  it("answers NaN, never a number, for a taker price without a market and for values past 2^53", () => {
    // (These answers are written `0 / 0` in the engine, where the code they run in is optimised
    // before they ever run: each is checked once here, warm or not.)
    for (let i = 0; i < 3; i++) {
      const { engine } = engineFor({ slippage: { ticks: 2 } })
      expect(engine.takerBuyPrice()).toBeNaN()
      expect(engine.takerSellPrice()).toBeNaN()
      engine.onTrade(1n, 1, 5, BUY)
      // 0.1 less two ticks is not a price: no taker sell price.
      expect(engine.takerBuyPrice()).toBe(3)
      expect(engine.takerSellPrice()).toBeNaN()
      engine.onTrade(2n, 1000, 5, BUY)
      expect([engine.takerBuyPrice(), engine.takerSellPrice()]).toEqual([1002, 998])
      expect(engine.notionalUnits(1000, 1000)).toBe(1_000_000)
      expect(engine.notionalUnits(2 ** 30, 2 ** 30)).toBeNaN()
      expect(engine.feeUnits(2 ** 30, 2 ** 30, "TAKER")).toBeNaN()
      expect(engine.feeUnits(2 ** 30, 2 ** 30, "MAKER")).toBeNaN()
      expect(engine.feeUnits(1000, 1000, "TAKER")).not.toBeNaN()
    }
  })

  it("no market at all: a market order is accepted and expires unfilled", () => {
    const { engine, recorder } = engineFor()
    engine.submit(order("m1", "BUY", 1000), 1n)
    expect(recorder.out.map((o) => o.type)).toEqual(["accepted", "expired"])
  })
})

describe("MatchingEngine: rejections", () => {
  const rejectReason = (o: MatchingEngine.EngineOrder, options: Parameters<typeof engineFor>[0] = {}, position = 0) => {
    const { engine, recorder } = withBook(options)
    if (position !== 0) engine.submit(order("pos", position > 0 ? "BUY" : "SELL", Math.abs(position)), 2n)
    recorder.clear()
    engine.submit(o, 5n)
    const first = recorder.out[0]!
    return first.type === "rejected" ? `${first.reason}: ${first.message}` : first.type
  }

  it("names what is wrong with an invalid order", () => {
    const tick5 = { spec: linearSpec({ tickSize: "0.5" }), priceScale: 1 }
    expect(rejectReason(order("x", "BUY", 1000, 1002), tick5)).toBe("OffTickGrid: price 100.2 is not a multiple of the tick size 0.5")
    const lot10 = { spec: linearSpec({ lotSize: "0.01", minQuantity: "0.01" }), sizeScale: 3 }
    expect(rejectReason(order("x", "BUY", 1005, 999), lot10)).toBe("OffLotGrid: quantity 1.005 is not a multiple of the lot size 0.01")
    expect(rejectReason(order("x", "BUY", 1000, 999), { spec: linearSpec({ minQuantity: "2" }) })).toBe(
      "BelowMinQuantity: quantity 1 is below the minimum 2"
    )
    expect(rejectReason(order("x", "BUY", 200_000, 999))).toBe("AboveMaxQuantity: quantity 200 is above the maximum 100")
    // 0.049 BTC at 99.9 is 4.8951 USDT, under the 5 USDT minimum; 0.051 is 5.0949.
    expect(rejectReason(order("x", "BUY", 49, 999))).toBe("BelowMinNotional: notional of 0.049 at 99.9 is below the minimum 5")
    expect(rejectReason(order("x", "BUY", 51, 999))).toBe("accepted")
    // A market order is checked at the price it would get first (the best ask, 100.0): 0.049 -> 4.9.
    expect(rejectReason(order("x", "BUY", 49))).toBe("BelowMinNotional: notional of 0.049 at 100 is below the minimum 5")
    expect(rejectReason(order("x", "BUY", 1000, 999, { tif: "GTD" }))).toBe(
      "UnsupportedOrder: time in force GTD is not simulated (GTC, IOC and FOK are)"
    )
    expect(rejectReason(order("x", "BUY", 1000, 0, { type: "LIMIT" }))).toBe("InvalidPrice: a LIMIT order needs a positive price")
    expect(rejectReason(order("x", "BUY", 1000, 999, { type: "MARKET" }))).toBe("InvalidPrice: a MARKET order has no price")
    expect(rejectReason(order("x", "BUY", 0, 999))).toBe("InvalidQuantity: quantity must be positive, got 0")
    expect(rejectReason(order("x", "BUY", 1000, 999, { tif: "IOC", postOnly: true }))).toBe(
      "UnsupportedOrder: post-only needs a LIMIT order that rests (not IOC or FOK)"
    )
  })

  it("tells the checks that share a reason apart, in the order they are made, with each message in full", () => {
    // The messages are built apart from the checks (MatchingEngine's `refuse`): each check that
    // answers UnsupportedOrder or InvalidPrice keeps its own message, and the first failing check wins.
    expect(rejectReason(order("x", "BUY", 1000, 0, { type: "MARKET", tif: "DAY", postOnly: true, reduceOnly: true }))).toBe(
      "UnsupportedOrder: time in force DAY is not simulated (GTC, IOC and FOK are)"
    )
    expect(rejectReason(order("x", "BUY", 1000, 0, { type: "MARKET", postOnly: true, reduceOnly: true }))).toBe(
      "UnsupportedOrder: post-only needs a LIMIT order that rests (not IOC or FOK)"
    )
    expect(rejectReason(order("x", "BUY", 1000, 999, { tif: "FOK", postOnly: true }))).toBe(
      "UnsupportedOrder: post-only needs a LIMIT order that rests (not IOC or FOK)"
    )
    expect(rejectReason(order("x", "BUY", 0, 999, { tif: "GTD" }))).toBe(
      "UnsupportedOrder: time in force GTD is not simulated (GTC, IOC and FOK are)"
    )
    expect(rejectReason(order("x", "BUY", -1000, 0, { type: "LIMIT", postOnly: true }))).toBe("InvalidPrice: a LIMIT order needs a positive price")
    expect(rejectReason(order("x", "BUY", 1.5, 999))).toBe("InvalidQuantity: quantity must be positive, got 1.5")
    // A market sell is checked at the best bid (99.9): 0.05 -> 4.995.
    expect(rejectReason(order("x", "SELL", 50))).toBe("BelowMinNotional: notional of 0.05 at 99.9 is below the minimum 5")
    expect(rejectReason(order("x", "SELL", 49, 0, { reduceOnly: true }), {}, 1000)).toBe(
      "BelowMinNotional: notional of 0.049 at 99.9 is below the minimum 5"
    )
    const spot = { spec: spotSpec() }
    const { engine, recorder } = engineFor(spot)
    engine.onQuote(1n, 200_000, 1000, 200_100, 1000)
    engine.submit(order("x", "SELL", 100, 0, { reduceOnly: true }), 2n)
    expect(recorder.out).toEqual([
      { type: "rejected", id: "x", reason: "UnsupportedOrder", message: "reduce-only is not available on spot instruments" }
    ])
  })

  it("names what a FOK lacks, a post-only order would take and a remainder left unfilled", () => {
    const { engine, recorder } = withBook()
    engine.submit(order("f1", "BUY", 3500, 1001, { tif: "FOK" }), 10n)
    engine.submit(order("p1", "SELL", 1000, 998, { postOnly: true }), 11n)
    engine.submit(order("i1", "SELL", 5000, 998, { tif: "IOC" }), 12n)
    expect(recorder.out.filter((o) => o.type !== "fill" && o.type !== "accepted")).toEqual([
      { type: "expired", id: "f1", message: "FOK: 3 available within the limit, 3.5 ordered" },
      { type: "rejected", id: "p1", reason: "PostOnlyWouldCross", message: "post-only sell at 99.8 would take liquidity at 99.9" },
      { type: "expired", id: "i1", message: "IOC remainder 0.5 unfilled" }
    ])
  })

  it("accepts reduce-only orders only against an opposite position they do not exceed", () => {
    expect(rejectReason(order("x", "SELL", 500, 0, { reduceOnly: true }))).toBe(
      "ReduceOnlyWouldIncrease: reduce-only sell of 0.5 against a position of 0"
    )
    expect(rejectReason(order("x", "SELL", 500, 0, { reduceOnly: true }), {}, 1000)).toBe("accepted")
    expect(rejectReason(order("x", "SELL", 1500, 0, { reduceOnly: true }), {}, 1000)).toBe(
      "ReduceOnlyWouldIncrease: reduce-only sell of 1.5 against a position of 1"
    )
    expect(rejectReason(order("x", "BUY", 500, 0, { reduceOnly: true }), {}, 1000)).toBe(
      "ReduceOnlyWouldIncrease: reduce-only buy of 0.5 against a position of 1"
    )
  })

  it("checks an inverse minimum notional in coins", () => {
    // 1 contract of 10 USD at 50000 is 0.0002 BTC.
    const spec = { ...inverseSpec(), minNotional: d("0.1") } // 0.1 BTC minimum
    const r = engineFor({ spec })
    // Tick 0.5 -> price scale 1: 50000.0 is 500000 units.
    r.engine.submit(order("x", "BUY", 500, 500_000), 1n) // 500 contracts x 10 USD / 50000 = 0.1 BTC
    r.engine.submit(order("y", "BUY", 499, 500_000), 1n) // 0.0998 BTC
    expect(r.recorder.out.map((o) => `${o.type}:${o.id}`)).toEqual(["accepted:x", "rejected:y"])
  })
})

describe("MatchingEngine.make", () => {
  it("refuses scales that cannot represent the tick or lot, and bad slippage", () => {
    const bad = (o: Partial<MatchingEngine.MatchingEngineOptions>) => {
      const r = MatchingEngine.make({ spec: linearSpec(), ...o }, new Recorder())
      return Either.isLeft(r) ? `${r.left.reason}: ${r.left.message}` : "ok"
    }
    expect(bad({ priceScale: 0 })).toBe("InvalidScale: SIM:PERPETUAL:BTC-USDT: price scale 0 cannot represent the step 0.1")
    expect(bad({ sizeScale: 2 })).toBe("InvalidScale: SIM:PERPETUAL:BTC-USDT: size scale 2 cannot represent the step 0.001")
    expect(bad({ priceScale: 1.5 })).toContain("InvalidScale")
    expect(bad({ slippage: { ticks: -1 } })).toContain("InvalidSlippage")
    expect(bad({ slippage: { bps: 0.5 } })).toContain("InvalidSlippage")
    expect(bad({ priceScale: 2, sizeScale: 8 })).toBe("ok")
  })

  it("works at a finer scale than the tick (the catalog's units) with the same results", () => {
    const { engine, recorder } = engineFor({ priceScale: 2, sizeScale: 4 })
    expect([engine.tickUnits, engine.lotUnits]).toEqual([10, 10])
    engine.onBookLevel(1n, ASK, 10000, 10000, F_CLEAR | F_LAST)
    engine.submit(order("x", "BUY", 10000, 10005), 2n)
    expect(recorder.out.at(-1)).toMatchObject({ type: "rejected", reason: "OffTickGrid" })
    engine.submit(order("y", "BUY", 10000, 10010), 2n)
    expect(recorder.fills()).toEqual(["10000@10000/TAKER"])
  })
})
