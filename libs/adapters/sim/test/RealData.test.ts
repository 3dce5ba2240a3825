/**
 * The simulated venue on real Binance USD-M BTCUSDT data: the book rebuilt from the
 * hftbacktest raw feed (REST snapshot + diff-depth, synced by Binance's rules), top of book
 * from Tardis quotes, and trades; fees from ccxt's binance.json (taker 0.0004, maker 0.0002).
 */
import { describe, expect, it } from "@effect/vitest"
import { Decimal } from "@odum/domain"
import * as Either from "effect/Either"
import { ASK, BID, F_CLEAR, F_LAST, F_SNAPSHOT, SELL, BUY } from "../src/MarketEvent.js"
import * as SimVenue from "../src/SimVenue.js"
import { request, Sink } from "./fixtures.js"
import { binanceSpec, feedLine, readReal, units } from "./realData.js"

const ID = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"
const spec = binanceSpec("BTC/USDT:USDT", ID, "BINANCE-FUTURES")
const lines = readReal("btcusdt_20240808.gz").split("\n", 3000)
const D = Decimal.unsafeFromString
// Tick 0.10 -> prices at scale 1; lot 0.001 -> sizes at scale 3.
const P = (s: string) => units(s, 1)
const Q = (s: string) => units(s, 3)

const make = () => {
  const sink = new Sink()
  const sim = Either.getOrThrow(SimVenue.make({ venue: "BINANCE-FUTURES", instruments: [spec], sink }))
  return { sim, sink, engine: sim.engine(ID)! }
}

/** Line 55: the REST snapshot, applied as one message (clear first, F_LAST at the end). */
const snapshot = feedLine(lines[54]!).json as { lastUpdateId: number; T: number; bids: Array<[string, string]>; asks: Array<[string, string]> }
const applySnapshot = (sim: SimVenue.SimVenue) => {
  const ts = BigInt(snapshot.T) * 1_000_000n
  const rows = [...snapshot.bids.map((l) => [BID, ...l] as const), ...snapshot.asks.map((l) => [ASK, ...l] as const)]
  rows.forEach(([side, price, qty], i) => {
    const flags = F_SNAPSHOT | (i === 0 ? F_CLEAR : 0) | (i === rows.length - 1 ? F_LAST : 0)
    sim.onMarket(ID, { kind: "book", ts, flags, side, price: P(price), size: Q(qty) })
  })
}

