import { describe, expect, it } from "@effect/vitest"
import type { ExecutionEvent } from "@odum/adapter-kit"
import { Decimal, type Ids, InstrumentSpec } from "@odum/domain"
import * as Either from "effect/Either"
import fc from "fast-check"
import { ASK, BID, F_CLEAR, F_LAST } from "../src/MarketEvent.js"
import * as OrderBook from "../src/OrderBook.js"
import * as SimVenue from "../src/SimVenue.js"
import { engineFor, inverseSpec, linearSpec, order, request, Sink, spotSpec } from "./fixtures.js"

const side = fc.constantFrom<1 | -1>(BID, ASK)

describe("OrderBook", () => {
  // Small windows force levels into the far map and the window to re-centre; the default never does here.
  it.each([4, 16, OrderBook.DEFAULT_WINDOW])("property: matches a map of price -> size under any updates (window %i)", (window) => {
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.constant("set" as const), side, fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0, max: 9 })) },
      { weight: 1, arbitrary: fc.tuple(fc.constant("take" as const), side, fc.constant(0), fc.integer({ min: 1, max: 9 })) },
      { weight: 1, arbitrary: fc.tuple(fc.constant("clear" as const), side, fc.constant(0), fc.constant(0)) }
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer({ min: 1, max: 80 }), (ops, probe) => {
        const book = OrderBook.make(window)
        const model = { [BID]: new Map<number, number>(), [ASK]: new Map<number, number>() }
        const sorted = (s: 1 | -1) => [...model[s]].sort(([a], [b]) => (s === BID ? b - a : a - b))
        for (const [kind, s, price, size] of ops) {
          const b = book.sideOf(s)
          if (kind === "set") {
            b.set(price, size)
            if (size === 0) model[s].delete(price)
            else model[s].set(price, size)
          } else if (kind === "take") {
            const best = sorted(s)[0]
            if (best === undefined) continue
            const q = Math.min(size, best[1])
            b.takeFromBest(q)
            if (q === best[1]) model[s].delete(best[0])
            else model[s].set(best[0], best[1] - q)
          } else {
            book.clear()
            model[BID].clear()
            model[ASK].clear()
          }
        }
        for (const s of [BID, ASK] as const) {
          const b = book.sideOf(s)
          const expected = sorted(s)
          expect(b.levels()).toEqual(expected)
          expect(b.levels(3)).toEqual(expected.slice(0, 3))
          expect(b.length).toBe(expected.length)
          expect(Number.isNaN(b.bestPrice()) ? undefined : [b.bestPrice(), b.bestSize()]).toEqual(expected[0])
          expect(b.sizeAt(probe)).toBe(model[s].get(probe) ?? 0)
          // Queue ahead: 0 better than the best, Infinity beyond the deepest level, else the level's size.
          const better = (a: number, c: number) => (s === BID ? a > c : a < c)
          const q = expected.length === 0 ? Infinity : better(probe, expected[0]![0]) ? 0 : better(expected.at(-1)![0], probe) ? Infinity : (model[s].get(probe) ?? 0)
          expect(b.queueAt(probe)).toBe(q)
          const depth = expected.filter(([p]) => !better(probe, p)).reduce((n, [, z]) => n + z, 0)
          expect(b.depthTo(probe)).toBe(depth)
          expect(b.depthTo(NaN)).toBe(expected.reduce((n, [, z]) => n + z, 0))
        }
      }),
      { numRuns: 200 }
    )
  })
})

