/**
 * Differential tests of the router's number fast path (src/internal/fast.ts): random
 * catalogues, books and requests are routed with the fast path on and with it forced off
 * (the bigint code, the reference), and the two decisions must serialise identically:
 * every candidate, cost component, split figure, allocation and sentence. Magnitudes range
 * from ordinary books to prices, sizes and quantities far beyond 2^53 units, and mixes of
 * both in one catalogue, so that every fallback (a listing off the fast path, a walk, a
 * notional, a split or a comparison leaving the exact range) is taken; the fallback counter
 * checks that both paths actually ran.
 */
import { Decimal } from "@odum/domain"
import fc from "fast-check"
import { afterEach, describe, expect, it } from "vitest"
import { fallbacks, setFastPath } from "../src/internal/fast.js"
import { MarketState, OrderBook, Router, type RouteRequest, type RoutingDecision } from "../src/index.js"
import { book, router, spec, venue } from "./fixtures.js"

const VENUES = ["BINANCE-FUTURES", "BYBIT", "OKX", "DERIBIT"] as const
const idOf = (v: string) => `${v}:PERPETUAL:BTC-USDT`
const fmt = Decimal.format
const dec = (units: bigint, scale: number) => Decimal.fromScaled(units, scale)

/** "small": ordinary books and orders; "huge": prices, sizes and quantities far beyond 2^53 units. */
type Size = "small" | "huge"

/** A random integer in [lo, hi] as a bigint. */
const bigIn = (lo: bigint, hi: bigint): fc.Arbitrary<bigint> => fc.bigInt({ min: lo, max: hi })

const levelsGen = (size: Size) =>
  fc.array(
    fc.record({
      gap: fc.integer({ min: 1, max: 40 }),
      // Size in lots (huge: up to 10^13 lots), and sometimes a fraction of a lot (off the grid).
      lots: size === "small" ? bigIn(1n, 400n) : fc.oneof(bigIn(1n, 400n), bigIn(10n ** 9n, 10n ** 13n)),
      frac: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 99 }) })
    }),
    { minLength: 0, maxLength: 9 }
  )

const listingGen = (size: Size) =>
  fc.record({
    tickScale: fc.integer({ min: 0, max: size === "small" ? 3 : 8 }),
    tickMant: fc.constantFrom(1n, 1n, 2n, 5n, 25n),
    lotScale: fc.integer({ min: 0, max: size === "small" ? 6 : 9 }),
    lotMant: fc.constantFrom(1n, 1n, 2n, 5n),
    minLots: fc.integer({ min: 1, max: 3 }),
    maxLots: fc.option(bigIn(5n, 10n ** 6n), { nil: undefined, freq: 3 }),
    minNotional: fc.option(fc.constantFrom("1", "5", "50", "5000"), { nil: undefined, freq: 3 }),
    takerUnits: fc.integer({ min: 0, max: 150 }),
    takerScale: fc.integer({ min: 4, max: 7 }),
    makerUnits: fc.integer({ min: -40, max: 100 }),
    makerScale: fc.integer({ min: 4, max: 8 }),
    latencyMs: fc.integer({ min: 0, max: 90 }),
    contractSize: fc.constantFrom("1", "1", "1", "0.001", "0.01", "10"),
    enabled: fc.integer({ min: 0, max: 11 }).map((n) => n !== 0),
    open: fc.integer({ min: 0, max: 11 }).map((n) => n === 0),
    skew: fc.integer({ min: -30, max: 30 }),
    // Book prices on a coarser grid than the tick (so the book's price scale can be below the decision's).
    coarse: fc.constantFrom(1n, 1n, 10n, 100n),
    // A copy of the first listing (fees, latency, grid and book): ties in costs and marginal costs.
    clone: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
    book: fc.option(fc.record({ bids: levelsGen(size), asks: levelsGen(size) }), { nil: undefined, freq: 8 })
  })

type ListingGen = typeof listingGen extends (s: Size) => fc.Arbitrary<infer T> ? T : never

