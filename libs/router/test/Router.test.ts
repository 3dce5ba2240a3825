/**
 * Hand-computed routing examples. Every expected number is worked out in the comment above
 * its assertion from the books, fees and latencies of the test, not read back from the
 * router.
 */
import { Decimal } from "@odum/domain"
import { describe, expect, it } from "vitest"
import { MarketState, Router, type RouteRequest, type RoutingDecision, RouterError } from "../src/index.js"
import {
  binancePerp,
  binanceSpot,
  book,
  bybitPerp,
  d,
  deribitPerp,
  okxSpot,
  router,
  spec,
  venue
} from "./fixtures.js"

const BINANCE = "BINANCE-SPOT:SPOT_PAIR:BTC-USDT"
const OKX = "OKX:SPOT_PAIR:BTC-USDT"
const BN_PERP = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"
const BY_PERP = "BYBIT:PERPETUAL:BTC-USDT"
const DB_PERP = "DERIBIT:PERPETUAL:BTC-USDC"

/** The decision, failing the test with the error if routing failed. */
const decide = (r: Router.Router, request: RouteRequest.RouteRequest, market: MarketState.MarketState): RoutingDecision.RoutingDecision => {
  const result = r.route(request, market)
  if (Router.isRouteError(result)) throw new Error(`expected a decision, got ${result._tag}: ${result.message}`)
  return result
}

/** The error, failing the test if routing succeeded. */
const refuse = (r: Router.Router, request: RouteRequest.RouteRequest, market: MarketState.MarketState) => {
  const result = r.route(request, market)
  if (!Router.isRouteError(result)) throw new Error(`expected an error, got a ${result.choice} decision`)
  return result
}

/** A cost as strings, for compact exact assertions. */
const costOf = (c: RoutingDecision.Cost | undefined) =>
  c === undefined
    ? undefined
    : {
        notional: Decimal.format(c.notional),
        fee: Decimal.format(c.fee),
        slippage: Decimal.format(c.slippage),
        latencyPenalty: Decimal.format(c.latencyPenalty),
        total: Decimal.format(c.total)
      }

const buy = (quantity: string, canonicalId = BINANCE): RouteRequest.RouteRequest => ({
  canonicalId,
  side: "BUY",
  type: "MARKET",
  quantity: d(quantity)
})

/** Binance spot and OKX spot, no latency penalty (latency 0). */
const spotRouter = () =>
  router({ venues: [venue("BINANCE-SPOT"), venue("OKX")], listings: [{ spec: binanceSpot }, { spec: okxSpot }] })