// Scenarios over the linear spec without a minimum notional, prices around 100.0 (1000 units).
const level = fc.tuple(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 1, max: 4000 }))
const action = fc.oneof(
  fc.record({
    kind: fc.constant("submit" as const),
    buy: fc.boolean(),
    market: fc.boolean(),
    tif: fc.constantFrom("GTC" as const, "IOC" as const, "FOK" as const),
    postOnly: fc.boolean(),
    offset: fc.integer({ min: -12, max: 12 }),
    qty: fc.integer({ min: 1, max: 6000 })
  }),
  fc.record({ kind: fc.constant("trade" as const), offset: fc.integer({ min: -12, max: 12 }), size: fc.integer({ min: 1, max: 3000 }), aggressor: fc.constantFrom<1 | -1 | 0>(1, -1, 0) }),
  fc.record({ kind: fc.constant("level" as const), side, offset: fc.integer({ min: 0, max: 15 }), size: fc.integer({ min: 0, max: 4000 }) }),
  fc.record({ kind: fc.constant("cancel" as const), which: fc.nat() })
)
const scenario = fc.record({ asks: fc.array(level, { maxLength: 10 }), bids: fc.array(level, { maxLength: 10 }), actions: fc.array(action, { maxLength: 60 }) })
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never

const MID = 1000
const spec = linearSpec({ minNotional: "0" })

