/**
 * The tracker's scaled-integer arithmetic (numbers while exact, else bigints) against the
 * reference decimal arithmetic (`fastPath: false`): the same fills must give the same
 * figures to the last digit, across every boundary between the two (products beyond 2^53,
 * partial closes releasing a fraction of a unit, quantities and prices finer than the
 * instrument's grid, positions returning to flat, fees in several currencies and scales).
 */
import { Decimal, type Fill, Ids } from "@odum/domain"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as PositionState from "../src/internal/PositionState.js"
import * as PositionTracker from "../src/PositionTracker.js"
import { BINANCE_PERP, d, DERIBIT_CALL, DERIBIT_PERP, fill, IB_CALL, OKX_PERP, specOf, specs, str, strategy } from "./fixtures.js"

const universe = [BINANCE_PERP, OKX_PERP, IB_CALL, DERIBIT_PERP, DERIBIT_CALL] as const

const scaled = (units: bigint, scale: number) => Decimal.fromScaled(units, scale)

/** Quantities: on the lot grid, whole, finer than the lot, and far beyond 2^53 units. */
const quantityArb: fc.Arbitrary<Decimal.Decimal> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 5000 }).map((n) => scaled(BigInt(n), 3)) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 50 }).map((n) => scaled(BigInt(n), 0)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000 }).map((n) => scaled(BigInt(n), 7)) },
  { weight: 1, arbitrary: fc.bigInt({ min: 10n ** 13n, max: 10n ** 20n }).map((n) => scaled(n, 3)) }
)

/** Prices: on the tick grid, whole, finer than the tick, and huge. */
const priceArb: fc.Arbitrary<Decimal.Decimal> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 10_000_000 }).map((n) => scaled(BigInt(n), 2)) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 100_000 }).map((n) => scaled(BigInt(n), 0)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 100_000_000 }).map((n) => scaled(BigInt(n), 5)) },
  { weight: 1, arbitrary: fc.bigInt({ min: 10n ** 14n, max: 10n ** 22n }).map((n) => scaled(n, 2)) }
)

/** Fees: zero, small at any scale (rebates too), and beyond 2^53 units. */
const feeArb: fc.Arbitrary<Decimal.Decimal> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(Decimal.zero) },
  { weight: 6, arbitrary: fc.tuple(fc.integer({ min: -2000, max: 100_000 }), fc.integer({ min: 0, max: 12 })).map(([n, s]) => scaled(BigInt(n), s)) },
  { weight: 1, arbitrary: fc.bigInt({ min: 10n ** 16n, max: 10n ** 19n }).map((n) => scaled(n, 8)) }
)

interface Seed {
  readonly instrument: number
  readonly strategy: "s1" | "s2"
  readonly side: "BUY" | "SELL"
  /** Close the position exactly (opposite side, its whole quantity) instead of the random quantity. */
  readonly close: boolean
  readonly quantity: Decimal.Decimal
  readonly price: Decimal.Decimal
  readonly fee: Decimal.Decimal
  readonly feeCurrency: "pnl" | "BNB" | "USDT"
}

const seedArb: fc.Arbitrary<Seed> = fc.record({
  instrument: fc.integer({ min: 0, max: universe.length - 1 }),
  strategy: fc.constantFrom("s1" as const, "s2" as const),
  side: fc.constantFrom("BUY" as const, "SELL" as const),
  close: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))),
  quantity: quantityArb,
  price: priceArb,
  fee: feeArb,
  feeCurrency: fc.constantFrom("pnl" as const, "pnl" as const, "BNB" as const, "USDT" as const)
})

const pnlAssetOf = (id: string) => {
  const s = specOf(id)
  return s.kind === "OPTION" ? s.settlementAsset : s.contractType === "INVERSE" ? s.baseAsset : s.quoteAsset
}

const toFill = (seed: Seed, i: number, reference: PositionTracker.PositionTracker): { fill: Fill.Fill; strategyId: Ids.StrategyId } => {
  const id = universe[seed.instrument]!
  const s = specOf(id)
  const strategyId = Ids.StrategyId.make(seed.strategy)
  let side = seed.side
  let quantity = seed.quantity
  if (seed.close) {
    const held = reference.position(id, strategyId)?.quantity
    if (held !== undefined && !Decimal.isZero(held)) {
      side = Decimal.isNegative(held) ? "BUY" : "SELL"
      quantity = Decimal.abs(held)
    }
  }
  return {
    strategyId,
    fill: {
      operationId: Ids.OperationId.make(`op-${i}`),
      venue: s.venue,
      canonicalId: id,
      tradeId: Ids.TradeId.make(`t-${i}`),
      side,
      quantity,
      price: seed.price,
      fee: seed.fee,
      feeCurrency: seed.feeCurrency === "pnl" ? pnlAssetOf(id) : seed.feeCurrency,
      liquidity: "TAKER",
      timestamp: 1_700_000_000_000 + i
    }
  }
}