describe("Router: choosing one venue", () => {
  it("picks the venue whose fees plus slippage are lower", () => {
    const r = spotRouter()
    const m = MarketState.inMemory()
    m.setBook(BINANCE, book([["99.9", "1"]], [["100", "2"]]))
    m.setBook(OKX, book([["99.9", "1"]], [["100.1", "2"]]))
    const decision = decide(r, buy("1"), m)
    // Reference: mid of best bid 99.9 and best ask 100 = 99.95.
    expect(Decimal.format(decision.reference!.price)).toBe("99.95")
    expect(decision.reference!.source).toBe("BOOKS")
    // Binance: 1 @ 100, fee 0.001 x 100 = 0.1, slippage 100 - 99.95 = 0.05, total 0.15.
    expect(costOf(decision.candidates[0]!.cost)).toEqual({
      notional: "100",
      fee: "0.1",
      slippage: "0.05",
      latencyPenalty: "0",
      total: "0.15"
    })
    // OKX: 1 @ 100.1, fee 0.1001, slippage 0.15, total 0.2501.
    expect(costOf(decision.candidates[1]!.cost)).toEqual({
      notional: "100.1",
      fee: "0.1001",
      slippage: "0.15",
      latencyPenalty: "0",
      total: "0.2501"
    })
    expect(decision.choice).toBe("SINGLE")
    expect(decision.allocations.map((a) => [a.canonicalId, Decimal.format(a.quantity)])).toEqual([[BINANCE, "1"]])
    // Binance fills everything at the lowest marginal cost anywhere: no split can win.
    expect(decision.split?.chosen).toBe(false)
    expect(decision.split?.detail).toContain("no split can be cheaper")
  })

  it("reports a split evaluation that lands on one listing", () => {
    const m = MarketState.inMemory()
    m.setBook(BINANCE, book([["99.9", "1"]], [["100", "0.5"], ["100.01", "5"]]))
    m.setBook(OKX, book([["99.9", "1"]], [["101", "5"]]))
    const decision = decide(spotRouter(), buy("1"), m)
    // Binance walks two levels, so the greedy runs; both levels beat OKX's 101.
    expect(decision.split).toMatchObject({ feasible: true, chosen: false, allocations: [] })
    expect(decision.split!.detail).toBe(`the cheapest allocation uses one listing (${BINANCE})`)
    expect(decision.allocations.map((a) => a.canonicalId)).toEqual([BINANCE])
  })

  it("a better price loses to a lower fee (real Binance USD-M, Bybit and Deribit fees)", () => {
    // Latency 10, 20 and 30 ms at the default 0.01 bp/ms: rates 0.00001, 0.00002, 0.00003.
    const r = router({
      venues: [venue("BINANCE-FUTURES", 10), venue("BYBIT", 20), venue("DERIBIT", 30, "external")],
      listings: [{ spec: binancePerp }, { spec: bybitPerp }, { spec: deribitPerp }],
      equivalences: [[BN_PERP, DB_PERP]]
    })
    const m = MarketState.inMemory()
    m.setBook(BN_PERP, book([["59980", "5"]], [["60000", "5"]]))
    m.setBook(BY_PERP, book([["59980", "5"]], [["59990", "5"]]))
    // Deribit sizes are contracts of 0.001 BTC: 5000 contracts = 5 BTC.
    m.setBook(DB_PERP, book([["59979", "5000"]], [["60001", "5000"]]))
    const decision = decide(r, buy("1", BN_PERP), m)
    // Reference: (59980 + 59990) / 2 = 59985.
    expect(Decimal.format(decision.reference!.price)).toBe("59985")
    const [binance, bybit, deribit] = decision.candidates
    // Binance: fee 60000 x 0.0004 = 24, slippage 15, latency 60000 x 0.00001 = 0.6; total 39.6.
    expect(costOf(binance!.cost)).toEqual({ notional: "60000", fee: "24", slippage: "15", latencyPenalty: "0.6", total: "39.6" })
    // Bybit, 10 cheaper: fee 59990 x 0.00075 = 44.9925, slippage 5, latency 1.1998; total 51.1923.
    expect(costOf(bybit!.cost)).toEqual({
      notional: "59990",
      fee: "44.9925",
      slippage: "5",
      latencyPenalty: "1.1998",
      total: "51.1923"
    })
    // Deribit: 1000 contracts x 0.001 BTC @ 60001: fee 30.0005, slippage 16, latency 1.80003; total 47.80053.
    expect(costOf(deribit!.cost)).toEqual({
      notional: "60001",
      fee: "30.0005",
      slippage: "16",
      latencyPenalty: "1.80003",
      total: "47.80053"
    })
    expect(Decimal.format(deribit!.takerQuantity!)).toBe("1000")
    expect(decision.choice).toBe("SINGLE")
    expect(decision.allocations[0]!.canonicalId).toBe(BN_PERP)
  })

  it("converts quantities between contract sizes (1 BTC is 1000 Deribit contracts)", () => {
    const r = router({
      venues: [venue("BINANCE-FUTURES"), venue("DERIBIT", 0, "external")],
      listings: [{ spec: binancePerp }, { spec: deribitPerp }],
      equivalences: [[BN_PERP, DB_PERP]]
    })
    const m = MarketState.inMemory()
    m.setBook(BN_PERP, book([["59990", "5"]], [["60000", "5"]]))
    m.setBook(DB_PERP, book([["59990", "5000"]], [["60000", "5000"]]))
    const decision = decide(r, { ...buy("1.5", BN_PERP), venue: "DERIBIT" }, m)
    const [a] = decision.allocations
    expect(a!.access).toBe("external")
    expect(Decimal.format(a!.quantity)).toBe("1500")
    expect(Decimal.format(a!.underlyingQuantity)).toBe("1.5")
    // An order given in Deribit contracts routes to Binance in BTC.
    const back = decide(r, { ...buy("1500", DB_PERP), venue: "BINANCE-FUTURES" }, m)
    expect(Decimal.format(back.allocations[0]!.quantity)).toBe("1.5")
  })
})

