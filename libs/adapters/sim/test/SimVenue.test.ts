import { describe, expect, it } from "@effect/vitest"
import { VenueAdapters } from "@odum/adapter-kit"
import type { Ids } from "@odum/domain"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ASK, BID, BUY, F_CLEAR, F_LAST, SELL } from "../src/MarketEvent.js"
import * as SimVenue from "../src/SimVenue.js"
import { d, inverseSpec, linearSpec, request, Sink, spotSpec } from "./fixtures.js"

const BTC = "SIM:PERPETUAL:BTC-USDT"
const MS = 1_000_000n

/** A venue with the linear perpetual, a sink, and the book of the engine tests. */
const venue = (options: Partial<SimVenue.SimVenueOptions> = {}) => {
  const sink = new Sink()
  const sim = Either.getOrThrow(
    SimVenue.make({ venue: "SIM", instruments: [linearSpec(), inverseSpec(), spotSpec()], sink, initialBalances: { USDT: "10000" }, ...options })
  )
  const book = (ts: bigint) => {
    sim.onMarket(BTC, { kind: "book", ts, flags: F_CLEAR, side: ASK, price: 1000, size: 1000 })
    sim.onMarket(BTC, { kind: "book", ts, flags: 0, side: ASK, price: 1001, size: 2000 })
    sim.onMarket(BTC, { kind: "book", ts, flags: 0, side: BID, price: 999, size: 1500 })
    sim.onMarket(BTC, { kind: "book", ts, flags: F_LAST, side: BID, price: 998, size: 3000 })
  }
  return { sim, sink, book }
}

