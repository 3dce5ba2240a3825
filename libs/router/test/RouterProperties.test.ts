/**
 * Property tests of the router over random catalogues, books, circuit states and orders.
 * Costs are re-derived here by an independent Decimal walk (no scaled integers, no shared
 * code), and the greedy split is checked against a brute-force search.
 */
import { Decimal } from "@odum/domain"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { MarketState, OrderBook, Router, type RouteRequest, type RoutingDecision } from "../src/index.js"
import { router, spec, venue } from "./fixtures.js"

const VENUES = ["BINANCE-SPOT", "BYBIT", "OKX", "DERIBIT"] as const
const idOf = (v: string) => `${v}:SPOT_PAIR:BTC-USDT`
const D = Decimal.unsafeFromString
const fmt = Decimal.format

interface ListingGen {
  readonly tick: string
  readonly lot: string
  readonly taker: string
  readonly maker: string
  readonly latencyMs: number
  readonly minNotional: string | undefined
  readonly enabled: boolean
  readonly open: boolean
  /** Undefined: no book known. */
  readonly book: { readonly bidGaps: ReadonlyArray<number>; readonly askGaps: ReadonlyArray<number>; readonly sizes: ReadonlyArray<number>; readonly skew: number } | undefined
}

const listingGen = (lots: ReadonlyArray<string>): fc.Arbitrary<ListingGen> =>
  fc.record({
    tick: fc.constantFrom("0.01", "0.1", "0.5"),
    lot: fc.constantFrom(...lots),
    taker: fc.integer({ min: 0, max: 20 }).map((n) => fmt(Decimal.fromScaled(BigInt(n), 4))),
    maker: fc.integer({ min: -3, max: 10 }).map((n) => fmt(Decimal.fromScaled(BigInt(n), 4))),
    latencyMs: fc.integer({ min: 0, max: 60 }),
    minNotional: fc.option(fc.constantFrom("5", "50"), { nil: undefined }),
    enabled: fc.integer({ min: 0, max: 9 }).map((n) => n !== 0),
    open: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    book: fc.option(
      fc.record({
        bidGaps: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }),
        askGaps: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }),
        sizes: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 12, maxLength: 12 }),
        skew: fc.integer({ min: -20, max: 20 })
      }),
      { nil: undefined, freq: 6 }
    )
  })

/** A book around 100 on the listing's tick grid; sizes are whole lots. */
const bookOf = (l: ListingGen): OrderBook.OrderBook | undefined => {
  if (l.book === undefined) return undefined
  const tick = D(l.tick)
  const lot = D(l.lot)
  const mid = Decimal.roundToStep(Decimal.add(D("100"), Decimal.mul(D("0.05"), Decimal.fromInt(l.book.skew))), tick, "floor")
  const side = (gaps: ReadonlyArray<number>, dir: 1 | -1, offset: number) => {
    let p = mid
    return gaps.map((g, i) => {
      p = Decimal.add(p, Decimal.mul(tick, Decimal.fromInt(dir * g)))
      return [p, Decimal.mul(lot, Decimal.fromInt(l.book!.sizes[i + offset]!))] as const
    })
  }
  const bids = side(l.book.bidGaps, -1, 0).filter(([p]) => Decimal.isPositive(p))
  return OrderBook.unsafeMake({ bids, asks: side(l.book.askGaps, 1, 6) })
}

const requestGen = fc.record({
  side: fc.constantFrom("BUY" as const, "SELL" as const),
  kind: fc.constantFrom("MARKET", "GTC", "IOC", "FOK", "POST"),
  // A quantity of `lots` steps of 10^-decimals: coarse steps fit every lot grid, 0.001 only some.
  lots: fc.integer({ min: 1, max: 200 }),
  decimals: fc.constantFrom(1, 1, 2, 2, 3),
  limitOffset: fc.integer({ min: -300, max: 600 }),
  venue: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...VENUES) }),
  requested: fc.integer({ min: 0, max: 3 })
})

type RequestGen = typeof requestGen extends fc.Arbitrary<infer T> ? T : never