describe("Router: splitting", () => {
  it("splits when the top levels are thin and splitting is cheaper", () => {
    const r = spotRouter()
    const m = MarketState.inMemory()
    const thin = book([["99", "1"]], [["100", "0.5"], ["110", "10"]])
    m.setBook(BINANCE, thin)
    m.setBook(OKX, thin)
    const decision = decide(r, buy("1"), m)
    // Either venue alone: 0.5 @ 100 + 0.5 @ 110 = 105; fee 0.105; slippage 105 - 99.5 = 5.5; total 5.605.
    for (const c of decision.candidates) expect(Decimal.format(c.cost!.total)).toBe("5.605")
    // Split: 0.5 @ 100 on each: notional 100, fee 0.1, slippage 0.5, total 0.6.
    expect(decision.choice).toBe("SPLIT")
    expect(costOf(decision.cost)).toEqual({ notional: "100", fee: "0.1", slippage: "0.5", latencyPenalty: "0", total: "0.6" })
    expect(decision.allocations.map((a) => [a.canonicalId, Decimal.format(a.quantity), Decimal.format(a.worstPrice!)])).toEqual([
      [BINANCE, "0.5", "100"],
      [OKX, "0.5", "100"]
    ])
    // Saving 5.605 - 0.6 = 5.005 against a threshold of 0.5 bp of 100 = 0.005.
    expect(Decimal.format(decision.split!.saving!)).toBe("5.005")
    expect(Decimal.format(decision.split!.threshold!)).toBe("0.005")
  })

  it("keeps the single venue when the split saves no more than the threshold", () => {
    // Threshold 1000 bp: the split's saving of 5.005 is below 10% of 100.
    const r = router({
      venues: [venue("BINANCE-SPOT"), venue("OKX")],
      listings: [{ spec: binanceSpot }, { spec: okxSpot }],
      costs: { splitMinSavingBps: "1000" }
    })
    const m = MarketState.inMemory()
    const thin = book([["99", "1"]], [["100", "0.5"], ["110", "10"]])
    m.setBook(BINANCE, thin)
    m.setBook(OKX, thin)
    const decision = decide(r, buy("1"), m)
    expect(decision.choice).toBe("SINGLE")
    expect(decision.split).toMatchObject({ feasible: true, chosen: false })
    expect(Decimal.format(decision.split!.threshold!)).toBe("10")
    expect(decision.explanation).toContain("split not chosen")
  })

  it("rounds each allocation to its venue's lot (lot 0.1 against lot 1e-8)", () => {
    const coarse = spec({ id: "BYBIT:SPOT_PAIR:BTC-USDT", venue: "BYBIT", tick: "0.1", lot: "0.1", maker: "0.001", taker: "0.001" })
    const r = router({ venues: [venue("BYBIT"), venue("OKX")], listings: [{ spec: coarse }, { spec: okxSpot }] })
    const m = MarketState.inMemory()
    m.setBook("BYBIT:SPOT_PAIR:BTC-USDT", book([["99", "1"]], [["100", "0.5"], ["100.1", "10"]]))
    m.setBook(OKX, book([["99", "1"]], [["100.2", "10"]]))
    const decision = decide(r, buy("1.05", "BYBIT:SPOT_PAIR:BTC-USDT"), m)
    // Bybit alone cannot take 1.05 on a 0.1 grid.
    expect(decision.candidates[0]).toMatchObject({ feasible: false, reason: "OffLotGrid" })
    // OKX alone: 1.05 @ 100.2 = 105.21, fee 0.10521, slippage 105.21 - 1.05 x 99.5 = 0.735; total 0.84021.
    expect(Decimal.format(decision.candidates[1]!.cost!.total)).toBe("0.84021")
    // Greedy: Bybit 0.5 @ 100, Bybit 0.55 @ 100.1 rounded down to 0.5, then the 0.05 left
    // (below Bybit's lot) to OKX @ 100.2. Notional 50 + 50.05 + 5.01 = 105.06, fee 0.10506,
    // slippage 105.06 - 104.475 = 0.585; total 0.69006, saving 0.15015.
    expect(decision.choice).toBe("SPLIT")
    expect(decision.allocations.map((a) => [a.venue, Decimal.format(a.quantity)])).toEqual([
      ["BYBIT", "1"],
      ["OKX", "0.05"]
    ])
    expect(Decimal.format(decision.cost.total)).toBe("0.69006")
    expect(Decimal.format(decision.split!.saving!)).toBe("0.15015")
  })

  it("drops an allocation below the venue's minimum notional and reallocates it", () => {
    const bybit = spec({ id: "BYBIT:SPOT_PAIR:BTC-USDT", venue: "BYBIT", tick: "0.01", lot: "0.001", maker: "0.001", taker: "0.001" })
    const r = router({
      venues: [venue("BINANCE-SPOT"), venue("OKX"), venue("BYBIT")],
      listings: [{ spec: binanceSpot }, { spec: okxSpot }, { spec: bybit }]
    })
    const m = MarketState.inMemory()
    // Binance's cheapest level is 0.01 BTC @ 100: notional 1, below its real minimum of 5 USDT.
    m.setBook(BINANCE, book([["99", "1"]], [["100", "0.01"], ["120", "10"]]))
    m.setBook(OKX, book([["99", "1"]], [["100.1", "0.6"], ["130", "10"]]))
    m.setBook("BYBIT:SPOT_PAIR:BTC-USDT", book([["99", "1"]], [["100.2", "0.6"], ["130", "10"]]))
    const decision = decide(r, buy("1"), m)
    // First pass: Binance 0.01, OKX 0.6, Bybit 0.39; Binance is below its minimum, so the
    // second pass gives OKX 0.6 and Bybit 0.4.
    expect(decision.choice).toBe("SPLIT")
    expect(decision.allocations.map((a) => [a.venue, Decimal.format(a.quantity)])).toEqual([
      ["OKX", "0.6"],
      ["BYBIT", "0.4"]
    ])
    // 0.6 x 100.1 + 0.4 x 100.2 = 60.06 + 40.08 = 100.14.
    expect(Decimal.format(decision.cost.notional)).toBe("100.14")
  })

  it("fills across venues when no single venue has the depth", () => {
    const r = spotRouter()
    const m = MarketState.inMemory()
    m.setBook(BINANCE, book([["99", "1"]], [["100", "0.6"]]))
    m.setBook(OKX, book([["99", "1"]], [["100.1", "0.6"]]))
    const decision = decide(r, buy("1"), m)
    expect(decision.candidates.map((c) => c.reason)).toEqual(["InsufficientDepth", "InsufficientDepth"])
    expect(decision.candidates[0]!.detail).toBe("visible depth fills 0.6 of 1")
    expect(decision.choice).toBe("SPLIT")
    expect(decision.split!.detail).toContain("no single listing")
    expect(decision.allocations.map((a) => Decimal.format(a.quantity))).toEqual(["0.6", "0.4"])
  })

  it("never splits a FOK order", () => {
    const r = spotRouter()
    const m = MarketState.inMemory()
    const thin = book([["99", "1"]], [["100", "0.5"], ["110", "10"]])
    m.setBook(BINANCE, thin)
    m.setBook(OKX, thin)
    const decision = decide(r, { ...buy("1"), type: "LIMIT", price: d("200"), timeInForce: "FOK" }, m)
    expect(decision.split).toBeUndefined()
    expect(decision.choice).toBe("SINGLE")
  })
})