describe("SimVenue: latency", () => {
  it("an order reaches the engine after the latency and sees the market as it is then", () => {
    const { sim, sink, book } = venue({ latencyNs: 2n * MS })
    book(0n)
    sim.submit(request("m1", "BUY", "1"), 1n * MS)
    expect(sink.events).toEqual([])
    expect(sim.nextArrivalNs()).toBe(3n * MS)
    // The best ask goes before the order arrives: it fills at the next level.
    sim.onMarket(BTC, { kind: "book", ts: 2n * MS, flags: F_LAST, side: ASK, price: 1000, size: 0 })
    expect(sink.events).toEqual([])
    // An arrival is processed before a market event of the same time.
    sim.onMarket(BTC, { kind: "book", ts: 3n * MS, flags: F_LAST, side: ASK, price: 1001, size: 0 })
    expect(sink.tags()).toEqual(["Accepted:m1", "Filled:m1"])
    const [ack, fill] = sink.events
    expect(ack!.ts).toBe(3n * MS)
    expect(fill).toMatchObject({ price: d("100.1"), quantity: d("1"), liquidity: "TAKER", ts: 3n * MS })
    expect(sim.nextArrivalNs()).toBeUndefined()
  })

  it("requests arrive in the order they were sent; a cancel after the latency too", () => {
    const { sim, sink, book } = venue({ latencyNs: 5n * MS })
    book(0n)
    sim.submit(request("b1", "BUY", "1", "99.9"), 10n * MS)
    sim.cancel("b1" as Ids.ClientOrderId, 11n * MS)
    sim.advanceTo(15n * MS)
    expect(sink.tags()).toEqual(["Accepted:b1"])
    expect(sim.openOrders().map((o) => o.clientOrderId)).toEqual(["b1"])
    sim.advanceTo(16n * MS)
    expect(sink.tags()).toEqual(["Accepted:b1", "Cancelled:b1"])
    expect(sink.events[1]!.ts).toBe(16n * MS)
    sim.cancel("b1" as Ids.ClientOrderId, 20n * MS)
    sim.advanceTo(25n * MS)
    expect(sink.events.at(-1)).toMatchObject({ _tag: "CancelRejected", reason: "OrderNotFound" })
  })

  it("keeps its clocks exact up to the end of int64 and refuses a time past it, changing nothing", () => {
    const MAX = 2n ** 63n - 1n
    const { sim, sink, book } = venue({ latencyNs: 1n * MS })
    book(0n)
    // An order whose arrival would be past int64: a RangeError, nothing queued or answered.
    expect(() => sim.submit(request("late", "BUY", "1"), MAX)).toThrow(RangeError)
    expect(() => sim.submit(request("late", "BUY", "1"), MAX)).toThrow(/past the int64 range/)
    expect(sim.nextArrivalNs()).toBeUndefined()
    expect(sink.events).toEqual([])
    expect(() => sim.advanceTo(MAX + 1n)).toThrow(RangeError)
    expect(sim.now()).toBe(0n)
    expect(() => sim.onMarket(BTC, { kind: "trades", ts: MAX + 1n, price: 1000, size: 1, aggressor: 1 })).toThrow(RangeError)
    expect(sim.engine(BTC)!.now).toBe(0n)
    // The last representable time is kept exactly (not rounded through a double).
    sim.submit(request("m1", "BUY", "1"), MAX - 1n * MS)
    expect(sim.nextArrivalNs()).toBe(MAX)
    sim.advanceTo(MAX)
    expect(sim.now()).toBe(MAX)
    expect(sink.tags()).toEqual(["Accepted:m1", "Filled:m1"])
    expect(sink.events[1]!.ts).toBe(MAX)
  })

  it("zero latency answers inside the call", () => {
    const { sim, sink, book } = venue()
    book(0n)
    sim.submit(request("m1", "BUY", "0.5"), 1n)
    expect(sink.tags()).toEqual(["Accepted:m1", "Filled:m1"])
  })

  it("zero latency: an order arrives at the later of its send time and the venue clock, before and after requests sent from the sink", () => {
    const { sim, sink, book } = venue()
    book(0n)
    const inner = sink.onExecution.bind(sink)
    sink.onExecution = (e) => {
      inner(e)
      // Sent from inside an arrival (queued behind it): at 50 on the sender's clock, after the venue's 40.
      if (e._tag === "Accepted" && e.clientOrderId === "m2") sim.submit(request("n1", "BUY", "0.1"), 50n)
      if (e._tag === "Accepted" && e.clientOrderId === "m3") sim.submit(request("n2", "BUY", "0.1"), 45n)
    }
    sim.advanceTo(30n)
    sim.submit(request("m1", "BUY", "0.1"), 20n) // before the clock: arrives at 30
    sim.submit(request("m2", "BUY", "0.1"), 40n) // after it: arrives at 40, the clock moves there
    expect(sim.now()).toBe(50n)
    sim.submit(request("m3", "BUY", "0.1"), 45n) // the clock is at 50 (n1's arrival)
    sim.submit(request("m4", "BUY", "0.1"), 60n)
    expect(sim.now()).toBe(60n)
    const accepted = sink.events.filter((e) => e._tag === "Accepted").map((e) => `${e.clientOrderId}@${e.ts}`)
    expect(accepted).toEqual(["m1@30", "m2@40", "n1@50", "m3@50", "n2@50", "m4@60"])
    expect(sim.nextArrivalNs()).toBeUndefined()
  })

  // The backtest engine relies on this: with no latency (or in immediate mode) a call into the
  // core cannot change when the venue next has work, so it does not ask again after every order.
  for (const mode of ["matching", "immediate"] as const) {
    it(`${mode}, zero latency: nothing is in flight once a call returns, sends from the sink included`, () => {
      const { sim, sink, book } = venue({ mode })
      book(0n)
      sim.engine(BTC)!.referencePrice = 1000
      let nested = 0
      const inner = sink.onExecution.bind(sink)
      sink.onExecution = (e) => {
        inner(e)
        // A sink that sends from inside a callback: another order, and a cancel of a resting one.
        if (e._tag === "Accepted" && nested++ === 0) {
          sim.submit(request("n1", "BUY", "0.5"), 2n)
          sim.cancel("r1" as Ids.ClientOrderId, 2n)
        }
      }
      sim.submit(request("r1", "BUY", "0.1", "99.8"), 1n)
      expect(sim.nextArrivalNs()).toBeUndefined()
      sim.submit(request("m1", "BUY", "0.5"), 2n)
      expect(sim.nextArrivalNs()).toBeUndefined()
      sim.cancel("m1" as Ids.ClientOrderId, 3n)
      expect(sim.nextArrivalNs()).toBeUndefined()
      expect(sink.tags()).toContain("Accepted:n1")
      expect(sink.tags().at(-1)).toBe("CancelRejected:m1")
    })
  }
})