const requestGen = (size: Size) =>
  fc.record({
    side: fc.constantFrom("BUY" as const, "SELL" as const),
    kind: fc.constantFrom("MARKET", "MARKET", "GTC", "GTC", "IOC", "FOK", "POST", "DAY"),
    requested: fc.integer({ min: 0, max: 4 }),
    // A quantity in lots of the requested listing, sometimes with extra digits (off some grids).
    lots: size === "small" ? bigIn(1n, 3000n) : fc.oneof(bigIn(1n, 3000n), bigIn(10n ** 8n, 10n ** 16n)),
    extraDigits: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
    // The limit: this many units of 10^-(tick scale + limitDigits) from the mid, aggressive when positive.
    limitOffset: fc.integer({ min: -300, max: 900 }),
    limitDigits: fc.integer({ min: 0, max: 2 }),
    venue: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 4 }) }),
    referencePrice: fc.option(fc.integer({ min: 1, max: 10 ** 9 }), { nil: undefined, freq: 4 })
  })

type RequestGen = typeof requestGen extends (s: Size) => fc.Arbitrary<infer T> ? T : never

const caseGen = (sizes: ReadonlyArray<Size>) =>
  fc.record({
      // The centre price: small 1 to 200,000, huge 10^9 to 10^17.
      mid: fc.oneof(...sizes.map((s) => (s === "small" ? bigIn(1n, 200_000n) : bigIn(10n ** 9n, 10n ** 17n)))),
      listings: fc.array(fc.constantFrom(...sizes).chain((s) => listingGen(s)), { minLength: 2, maxLength: 4 }),
      requests: fc.array(fc.constantFrom(...sizes).chain((s) => requestGen(s)), { minLength: 1, maxLength: 4 }),
      bpsPerMs: fc.constantFrom("0", "0.01", "0.013", "1"),
      split: fc.integer({ min: 0, max: 5 }).map((n) => n !== 0),
      splitMinSavingBps: fc.constantFrom("0", "0.05", "0.5", "3")
  })

type Case = ReturnType<typeof caseGen> extends fc.Arbitrary<infer T> ? T : never

const tickOf = (l: ListingGen) => dec(l.tickMant, l.tickScale)
const lotOf = (l: ListingGen) => dec(l.lotMant, l.lotScale)

const bookOf = (l: ListingGen, mid: bigint): OrderBook.OrderBook | undefined => {
  if (l.book === undefined) return undefined
  const tick = Decimal.mul(tickOf(l), dec(l.coarse, 0))
  const lot = lotOf(l)
  const centre = Decimal.roundToStep(Decimal.add(dec(mid, 0), Decimal.mul(tick, Decimal.fromInt(l.skew))), tick, "floor")
  const side = (levels: ReadonlyArray<{ readonly gap: number; readonly lots: bigint; readonly frac: number }>, dir: 1 | -1) => {
    let p = centre
    const out: Array<readonly [Decimal.Decimal, Decimal.Decimal]> = []
    for (const lv of levels) {
      p = Decimal.add(p, Decimal.mul(tick, Decimal.fromInt(dir * lv.gap)))
      if (!Decimal.isPositive(p)) break
      const size = Decimal.add(Decimal.mul(lot, dec(lv.lots, 0)), dec(BigInt(lv.frac), l.lotScale + 2))
      out.push([p, size])
    }
    return out
  }
  return OrderBook.unsafeMake({ bids: side(l.book.bids, -1), asks: side(l.book.asks, 1) })
}

/** The listings of a case, clones resolved (a clone keeps its own health). */
const listingsOf = (c: Case): ReadonlyArray<ListingGen> =>
  c.listings.map((l, i) => (i > 0 && l.clone ? { ...c.listings[0]!, enabled: l.enabled, open: l.open } : l))

/** The router configuration of a case. */
const configOf = (c0: Case) => {
  const c = { ...c0, listings: listingsOf(c0) }
  const names = VENUES.slice(0, c.listings.length)
  return {
    venues: names.map((v, i) => ({ ...venue(v, c.listings[i]!.latencyMs), enabled: c.listings[i]!.enabled })),
    listings: names.map((v, i) => {
      const l = c.listings[i]!
      const lot = lotOf(l)
      return {
        spec: spec({
          id: idOf(v),
          venue: v,
          kind: "PERPETUAL",
          tick: fmt(tickOf(l)),
          lot: fmt(lot),
          min: fmt(Decimal.mul(lot, Decimal.fromInt(l.minLots))),
          ...(l.maxLots === undefined ? {} : { max: fmt(Decimal.mul(lot, dec(l.maxLots, 0))) }),
          ...(l.minNotional === undefined ? {} : { minNotional: l.minNotional }),
          maker: fmt(dec(BigInt(l.makerUnits), l.makerScale)),
          taker: fmt(dec(BigInt(l.takerUnits), l.takerScale)),
          contractSize: l.contractSize
        })
      }
    }),
    costs: { latencyPenaltyBpsPerMs: c.bpsPerMs, split: c.split, splitMinSavingBps: c.splitMinSavingBps }
  }
}