describe("Router: venue state and explicit venues", () => {
  const abBooks = () => {
    const m = MarketState.inMemory()
    m.setBook(BINANCE, book([["99.9", "1"]], [["100", "2"]]))
    m.setBook(OKX, book([["99.9", "1"]], [["100.1", "2"]]))
    return m
  }

  it("skips a venue whose circuit is open and falls back to the next cheapest", () => {
    const m = abBooks()
    m.setOpen("BINANCE-SPOT", true)
    const decision = decide(spotRouter(), buy("1"), m)
    expect(decision.candidates[0]).toMatchObject({ canonicalId: BINANCE, feasible: false, reason: "CircuitOpen" })
    expect(decision.allocations.map((a) => a.canonicalId)).toEqual([OKX])
    // The open venue's book no longer sets the reference: mid of 99.9 and 100.1.
    expect(Decimal.format(decision.reference!.price)).toBe("100")
  })

  it("never routes to a disabled venue", () => {
    const r = router({
      venues: [{ ...venue("BINANCE-SPOT"), enabled: false }, venue("OKX")],
      listings: [{ spec: binanceSpot }, { spec: okxSpot }]
    })
    const decision = decide(r, buy("1"), abBooks())
    expect(decision.candidates[0]!.reason).toBe("VenueDisabled")
    expect(decision.allocations[0]!.venue).toBe("OKX")
  })

  it("honours an explicit venue even when another is cheaper", () => {
    const decision = decide(spotRouter(), { ...buy("1"), venue: "OKX" }, abBooks())
    expect(decision.choice).toBe("EXPLICIT")
    expect(decision.candidates.map((c) => c.venue)).toEqual(["OKX"])
    expect(decision.allocations.map((a) => a.canonicalId)).toEqual([OKX])
    expect(decision.split).toBeUndefined()
  })

  it("refuses, never reroutes, when the explicit venue's circuit is open", () => {
    const m = abBooks()
    m.setOpen("OKX", true)
    const error = refuse(spotRouter(), { ...buy("1"), venue: "OKX" }, m)
    expect(error).toBeInstanceOf(RouterError.NoRoute)
    expect(error).toMatchObject({ reason: "ExplicitVenueUnavailable" })
    expect((error as RouterError.NoRoute).candidates.map((c) => c.reason)).toEqual(["CircuitOpen"])
  })

  it("refuses an explicit venue that does not list the instrument", () => {
    const error = refuse(spotRouter(), { ...buy("1"), venue: "BYBIT" }, abBooks())
    expect(error).toMatchObject({ _tag: "NoRoute", reason: "ExplicitVenueNotListed" })
  })

  it("reports NoRoute with every venue's reason when nothing is feasible", () => {
    const m = abBooks()
    m.setOpen("BINANCE-SPOT", true)
    m.setOpen("OKX", true)
    const error = refuse(spotRouter(), buy("1"), m)
    expect(error).toMatchObject({ _tag: "NoRoute", reason: "NoFeasibleVenue" })
    expect((error as RouterError.NoRoute).candidates.map((c) => [c.venue, c.reason])).toEqual([
      ["BINANCE-SPOT", "CircuitOpen"],
      ["OKX", "CircuitOpen"]
    ])
    expect(error.message).toContain("CircuitOpen")
  })
})