const toRequest = (g: RequestGen, n: number): RouteRequest.RouteRequest => {
  const quantity = Decimal.fromScaled(BigInt(g.lots), g.decimals)
  // Limit prices a few units either side of 100, aggressive for positive offsets.
  const dir = g.side === "BUY" ? 1 : -1
  const price = Decimal.add(D("100"), Decimal.fromScaled(BigInt(dir * g.limitOffset), 2))
  const base = { canonicalId: idOf(VENUES[g.requested % n]!), side: g.side, quantity, venue: g.venue }
  switch (g.kind) {
    case "MARKET":
      return { ...base, type: "MARKET" }
    case "POST":
      return { ...base, type: "LIMIT", price, postOnly: true }
    default:
      return { ...base, type: "LIMIT", price, timeInForce: g.kind as "GTC" | "IOC" | "FOK" }
  }
}

const setup = (listings: ReadonlyArray<ListingGen>, costs: Record<string, unknown> = {}) => {
  const names = VENUES.slice(0, listings.length)
  const r = router({
    venues: names.map((v, i) => ({ ...venue(v, listings[i]!.latencyMs), enabled: listings[i]!.enabled })),
    listings: names.map((v, i) => {
      const l = listings[i]!
      return {
        spec: spec({
          id: idOf(v),
          venue: v,
          tick: l.tick,
          lot: l.lot,
          maker: l.maker,
          taker: l.taker,
          ...(l.minNotional === undefined ? {} : { minNotional: l.minNotional })
        })
      }
    }),
    costs
  })
  const m = MarketState.inMemory()
  names.forEach((v, i) => {
    m.setBook(idOf(v), bookOf(listings[i]!))
    m.setOpen(v, listings[i]!.open)
  })
  return { r, m, names }
}

const total = (c: RoutingDecision.Cost) => Decimal.add(Decimal.add(c.fee, c.slippage), c.latencyPenalty)

/** An independent cost of taking `take` and resting `rest` on a listing, by Decimal walk. */
const referenceCost = (
  l: ListingGen,
  book: OrderBook.OrderBook,
  side: "BUY" | "SELL",
  take: Decimal.Decimal,
  rest: Decimal.Decimal,
  restPrice: Decimal.Decimal | undefined,
  ref: Decimal.Decimal,
  bpsPerMs: Decimal.Decimal
) => {
  const levels = side === "BUY" ? book.asks : book.bids
  let left = take
  let notional = Decimal.zero
  for (let i = 0; i < levels.prices.length && Decimal.isPositive(left); i++) {
    const p = Decimal.fromScaled(levels.prices[i]!, book.priceScale)
    const size = Decimal.fromScaled(levels.sizes[i]!, book.sizeScale)
    const q = Decimal.min(size, left)
    notional = Decimal.add(notional, Decimal.mul(q, p))
    left = Decimal.sub(left, q)
  }
  if (Decimal.isPositive(left)) return undefined
  const restN = restPrice === undefined ? Decimal.zero : Decimal.mul(rest, restPrice)
  const n = Decimal.add(notional, restN)
  const fee = Decimal.add(Decimal.mul(notional, D(l.taker)), Decimal.mul(restN, D(l.maker)))
  const lambda = Decimal.div(Decimal.mul(bpsPerMs, Decimal.fromInt(l.latencyMs)), Decimal.fromInt(10_000), 30, "half-even")
  const lat = Decimal.mul(n, lambda)
  const diff = Decimal.sub(n, Decimal.mul(Decimal.add(take, rest), ref))
  const slip = side === "BUY" ? diff : Decimal.neg(diff)
  return { notional: n, fee, slippage: slip, latencyPenalty: lat, total: Decimal.add(Decimal.add(fee, slip), lat) }
}

/**
 * The invariants of every decision: allocations are whole lots that sum to the order, sit
 * within the limit and the venues' minimums, never go to an open circuit or a disabled
 * venue, cost what their components say, and a split is chosen only when it beats the best
 * single venue by more than the threshold. Returns the outcome for coverage counts.
 */