describe("SimVenue: fills, fees and ids", () => {
  it("prices and quantities of 32 bits or more convert to units exactly (small ones are answered as small integers)", () => {
    // 3,000,000,001 size units and 2,500,000,005 price units: past 2^31, where `u | 0` wraps.
    const { sim, sink } = venue({ instruments: [linearSpec({ maxQuantity: "10000000" })], retainFills: false, account: false })
    sim.onMarket(BTC, { kind: "trades", ts: 1n, price: 2_500_000_005, size: 1, aggressor: BUY })
    sim.submit(request("big", "BUY", "3000000.001", "250000000.5"), 2n)
    sim.submit(request("small", "SELL", "0.002"), 3n)
    sim.submit(request("edge", "SELL", "2147483.647"), 4n) // 2^31 - 1 units
    sim.submit(request("past", "SELL", "2147483.648"), 5n) // 2^31 units
    const fills = sink.events.filter((e) => e._tag === "Filled")
    expect(fills.map((e) => `${e.clientOrderId} ${e.quantity} @ ${e.price}`)).toEqual([
      "big 3000000.001 @ 250000000.5",
      "small 0.002 @ 250000000.5",
      "edge 2147483.647 @ 250000000.5",
      "past 2147483.648 @ 250000000.5"
    ])
    expect(sink.events.filter((e) => e._tag !== "Accepted" && e._tag !== "Filled")).toEqual([])
    // The engine's net position is their sum in units (3,000,000,001 - 2 - 2,147,483,647 - 2,147,483,648).
    expect(sim.engine(BTC)!.position).toBe(3_000_000_001 - 2 - 2_147_483_647 - 2_147_483_648)
  })

  it("charges the taker fee and pays the maker rebate exactly, in the quote currency", () => {
    const { sim, sink, book } = venue()
    book(0n)
    sim.submit(request("m1", "BUY", "1.5"), 1n)
    sim.submit(request("b1", "BUY", "0.4", "99.9"), 2n) // behind 1.5 at 99.9
    sim.onMarket(BTC, { kind: "trades", ts: 3n, price: 999, size: 1900, aggressor: SELL })
    const fills = sink.filled()
    expect(fills.map((f) => [f.tradeId, f.venueOrderId, f.price.toString(), f.quantity.toString(), f.fee.toString(), f.feeCurrency, f.liquidity])).toEqual([
      // 1.0 x 100.0 x 0.0005 = 0.05; 0.5 x 100.1 x 0.0005 = 0.025025
      ["SIM-1", "O1", "100", "1", "0.05", "USDT", "TAKER"],
      ["SIM-2", "O1", "100.1", "0.5", "0.025025", "USDT", "TAKER"],
      // 0.4 x 99.9 x -0.0001 = -0.003996 (a rebate)
      ["SIM-3", "O2", "99.9", "0.4", "-0.003996", "USDT", "MAKER"]
    ])
    expect(fills[2]!.ts).toBe(3n)
  })

  it("a fill names its order's instrument, whichever instrument the venue last heard of", () => {
    const { sim, sink, book } = venue()
    const eth = "SIM:SPOT_PAIR:ETH-USDT"
    const inv = "SIM:PERPETUAL:BTC-USD@INV"
    book(0n)
    sim.onMarket(eth, { kind: "quotes", ts: 1n, bidPrice: 299_990, bidSize: 5000, askPrice: 300_000, askSize: 5000 })
    sim.onMarket(inv, { kind: "quotes", ts: 1n, bidPrice: 499_995, bidSize: 1000, askPrice: 500_000, askSize: 1000 })
    sim.submit(request("b1", "BUY", "0.4", "99.9"), 2n) // rests on BTC
    sim.submit({ ...request("e1", "BUY", "1"), canonicalId: eth }, 3n)
    sim.submit({ ...request("i1", "BUY", "100"), canonicalId: inv }, 4n)
    // The resting BTC order fills after requests for the two others.
    sim.onMarket(BTC, { kind: "trades", ts: 5n, price: 998, size: 5000, aggressor: SELL })
    expect(sink.filled().map((f) => `${f.clientOrderId} ${f.canonicalId}`)).toEqual([`e1 ${eth}`, `i1 ${inv}`, `b1 ${BTC}`])
  })

  it("charges inverse fees in the base coin", () => {
    const { sim, sink } = venue()
    const inv = "SIM:PERPETUAL:BTC-USD@INV"
    sim.onMarket(inv, { kind: "quotes", ts: 1n, bidPrice: 499_995, bidSize: 1000, askPrice: 500_000, askSize: 1000 })
    sim.submit({ ...request("m1", "BUY", "100"), canonicalId: inv }, 2n)
    // 100 contracts x 10 USD / 50000 = 0.02 BTC; x 0.0005 = 0.00001 BTC.
    expect(sink.filled().map((f) => [f.price.toString(), f.fee.toString(), f.feeCurrency])).toEqual([["50000", "0.00001", "BTC"]])
  })

  it("rejects on arrival what the venue would refuse, with the reason", () => {
    const { sim, sink, book } = venue({ latencyNs: 1n })
    book(0n)
    sim.submit({ ...request("u1", "BUY", "1"), canonicalId: "SIM:PERPETUAL:DOGE-USDT" }, 1n)
    sim.submit(request("t1", "BUY", "1", "99.95"), 1n)
    sim.submit(request("l1", "BUY", "1.0005", "99.9"), 1n)
    sim.submit(request("b1", "BUY", "1", "99.9"), 1n)
    sim.submit(request("b1", "BUY", "1", "99.8"), 1n)
    expect(sink.events).toEqual([])
    sim.advanceTo(2n)
    expect(sink.events.map((e) => (e._tag === "Rejected" ? `${e.reason}: ${e.message}` : `${e._tag}:${e.clientOrderId}`))).toEqual([
      "UnknownInstrument: u1: SIM lists no instrument SIM:PERPETUAL:DOGE-USDT",
      "OffTickGrid: t1: price 99.95 is not a multiple of the tick size 0.1",
      "OffLotGrid: l1: quantity 1.0005 is not a multiple of the lot size 0.001",
      "Accepted:b1",
      "DuplicateOrder: b1: a working order already uses client order id b1"
    ])
    expect(sink.events.every((e) => e.ts === 2n)).toBe(true)
  })

  it("rejects quantities and prices its units cannot hold as out of range", () => {
    const { sim, sink, book } = venue()
    book(0n)
    sim.submit(request("q1", "BUY", "10000000000000000"), 1n)
    sim.submit(request("p1", "BUY", "1", "10000000000000000"), 1n)
    sim.submit({ ...request("p2", "BUY", "1", "99.9"), quantity: d("-1") }, 1n)
    expect(sink.events.map((e) => (e._tag === "Rejected" ? `${e.reason}: ${e.message}` : `${e._tag}:${e.clientOrderId}`))).toEqual([
      "InvalidQuantity: q1: quantity 10000000000000000 is out of range",
      "InvalidPrice: p1: price 10000000000000000 is out of range",
      "InvalidQuantity: p2: quantity must be positive, got -1"
    ])
  })

  it("converts each request's quantity at its own instrument's scale, when one decimal object is sent again and again", () => {
    // The units of the last quantity are remembered per instrument, by identity.
    const { sim, sink } = venue({ mode: "immediate" })
    const inv = "SIM:PERPETUAL:BTC-USD@INV"
    sim.setReferencePrice(BTC, d("100"))
    sim.setReferencePrice(inv, d("50000"))
    const two = d("2")
    const offGrid = d("1.0005")
    const at = (id: string, canonicalId: string, quantity: typeof two) => sim.submit({ ...request(id, "BUY", "1"), canonicalId, quantity }, 1n)
    at("a", BTC, two)
    at("b", inv, two)
    at("c", BTC, two)
    at("d", BTC, offGrid)
    at("e", BTC, offGrid)
    at("f", inv, offGrid)
    at("g", BTC, d("0.5"))
    expect(
      sink.events.map((e) => (e._tag === "Filled" ? `${e.clientOrderId} ${e.quantity} fee ${e.fee}` : e._tag === "Rejected" ? `${e.clientOrderId} ${e.reason}` : ""))
    ).toEqual(["", "a 2 fee 0.1", "", "b 2 fee 0.0000002", "", "c 2 fee 0.1", "d OffLotGrid", "e OffLotGrid", "f OffLotGrid", "", "g 0.5 fee 0.025"])
  })

  it("treats any client order id alike, even the key of its internal sentinel entry", () => {
    // The working-order table keeps a permanent entry under "\u0000working"; an unchecked caller may use that id too.
    const { sim, sink, book } = venue()
    book(0n)
    const odd = "\u0000working" as Ids.ClientOrderId
    sim.cancel(odd, 1n)
    sim.submit({ ...request("x", "BUY", "1", "99.9"), clientOrderId: odd }, 2n)
    sim.submit({ ...request("x", "BUY", "1", "99.8"), clientOrderId: odd }, 3n)
    sim.cancel(odd, 4n)
    sim.cancel(odd, 5n)
    sim.submit({ ...request("x", "BUY", "1", "99.7"), clientOrderId: odd }, 6n)
    sim.submit(request("m1", "BUY", "1"), 7n)
    sim.cancel("m1" as Ids.ClientOrderId, 8n)
    expect(sink.events.map((e) => (e._tag === "Rejected" || e._tag === "CancelRejected" ? `${e._tag}:${e.reason}` : e._tag))).toEqual([
      "CancelRejected:OrderNotFound",
      "Accepted",
      "Rejected:DuplicateOrder",
      "Cancelled",
      "CancelRejected:OrderNotFound",
      "Accepted",
      "Accepted",
      "Filled",
      "CancelRejected:OrderNotFound"
    ])
    expect(sim.openOrders().map((o) => o.price)).toEqual([d("99.7")])
  })

  it("keeps the venue's records: open orders, fills since a time, positions and balances", () => {
    const { sim, book } = venue()
    book(0n)
    sim.submit(request("m1", "BUY", "1"), 1n) // 1 @ 100.0, fee 0.05
    sim.submit(request("a1", "SELL", "0.4", "110"), 2n)
    expect(sim.openOrders()).toMatchObject([{ clientOrderId: "a1", price: d("110"), filledQuantity: d("0"), ts: 2n }])
    sim.onMarket(BTC, { kind: "trades", ts: 5n, price: 1101, size: 1, aggressor: BUY }) // through 110: maker 0.4 @ 110, rebate 0.0044
    expect(sim.openOrders()).toEqual([])
    expect(sim.fills(5n)!.map((f) => f.clientOrderId)).toEqual(["a1"])
    expect(sim.fills(0n)!.length).toBe(2)
    expect(sim.positions()).toEqual([{ canonicalId: BTC, quantity: d("0.6"), averageEntryPrice: d("100") }])
    // 10000 - 0.05 (taker fee) + 0.0044 (maker rebate) + 0.4 x (110 - 100) realized
    expect(sim.balances()).toEqual([{ asset: "USDT", total: d("10003.9544") }])
  })

  it("spot fills exchange base for quote", () => {
    const { sim } = venue()
    const eth = "SIM:SPOT_PAIR:ETH-USDT"
    sim.onMarket(eth, { kind: "quotes", ts: 1n, bidPrice: 299_990, bidSize: 5000, askPrice: 300_000, askSize: 5000 })
    sim.submit({ ...request("m1", "BUY", "2"), canonicalId: eth }, 2n)
    expect(sim.positions()).toEqual([])
    // 2 x 3000 = 6000 USDT and a 6 USDT fee.
    expect(sim.balances()).toEqual([
      { asset: "ETH", total: d("2") },
      { asset: "USDT", total: d("3994") }
    ])
  })

  it("is deterministic: the same inputs give the same events", () => {
    const run = () => {
      const { sim, sink, book } = venue({ latencyNs: 3n })
      book(0n)
      sim.submit(request("b1", "BUY", "2", "99.9"), 1n)
      sim.submit(request("m1", "SELL", "1"), 2n)
      sim.onMarket(BTC, { kind: "trades", ts: 10n, price: 999, size: 4000, aggressor: SELL })
      sim.submit(request("m2", "BUY", "3"), 11n)
      sim.advanceTo(20n)
      return sink.events
    }
    const a = run()
    expect(a.length).toBeGreaterThan(5)
    expect(run()).toEqual(a)
  })
})