describe("Router: limit orders", () => {
  const binanceOnly = () => router({ venues: [venue("BINANCE-SPOT")], listings: [{ spec: binanceSpot }] })
  const thin = () => {
    const m = MarketState.inMemory()
    m.setBook(BINANCE, book([["99", "1"]], [["100", "0.5"], ["110", "10"]]))
    return m
  }

  it("never walks beyond the limit price: an IOC that the depth within the limit cannot fill is refused", () => {
    const error = refuse(binanceOnly(), { ...buy("1"), type: "LIMIT", price: d("105"), timeInForce: "IOC" }, thin())
    expect((error as RouterError.NoRoute).candidates[0]).toMatchObject({
      reason: "LimitPriceBound",
      detail: "depth within the limit fills 0.5 of 1"
    })
  })

  it("takes the marketable part and rests the remainder at the limit (maker fee)", () => {
    const decision = decide(binanceOnly(), { ...buy("1"), type: "LIMIT", price: d("105") }, thin())
    // 0.5 @ 100 taken (fee 0.05), 0.5 rests @ 105 (maker fee 0.0525). Notional 102.5,
    // slippage 102.5 - 1 x 99.5 = 3; total 3.1025.
    expect(costOf(decision.cost)).toEqual({ notional: "102.5", fee: "0.1025", slippage: "3", latencyPenalty: "0", total: "3.1025" })
    const [a] = decision.allocations
    expect([a!.quantity, a!.takerQuantity, a!.restingQuantity, a!.price, a!.worstPrice].map((x) => Decimal.format(x!))).toEqual([
      "1",
      "0.5",
      "0.5",
      "105",
      "100"
    ])
  })

  it("rounds the limit inwards onto each venue's tick grid", () => {
    const m = MarketState.inMemory()
    m.setBook(BINANCE, book([["99", "1"]], [["101", "1"]]))
    m.setBook(OKX, book([["99", "1"]], [["101", "1"]]))
    // OKX ticks are 0.1: a buy limit of 100.05 becomes 100.0 there, a sell limit 100.1.
    const r = router({ venues: [venue("OKX")], listings: [{ spec: okxSpot }] })
    const b = decide(r, { ...buy("1", OKX), type: "LIMIT", price: d("100.05") }, m)
    expect(Decimal.format(b.allocations[0]!.price!)).toBe("100")
    const s = decide(r, { ...buy("1", OKX), side: "SELL", type: "LIMIT", price: d("100.05") }, m)
    expect(Decimal.format(s.allocations[0]!.price!)).toBe("100.1")
  })

  it("rests a passive order where the maker fee is lowest (real Bybit rebate -0.025%)", () => {
    const r = router({
      venues: [venue("BINANCE-FUTURES", 10), venue("BYBIT", 20)],
      listings: [{ spec: binancePerp }, { spec: bybitPerp }]
    })
    const m = MarketState.inMemory()
    m.setBook(BN_PERP, book([["59960", "5"]], [["60000", "5"]]))
    m.setBook(BY_PERP, book([["59960", "5"]], [["60000", "5"]]))
    const decision = decide(r, { ...buy("1", BN_PERP), type: "LIMIT", price: d("59970") }, m)
    // Both rest 1 @ 59970 against a mid of 59980 (slippage -10).
    // Binance: maker 0.0002 x 59970 = 11.994, latency 0.5997; total 2.5937.
    // Bybit: rebate -0.00025 x 59970 = -14.9925, latency 1.1994; total -23.7931.
    expect(decision.candidates.map((c) => Decimal.format(c.cost!.total))).toEqual(["2.5937", "-23.7931"])
    expect(decision.allocations.map((a) => [a.venue, Decimal.format(a.restingQuantity)])).toEqual([["BYBIT", "1"]])
  })

  it("keeps a post-only order off the venue it would cross", () => {
    const r = router({ venues: [venue("BINANCE-FUTURES"), venue("BYBIT")], listings: [{ spec: binancePerp }, { spec: bybitPerp }] })
    const m = MarketState.inMemory()
    m.setBook(BN_PERP, book([["59990", "5"]], [["60000", "5"]]))
    m.setBook(BY_PERP, book([["59990", "5"]], [["60000.5", "5"]]))
    const decision = decide(r, { ...buy("1", BN_PERP), type: "LIMIT", price: d("60000"), postOnly: true }, m)
    expect(decision.candidates[0]).toMatchObject({ reason: "WouldCross" })
    expect(decision.allocations.map((a) => a.venue)).toEqual(["BYBIT"])
    expect(decision.split).toBeUndefined()
  })
})

