/**
 * The two properties of the issue, made precise (see the README, "What is invariant"):
 *
 * 1. Order of arrival. For the same set of fills, in any order, each position has the
 *    same quantity, size, fees by currency, fill count, update time, and the same
 *    `realizedPnl + unrealizedPnl` at a common mark, exactly. The split between realized
 *    and unrealized, the cost basis and the average entry depend on the order as soon as
 *    a fill reduces a position (average-cost method), except when every fill of a
 *    position is on one side: then they are order-independent too.
 * 2. PnL accounting. `realizedPnl + unrealizedPnl = sum(-paid_i) + value(Q, mark) - fees`
 *    exactly, where `paid_i` is the fill's value (linear: `s * cs * p`; inverse: the coin
 *    amount `-(s * cs) / p` rounded half-even at 18 places, once per fill) and fees are
 *    those in the PnL currency. Rounding of released basis never creates or loses PnL.
 */
import { Decimal, type Fill, Ids } from "@odum/domain"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as PositionTracker from "../src/PositionTracker.js"
import type { StrategyPosition } from "../src/StrategyPosition.js"
import { BINANCE_SPOT, DERIBIT_CALL, DERIBIT_PERP, OKX_PERP, d, specOf, specs } from "./fixtures.js"

/** The instruments the generators trade, with a price step each. */
const universe = [
  { id: OKX_PERP, step: d("0.1") },
  { id: DERIBIT_PERP, step: d("0.5") },
  { id: DERIBIT_CALL, step: d("0.0005") },
  { id: BINANCE_SPOT, step: d("0.01") }
] as const

interface FillSeed {
  readonly instrument: number
  readonly strategy: string
  readonly side: "BUY" | "SELL"
  readonly lots: number
  readonly ticks: number
  readonly feeUnits: number
  readonly feeInPnlAsset: boolean
  readonly timestamp: number
}

const seedArb: fc.Arbitrary<FillSeed> = fc.record({
  instrument: fc.integer({ min: 0, max: universe.length - 1 }),
  strategy: fc.constantFrom("s1", "s2"),
  side: fc.constantFrom("BUY" as const, "SELL" as const),
  lots: fc.integer({ min: 1, max: 5000 }),
  ticks: fc.integer({ min: 1, max: 400_000 }),
  feeUnits: fc.integer({ min: -200, max: 2000 }),
  feeInPnlAsset: fc.boolean(),
  timestamp: fc.integer({ min: 0, max: 1_000_000 })
})

const marksArb = fc.tuple(...universe.map(() => fc.integer({ min: 1, max: 400_000 })))

interface Seeded {
  readonly fill: Fill.Fill
  readonly strategyId: Ids.StrategyId
}

const build = (seeds: ReadonlyArray<FillSeed>): Array<Seeded> =>
  seeds.map((s, i) => {
    const u = universe[s.instrument]!
    const spec = specOf(u.id)
    const pnlAsset = spec.kind === "OPTION" ? spec.settlementAsset : spec.contractType === "INVERSE" ? spec.baseAsset : spec.quoteAsset
    return {
      strategyId: Ids.StrategyId.make(s.strategy),
      fill: {
        operationId: Ids.OperationId.make(`op-${i}`),
        venue: spec.venue,
        canonicalId: u.id,
        tradeId: Ids.TradeId.make(`trade-${i}`),
        side: s.side,
        quantity: Decimal.fromScaled(BigInt(s.lots), 3),
        price: Decimal.mul(Decimal.fromInt(s.ticks), u.step),
        fee: Decimal.fromScaled(BigInt(s.feeUnits), 6),
        feeCurrency: s.feeInPnlAsset ? pnlAsset : "BNB",
        liquidity: "TAKER",
        timestamp: s.timestamp
      }
    }
  })

const run = (fills: ReadonlyArray<Seeded>, marks: ReadonlyArray<number>): PositionTracker.PositionTracker => {
  const t = PositionTracker.make({ instruments: specs })
  for (const { fill, strategyId } of fills) expect(t.apply(fill, strategyId)).toBeUndefined()
  universe.forEach((u, i) => expect(t.mark(u.id, Decimal.mul(Decimal.fromInt(marks[i]!), u.step), 0)).toBeUndefined())
  return t
}

const total = (p: StrategyPosition): Decimal.Decimal => Decimal.add(p.realizedPnl, p.unrealizedPnl!)

/** A fill set and the same fills in another order. */
const permutedArb = (seeds: fc.Arbitrary<Array<FillSeed>>) =>
  seeds.chain((xs) => {
    const fills = build(xs)
    return fc.tuple(fc.constant(fills), fc.shuffledSubarray(fills, { minLength: fills.length, maxLength: fills.length }), marksArb)
  })