describe("SimVenue: re-entrancy and options", () => {
  it("an order sent from the sink while the venue reports a fill runs after that report", () => {
    const { sim, sink, book } = venue()
    book(0n)
    sim.submit(request("b1", "BUY", "1", "99.9"), 1n)
    const reacting: SimVenue.ExecutionSink = {
      onExecution(e) {
        sink.onExecution(e)
        if (e._tag === "Filled" && e.clientOrderId === "b1") sim.submit(request("s1", "SELL", "1", "101"), e.ts)
      }
    }
    sim.setSink(reacting)
    sim.onMarket(BTC, { kind: "trades", ts: 5n, price: 998, size: 1, aggressor: SELL }) // through b1
    expect(sink.tags()).toEqual(["Accepted:b1", "Filled:b1", "Accepted:s1"])
    expect(sim.openOrders().map((o) => o.clientOrderId)).toEqual(["s1"])
  })

  it("an order still being processed on arrival is working: duplicates and cancels sent from the sink meanwhile see it", () => {
    // Orders enter the working-order Map only if they are still working after their arrival;
    // until then the venue must answer exactly as if they were in it (nested arrivals included).
    const inv = "SIM:PERPETUAL:BTC-USD@INV"
    const run = (latencyNs: bigint, warmUp = 0) => {
      const { sim, sink, book } = venue({ latencyNs })
      book(0n)
      sim.onMarket(inv, { kind: "quotes", ts: 0n, bidPrice: 499_995, bidSize: 1000, askPrice: 500_000, askSize: 1000 })
      // Orders that arrive (and expire: the spot instrument has no market) before the scenario,
      // so that the venue renews the holder of its in-flight chain (every 64 arrivals) at each
      // point of the nested arrivals below in one run or another.
      for (let i = 0; i < warmUp; i++) sim.submit({ ...request(`w${i}`, "BUY", "1"), canonicalId: "SIM:SPOT_PAIR:ETH-USDT" }, 0n)
      if (warmUp > 0) sim.advanceTo(latencyNs)
      expect(sink.events.length).toBe(2 * warmUp)
      sink.events.length = 0
      let nested = false
      const reacting: SimVenue.ExecutionSink = {
        onExecution(e) {
          sink.onExecution(e)
          if (e._tag === "Accepted" && e.clientOrderId === "m1") {
            sim.submit(request("m1", "SELL", "1"), e.ts) // m1 is still in flight
            sim.cancel("m1" as Ids.ClientOrderId, e.ts) // reaches the busy engine: answered after m1 finished
            sim.submit({ ...request("i1", "BUY", "100"), canonicalId: inv }, e.ts) // another engine: arrives now
            sim.submit({ ...request("m1", "BUY", "100"), canonicalId: inv }, e.ts) // still m1's id, on another instrument
            sim.submit(request("b2", "BUY", "1", "99"), e.ts) // deferred by the busy engine, then rests
            sim.submit(request("b2", "BUY", "1", "98"), e.ts) // b2 waits in the engine: a working order
          }
          // i1 in flight inside m1's arrival (two orders in flight at once).
          if (e._tag === "Accepted" && e.clientOrderId === "i1" && !nested) {
            nested = true
            sim.submit({ ...request("i1", "SELL", "100"), canonicalId: inv }, e.ts)
          }
          // i1 filled whole is no longer working: its id again is a new order, deferred by i1's busy engine.
          if (e._tag === "Filled" && e.clientOrderId === "i1") sim.submit({ ...request("i1", "SELL", "100", "60000"), canonicalId: inv }, e.ts)
        }
      }
      sim.setSink(reacting)
      sim.submit(request("m1", "BUY", "1.5"), 1n)
      sim.advanceTo(2n)
      sim.cancel("b2" as Ids.ClientOrderId, 3n)
      sim.cancel("m1" as Ids.ClientOrderId, 3n)
      sim.advanceTo(5n)
      return {
        events: sink.events.map((e) =>
          e._tag === "Rejected" || e._tag === "CancelRejected" ? `${e._tag}:${e.clientOrderId}:${e.reason}: ${e.message}` : `${e._tag}:${e.clientOrderId}`
        ),
        open: sim.openOrders().map((o) => `${o.clientOrderId}:${o.canonicalId}`)
      }
    }
    const results = [run(0n), run(1n)]
    // The same answers whichever arrival renews the chain's holder.
    for (let warmUp = 1; warmUp <= 66; warmUp++) {
      expect([run(0n, warmUp), run(1n, warmUp)]).toEqual(results)
    }
    // Zero latency: requests sent from a callback arrive inside it; with latency they queue and arrive in send order.
    expect(results).toEqual([
      {
        events: [
          "Accepted:m1",
          "Rejected:m1:DuplicateOrder: m1: a working order already uses client order id m1",
          "Accepted:i1",
          "Rejected:i1:DuplicateOrder: i1: a working order already uses client order id i1",
          "Filled:i1",
          "Accepted:i1",
          "Rejected:m1:DuplicateOrder: m1: a working order already uses client order id m1",
          "Rejected:b2:DuplicateOrder: b2: a working order already uses client order id b2",
          "Filled:m1",
          "Filled:m1",
          "CancelRejected:m1:OrderNotFound: order m1 is already closed",
          "Accepted:b2",
          "Cancelled:b2",
          "CancelRejected:m1:OrderNotFound: no working order m1 at SIM"
        ],
        open: [`i1:${inv}`]
      },
      {
        events: [
          "Accepted:m1",
          "Filled:m1",
          "Filled:m1",
          "Accepted:m1",
          "Accepted:i1",
          "Rejected:m1:DuplicateOrder: m1: a working order already uses client order id m1",
          "Rejected:b2:DuplicateOrder: b2: a working order already uses client order id b2",
          "Rejected:m1:DuplicateOrder: m1: a working order already uses client order id m1",
          "Rejected:i1:DuplicateOrder: i1: a working order already uses client order id i1",
          "Filled:i1",
          "Accepted:i1",
          "Rejected:i1:DuplicateOrder: i1: a working order already uses client order id i1",
          "Rejected:m1:DuplicateOrder: m1: a working order already uses client order id m1",
          "Rejected:b2:DuplicateOrder: b2: a working order already uses client order id b2",
          "Rejected:b2:DuplicateOrder: b2: a working order already uses client order id b2",
          "Filled:m1",
          "CancelRejected:m1:OrderNotFound: order m1 is already closed",
          "Accepted:b2",
          "Cancelled:b2",
          "CancelRejected:m1:OrderNotFound: order m1 is already closed",
          "CancelRejected:m1:OrderNotFound: order m1 is already closed"
        ],
        open: [`i1:${inv}`]
      }
    ])
  })

  it("a duplicate is refused exactly while an order with its id works, however the last one stopped working", () => {
    // The venue skips the lookup while it lists no working order: every way an order starts
    // and stops working must keep that count, the sentinel's key included.
    const { sim, sink, book } = venue()
    book(0n)
    const dup = "DuplicateOrder"
    const step = (id: string, price: string | undefined, extra = {}) => {
      const before = sink.events.length
      sim.submit(request(id, "BUY", "1", price, extra), 1n)
      const first = sink.events[before]!
      return first._tag === "Rejected" ? first.reason : first._tag
    }
    const outcomes: Array<string> = []
    const sentinel = "\u0000working"
    for (const id of ["r1", sentinel]) {
      outcomes.push(step(id, "99.5")) // rests
      outcomes.push(step(id, "99.5")) // a duplicate of a resting order
      outcomes.push(step(id, undefined)) // a duplicate, even as a market order
      sim.cancel(id as Ids.ClientOrderId, 1n)
      outcomes.push(step(id, "99.5")) // cancelled: the id is free again
      sim.onMarket(BTC, { kind: "trades", ts: 2n, price: 994, size: 5, aggressor: SELL }) // fills it through its price
      outcomes.push(step(id, "99.5")) // filled: free again, rests
      sim.cancel(id as Ids.ClientOrderId, 3n)
      outcomes.push(step(id, undefined)) // a market order that fills whole inside its arrival
      outcomes.push(step(id, undefined)) // ... and leaves the id free
      outcomes.push(step(id, "200", { timeInForce: "IOC" })) // an IOC remainder that expires
      outcomes.push(step(id, "99.5", { timeInForce: "GTD" })) // rejected by the engine
      outcomes.push(step(id, "99.5")) // none of those left a working order
      sim.cancel(id as Ids.ClientOrderId, 4n)
    }
    const each = ["Accepted", dup, dup, "Accepted", "Accepted", "Accepted", "Accepted", "Accepted", "UnsupportedOrder", "Accepted"]
    expect(outcomes).toEqual([...each, ...each])
    expect(sim.openOrders()).toEqual([])
    // A resting order still blocks its id once nothing else works.
    expect(step("r2", "99.5")).toBe("Accepted")
    expect(step("r2", undefined)).toBe(dup)
  })

  it("without an account it reports no positions or balances (and the Effect edge says why)", () => {
    const { sim, sink, book } = venue({ account: false })
    book(0n)
    sim.submit(request("m1", "BUY", "1"), 1n)
    expect(sink.filled().map((f) => String(f.fee))).toEqual(["0.05"])
    expect(sim.positions()).toBeUndefined()
    expect(sim.balances()).toBeUndefined()
    const error = Effect.runSync(Effect.scoped(Effect.flatMap(SimVenue.adapter(sim), (a) => Effect.flip(a.positions()))))
    expect(error.message).toBe("SIM keeps no positions (account: false)")
  })

  it("positions average entries and realize PnL on reductions and flips (average cost)", () => {
    const { sim } = venue({ mode: "immediate" })
    const fill = (id: string, side: "BUY" | "SELL", qty: string, price: string) => sim.submit(request(id, side, qty, price), 1n)
    fill("1", "BUY", "1", "100")
    fill("2", "BUY", "3", "104") // average (100 + 312) / 4 = 103
    expect(sim.positions()).toEqual([{ canonicalId: BTC, quantity: d("4"), averageEntryPrice: d("103") }])
    fill("3", "SELL", "1", "110") // realizes 110 - 103 = 7
    expect(sim.positions()).toEqual([{ canonicalId: BTC, quantity: d("3"), averageEntryPrice: d("103") }])
    fill("4", "SELL", "5", "90") // closes 3 at 90 (-39), opens 2 short at 90
    expect(sim.positions()).toEqual([{ canonicalId: BTC, quantity: d("-2"), averageEntryPrice: d("90") }])
    // 10000 + 7 - 39 - taker fees 0.0005 x (100 + 312 + 110 + 450)
    expect(sim.balances()).toEqual([{ asset: "USDT", total: d("9967.514") }])
  })
})