describe("Router: sizes and minimums", () => {
  it("refuses a venue below its minimum notional (real Binance 5 USDT)", () => {
    const m = MarketState.inMemory()
    m.setBook(BINANCE, book([["59999.99", "1"]], [["60000", "1"]]))
    m.setBook(OKX, book([["59999.9", "1"]], [["60000.1", "1"]]))
    // 0.00004 BTC @ 60000 = 2.4 USDT < 5.
    const decision = decide(spotRouter(), buy("0.00004"), m)
    expect(decision.candidates[0]).toMatchObject({ reason: "BelowMinNotional", detail: "notional 2.4 is below the minimum 5" })
    expect(decision.allocations[0]!.venue).toBe("OKX")
  })

  it("refuses quantities off the lot grid and below the minimum quantity", () => {
    const m = MarketState.inMemory()
    m.setBook(BINANCE, book([["99", "1"]], [["100", "2"]]))
    m.setBook(OKX, book([["99", "1"]], [["100", "2"]]))
    const r = spotRouter()
    // 0.000005 is off Binance's 0.00001 grid and below OKX's 0.00001 minimum.
    const error = refuse(r, buy("0.000005"), m)
    expect((error as RouterError.NoRoute).candidates.map((c) => c.reason)).toEqual(["OffLotGrid", "BelowMinQuantity"])
  })

  it("refuses a quantity above the venue's maximum (real Bybit 100 BTC)", () => {
    const r = router({ venues: [venue("BYBIT")], listings: [{ spec: bybitPerp }] })
    const m = MarketState.inMemory()
    m.setBook(BY_PERP, book([["59990", "500"]], [["60000", "500"]]))
    const error = refuse(r, buy("100.001", BY_PERP), m)
    expect((error as RouterError.NoRoute).candidates[0]!.reason).toBe("AboveMaxQuantity")
  })
})