describe("MatchingEngine properties", () => {
  it("property: cached prices, sizes and fees equal fresh conversions, whatever the order and collisions of units", () => {
    // Units far apart and near alike alternate, so slots are replaced and re-read (DecimalCache.test.ts forces collisions).
    const engine = engineFor({ spec: linearSpec({ contractSize: "0.01", makerFee: "-0.00025", takerFee: "0.00075" }) }).engine
    const fresh = engineFor({ spec: linearSpec({ contractSize: "0.01", makerFee: "-0.00025", takerFee: "0.00075" }) }).engine
    const units = fc.oneof(
      fc.integer({ min: 1, max: 64 }).map((k) => 1000 + 4096 * k),
      fc.integer({ min: 1, max: 2 ** 40 }),
      fc.integer({ min: 4_294_967_296, max: 4_294_967_296 * 64 }).map((n) => n - (n % 4096) + 7)
    )
    fc.assert(
      fc.property(fc.array(fc.tuple(units, units, fc.constantFrom("MAKER" as const, "TAKER" as const)), { maxLength: 40 }), (xs) => {
        for (const [p, q, liquidity] of xs) {
          expect(engine.priceToDecimal(p)).toEqual(Decimal.fromScaled(BigInt(p), engine.priceScale))
          expect(engine.sizeToDecimal(q)).toEqual(Decimal.fromScaled(BigInt(q), engine.sizeScale))
          const notional = InstrumentSpec.notional(fresh.spec, Decimal.fromScaled(BigInt(q), fresh.sizeScale), Decimal.fromScaled(BigInt(p), fresh.priceScale))
          expect(engine.feeOf(p, q, liquidity)).toEqual(InstrumentSpec.fee(fresh.spec, notional, liquidity))
        }
      })
    )
  })

  it("property: the last price and fee kept for a repeat equal fresh conversions when any one key changes", () => {
    // Few values, so that calls repeat the last one's price, size or liquidity, or all three;
    // large ones take the decimal path (inverse: always), whose fee is kept as well.
    const linear = engineFor({ spec: linearSpec({ contractSize: "0.01", makerFee: "-0.00025", takerFee: "0.00075" }) }).engine
    const inverse = engineFor({ spec: inverseSpec() }).engine
    const units = fc.constantFrom(1000, 1001, 2 ** 40 + 3)
    fc.assert(
      fc.property(fc.array(fc.tuple(units, units, fc.constantFrom("MAKER" as const, "TAKER" as const)), { maxLength: 40 }), (xs) => {
        for (const [p, q, liquidity] of xs) {
          for (const e of [linear, inverse]) {
            const price = Decimal.fromScaled(BigInt(p), e.priceScale)
            expect(e.priceToDecimal(p)).toEqual(price)
            const notional = InstrumentSpec.notional(e.spec, Decimal.fromScaled(BigInt(q), e.sizeScale), price)
            expect(e.feeOf(p, q, liquidity)).toEqual(InstrumentSpec.fee(e.spec, notional, liquidity))
          }
        }
      })
    )
  })

  it("property: notionals and fees equal InstrumentSpec's for linear and inverse, on the integer path and off it", () => {
    const linear = engineFor({ spec: linearSpec({ contractSize: "0.01", makerFee: "-0.00025", takerFee: "0.00075" }) }).engine
    const inverse = engineFor({ spec: inverseSpec() }).engine
    const units = fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }))
    fc.assert(
      fc.property(units, units, fc.constantFrom("MAKER" as const, "TAKER" as const), (p, q, liquidity) => {
        for (const e of [linear, inverse]) {
          const notional = InstrumentSpec.notional(e.spec, e.sizeToDecimal(q), e.priceToDecimal(p))
          expect(e.notionalOf(p, q)).toEqual(notional)
          expect(e.feeOf(p, q, liquidity)).toEqual(InstrumentSpec.fee(e.spec, notional, liquidity))
        }
      })
    )
  })

  it("property: fills never exceed the order, never beat the limit, makers fill at their limit, and outcomes are well formed", () => {
    fc.assert(
      fc.property(scenario, ({ asks, bids, actions }) => {
        // A small ladder window: levels beyond it and re-centring are exercised too.
        const { engine, recorder } = engineFor({ spec, bookWindow: 8 })
        asks.forEach(([o, s], i) => engine.onBookLevel(1n, ASK, MID + o, s, i === 0 ? F_CLEAR : 0))
        bids.forEach(([o, s]) => engine.onBookLevel(1n, BID, MID - o + 1, s, 0))
        engine.onBookLevel(1n, BID, MID - 20, 1, F_LAST)
        const orders: Array<ReturnType<typeof order>> = []
        let ts = 2n
        for (const a of actions) {
          ts++
          if (a.kind === "submit") {
            const o = order(`o${orders.length}`, a.buy ? "BUY" : "SELL", a.qty, a.market ? 0 : MID + a.offset, {
              tif: a.market ? "IOC" : a.tif,
              postOnly: !a.market && a.tif === "GTC" && a.postOnly
            })
            orders.push(o)
            engine.submit(o, ts)
          } else if (a.kind === "trade") engine.onTrade(ts, MID + a.offset, a.size, a.aggressor)
          else if (a.kind === "level") engine.onBookLevel(ts, a.side, a.side === BID ? MID - a.offset : MID + 1 + a.offset, a.size, F_LAST)
          else if (orders.length > 0) engine.cancel(orders[a.which % orders.length]!, ts)
        }
        for (const o of orders) {
          const events = recorder.out.filter((e) => e.id === o.clientOrderId && e.type !== "cancelRejected")
          const fills = events.flatMap((e) => (e.type === "fill" ? [e] : []))
          const filled = fills.reduce((n, f) => n + f.qty, 0)
          expect(filled).toBe(o.filled)
          expect(filled).toBeLessThanOrEqual(o.quantity)
          for (const f of fills) {
            expect(f.qty).toBeGreaterThan(0)
            if (o.type === "LIMIT") expect(o.side === 1 ? f.price <= o.price : f.price >= o.price).toBe(true)
            if (f.liquidity === "MAKER") expect(f.price).toBe(o.price)
          }
          // First the venue's answer; after the order is finished, nothing more.
          expect(["accepted", "rejected"]).toContain(events[0]!.type)
          if (events[0]!.type === "rejected") expect(events.length).toBe(1)
          const ends = events.filter((e) => e.type === "expired" || e.type === "cancelled")
          expect(ends.length).toBeLessThanOrEqual(1)
          if (ends.length === 1) expect(events.at(-1)).toBe(ends[0])
          if (o.type === "MARKET" || o.timeInForce !== "GTC") expect(o.state).toBe("DONE")
          if (o.timeInForce === "FOK" && o.type === "LIMIT") expect(filled === 0 || filled === o.quantity).toBe(true)
          if (o.state === "RESTING") expect(o.filled).toBeLessThan(o.quantity)
        }
        expect(engine.position).toBe(orders.reduce((n, o) => n + o.side * o.filled, 0))
      }),
      { numRuns: 300 }
    )
  })

  it("property: the same inputs give the same execution events (ids, fees and times included)", () => {
    const run = ({ asks, bids, actions }: Scenario) => {
      const sink = new Sink()
      const sim = Either.getOrThrow(SimVenue.make({ venue: "SIM", instruments: [{ spec, bookWindow: 8 }], sink, latencyNs: 3n }))
      const id = spec.canonicalId
      asks.forEach(([o, s], i) => sim.onMarket(id, { kind: "book", ts: 1n, flags: i === 0 ? F_CLEAR : 0, side: ASK, price: MID + o, size: s }))
      bids.forEach(([o, s]) => sim.onMarket(id, { kind: "book", ts: 1n, flags: F_LAST, side: BID, price: MID - o + 1, size: s }))
      let ts = 2n
      let n = 0
      for (const a of actions) {
        ts += 2n
        if (a.kind === "submit") {
          const price = a.market ? undefined : String((MID + a.offset) / 10)
          sim.submit(request(`o${n++}`, a.buy ? "BUY" : "SELL", String(a.qty / 1000), price, { timeInForce: a.market ? "IOC" : a.tif }), ts)
        } else if (a.kind === "trade") sim.onMarket(id, { kind: "trades", ts, price: MID + a.offset, size: a.size, aggressor: a.aggressor })
        else if (a.kind === "level") sim.onMarket(id, { kind: "book", ts, flags: F_LAST, side: a.side, price: a.side === BID ? MID - a.offset : MID + 1 + a.offset, size: a.size })
        else if (n > 0) sim.cancel(`o${a.which % n}` as Ids.ClientOrderId, ts)
      }
      sim.advanceTo(ts + 10n)
      return { events: sink.events, positions: sim.positions(), balances: sim.balances() }
    }
    fc.assert(
      fc.property(scenario, (s) => {
        expect(run(s)).toEqual(run(s))
      }),
      { numRuns: 100 }
    )
  })
})