describe("order of arrival", () => {
  it("quantity, size, fees, counts and realized + unrealized at a common mark do not depend on it", () => {
    fc.assert(
      fc.property(permutedArb(fc.array(seedArb, { minLength: 1, maxLength: 40 })), ([fills, shuffled, marks]) => {
        const a = run(fills, marks).positions()
        const b = run(shuffled, marks).positions()
        expect(b.map((p) => `${p.canonicalId}/${p.strategyId}`)).toEqual(a.map((p) => `${p.canonicalId}/${p.strategyId}`))
        a.forEach((p, i) => {
          const q = b[i]!
          expect(q.quantity).toEqual(p.quantity)
          expect(q.size).toEqual(p.size)
          expect(q.fees).toEqual(p.fees)
          expect(q.fillCount).toBe(p.fillCount)
          expect(q.updatedAt).toBe(p.updatedAt)
          expect(Decimal.format(total(q))).toBe(Decimal.format(total(p)))
        })
      }),
      { numRuns: 200 }
    )
  })

  it("with every fill of a position on one side, basis, average entry and realized PnL do not depend on it either", () => {
    // Side decided by the strategy, so each (instrument, strategy) position only grows.
    const oneSided = fc.array(seedArb, { minLength: 1, maxLength: 40 }).map((xs) =>
      xs.map((x) => ({ ...x, side: x.strategy === "s1" ? ("BUY" as const) : ("SELL" as const) }))
    )
    fc.assert(
      fc.property(permutedArb(oneSided), ([fills, shuffled, marks]) => {
        const a = run(fills, marks).positions()
        const b = run(shuffled, marks).positions()
        a.forEach((p, i) => {
          const q = b[i]!
          expect(q.costBasis).toEqual(p.costBasis)
          expect(q.averageEntryPrice).toEqual(p.averageEntryPrice)
          expect(q.realizedPnl).toEqual(p.realizedPnl)
          expect(q.unrealizedPnl).toEqual(p.unrealizedPnl)
          // The average is the size-weighted (linear) or harmonic (inverse) mean, from the fills alone.
          const own = fills.filter((f) => f.fill.canonicalId === p.canonicalId && f.strategyId === p.strategyId)
          const cs = specOf(p.canonicalId).contractSize
          const sizes = own.map((f) => Decimal.mul(f.fill.quantity, cs))
          const sizeSum = Decimal.sum(sizes)
          const expected =
            p.valuation === "LINEAR"
              ? Decimal.div(Decimal.sum(own.map((f, j) => Decimal.mul(sizes[j]!, f.fill.price))), sizeSum, 18, "half-even")
              : Decimal.div(sizeSum, Decimal.sum(own.map((f, j) => Decimal.div(sizes[j]!, f.fill.price, 18, "half-even"))), 18, "half-even")
          expect(Decimal.format(p.averageEntryPrice!)).toBe(Decimal.format(expected))
        })
      }),
      { numRuns: 200 }
    )
  })
})

describe("PnL accounting", () => {
  it("realized + unrealized = mark-to-market change minus fees in the PnL currency, exactly", () => {
    fc.assert(
      fc.property(fc.array(seedArb, { minLength: 1, maxLength: 60 }), marksArb, (seeds, marks) => {
        const fills = build(seeds)
        const t = run(fills, marks)
        for (const p of t.positions()) {
          const spec = specOf(p.canonicalId)
          const inverse = p.valuation === "INVERSE"
          let cash = Decimal.zero
          let fees = Decimal.zero
          for (const { fill, strategyId } of fills) {
            if (fill.canonicalId !== p.canonicalId || strategyId !== p.strategyId) continue
            const size = Decimal.mul(fill.side === "BUY" ? fill.quantity : Decimal.neg(fill.quantity), spec.contractSize)
            // Received minus paid: linear pays size * price; inverse receives size / price coins.
            cash = Decimal.add(cash, inverse ? Decimal.div(size, fill.price, 18, "half-even") : Decimal.neg(Decimal.mul(size, fill.price)))
            if (fill.feeCurrency === p.pnlAsset) fees = Decimal.add(fees, fill.fee)
          }
          const mark = t.markOf(p.canonicalId)!
          const worth = inverse ? Decimal.neg(Decimal.div(p.size, mark, 18, "half-even")) : Decimal.mul(p.size, mark)
          expect(Decimal.format(total(p))).toBe(Decimal.format(Decimal.sub(Decimal.add(cash, worth), fees)))
        }
      }),
      { numRuns: 300 }
    )
  })

  it("replaying every fill changes nothing: each replay is refused as a duplicate", () => {
    fc.assert(
      fc.property(fc.array(seedArb, { minLength: 1, maxLength: 30 }), marksArb, (seeds, marks) => {
        const fills = build(seeds)
        const t = run(fills, marks)
        const before = t.positions()
        for (const { fill, strategyId } of fills) expect(t.apply(fill, strategyId)?.reason).toBe("DuplicateFill")
        expect(t.positions()).toEqual(before)
      }),
      { numRuns: 100 }
    )
  })
})