describe("Router: the no-book model", () => {
  it("prices a venue without a book from the other venues' mid", () => {
    const m = MarketState.inMemory()
    m.setBook(BINANCE, book([["99", "1"]], [["100", "2"]]))
    const decision = decide(spotRouter(), buy("1"), m)
    // Default model: 5 bp half spread + 10 bp per BTC: 15 bp over the mid 99.5 for 1 BTC:
    // price 99.5 x 1.0015 = 99.64925; fee 0.09964925; slippage 0.14925; total 0.24889925.
    expect(decision.candidates[1]).toMatchObject({ pricing: "MODEL", feasible: true })
    expect(costOf(decision.candidates[1]!.cost)).toEqual({
      notional: "99.64925",
      fee: "0.09964925",
      slippage: "0.14925",
      latencyPenalty: "0",
      total: "0.24889925"
    })
    expect(decision.allocations[0]).toMatchObject({ venue: "OKX", pricing: "MODEL" })
  })

  it("uses the request's reference price when no book is known, and refuses without one", () => {
    const m = MarketState.inMemory()
    const r = spotRouter()
    const error = refuse(r, buy("1"), m)
    expect((error as RouterError.NoRoute).candidates.map((c) => c.reason)).toEqual(["NoReferencePrice", "NoReferencePrice"])
    const decision = decide(r, { ...buy("1"), referencePrice: d("100") }, m)
    expect(decision.reference).toMatchObject({ source: "REQUEST" })
    // 100 x 1.0015 = 100.15; fee 0.10015; slippage 0.15; total 0.25015 on both; the tie goes to the first.
    expect(decision.candidates.map((c) => Decimal.format(c.cost!.total))).toEqual(["0.25015", "0.25015"])
    expect(decision.allocations[0]!.venue).toBe("BINANCE-SPOT")
  })
})

describe("Router: requests it refuses", () => {
  const m = MarketState.inMemory()
  const r = spotRouter()
  it.each([
    [{ ...buy("0") }, "NonPositiveQuantity"],
    [{ ...buy("1"), type: "LIMIT" as const }, "MissingPrice"],
    [{ ...buy("1"), price: d("100") }, "UnexpectedPrice"],
    [{ ...buy("1"), type: "LIMIT" as const, price: d("-1") }, "NonPositivePrice"],
    [{ ...buy("1"), postOnly: true }, "InvalidPostOnly"],
    [{ ...buy("1"), canonicalId: "NOT-AN-ID" }, "InvalidInstrumentId"]
  ])("%o is %s", (request, reason) => {
    const error = refuse(r, request, m)
    expect(error).toBeInstanceOf(RouterError.InvalidRouteRequest)
    expect(error).toMatchObject({ reason })
  })

  it("answers NotListed for a valid id the catalogue does not hold", () => {
    expect(refuse(r, buy("1", "OKX:SPOT_PAIR:ETH-USDT"), m)).toMatchObject({ _tag: "NoRoute", reason: "NotListed" })
  })

  it("does not price inverse contracts yet", () => {
    const inverse = {
      ...spec({ id: "DERIBIT:PERPETUAL:BTC-USD@INV", venue: "DERIBIT", quote: "USD", kind: "PERPETUAL", tick: "0.5", lot: "1", maker: "0", taker: "0.0005", contractSize: "10" }),
      settlementAsset: "BTC",
      contractType: "INVERSE" as const
    }
    const ri = router({ venues: [venue("DERIBIT")], listings: [{ spec: inverse }] })
    const error = refuse(ri, buy("10", "DERIBIT:PERPETUAL:BTC-USD@INV"), m)
    expect((error as RouterError.NoRoute).candidates[0]!.reason).toBe("UnsupportedContract")
  })
})