/** An independent decimal model of the venue's account (average cost, as @odum/positions defines it). */
const referenceAccount = (
  specs: ReadonlyArray<InstrumentSpec.InstrumentSpec>,
  initial: Record<string, string>,
  fills: ReadonlyArray<ExecutionEvent.Filled>
) => {
  const D = Decimal
  const balances = new Map<string, Decimal.Decimal>(Object.entries(initial).map(([a, v]) => [a, D.unsafeFromString(v)]))
  const credit = (asset: string, x: Decimal.Decimal) => balances.set(asset, D.add(balances.get(asset) ?? D.zero, x))
  const ledgers = new Map<string, { q: Decimal.Decimal; basis: Decimal.Decimal }>()
  for (const f of fills) {
    const spec = specs.find((s) => s.canonicalId === f.canonicalId)!
    const value = (q: Decimal.Decimal) => {
      const size = D.mul(q, spec.contractSize)
      return spec.contractType === "INVERSE" ? D.div(D.neg(size), f.price, 18, "half-even") : D.mul(size, f.price)
    }
    credit(f.feeCurrency, D.neg(f.fee))
    const q = f.side === "BUY" ? f.quantity : D.neg(f.quantity)
    const v = value(q)
    if (spec.kind === "SPOT") {
      credit(spec.baseAsset, q)
      credit(spec.quoteAsset, D.neg(v))
      continue
    }
    const l = ledgers.get(spec.canonicalId) ?? { q: D.zero, basis: D.zero }
    ledgers.set(spec.canonicalId, l)
    let realized = D.zero
    if (D.isZero(l.q) || D.sign(l.q) === D.sign(q)) l.basis = D.add(l.basis, v)
    else if (D.lessThanOrEqual(D.abs(q), D.abs(l.q))) {
      const r = D.equals(D.abs(q), D.abs(l.q)) ? l.basis : D.div(D.mul(l.basis, D.abs(q)), D.abs(l.q), 18, "half-even")
      realized = D.sub(D.neg(v), r)
      l.basis = D.sub(l.basis, r)
    } else {
      const closing = value(D.neg(l.q))
      realized = D.sub(D.neg(closing), l.basis)
      l.basis = D.sub(v, closing)
    }
    l.q = D.add(l.q, q)
    credit(InstrumentSpec.notionalAsset(spec), realized)
  }
  const positions = [...ledgers]
    .filter(([, l]) => !D.isZero(l.q))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([canonicalId, l]) => {
      const spec = specs.find((s) => s.canonicalId === canonicalId)!
      const size = D.mul(l.q, spec.contractSize)
      const averageEntryPrice =
        spec.contractType === "INVERSE" ? D.div(size, D.neg(l.basis), 18, "half-even") : D.div(l.basis, size, 18, "half-even")
      return { canonicalId, quantity: l.q, averageEntryPrice }
    })
  const balanceList = [...balances]
    .filter(([a, v]) => a in initial || !D.isZero(v))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([asset, total]) => ({ asset, total }))
  return { positions, balances: balanceList }
}