describe("real data: Binance USD-M BTCUSDT (hftbacktest raw feed, 2024-08-08)", () => {
  it("spec from binance.json: tick 0.1, lot 0.001, min notional 5, taker 0.0004, maker 0.0002", () => {
    expect([spec.tickSize, spec.lotSize, spec.minNotional, spec.takerFee, spec.makerFee].map(String)).toEqual([
      "0.1",
      "0.001",
      "5",
      "0.0004",
      "0.0002"
    ])
  })

  it("a market buy on the snapshot walks the real ask levels with the taker fee", () => {
    const { sim, sink } = make()
    applySnapshot(sim)
    // Snapshot asks: 61800.30 x 1.072, 61800.70 x 0.002, 61801.00 x 0.003, 61802.00 x 0.002, 61802.80 x 0.586.
    sim.submit({ ...request("m1", "BUY", "1.2"), canonicalId: ID }, BigInt(snapshot.T) * 1_000_000n)
    expect(sink.filled().map((f) => [f.price.toString(), f.quantity.toString(), f.fee.toString(), f.feeCurrency])).toEqual([
      ["61800.3", "1.072", "26.49996864", "USDT"], // 66249.9216 x 0.0004
      ["61800.7", "0.002", "0.04944056", "USDT"], // 123.6014 x 0.0004
      ["61801", "0.003", "0.0741612", "USDT"], // 185.403 x 0.0004
      ["61802", "0.002", "0.0494416", "USDT"], // 123.604 x 0.0004
      ["61802.8", "0.121", "2.99125552", "USDT"] // 7478.1388 x 0.0004
    ])
    expect(sink.events.at(-1)!._tag).toBe("Filled")
    expect(sim.positions()![0]!.quantity).toEqual(D("1.2"))
  })

  it("a market sell after syncing the diff stream walks the book as Binance would show it", () => {
    const { sim, sink } = make()
    applySnapshot(sim)
    // An independent reference book: price text -> size, from the same snapshot and diffs.
    const ref = new Map<string, Decimal.Decimal>(snapshot.bids.map(([p, q]) => [String(D(p)), D(q)]))
    // Binance's sync rules: drop u < lastUpdateId; the first applied diff has U <= lastUpdateId <= u; then pu = previous u.
    let previous: number | undefined
    let applied = 0
    for (const line of lines.slice(0, 1500)) {
      const { json } = feedLine(line)
      if (json.stream !== "btcusdt@depth@0ms") continue
      const diff = json.data as { E: number; U: number; u: number; pu: number; b: Array<[string, string]>; a: Array<[string, string]> }
      if (diff.u < snapshot.lastUpdateId) continue
      if (previous === undefined) expect(diff.U <= snapshot.lastUpdateId && snapshot.lastUpdateId <= diff.u).toBe(true)
      else expect(diff.pu).toBe(previous)
      previous = diff.u
      applied++
      const ts = BigInt(diff.E) * 1_000_000n
      const rows = [...diff.b.map((l) => [BID, ...l] as const), ...diff.a.map((l) => [ASK, ...l] as const)]
      rows.forEach(([side, price, qty], i) => {
        sim.onMarket(ID, { kind: "book", ts, flags: i === rows.length - 1 ? F_LAST : 0, side, price: P(price), size: Q(qty) })
        if (side === BID) {
          if (Decimal.isZero(D(qty))) ref.delete(String(D(price)))
          else ref.set(String(D(price)), D(qty))
        }
      })
    }
    expect(applied).toBeGreaterThan(50)
    // Expected fills: the reference bids from the best down, until 25 BTC are sold.
    const bids = [...ref].sort(([a], [b]) => Decimal.compare(D(b), D(a)))
    const expected: Array<[string, string, string]> = []
    let left = D("25")
    for (const [price, size] of bids) {
      if (!Decimal.isPositive(left)) break
      const q = Decimal.min(size, left)
      expected.push([price, String(q), String(Decimal.mul(Decimal.mul(D(price), q), D("0.0004")))])
      left = Decimal.sub(left, q)
    }
    expect(expected.length).toBeGreaterThan(3)
    sim.submit({ ...request("s1", "SELL", "25"), canonicalId: ID }, sim.now())
    expect(sink.filled().map((f) => [String(f.price), String(f.quantity), String(f.fee)])).toEqual(expected)
    expect(sink.filled().every((f) => f.liquidity === "TAKER" && f.side === "SELL")).toBe(true)
  })

  it("a bid resting at the real best bid waits behind its queue; a trade through it fills it at the maker fee", () => {
    const { sim, sink } = make()
    applySnapshot(sim)
    // Joins behind the snapshot's 2.909 at 61800.20.
    sim.submit({ ...request("b1", "BUY", "0.5", "61800.2"), canonicalId: ID }, BigInt(snapshot.T) * 1_000_000n)
    expect(sim.engine(ID)!.openOrders()[0]!.queueAhead).toBe(2909)
    // Replay the real trades that follow (lines 56+). Takers sell 2.617 at 61800.20 (lines 72-99), not
    // enough to reach us; the first trade below our price (61800.10, line 158) fills us whole.
    let through: number | undefined
    for (let i = 55; i < 200; i++) {
      const { json } = feedLine(lines[i]!)
      if (json.stream !== "btcusdt@trade") continue
      const t = json.data as { p: string; q: string; m: boolean; T: number }
      sim.onMarket(ID, { kind: "trades", ts: BigInt(t.T) * 1_000_000n, price: P(t.p), size: Q(t.q), aggressor: t.m ? SELL : BUY })
      if (through === undefined && sink.filled().length > 0) through = i + 1
    }
    expect(through).toBe(158)
    expect(sink.filled().map((f) => [String(f.price), String(f.quantity), String(f.fee), f.liquidity, f.ts])).toEqual([
      ["61800.2", "0.5", "6.18002", "MAKER", 1723161256876n * 1_000_000n] // 30900.1 x 0.0002
    ])
  })
})