const setup = (c0: Case) => {
  const c = { ...c0, listings: listingsOf(c0) }
  const names = VENUES.slice(0, c.listings.length)
  const r = router(configOf(c0))
  const m = MarketState.inMemory()
  names.forEach((v, i) => {
    const book = bookOf(c.listings[i]!, c.mid)
    if (book !== undefined) m.setBook(idOf(v), book)
    m.setOpen(v, c.listings[i]!.open)
  })
  return { r, m, names }
}

const toRequest = (g: RequestGen, c: Case): RouteRequest.RouteRequest => {
  const names = VENUES.slice(0, c.listings.length)
  const i = g.requested % names.length
  const l = listingsOf(c)[i]!
  const lot = lotOf(l)
  const quantity = Decimal.add(Decimal.mul(lot, dec(g.lots, 0)), g.extraDigits === 0 ? Decimal.zero : dec(1n, l.lotScale + g.extraDigits))
  const dir = g.side === "BUY" ? 1n : -1n
  const limitScale = l.tickScale + g.limitDigits
  let price = Decimal.add(dec(c.mid, 0), dec(dir * BigInt(g.limitOffset), limitScale))
  if (!Decimal.isPositive(price)) price = dec(1n, limitScale)
  const base = {
    canonicalId: idOf(names[i]!),
    side: g.side,
    quantity,
    venue: g.venue === undefined ? undefined : names[g.venue % names.length],
    referencePrice: g.referencePrice === undefined ? undefined : dec(BigInt(g.referencePrice), 2)
  }
  switch (g.kind) {
    case "MARKET":
      return { ...base, type: "MARKET" }
    case "POST":
      return { ...base, type: "LIMIT", price, postOnly: true }
    default:
      return { ...base, type: "LIMIT", price, timeInForce: g.kind as "GTC" | "IOC" | "FOK" | "DAY" }
  }
}

/** Everything a decision or an error says, as plain JSON (decimals as strings). */
const record = (r: ReturnType<Router.Router["route"]>): string =>
  Router.isRouteError(r)
    ? JSON.stringify({ tag: r._tag, reason: r.reason, message: r.message, candidates: "candidates" in r ? r.candidates : undefined })
    : JSON.stringify(r)

afterEach(() => setFastPath(true))

/** Routes every request of a case both ways; returns how many decisions fell back somewhere. */
const differ = (c: Case) => {
  const { m, r } = setup(c)
  let fellBack = 0
  for (const g of c.requests) {
    const request = toRequest(g, c)
    setFastPath(true)
    const before = fallbacks.count
    const fast = r.route(request, m)
    if (fallbacks.count !== before) fellBack++
    const fastNow = record(fast)
    setFastPath(false)
    const slow = r.route(request, m)
    setFastPath(true)
    // The fast decision is unchanged by the next call (its lazy parts hold no scratch state).
    expect(record(fast)).toBe(fastNow)
    expect(fastNow).toBe(record(slow))
    if (!Router.isRouteError(fast) && !Router.isRouteError(slow)) {
      // The fields a caller reads without serialising: the same Decimals.
      expect(fast.allocations.map((a) => [a.canonicalId, fmt(a.quantity), a.price && fmt(a.price)])).toEqual(
        slow.allocations.map((a) => [a.canonicalId, fmt(a.quantity), a.price && fmt(a.price)])
      )
      expect(fmt(fast.cost.total)).toBe(fmt(slow.cost.total))
    }
  }
  return { fellBack, routed: c.requests.length }
}

const run = (sizes: ReadonlyArray<Size>, seed: number, numRuns: number) => {
  let fellBack = 0
  let routed = 0
  fc.assert(
    fc.property(caseGen(sizes), (c) => {
      const r = differ(c)
      fellBack += r.fellBack
      routed += r.routed
    }),
    { seed, numRuns }
  )
  return { fellBack, routed }
}