describe("SimVenue: immediate mode", () => {
  it("accepts and fills each order whole at its limit or the reference price, without latency", () => {
    const { sim, sink } = venue({ mode: "immediate", latencyNs: 1_000_000n })
    sim.submit(request("m0", "BUY", "1"), 1n) // no reference price yet
    expect(sink.tags()).toEqual(["Accepted:m0", "Expired:m0"])
    expect(sim.setReferencePrice(BTC, d("100.5"))).toBe(true)
    sim.submit(request("m1", "BUY", "2"), 2n)
    sim.submit(request("l1", "SELL", "1", "101"), 3n)
    sim.submit(request("x1", "SELL", "1", "101.05"), 4n)
    expect(sink.filled().map((f) => `${f.quantity}@${f.price}/${f.liquidity}`)).toEqual(["2@100.5/TAKER", "1@101/TAKER"])
    expect(sink.events.at(-1)).toMatchObject({ _tag: "Rejected", reason: "OffTickGrid" })
    expect(sim.positions()).toEqual([{ canonicalId: BTC, quantity: d("1"), averageEntryPrice: d("100.5") }])
  })
})

describe("SimVenue.make", () => {
  it("refuses configurations it cannot run with", () => {
    const fail = (o: Partial<SimVenue.SimVenueOptions>) => {
      const r = SimVenue.make({ venue: "SIM", instruments: [linearSpec()], ...o })
      return Either.isLeft(r) ? r.left.reason : "ok"
    }
    expect(fail({ venue: "sim lower" })).toBe("InvalidVenue")
    expect(fail({ venue: "OTHER" })).toBe("VenueMismatch")
    expect(fail({ instruments: [linearSpec(), linearSpec()] })).toBe("DuplicateInstrument")
    expect(fail({ latencyNs: -1 })).toBe("InvalidLatency")
    expect(fail({ initialBalances: { USDT: "1e5" } })).toBe("InvalidBalance")
    expect(fail({ instruments: [{ spec: linearSpec(), priceScale: 0 }] })).toBe("InvalidScale")
    expect(fail({})).toBe("ok")
  })
})