describe("scaled-integer arithmetic", () => {
  it("gives exactly the reference decimal figures, after every fill and at a mark", () => {
    fc.assert(
      fc.property(fc.array(seedArb, { minLength: 1, maxLength: 50 }), priceArb, (seeds, mark) => {
        const fast = PositionTracker.make({ instruments: specs })
        const exact = PositionTracker.make({ instruments: specs, fastPath: false })
        seeds.forEach((seed, i) => {
          const { fill: f, strategyId } = toFill(seed, i, exact)
          expect(fast.apply(f, strategyId)).toEqual(exact.apply(f, strategyId))
          expect(fast.position(f.canonicalId, strategyId)).toEqual(exact.position(f.canonicalId, strategyId))
        })
        for (const id of universe) {
          expect(fast.mark(id, mark, 1_800_000_000_000)).toEqual(exact.mark(id, mark, 1_800_000_000_000))
        }
        expect(fast.positions()).toEqual(exact.positions())
      }),
      { numRuns: 300 }
    )
  })

  it("matches the reference on hand-picked boundaries", () => {
    const fast = PositionTracker.make({ instruments: specs })
    const exact = PositionTracker.make({ instruments: specs, fastPath: false })
    const A = strategy("alpha")
    const both = (f: Fill.Fill) => {
      expect(fast.apply(f, A)).toBeUndefined()
      expect(exact.apply(f, A)).toBeUndefined()
      expect(fast.position(f.canonicalId, A)).toEqual(exact.position(f.canonicalId, A))
    }
    // Exact partial close (whole unit released), then one releasing a third of the basis.
    both(fill(BINANCE_PERP, "BUY", "3", "100.01", { fee: "0.3" }))
    both(fill(BINANCE_PERP, "SELL", "1.5", "101", { fee: "0.15" }))
    both(fill(BINANCE_PERP, "BUY", "0.001", "99.99"))
    both(fill(BINANCE_PERP, "SELL", "0.5", "102.37", { fee: "0.0000001" }))
    // Flat again, then a quantity finer than the lot while flat and while open.
    both(fill(BINANCE_PERP, "SELL", "1.001", "100"))
    expect(str(fast.position(BINANCE_PERP, A)!.quantity)).toBe("0")
    both(fill(BINANCE_PERP, "BUY", "0.0000001", "100.5"))
    both(fill(BINANCE_PERP, "BUY", "0.00000001", "100.123456"))
    both(fill(BINANCE_PERP, "SELL", "0.00000011", "101"))
    // Value beyond 2^53 units: 1e12 BTC at 1e6 USDT.
    both(fill(BINANCE_PERP, "BUY", "1000000000000", "1000000"))
    both(fill(BINANCE_PERP, "SELL", "2000000000000", "1000001", { fee: "123456789012345678.12" }))
    both(fill(BINANCE_PERP, "BUY", "1000000000000", "999999"))
    // A release that ties at the 18th place (half-even keeps ...666): basis 200.013333333333333333 over 2.
    both(fill(BINANCE_PERP, "BUY", "3", "100.01"))
    both(fill(BINANCE_PERP, "SELL", "1", "101"))
    both(fill(BINANCE_PERP, "BUY", "1", "100"))
    both(fill(BINANCE_PERP, "SELL", "1", "101"))
    both(fill(BINANCE_PERP, "SELL", "1", "101"))
    expect(str(fast.position(BINANCE_PERP, A)!.costBasis)).toBe("100.006666666666666667")
    both(fill(BINANCE_PERP, "SELL", "1", "101"))
    // A value one unit past 2^53 (3 * 3002399751580331 units), which a double would round.
    both(fill(BINANCE_PERP, "BUY", "0.003", "30023997515803.3"))
    both(fill(BINANCE_PERP, "SELL", "0.003", "30023997515803.31"))
    expect(str(fast.position(BINANCE_PERP, A)!.realizedPnl)).toBe(str(exact.position(BINANCE_PERP, A)!.realizedPnl))
    // Inverse: 10 USD at 1048576 is 0.0000095367431640625 BTC, a tie at the 18th place (half-even: ...062).
    both(fill(DERIBIT_PERP, "BUY", "1", "1048576"))
    expect(str(fast.position(DERIBIT_PERP, A)!.costBasis)).toBe("-0.000009536743164062")
    both(fill(DERIBIT_PERP, "SELL", "1", "50000"))
    // Inverse and contract sizes other than one, with a flip each.
    both(fill(DERIBIT_PERP, "BUY", "100", "40000.5"))
    both(fill(DERIBIT_PERP, "SELL", "33", "41000"))
    both(fill(DERIBIT_PERP, "SELL", "100", "39999.5"))
    both(fill(OKX_PERP, "SELL", "7", "60000.1"))
    both(fill(OKX_PERP, "BUY", "10", "59000.3"))
    both(fill(IB_CALL, "BUY", "3", "5.2"))
    both(fill(IB_CALL, "SELL", "2", "4.1"))
    both(fill(DERIBIT_CALL, "BUY", "0.3", "0.0505"))
    both(fill(DERIBIT_CALL, "SELL", "0.1", "0.08"))
    for (const id of universe) {
      expect(fast.mark(id, d("12345.67"), 1_800_000_000_000)).toBeUndefined()
      expect(exact.mark(id, d("12345.67"), 1_800_000_000_000)).toBeUndefined()
    }
    expect(fast.positions()).toEqual(exact.positions())
  })
})