describe("Router fast path: the same decisions as the bigint code", () => {
  it("on ordinary books and orders (almost all on the fast path)", () => {
    const { fellBack, routed } = run(["small"], 20261125, 400)
    // Most decisions never leave the fast path, so it is what was compared.
    expect(fellBack).toBeLessThan(routed / 4)
  })

  it("on prices, sizes and quantities beyond 2^53 units (the fallbacks)", () => {
    const { fellBack, routed } = run(["huge"], 7, 300)
    expect(fellBack).toBeGreaterThan(routed / 2)
  })

  it("on catalogues mixing ordinary and huge listings and orders", () => {
    const { fellBack, routed } = run(["small", "huge"], 42, 400)
    expect(fellBack).toBeGreaterThan(0)
    expect(fellBack).toBeLessThan(routed)
  })

  it("at the edge of the exact range: notionals around 2^52 units", () => {
    // A book at 2^52 / 10^10 ≈ 450,360 with 2 price and 8 quantity decimals: a few units
    // of quantity put the notional on either side of the bound.
    const l = (name: string) => ({
      spec: spec({ id: idOf(name), venue: name, kind: "PERPETUAL", tick: "0.01", lot: "0.00000001", maker: "0.0001", taker: "0.0003" })
    })
    const r = router({
      venues: [venue("BYBIT", 5), venue("OKX", 9)],
      listings: [l("BYBIT"), l("OKX")],
      costs: { split: true, splitMinSavingBps: "0" }
    })
    const m = MarketState.inMemory()
    const ask = (p: string) => ({ bids: [["450000", "3"]] as const, asks: [[p, "0.6"], ["450359.99", "0.8"], ["450362.5", "2"]] as const })
    m.setBook(idOf("BYBIT"), OrderBook.unsafeMake(ask("450359.9")))
    m.setBook(idOf("OKX"), OrderBook.unsafeMake(ask("450359.95")))
    let fellBack = 0
    for (const q of ["0.99999999", "1", "1.00000001", "1.4", "1.99999999", "2", "2.5", "3.39999999", "3.4"]) {
      for (const side of ["BUY", "SELL"] as const) {
        const request: RouteRequest.RouteRequest = { canonicalId: idOf("BYBIT"), side, type: "MARKET", quantity: Decimal.unsafeFromString(q) }
        const before = fallbacks.count
        const fast = record(r.route(request, m))
        if (fallbacks.count !== before) fellBack++
        setFastPath(false)
        const slow = record(r.route(request, m))
        setFastPath(true)
        expect(fast).toBe(slow)
      }
    }
    // 1 unit at ~450,360 is 4.5 × 10^15 units: the bound (2^52) is crossed in this range.
    expect(fellBack).toBeGreaterThan(0)
    expect(fellBack).toBeLessThan(18)
  })

  it("at exact boundaries: a notional equal to the minimum, equal costs on two listings", () => {
    const l = (name: string, minNotional: string) => ({
      spec: spec({ id: idOf(name), venue: name, kind: "PERPETUAL", tick: "0.5", lot: "0.001", minNotional, maker: "0.0002", taker: "0.0004" })
    })
    const r = router({
      venues: [venue("BYBIT", 3), venue("OKX", 3)],
      listings: [l("BYBIT", "100"), l("OKX", "100.0005")],
      costs: { split: true, splitMinSavingBps: "0" }
    })
    const m = MarketState.inMemory()
    const same = OrderBook.unsafeMake({ bids: [["99.5", "1"]], asks: [["100", "1"], ["100.5", "1"]] })
    m.setBook(idOf("BYBIT"), same)
    m.setBook(idOf("OKX"), same)
    for (const q of ["1", "1.001", "1.5", "0.999"]) {
      const request: RouteRequest.RouteRequest = { canonicalId: idOf("OKX"), side: "BUY", type: "MARKET", quantity: Decimal.unsafeFromString(q) }
      const fast = r.route(request, m)
      setFastPath(false)
      const slow = r.route(request, m)
      setFastPath(true)
      expect(record(fast)).toBe(record(slow))
      if (q === "1") {
        // Notional 100: exactly Bybit's minimum (feasible), below OKX's; Bybit alone.
        expect(Router.isRouteError(fast) ? [] : fast.candidates.map((c) => c.reason)).toEqual([undefined, "BelowMinNotional"])
      }
      if (q === "1.5") {
        // Both take 1 @ 100 and 0.5 @ 100.5 at the same fees and latency: a tie, kept by the first listing.
        expect(Router.isRouteError(fast) ? undefined : fast.allocations.map((a) => a.venue)).toEqual(["BYBIT"])
      }
    }
  })
})