const checkDecision = (listings: ReadonlyArray<ListingGen>, request: RouteRequest.RouteRequest): string => {
    const { m, names, r } = setup(listings)
    const result = r.route(request, m)
    if (Router.isRouteError(result)) {
      if (result._tag === "NoRoute" && result.reason === "NoFeasibleVenue") {
        expect(result.candidates.every((c) => !c.feasible)).toBe(true)
      }
      return "NoRoute"
    }
    const byVenue = new Map<string, ListingGen>(names.map((v, i) => [v, listings[i]!]))
    let sum = Decimal.zero
    for (const a of result.allocations) {
      const l = byVenue.get(a.venue)!
      expect(l.open).toBe(false)
      expect(l.enabled).toBe(true)
      if (request.venue !== undefined) expect(a.venue).toBe(request.venue)
      expect(Decimal.isPositive(a.quantity)).toBe(true)
      expect(Decimal.isMultipleOf(a.quantity, D(l.lot))).toBe(true)
      expect(Decimal.equals(Decimal.add(a.takerQuantity, a.restingQuantity), a.quantity)).toBe(true)
      if (l.minNotional !== undefined) expect(Decimal.greaterThanOrEqual(a.cost.notional, D(l.minNotional))).toBe(true)
      if (request.type === "MARKET" || request.timeInForce === "IOC" || request.timeInForce === "FOK") {
        expect(Decimal.isZero(a.restingQuantity)).toBe(true)
      }
      if (request.postOnly === true) expect(Decimal.isZero(a.takerQuantity)).toBe(true)
      if (request.price !== undefined) {
        const worse = request.side === "BUY" ? Decimal.greaterThan : Decimal.lessThan
        expect(worse(a.price!, request.price)).toBe(false)
        expect(Decimal.isMultipleOf(a.price!, D(l.tick))).toBe(true)
        if (a.worstPrice !== undefined) expect(worse(a.worstPrice, request.price)).toBe(false)
      }
      expect(Decimal.equals(a.cost.total, total(a.cost))).toBe(true)
      sum = Decimal.add(sum, a.underlyingQuantity)
    }
    // Never more than asked; a returned decision places all of it.
    expect(fmt(sum)).toBe(fmt(request.quantity))
    // The decision's cost is the sum of its allocations' costs.
    for (const k of ["notional", "fee", "slippage", "latencyPenalty", "total"] as const) {
      expect(fmt(result.cost[k])).toBe(fmt(Decimal.sum(result.allocations.map((a) => a.cost[k]))))
    }
    const feasible = result.candidates.filter((c) => c.feasible)
    const bestSingle = feasible.reduce<Decimal.Decimal | undefined>(
      (acc, c) => (acc === undefined || Decimal.lessThan(c.cost!.total, acc) ? c.cost!.total : acc),
      undefined
    )
    if (result.choice === "SPLIT") {
      expect(new Set(result.allocations.map((a) => a.venue)).size).toBe(result.allocations.length)
      expect(result.allocations.length).toBeGreaterThanOrEqual(2)
      if (bestSingle !== undefined) {
        // Split cost <= best single cost, by more than the threshold.
        expect(Decimal.lessThan(result.cost.total, Decimal.sub(bestSingle, result.split!.threshold!))).toBe(true)
      }
    } else {
      expect(result.allocations.length).toBe(1)
      expect(fmt(result.cost.total)).toBe(fmt(bestSingle!))
    }
    return result.choice
}