describe("SimVenue: the Effect edge", () => {
  it.scoped("submit resolves after the latency on the Effect clock; rejections fail with VenueRejection", () =>
    Effect.gen(function* () {
      const { sim, book } = venue({ latencyNs: 5n * MS })
      book(0n)
      const adapter = yield* SimVenue.adapter(sim)
      const events = yield* adapter.executionEvents.pipe(Stream.take(4), Stream.runCollect, Effect.fork)
      yield* Effect.yieldNow()
      const submitting = yield* Effect.fork(adapter.submit(request("b1", "BUY", "1", "99.9")))
      yield* TestClock.adjust("4 millis")
      expect(sim.openOrders()).toEqual([])
      yield* TestClock.adjust("1 millis")
      const ack = yield* Fiber.join(submitting)
      expect(ack).toEqual({ clientOrderId: "b1", venueOrderId: "O1", ts: 5n * MS })
      expect((yield* adapter.openOrders()).map((o) => o.clientOrderId)).toEqual(["b1"])

      const rejected = yield* Effect.fork(Effect.flip(adapter.submit(request("t1", "BUY", "1", "99.95"))))
      yield* TestClock.adjust("5 millis")
      const error = yield* Fiber.join(rejected)
      expect(error._tag).toBe("VenueRejection")
      expect(error._tag === "VenueRejection" && error.reason).toBe("OffTickGrid")

      const cancelling = yield* Effect.fork(adapter.cancel("b1" as Ids.ClientOrderId))
      yield* TestClock.adjust("5 millis")
      yield* Fiber.join(cancelling)
      const again = yield* Effect.fork(Effect.flip(adapter.cancel("b1" as Ids.ClientOrderId)))
      yield* TestClock.adjust("5 millis")
      expect((yield* Fiber.join(again))._tag).toBe("VenueRejection")

      const seen = Chunk.toReadonlyArray(yield* Fiber.join(events))
      expect(seen.map((e) => `${e._tag}:${e.clientOrderId}`)).toEqual(["Accepted:b1", "Rejected:t1", "Cancelled:b1", "CancelRejected:b1"])
      expect(yield* adapter.positions()).toEqual([])
      expect(yield* adapter.balances()).toEqual([{ asset: "USDT", total: d("10000") }])
      expect(yield* adapter.fills(0n)).toEqual([])
    })
  )

  const noHistory = venue({ retainFills: false }).sim
  it.scoped("serves as a registry entry, and says when it keeps no fill history", () =>
    Effect.gen(function* () {
      const registry = yield* VenueAdapters.VenueAdapters
      const adapter = yield* registry.get("SIM")
      expect(adapter.venue).toBe("SIM")
      const error = yield* Effect.flip(adapter.fills(0n))
      expect(error.message).toContain("retainFills: false")
      expect(noHistory.fills(0n)).toBeUndefined()
    }).pipe(Effect.provide(SimVenue.layer([noHistory])))
  )
})