describe("representation of a position", () => {
  const terms = (id: string): PositionState.Terms => {
    const s = specOf(id)
    const inverse = s.kind !== "OPTION" && s.contractType === "INVERSE"
    return {
      valuation: inverse ? "INVERSE" : "LINEAR",
      contractSize: s.contractSize,
      unitContract: Decimal.equals(s.contractSize, Decimal.one),
      numeric: !inverse,
      csUnits: Number(s.contractSize.units),
      csBig: s.contractSize.units,
      csScale: s.contractSize.scale,
      qScale: s.lotSize.scale,
      pScale: s.tickSize.scale
    }
  }
  const pair = (id: string) => {
    const t = terms(id)
    return [new PositionState.PositionState(strategy("a"), t, 0, false), new PositionState.PositionState(strategy("a"), t, 0, true)] as const
  }
  const same = (a: PositionState.PositionState, b: PositionState.PositionState) => {
    expect(PositionState.quantityOf(a)).toEqual(PositionState.quantityOf(b))
    expect(PositionState.basisOf(a)).toEqual(PositionState.basisOf(b))
    expect(PositionState.realizedOf(a)).toEqual(PositionState.realizedOf(b))
    for (const c of b.fees.keys()) expect(PositionState.feeIn(a, c)).toEqual(PositionState.feeIn(b, c))
    expect([...a.fees.keys()]).toEqual([...b.fees.keys()])
  }

  it("keeps a linear position in numbers while exact, in bigints after an inexact release, and back in numbers when flat", () => {
    const [fast, exact] = pair(BINANCE_PERP)
    const step = (f: Fill.Fill, mode: PositionState.Mode) => {
      PositionState.applyFill(fast, f)
      PositionState.applyFill(exact, f)
      expect(fast.mode).toBe(mode)
      expect(exact.mode).toBe(PositionState.DECIMALS)
      same(fast, exact)
    }
    step(fill(BINANCE_PERP, "BUY", "3", "100.01", { fee: "0.3" }), PositionState.NUMBERS)
    step(fill(BINANCE_PERP, "SELL", "1", "101", { fee: "0.1" }), PositionState.NUMBERS) // releases 100.01: whole units
    step(fill(BINANCE_PERP, "BUY", "1", "100", { fee: "0.07" }), PositionState.NUMBERS)
    step(fill(BINANCE_PERP, "SELL", "1", "101", { fee: "0.07" }), PositionState.BIGINTS) // releases 300.02 / 3
    expect(str(PositionState.basisOf(fast))).toBe("200.013333333333333333")
    step(fill(BINANCE_PERP, "BUY", "0.3", "99", { fee: "0.03" }), PositionState.BIGINTS)
    step(fill(BINANCE_PERP, "SELL", "2.3", "98.5"), PositionState.NUMBERS) // flat
    step(fill(BINANCE_PERP, "BUY", "2.5", "97"), PositionState.NUMBERS)
    step(fill(BINANCE_PERP, "BUY", "99999999999", "99999"), PositionState.BIGINTS) // beyond 2^53 value units
    step(fill(BINANCE_PERP, "SELL", "100000000001.5", "99998"), PositionState.NUMBERS) // flat
    step(fill(BINANCE_PERP, "BUY", "1", "100"), PositionState.NUMBERS)
    // A fill that numbers cannot hold and that leaves the position flat: bigints for it, then numbers again.
    step(fill(BINANCE_PERP, "SELL", "1", "99999999999999.9"), PositionState.NUMBERS)
    step(fill(BINANCE_PERP, "BUY", "0.5", "100"), PositionState.NUMBERS)
  })

  it("widens its units for a finer fill while flat, and moves to bigints for one while open", () => {
    const [fast, exact] = pair(OKX_PERP)
    const step = (f: Fill.Fill, mode: PositionState.Mode) => {
      PositionState.applyFill(fast, f)
      PositionState.applyFill(exact, f)
      expect(fast.mode).toBe(mode)
      same(fast, exact)
    }
    step(fill(OKX_PERP, "BUY", "0.00001", "60000.123"), PositionState.NUMBERS)
    expect(fast.qs).toBe(5)
    step(fill(OKX_PERP, "BUY", "1", "60000.1234"), PositionState.BIGINTS)
  })

  it("keeps inverse positions in bigints", () => {
    const [fast, exact] = pair(DERIBIT_PERP)
    for (const f of [fill(DERIBIT_PERP, "BUY", "100", "40000"), fill(DERIBIT_PERP, "SELL", "100", "50000")]) {
      PositionState.applyFill(fast, f)
      PositionState.applyFill(exact, f)
      expect(fast.mode).toBe(PositionState.BIGINTS)
      same(fast, exact)
    }
    // 1000/40000 - 1000/50000
    expect(str(PositionState.realizedOf(fast))).toBe("0.005")
  })

  it("falls back to decimals for scales Decimal cannot read back, with the same figures", () => {
    const [fast, exact] = pair(BINANCE_PERP)
    const tiny = Decimal.mul(Decimal.fromScaled(1n, 96), Decimal.fromScaled(3n, 5)) // 3e-101
    for (const f of [fill(BINANCE_PERP, "BUY", "1", "100"), { ...fill(BINANCE_PERP, "BUY", "1", "100"), quantity: tiny }]) {
      PositionState.applyFill(fast, f)
      PositionState.applyFill(exact, f)
      same(fast, exact)
    }
    expect(fast.mode).toBe(PositionState.DECIMALS)
  })

  it("sums fees in numbers per currency and folds them exactly on a change of currency, scale or range", () => {
    const [fast, exact] = pair(BINANCE_PERP)
    const fees: ReadonlyArray<[string, string]> = [
      ["0.1", "USDT"],
      ["0.25", "USDT"],
      ["0.000001", "BNB"],
      ["-0.5", "USDT"],
      ["0.000000000001", "USDT"],
      ["9007199254.740993", "USDT"],
      ["0", "ETH"]
    ]
    for (const [fee, feeCurrency] of fees) {
      const f = fill(BINANCE_PERP, "BUY", "0.001", "100", { fee, feeCurrency })
      PositionState.applyFill(fast, f)
      PositionState.applyFill(exact, f)
      same(fast, exact)
    }
    expect(str(PositionState.feeIn(fast, "USDT"))).toBe("9007199254.590993000001")
    expect(str(PositionState.feeIn(fast, "ETH"))).toBe("0")
  })

  it("adds a fee of the pending currency with at most the pending decimals in numbers, and one that would be inexact in the table", () => {
    const [fast, exact] = pair(BINANCE_PERP)
    const fees: ReadonlyArray<[string, string]> = [
      ["0.000123", "USDT"], // sets the pending decimals (6)
      ["0.5", "USDT"], // fewer decimals: widened to 6
      ["0.000001", "USDT"], // the same decimals
      ["-2", "USDT"], // a rebate, no decimals
      ["9007199254740", "USDT"], // widened to 6 decimals beyond 2^53: to the table
      ["0.1", "USDT"],
      ["9007199254.740991", "USDT"], // the sum beyond 2^53: to the table
      ["0.0000001", "USDT"], // more decimals: the pending sum widens
      ["0.02", "USDT"]
    ]
    for (const [fee, feeCurrency] of fees) {
      const f = fill(BINANCE_PERP, "BUY", "0.001", "100", { fee, feeCurrency })
      PositionState.applyFill(fast, f)
      PositionState.applyFill(exact, f)
      same(fast, exact)
    }
    expect(str(PositionState.feeIn(fast, "USDT"))).toBe("9016206453993.3611151")
  })
})