describe("real data: Tardis quotes and trades (Binance USD-M BTCUSDT, 2020-02-22)", () => {
  // In 2020 the BTCUSDT perpetual's tick was 0.01 (the quotes have cents): same market, that tick.
  const spec2020 = binanceSpec("BTC/USDT:USDT", ID, "BINANCE-FUTURES", { tickSize: "0.01" })
  const rows = (name: string) =>
    readReal(name)
      .split("\n", 50)
      .slice(1)
      .filter((l) => l.length > 0)
      .map((l) => l.split(","))

  it("quotes only: a market buy takes the quoted ask size, the rest expires; the next quote restores it", () => {
    const sink = new Sink()
    const sim = Either.getOrThrow(SimVenue.make({ venue: "BINANCE-FUTURES", instruments: [spec2020], sink }))
    const quote = (r: Array<string>) => {
      // exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount (µs)
      const [, , ts, , askAmount, askPrice, bidPrice, bidAmount] = r as [string, string, string, string, string, string, string, string]
      sim.onMarket(ID, { kind: "quotes", ts: BigInt(ts) * 1000n, bidPrice: units(bidPrice, 2), bidSize: units(bidAmount, 3), askPrice: units(askPrice, 2), askSize: units(askAmount, 3) })
    }
    const quotes = rows("quotes.csv")
    quote(quotes[0]!) // ask 9682 x 0.84, bid 9681.92 x 0.67
    sim.submit({ ...request("m1", "BUY", "1"), canonicalId: ID }, sim.now())
    expect(sink.events.map((e) => e._tag)).toEqual(["Accepted", "Filled", "Expired"])
    // 0.84 x 9682 = 8132.88; x 0.0004 = 3.253152
    expect(sink.filled().map((f) => [String(f.price), String(f.quantity), String(f.fee)])).toEqual([["9682", "0.84", "3.253152"]])
    quote(quotes[1]!) // ask 9682 x 0.84 again
    sim.submit({ ...request("m2", "BUY", "0.5"), canonicalId: ID }, sim.now())
    expect(sink.filled().map((f) => `${f.quantity}@${f.price}`)).toEqual(["0.84@9682", "0.5@9682"])
  })

  it("trades only: a market order fills whole at the last trade price plus slippage", () => {
    const sink = new Sink()
    const sim = Either.getOrThrow(SimVenue.make({ venue: "BINANCE-FUTURES", instruments: [spec2020], sink, slippage: { bps: 1 } }))
    const [first] = rows("trades.csv") // ...,42377944,buy,9682,0.132
    const [, , ts, , , side, price, amount] = first as [string, string, string, string, string, string, string, string]
    sim.onMarket(ID, { kind: "trades", ts: BigInt(ts) * 1000n, price: units(price, 2), size: units(amount, 3), aggressor: side === "buy" ? BUY : SELL })
    sim.submit({ ...request("m1", "BUY", "2"), canonicalId: ID }, sim.now())
    sim.submit({ ...request("m2", "SELL", "2"), canonicalId: ID }, sim.now())
    // 1 bp of 9682 is 0.9682, rounded up to the tick: 0.97.
    expect(sink.filled().map((f) => `${f.side} ${f.quantity}@${f.price}`)).toEqual(["BUY 2@9682.97", "SELL 2@9681.03"])
  })
})