describe("Router: the decision record", () => {
  it("serialises to JSON with decimal strings and reads the same after a round trip", () => {
    const m = MarketState.inMemory()
    const thin = book([["99", "1"]], [["100", "0.5"], ["110", "10"]])
    m.setBook(BINANCE, thin)
    m.setBook(OKX, thin)
    m.setOpen("OKX", false)
    const decision = decide(spotRouter(), buy("1"), m)
    const json = JSON.parse(JSON.stringify(decision))
    expect(json.choice).toBe("SPLIT")
    expect(json.quantity).toBe("1")
    expect(json.cost).toEqual({ notional: "100", fee: "0.1", slippage: "0.5", latencyPenalty: "0", total: "0.6" })
    expect(json.candidates[0].cost.total).toBe("5.605")
    expect(json.allocations[1]).toMatchObject({ venue: "OKX", quantity: "0.5", takerQuantity: "0.5", restingQuantity: "0" })
    // Absent optional fields are left out, not written as null.
    expect("price" in json).toBe(false)
  })

  it("explains the same when serialised as when read: every candidate, allocation and the reference", () => {
    const m = MarketState.inMemory()
    m.setBook(BINANCE, book([["99", "1"]], [["100", "0.6"], ["100.5", "1"]]))
    m.setBook(OKX, book([["99", "1"]], [["100.1", "0.5"]]))
    const decision = decide(spotRouter(), { ...buy("1"), type: "LIMIT", price: Decimal.unsafeFromString("100.2"), timeInForce: "IOC" }, m)
    const read = {
      reference: { price: decision.reference!.price, source: decision.reference!.source },
      candidates: decision.candidates.map((c) => ({
        venue: c.venue,
        canonicalId: c.canonicalId,
        access: c.access,
        latencyMs: c.latencyMs,
        feasible: c.feasible,
        reason: c.reason,
        detail: c.detail,
        pricing: c.pricing,
        takerQuantity: c.takerQuantity,
        restingQuantity: c.restingQuantity,
        worstPrice: c.worstPrice,
        cost: c.cost
      })),
      allocations: decision.allocations.map((a) => ({
        venue: a.venue,
        canonicalId: a.canonicalId,
        access: a.access,
        quantity: a.quantity,
        underlyingQuantity: a.underlyingQuantity,
        takerQuantity: a.takerQuantity,
        restingQuantity: a.restingQuantity,
        price: a.price,
        worstPrice: a.worstPrice,
        pricing: a.pricing,
        cost: a.cost
      }))
    }
    const serialised = JSON.parse(JSON.stringify({ reference: decision.reference, candidates: decision.candidates, allocations: decision.allocations }))
    expect(JSON.stringify(serialised)).toBe(JSON.stringify(read))
    // Binance's depth within the limit and OKX's whole book are each short of 1: the order splits.
    expect(serialised.candidates.map((c: { detail?: string }) => c.detail)).toEqual([
      "depth within the limit fills 0.6 of 1",
      "visible depth fills 0.5 of 1"
    ])
    expect(serialised.allocations.map((a: { price: string; worstPrice: string }) => [a.price, a.worstPrice])).toEqual([
      ["100.2", "100"],
      ["100.2", "100.1"]
    ])
  })

  it("accepts an id with an asset-class prefix", () => {
    const m = MarketState.inMemory()
    m.setBook(BINANCE, book([["99", "1"]], [["100", "2"]]))
    m.setBook(OKX, book([["99", "1"]], [["101", "2"]]))
    const decision = decide(spotRouter(), buy("1", `CRYPTO:${BINANCE}`), m)
    expect(decision.allocations[0]!.canonicalId).toBe(BINANCE)
  })
})