describe("SimVenue account properties", () => {
  const specs = [linearSpec({ contractSize: "0.01", minNotional: "0", maxQuantity: "1000000000" }), inverseSpec(), spotSpec()]
  const initial = { USDT: "1000", BTC: "2" }
  const fill = fc.record({
    instrument: fc.integer({ min: 0, max: 2 }),
    buy: fc.boolean(),
    // Small numbers keep the linear book on the integer path; huge ones force the decimal path.
    price: fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 2 ** 40 })),
    qty: fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 2 ** 30 }))
  })

  it("property: positions and balances equal an independent decimal model of the fills (immediate mode)", () => {
    fc.assert(
      fc.property(fc.array(fill, { maxLength: 40 }), (fills) => {
        const sink = new Sink()
        const sim = Either.getOrThrow(SimVenue.make({ venue: "SIM", instruments: specs, mode: "immediate", sink, initialBalances: initial }))
        fills.forEach((f, i) => {
          const spec = specs[f.instrument]!
          const e = sim.engine(spec.canonicalId)!
          // Prices and quantities on each instrument's grid (tick 0.1 / 0.5 / 0.01; lot 0.001 / 1 / 0.001).
          const price = Decimal.format(Decimal.mul(Decimal.fromInt(f.price), spec.tickSize))
          const qty = Decimal.format(e.sizeToDecimal(f.qty * e.lotUnits))
          sim.submit({ ...request(`o${i}`, f.buy ? "BUY" : "SELL", qty, price), canonicalId: spec.canonicalId, timeInForce: "IOC" }, BigInt(i))
        })
        const expected = referenceAccount(specs, initial, sink.filled())
        expect(sim.positions()).toEqual(expected.positions)
        expect(sim.balances()).toEqual(expected.balances)
      }),
      { numRuns: 300 }
    )
  })

  it("property: the same holds when positions go flat between fills off the integer path and on it", () => {
    // Some fills close the whole position, so a ledger that left the integer path (huge values) comes back to it.
    const step = fc.record({
      instrument: fc.integer({ min: 0, max: 2 }),
      buy: fc.boolean(),
      close: fc.boolean(),
      price: fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 2 ** 38, max: 2 ** 40 })),
      qty: fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 2 ** 28, max: 2 ** 30 }))
    })
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (fills) => {
        const sink = new Sink()
        const sim = Either.getOrThrow(SimVenue.make({ venue: "SIM", instruments: specs, mode: "immediate", sink, initialBalances: initial }))
        fills.forEach((f, i) => {
          const spec = specs[f.instrument]!
          const e = sim.engine(spec.canonicalId)!
          const held = f.close ? sim.positions()!.find((p) => p.canonicalId === spec.canonicalId)?.quantity : undefined
          const buy = held === undefined ? f.buy : Decimal.isNegative(held)
          const qty = held === undefined ? Decimal.format(e.sizeToDecimal(f.qty * e.lotUnits)) : Decimal.format(Decimal.abs(held))
          const price = Decimal.format(Decimal.mul(Decimal.fromInt(f.price), spec.tickSize))
          sim.submit({ ...request(`o${i}`, buy ? "BUY" : "SELL", qty, price), canonicalId: spec.canonicalId, timeInForce: "IOC" }, BigInt(i))
        })
        const expected = referenceAccount(specs, initial, sink.filled())
        expect(sim.positions()).toEqual(expected.positions)
        expect(sim.balances()).toEqual(expected.balances)
      }),
      { numRuns: 300 }
    )
  })

  it("property: the same holds with maker and taker fills from a matching scenario", () => {
    fc.assert(
      fc.property(scenario, ({ asks, bids, actions }) => {
        const sink = new Sink()
        const sim = Either.getOrThrow(SimVenue.make({ venue: "SIM", instruments: [{ spec, bookWindow: 8 }], sink, initialBalances: initial }))
        const id = spec.canonicalId
        asks.forEach(([o, s], i) => sim.onMarket(id, { kind: "book", ts: 1n, flags: i === 0 ? F_CLEAR : 0, side: ASK, price: MID + o, size: s }))
        bids.forEach(([o, s]) => sim.onMarket(id, { kind: "book", ts: 1n, flags: F_LAST, side: BID, price: MID - o + 1, size: s }))
        let ts = 2n
        actions.forEach((a, n) => {
          ts += 1n
          if (a.kind === "submit") {
            const price = a.market ? undefined : String((MID + a.offset) / 10)
            sim.submit(request(`o${n}`, a.buy ? "BUY" : "SELL", String(a.qty / 1000), price, { timeInForce: a.market ? "IOC" : a.tif }), ts)
          } else if (a.kind === "trade") sim.onMarket(id, { kind: "trades", ts, price: MID + a.offset, size: a.size, aggressor: a.aggressor })
        })
        const expected = referenceAccount([spec], initial, sink.filled())
        expect(sim.positions()).toEqual(expected.positions)
        expect(sim.balances()).toEqual(expected.balances)
      }),
      { numRuns: 150 }
    )
  })
})