/**
 * A router keeps what a decision derives from a listing at its scales (grid, limits, book
 * multipliers, minimum notional) for the next decision, keyed by the decision's and the
 * book's scales, and the last catalogue lookup. Between decisions here the books change
 * (prices, sizes, depth, and their scales: coarser price grids, sizes with more digits,
 * huge values), books appear and disappear, circuits open and close, and requests change
 * side, quantity scale and limit scale; every decision of the long-lived router must be the
 * one a freshly built router makes (nothing kept) and the one the bigint code makes.
 */
describe("Router caches kept between decisions", () => {
  const bookStepGen = (size: Size) =>
    fc.record({
      coarse: fc.constantFrom(1n, 1n, 10n, 100n),
      skew: fc.integer({ min: -30, max: 30 }),
      book: fc.option(fc.record({ bids: levelsGen(size), asks: levelsGen(size) }), { nil: undefined, freq: 6 }),
      // Keep the listing's book object from the last step (the router's number forms of it are kept too).
      keep: fc.integer({ min: 0, max: 2 }).map((n) => n === 0)
    })
  const stepGen = (sizes: ReadonlyArray<Size>) =>
    fc.record({
      mid: fc.oneof(...sizes.map((s) => (s === "small" ? bigIn(1n, 200_000n) : bigIn(10n ** 9n, 10n ** 17n)))),
      books: fc.array(fc.constantFrom(...sizes).chain((s) => bookStepGen(s)), { minLength: 4, maxLength: 4 }),
      open: fc.array(fc.integer({ min: 0, max: 7 }).map((n) => n === 0), { minLength: 4, maxLength: 4 }),
      requests: fc.array(fc.constantFrom(...sizes).chain((s) => requestGen(s)), { minLength: 1, maxLength: 3 })
    })

  const runSteps = (sizes: ReadonlyArray<Size>, seed: number, numRuns: number) => {
    let decisions = 0
    let scaleChanges = 0
    let keptBooks = 0
    fc.assert(
      fc.property(caseGen(sizes), fc.array(stepGen(sizes), { minLength: 2, maxLength: 5 }), (c, steps) => {
        const { m, r, names } = setup(c)
        const listings = listingsOf(c)
        const scales = new Map<string, string>()
        for (const step of steps) {
          names.forEach((v, i) => {
            m.setOpen(v, step.open[i]!)
            if (step.books[i]!.keep && m.book(idOf(v)) !== undefined) {
              keptBooks++
              return
            }
            const book = bookOf({ ...listings[i]!, ...step.books[i]! }, step.mid)
            const key = book === undefined ? "none" : `${book.priceScale}/${book.sizeScale}`
            if (scales.has(v) && scales.get(v) !== key) scaleChanges++
            scales.set(v, key)
            m.setBook(idOf(v), book)
          })
          for (const g of step.requests) {
            const request = toRequest(g, c)
            const kept = record(r.route(request, m))
            const fresh = record(router(configOf(c)).route(request, m))
            setFastPath(false)
            const slow = record(r.route(request, m))
            setFastPath(true)
            expect(kept).toBe(fresh)
            expect(kept).toBe(slow)
            decisions++
          }
        }
      }),
      { seed, numRuns }
    )
    // Books were kept across steps (and so across requests of other sides, scales and limits).
    expect(keptBooks).toBeGreaterThan(decisions / 10)
    return { decisions, scaleChanges }
  }

  it("books, circuits and requests changing between decisions (ordinary values)", () => {
    const { decisions, scaleChanges } = runSteps(["small"], 11, 150)
    // The books' scales did change under a kept entry, often.
    expect(scaleChanges).toBeGreaterThan(decisions / 10)
  })

  it("books, circuits and requests changing between decisions (ordinary and huge values)", () => {
    const { decisions, scaleChanges } = runSteps(["small", "huge"], 12, 150)
    expect(scaleChanges).toBeGreaterThan(decisions / 10)
  })

  it("two equivalence groups of different widths, books re-scaled and moved between decisions", () => {
    // Slots are shared by the groups (listing i of either group); the kept entries are per listing.
    const config = {
      venues: [venue("BINANCE-SPOT", 5), venue("OKX", 8), venue("BYBIT", 12)],
      listings: [
        { spec: spec({ id: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT", venue: "BINANCE-SPOT", tick: "0.01", lot: "0.00001", minNotional: "5", maker: "0.001", taker: "0.001" }) },
        { spec: spec({ id: "OKX:SPOT_PAIR:BTC-USDT", venue: "OKX", tick: "0.1", lot: "0.00000001", maker: "0.0008", taker: "0.001" }) },
        { spec: spec({ id: "BYBIT:SPOT_PAIR:BTC-USDT", venue: "BYBIT", tick: "0.01", lot: "0.000001", maker: "0.001", taker: "0.0009" }) },
        { spec: spec({ id: "BINANCE-SPOT:SPOT_PAIR:ETH-USDT", venue: "BINANCE-SPOT", base: "ETH", tick: "0.01", lot: "0.0001", maker: "0.001", taker: "0.001" }) },
        { spec: spec({ id: "OKX:SPOT_PAIR:ETH-USDT", venue: "OKX", base: "ETH", tick: "0.01", lot: "0.000001", maker: "0.0008", taker: "0.001" }) }
      ],
      costs: { split: false }
    }
    const r = router(config)
    const m = MarketState.inMemory()
    const btc = "BINANCE-SPOT:SPOT_PAIR:BTC-USDT"
    const eth = "BINANCE-SPOT:SPOT_PAIR:ETH-USDT"
    const order = (canonicalId: string, side: "BUY" | "SELL", quantity: string, price: string): RouteRequest.RouteRequest => ({
      canonicalId,
      side,
      type: "LIMIT",
      timeInForce: "IOC",
      quantity: Decimal.unsafeFromString(quantity),
      price: Decimal.unsafeFromString(price)
    })
    const ladder = (bid: string, ask: string, size: string, step = "1") => {
      const at = (p: string, i: number) => fmt(Decimal.add(Decimal.unsafeFromString(p), Decimal.mul(Decimal.unsafeFromString(step), Decimal.fromInt(i))))
      return book(
        [0, -1, -2].map((i) => [at(bid, i), size] as const),
        [0, 1, 2].map((i) => [at(ask, i), size] as const)
      )
    }
    const check = (request: RouteRequest.RouteRequest) => {
      const kept = r.route(request, m)
      expect(record(kept)).toBe(record(router(config).route(request, m)))
      setFastPath(false)
      expect(record(kept)).toBe(record(r.route(request, m)))
      setFastPath(true)
      return kept
    }
    const chosen = (x: ReturnType<Router.Router["route"]>) =>
      Router.isRouteError(x) ? x.reason : x.allocations.map((a) => `${a.venue} ${fmt(a.quantity)}${a.worstPrice ? ` @ ${fmt(a.worstPrice)}` : ""}`).join(", ")

    // Scales 0/0 everywhere.
    m.setBook(btc, ladder("50000", "50001", "2"))
    m.setBook("OKX:SPOT_PAIR:BTC-USDT", ladder("49990", "50010", "2"))
    m.setBook("BYBIT:SPOT_PAIR:BTC-USDT", ladder("49995", "50005", "2"))
    m.setBook(eth, ladder("3000", "3001", "5"))
    m.setBook("OKX:SPOT_PAIR:ETH-USDT", ladder("2999", "3002", "5"))
    expect(chosen(check(order(btc, "BUY", "0.01", "50001")))).toBe("BINANCE-SPOT 0.01 @ 50001")
    expect(chosen(check(order(eth, "SELL", "1", "3000")))).toBe("BINANCE-SPOT 1 @ 3000")
    // The same books re-scaled (prices with 2 decimals, sizes with 3): a kept multiplier would be 100 or 1000 times off.
    m.setBook(btc, ladder("50000.25", "50000.75", "2.125", "0.5"))
    expect(chosen(check(order(btc, "BUY", "0.01", "50001")))).toBe("BINANCE-SPOT 0.01 @ 50000.75")
    expect(chosen(check(order(btc, "BUY", "3", "50002")))).toBe("BINANCE-SPOT 3 @ 50001.25")
    // OKX now the cheapest, at a price on its own 0.1 grid; Binance's book gone; the other group in between.
    m.setBook("OKX:SPOT_PAIR:BTC-USDT", ladder("49999.9", "50000.1", "1.5", "0.1"))
    m.setBook(btc, undefined)
    expect(chosen(check(order(eth, "BUY", "1", "3001")))).toBe("BINANCE-SPOT 1 @ 3001")
    expect(chosen(check(order(btc, "BUY", "0.01", "50001")))).toBe("OKX 0.01 @ 50000.1")
    // A limit with more digits than any tick (a finer decision price scale), and a quantity with more digits than the lots.
    expect(chosen(check(order(btc, "SELL", "0.5", "49999.895")))).toBe("OKX 0.5 @ 49999.9")
    expect(Router.isRouteError(check(order(btc, "BUY", "0.000000001", "50001")))).toBe(true)
    // A circuit opens, then closes, with the books unchanged.
    m.setOpen("OKX", true)
    expect(chosen(check(order(btc, "BUY", "0.01", "50010")))).toBe("BYBIT 0.01 @ 50005")
    m.setOpen("OKX", false)
    expect(chosen(check(order(btc, "BUY", "0.01", "50010")))).toBe("OKX 0.01 @ 50000.1")
    // The ETH books re-scaled and moved: the reference (the consolidated mid: best bid 2999 on
    // OKX, best ask 2991.5 on Binance) and the choice follow.
    m.setBook(eth, ladder("2990.5", "2991.5", "0.75"))
    const moved = check(order(eth, "BUY", "0.5", "3005"))
    expect(chosen(moved)).toBe("BINANCE-SPOT 0.5 @ 2991.5")
    expect(Router.isRouteError(moved) ? undefined : moved.reference && fmt(moved.reference.price)).toBe("2995.25")
  })

  it("a walk after a reference left the number path does not reuse an earlier decision's touch", () => {
    // The reference converts each listing's touch once and the walk reuses it; when a touch
    // beyond 2^53 units (Bybit's, listed first) sends the reference to bigints, the later
    // listings' touches are not converted, and the walk must not see the last decision's.
    const l = (name: string) => ({ spec: spec({ id: idOf(name), venue: name, kind: "PERPETUAL", tick: "0.01", lot: "0.00001", maker: "0.0002", taker: "0.0004" }) })
    const config = { venues: [venue("BYBIT", 1), venue("OKX", 1)], listings: [l("BYBIT"), l("OKX")], costs: { split: false } }
    const r = router(config)
    const m = MarketState.inMemory()
    const buy: RouteRequest.RouteRequest = { canonicalId: idOf("OKX"), side: "BUY", type: "MARKET", quantity: Decimal.unsafeFromString("0.01") }
    m.setBook(idOf("OKX"), book([["50000", "2"]], [["50001", "2"], ["50002", "2"]]))
    const first = r.route(buy, m)
    expect(Router.isRouteError(first) ? undefined : first.allocations[0]!.worstPrice && fmt(first.allocations[0]!.worstPrice)).toBe("50001")
    m.setBook(idOf("BYBIT"), book([["100000000000000", "1"]], [["100000000000001", "1"]]))
    m.setBook(idOf("OKX"), book([["50002", "2"]], [["50003", "2"], ["50004", "2"]]))
    const before = fallbacks.count
    const second = r.route(buy, m)
    expect(fallbacks.count).toBeGreaterThan(before)
    expect(Router.isRouteError(second) ? undefined : second.allocations.map((a) => `${a.venue} @ ${a.worstPrice && fmt(a.worstPrice)}`)).toEqual(["OKX @ 50003"])
    expect(record(second)).toBe(record(router(config).route(buy, m)))
  })
})

/**
 * `allocate` (the lean path: no candidates, reference, sentences or split evaluation) must
 * give exactly `route(...).allocations`, field for field, and exactly `route`'s errors, on
 * both the number path and the bigint path, on a router that also routes in between.
 */
describe("Router.allocate: route's allocations and errors without the explanation", () => {
  /** An allocation's every field as read (not serialised), decimals as strings. */
  const fields = (a: RoutingDecision.Allocation) => {
    const d = (x: Decimal.Decimal | undefined) => (x === undefined ? undefined : fmt(x))
    const c = a.cost
    return [
      a.venue,
      a.canonicalId,
      a.access,
      d(a.quantity),
      d(a.underlyingQuantity),
      d(a.takerQuantity),
      d(a.restingQuantity),
      d(a.price),
      d(a.worstPrice),
      a.pricing,
      [d(c.notional), d(c.fee), d(c.slippage), d(c.latencyPenalty), d(c.total)]
    ]
  }
  const counts = { allocated: 0, split: 0, pinned: 0, model: 0, noRoute: 0, fellBack: 0 }

  /** Allocates then routes one request on `r` and compares; the counters say what was covered. */
  const compare = (r: Router.Router, m: MarketState.MarketState, request: RouteRequest.RouteRequest) => {
    const before = fallbacks.count
    const lean = r.allocate(request, m)
    if (fallbacks.count !== before) counts.fellBack++
    const leanNow = Router.isRouteError(lean) ? record(lean) : JSON.stringify(lean)
    const leanFields = Router.isRouteError(lean) ? undefined : lean.map(fields)
    const full = r.route(request, m)
    if (Router.isRouteError(full)) {
      expect(Router.isRouteError(lean)).toBe(true)
      expect(leanNow).toBe(record(full))
      expect(lean.constructor).toBe(full.constructor)
      if (full._tag === "NoRoute") counts.noRoute++
      return
    }
    expect(Router.isRouteError(lean)).toBe(false)
    if (Router.isRouteError(lean)) return
    expect(leanNow).toBe(JSON.stringify(full.allocations))
    // Read after the next decision: the lean allocations hold no scratch state either.
    expect(lean.map(fields)).toEqual(leanFields)
    expect(lean.map(fields)).toEqual(full.allocations.map(fields))
    counts.allocated++
    if (full.choice === "SPLIT") counts.split++
    if (full.choice === "EXPLICIT") counts.pinned++
    if (full.allocations.some((a) => a.pricing === "MODEL")) counts.model++
  }

  const runLean = (sizes: ReadonlyArray<Size>, seed: number, numRuns: number) =>
    fc.assert(
      fc.property(caseGen(sizes), (c) => {
        const { m, r } = setup(c)
        for (const g of c.requests) {
          const request = toRequest(g, c)
          compare(r, m, request)
          setFastPath(false)
          compare(r, m, request)
          setFastPath(true)
          // A route after `allocate` is a fresh router's (no lean state left behind).
          expect(record(r.route(request, m))).toBe(record(router(configOf(c)).route(request, m)))
        }
      }),
      { seed, numRuns }
    )

  it("on ordinary, huge and mixed catalogues, books and requests (splits, pinned venues, no route, fallbacks)", () => {
    runLean(["small"], 20261125, 400)
    runLean(["huge"], 7, 250)
    runLean(["small", "huge"], 42, 300)
    // Every kind of outcome was compared, on both paths.
    expect(counts.allocated).toBeGreaterThan(300)
    expect(counts.split).toBeGreaterThan(20)
    expect(counts.pinned).toBeGreaterThan(20)
    expect(counts.model).toBeGreaterThan(5)
    expect(counts.noRoute).toBeGreaterThan(100)
    expect(counts.fellBack).toBeGreaterThan(50)
  })

  it("invalid and unlisted requests: the same errors as route", () => {
    const l = (name: string) => ({ spec: spec({ id: idOf(name), venue: name, kind: "PERPETUAL", tick: "0.01", lot: "0.00001", maker: "0.0002", taker: "0.0004" }) })
    const r = router({ venues: [venue("BYBIT", 1), venue("OKX", 2)], listings: [l("BYBIT"), l("OKX")] })
    const m = MarketState.inMemory()
    m.setBook(idOf("OKX"), book([["50000", "2"]], [["50001", "2"]]))
    m.setOpen("BYBIT", true)
    const q = Decimal.unsafeFromString("0.01")
    const requests: ReadonlyArray<RouteRequest.RouteRequest> = [
      { canonicalId: idOf("OKX"), side: "BUY", type: "MARKET", quantity: Decimal.zero },
      { canonicalId: idOf("OKX"), side: "BUY", type: "LIMIT", quantity: q },
      { canonicalId: idOf("OKX"), side: "BUY", type: "MARKET", quantity: q, price: Decimal.one },
      { canonicalId: "NOT AN ID", side: "BUY", type: "MARKET", quantity: q },
      { canonicalId: idOf("DERIBIT"), side: "BUY", type: "MARKET", quantity: q },
      { canonicalId: idOf("OKX"), side: "BUY", type: "MARKET", quantity: q, venue: "DERIBIT" },
      { canonicalId: idOf("OKX"), side: "BUY", type: "MARKET", quantity: q, venue: "BYBIT" },
      { canonicalId: idOf("OKX"), side: "BUY", type: "MARKET", quantity: Decimal.unsafeFromString("5") }
    ]
    const reasons = requests.map((request) => {
      const full = r.route(request, m)
      const lean = r.allocate(request, m)
      expect(Router.isRouteError(lean) && record(lean)).toBe(Router.isRouteError(full) && record(full))
      return Router.isRouteError(lean) ? lean.reason : "routed"
    })
    expect(reasons).toEqual([
      "NonPositiveQuantity",
      "MissingPrice",
      "UnexpectedPrice",
      "InvalidInstrumentId",
      "NotListed",
      "ExplicitVenueNotListed",
      "ExplicitVenueUnavailable",
      "NoFeasibleVenue"
    ])
  })
})