describe("Router properties", () => {
  it("allocations are whole lots, sum to the order, respect limits and minimums, and avoid open circuits", () => {
    const seen: Record<string, number> = {}
    fc.assert(
      fc.property(fc.array(listingGen(["0.001", "0.01", "0.1"]), { minLength: 1, maxLength: 4 }), requestGen, (listings, g) => {
        const outcome = checkDecision(listings, toRequest(g, listings.length))
        seen[outcome] = (seen[outcome] ?? 0) + 1
      }),
      { numRuns: 400 }
    )
    // Not vacuous: a good share of the runs produce decisions.
    expect((seen.SINGLE ?? 0) + (seen.EXPLICIT ?? 0) + (seen.SPLIT ?? 0)).toBeGreaterThan(40)
  })

  it("the same invariants hold where splitting pays (thin books, every venue up)", () => {
    const seen: Record<string, number> = {}
    fc.assert(
      fc.property(
        fc.array(
          listingGen(["0.01"]).map((l) => ({ ...l, enabled: true, open: false })),
          { minLength: 2, maxLength: 4 }
        ),
        requestGen.map((g) => ({ ...g, venue: undefined, kind: g.kind === "POST" || g.kind === "FOK" ? "MARKET" : g.kind, decimals: 2 as const })),
        (listings, g) => {
          const outcome = checkDecision(listings, toRequest(g, listings.length))
          seen[outcome] = (seen[outcome] ?? 0) + 1
        }
      ),
      { numRuns: 400 }
    )
    expect(seen.SPLIT ?? 0).toBeGreaterThan(20)
  })

  it("every book-priced candidate's cost matches an independent Decimal walk", () => {
    fc.assert(
      fc.property(fc.array(listingGen(["0.001", "0.01"]), { minLength: 1, maxLength: 4 }), requestGen, (listings, g) => {
        const { m, names, r } = setup(listings)
        const request = toRequest({ ...g, venue: undefined }, names.length)
        const result = r.route(request, m)
        if (Router.isRouteError(result)) return
        for (const c of result.candidates) {
          if (c.pricing !== "BOOK") continue
          const i = names.indexOf(c.venue as (typeof VENUES)[number])
          const l = listings[i]!
          const price = request.price === undefined ? undefined : Decimal.roundToStep(request.price, D(l.tick), request.side === "BUY" ? "floor" : "ceil")
          const expected = referenceCost(
            l,
            bookOf(l)!,
            request.side,
            c.takerQuantity!,
            c.restingQuantity!,
            price,
            result.reference!.price,
            D("0.01")
          )
          expect(expected).toBeDefined()
          for (const k of ["notional", "fee", "slippage", "latencyPenalty", "total"] as const) {
            expect(`${k} ${fmt(c.cost![k])}`).toBe(`${k} ${fmt(expected![k])}`)
          }
        }
      }),
      { numRuns: 300 }
    )
  })

  it("the greedy split is as cheap as the best allocation found by brute force (same lot everywhere)", () => {
    const lot = D("0.01")
    fc.assert(
      fc.property(
        fc.array(
          listingGen(["0.01"]).map((l) => ({ ...l, enabled: true, open: false, minNotional: undefined })),
          { minLength: 2, maxLength: 3 }
        ),
        fc.integer({ min: 1, max: 80 }),
        fc.constantFrom("BUY" as const, "SELL" as const),
        (raw, lots, side) => {
          const listings = raw.map((l) => (l.book === undefined ? { ...l, book: { bidGaps: [1, 2], askGaps: [1, 2], sizes: Array(12).fill(5), skew: 0 } } : l))
          const { m, r } = setup(listings, { splitMinSavingBps: "0" })
          const quantity = Decimal.fromScaled(BigInt(lots), 2)
          const result = r.route({ canonicalId: idOf("BINANCE-SPOT"), side, type: "MARKET", quantity }, m)
          const books = listings.map(bookOf)
          // Brute force over every way to cut `lots` lots among the listings.
          const ref = Router.isRouteError(result) ? undefined : result.reference!.price
          let best: Decimal.Decimal | undefined
          const search = (i: number, left: number, acc: Decimal.Decimal) => {
            if (i === listings.length - 1) {
              const take = Decimal.mul(lot, Decimal.fromInt(left))
              const c = left === 0 ? undefined : referenceCost(listings[i]!, books[i]!, side, take, Decimal.zero, undefined, ref!, D("0.01"))
              if (left > 0 && c === undefined) return
              const t = c === undefined ? acc : Decimal.add(acc, c.total)
              if (best === undefined || Decimal.lessThan(t, best)) best = t
              return
            }
            for (let k = 0; k <= left; k++) {
              const take = Decimal.mul(lot, Decimal.fromInt(k))
              const c = k === 0 ? undefined : referenceCost(listings[i]!, books[i]!, side, take, Decimal.zero, undefined, ref!, D("0.01"))
              if (k > 0 && c === undefined) break
              search(i + 1, left - k, c === undefined ? acc : Decimal.add(acc, c.total))
            }
          }
          if (Router.isRouteError(result)) {
            // Nothing feasible: then the combined visible depth cannot cover the order.
            const depth = books.reduce((acc, b) => {
              const sizes = side === "BUY" ? b!.asks.sizes : b!.bids.sizes
              return acc + sizes.reduce((x, y) => x + y, 0n) * 10n ** BigInt(2 - b!.sizeScale)
            }, 0n)
            expect(depth < BigInt(lots)).toBe(true)
            return
          }
          search(0, lots, Decimal.zero)
          expect(fmt(result.cost.total)).toBe(fmt(best!))
        }
      ),
      { numRuns: 200 }
    )
  })
})