describe("MatchingEngine: validation of one quantity after another", () => {
  it("answers every order as an engine that has seen no order would (a quantity that passed is remembered per engine)", () => {
    // Two engines with other grids and limits: tick 0.5 and lot 0.01 at scales 1 and 3 (5 and 10
    // units), minimum 0.02 (20), maximum 100; and the default (tick 1 unit, lot 1 unit, minimum
    // 1, maximum 100,000). No market data: a market order checks no notional and expires, a limit
    // order rests, so an engine's answers depend on the order alone (and the position, never moved).
    const specs = [
      { spec: linearSpec({ tickSize: "0.5", lotSize: "0.01", minQuantity: "0.02" }), priceScale: 1, sizeScale: 3 },
      { spec: linearSpec() }
    ]
    const quantity = fc.constantFrom(-10, -1, 0, 1, 5, 10, 15, 20, 30, 1000, 100_000, 100_010, 200_000, 2.5, Number.MAX_SAFE_INTEGER + 1)
    const anOrder = fc.record({
      engine: fc.integer({ min: 0, max: 1 }),
      quantity,
      limit: fc.constantFrom(0, 0, 995, 997, 1000, 1005, 1010),
      tif: fc.constantFrom<"GTC" | "IOC" | "DAY">("GTC", "GTC", "GTC", "IOC", "DAY")
    })
    const answer = (r: ReturnType<typeof engineFor>, o: { quantity: number; limit: number; tif: "GTC" | "IOC" | "DAY" }, id: string) => {
      r.recorder.clear()
      r.engine.submit(order(id, "BUY", o.quantity, o.limit, { tif: o.limit === 0 && o.tif === "GTC" ? "IOC" : o.tif }), 1n)
      const first = r.recorder.out[0]!
      return first.type === "rejected" ? `${first.reason}: ${first.message}` : first.type
    }
    fc.assert(
      fc.property(fc.array(anOrder, { minLength: 1, maxLength: 40 }), (orders) => {
        const kept = specs.map((s) => engineFor(s))
        orders.forEach((o, i) => {
          expect(answer(kept[o.engine]!, o, `o${i}`)).toBe(answer(engineFor(specs[o.engine]), o, `o${i}`))
        })
      }),
      { numRuns: 300 }
    )
  })
})
