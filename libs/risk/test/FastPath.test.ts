/**
 * The number-domain fast path (internal/fixed.ts, the book's number mode, the fast path of the
 * engine's `check`) against exact bigint references:
 * - the primitives against bigint arithmetic, at and around the 2^50 / 2^52 / 2^53 bounds;
 * - the book against the frozen all-bigint book (test/reference), and the engine over it
 *   against the engine over that reference book (which takes the unchanged bigint
 *   evaluation: only an InMemoryRiskBook gets the fast path), driven by the same random events, with values chosen around the bounds where the
 *   numbers stop being exact, so both the fast path and every fallback are exercised;
 * - the engine over the book (fast path) against the same engine over a plain RiskBook
 *   view of the same book (bigint path only).
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { Decimal, InstrumentSpec } from "@odum/domain"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import * as Schema from "effect/Schema"
import { fastBooks } from "../src/internal/book.js"
import { Acc, accLimit36, B10, F, FS, LIM, mul, sumWithin, unitsAt, VLIM, withinTimes, WLIM } from "../src/internal/fixed.js"
import * as InMemoryRiskBook from "../src/InMemoryRiskBook.js"
import * as PreTradeRisk from "../src/PreTradeRisk.js"
import type * as RiskBook from "../src/RiskBook.js"
import { emptyCell } from "../src/RiskBook.js"
import * as RefBook from "./reference/ReferenceInMemoryRiskBook.js"
import { D, INV, invSpec, PERP, perpSpec, SPOT, spotSpec } from "./fixtures.js"

const E36 = 10n ** 36n
const floorDiv = (x: bigint, d: bigint): bigint => {
  const q = x / d
  return x < 0n && q * d !== x ? q - 1n : q
}
const accValue = (a: Acc): bigint => a.toBig36()

// ---------------------------------------------------------------------------------------
// Primitives
// ---------------------------------------------------------------------------------------

describe("number-domain primitives", () => {
  it("the bounds and scales written out as literals on the hot path are their constants' values, and no other", () => {
    // fixed.ts, the book and the pre-trade check write LIM, VLIM, WLIM, F and FS as literals (a
    // bundled module constant is a var V8 neither folds nor types): a constant that changes, or
    // a literal mistyped, fails here.
    expect([LIM, WLIM, VLIM, F, FS]).toEqual([1125899906842624, 2251799813685248, 4503599627370496, 12, 1e12])
    const allowed = new Set([String(LIM), String(WLIM), String(VLIM)])
    for (const file of ["internal/fixed.ts", "InMemoryRiskBook.ts", "PreTradeRisk.ts"]) {
      const text = readFileSync(new URL(`../src/${file}`, import.meta.url), "utf8")
      for (const big of text.match(/\b\d{15,}\b/g) ?? []) expect(allowed, `${file}: ${big}`).toContain(big)
    }
  })

  it("unitsAt is exact up to 2^50 and refuses (NaN) anything beyond, or with more places", () => {
    const at = (units: bigint, dscale: number, scale: number) => unitsAt(Decimal.fromScaled(units, dscale), scale)
    expect(at(2n ** 50n, 0, 0)).toBe(2 ** 50)
    expect(at(-(2n ** 50n), 0, 0)).toBe(-(2 ** 50))
    expect(at(2n ** 50n + 1n, 0, 0)).toBeNaN()
    expect(at(2n ** 53n + 1n, 0, 0)).toBeNaN()
    expect(at(2n ** 64n, 0, 0)).toBeNaN()
    // 112589990684262.4 at 1 place is 2^50 units; one unit more is not.
    expect(at(1125899906842624n, 1, 1)).toBe(2 ** 50)
    expect(at(1125899906842625n, 1, 2)).toBeNaN()
    expect(at(15n, 3, 2)).toBeNaN()
    expect(at(15n, 2, 5)).toBe(15_000)
    // Scaled up past 2^50 (a 2^49 coefficient at one more place) is refused too.
    expect(at(2n ** 49n, 0, 1)).toBeNaN()
    // A Decimal without a number form (made by another copy of the domain library) takes the bigint path.
    expect(unitsAt({ scale: 0 } as unknown as Decimal.Decimal, 0)).toBeNaN()
  })

  it("mul keeps products within 2^52 and refuses the rest", () => {
    expect(mul(2 ** 26, 2 ** 26)).toBe(2 ** 52)
    expect(mul(2 ** 26 + 1, 2 ** 26)).toBeNaN()
    expect(mul(-(2 ** 26), 2 ** 26)).toBe(-(2 ** 52))
    expect(mul(NaN, 1)).toBeNaN()
    // 94906267^2 > 2^53 is rounded by floating point; it must not come back as a number.
    expect(mul(94906267, 94906267)).toBeNaN()
  })

  const addend = fc.oneof(
    fc.record({ kind: fc.constant("n" as const), scale: fc.integer({ min: 0, max: F }), v: fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.constantFrom(2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 52, 2 ** 51 - 1, -(2 ** 51), 999_999_999_999, 1)) }),
    fc.record({
      kind: fc.constant("b" as const),
      x: fc.oneof(
        fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
        fc.bigInt({ min: -(10n ** 52n), max: 10n ** 52n }).map((x) => x * 10n ** 24n),
        fc.constantFrom(1n, -1n, 10n ** 24n, (2n ** 51n) * E36, (2n ** 51n + 1n) * E36, -(2n ** 51n) * E36 - 1n)
      )
    }),
    fc.record({ kind: fc.constant("set" as const), x: fc.bigInt({ min: -(10n ** 54n), max: 10n ** 54n }) })
  )

  it("an Acc's edges: the carry into the whole part, the whole part's bound 2^51 and the addend's bound 2^52 (literals in addN)", () => {
    const acc = new Acc()
    acc.addN(2 ** 51 - 1, 0)
    acc.addN(999_999_999_999, 12)
    expect([acc.w, acc.f, acc.slow, acc.huge]).toEqual([2 ** 51 - 1, 999_999_999_999, false, false])
    acc.addN(1, 12)
    expect([acc.w, acc.f, acc.slow, acc.huge]).toEqual([2 ** 51, 0, false, false])
    acc.addN(1, 0)
    expect(acc.huge).toBe(true)
    expect(acc.toBig36()).toBe((2n ** 51n + 1n) * E36)
    const neg = new Acc()
    neg.addN(-(2 ** 51), 0)
    expect([neg.w, neg.f, neg.huge]).toEqual([-(2 ** 51), 0, false])
    neg.addN(-1, 12)
    expect(neg.huge).toBe(true)
    expect(neg.toBig36()).toBe(-(2n ** 51n) * E36 - 10n ** 24n)
    const wide = new Acc()
    wide.addN(2 ** 52 + 2, 12)
    expect([wide.w, wide.f, wide.slow, wide.huge]).toEqual([4503, 599_627_370_498, false, false])
    expect(wide.toBig36()).toBe((2n ** 52n + 2n) * 10n ** 24n)
  })

  it("property: an Acc is the exact sum, and its floor and ceiling bound it at 12 places", () => {
    fc.assert(
      fc.property(fc.array(addend, { maxLength: 40 }), (ops) => {
        const acc = new Acc()
        let model = 0n
        for (const op of ops) {
          if (op.kind === "n") {
            acc.addN(op.v, op.scale)
            model += BigInt(op.v) * 10n ** BigInt(36 - op.scale)
          } else if (op.kind === "b") {
            acc.addB(op.x)
            model += op.x
          } else {
            acc.assignB(op.x)
            model = op.x
          }
          expect(accValue(acc)).toBe(model)
          const floor = floorDiv(model, 10n ** 24n)
          const fits = floor >= -(2n ** 51n) * 10n ** 12n && floor < (2n ** 51n + 1n) * 10n ** 12n
          if (!acc.huge) {
            expect(BigInt(acc.w) * 10n ** 12n + BigInt(acc.f)).toBe(floor)
            expect(acc.f >= 0 && acc.f < 1e12).toBe(true)
            expect(acc.ix).toBe(floor * 10n ** 24n === model ? 0 : 1)
          } else expect(fits && floor * 10n ** 24n === model).toBe(false)
          expect(acc.slow).toBe(acc.huge || acc.ix === 1)
        }
      }),
      { numRuns: 300 }
    )
  })

  const accArb = fc.oneof(
    fc.bigInt({ min: -(10n ** 50n), max: 10n ** 50n }),
    fc.bigInt({ min: -(10n ** 28n), max: 10n ** 28n }).map((x) => x * 10n ** 24n),
    fc.constantFrom(0n, (2n ** 51n) * E36, (2n ** 51n) * E36 - 1n, -(2n ** 51n) * E36 + 1n, 1n)
  )
  const small = fc.oneof(fc.integer({ min: 0, max: 1e9 }), fc.constantFrom(0, 1, 2 ** 52, 2 ** 52 - 1, 999_999_999_999))
  const scaleArb = fc.integer({ min: 0, max: F })
  const at36 = (v: number, scale: number): bigint => BigInt(v) * 10n ** BigInt(36 - scale)

  it("property: comparisons never prove a false result, and are exact for sums held in numbers", () => {
    fc.assert(
      fc.property(accArb, accArb, small, scaleArb, accArb, fc.boolean(), fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 2 ** 33 })), (x, y, v, scale, l, neg, m) => {
        const a = new Acc()
        a.assignB(x)
        const b = new Acc()
        b.assignB(y)
        const limit36 = l < 0n ? -l : l
        const limit = accLimit36(limit36)
        const exactA = !a.slow
        const exactAB = !a.slow && !b.slow
        if (!a.huge) {
          // plusExceeds: false only when a + v <= limit.
          const over = x + at36(v, scale) > limit36
          if (!a.plusExceeds(v, scale, limit)) expect(over).toBe(false)
          if (exactA) expect(a.plusExceeds(v, scale, limit)).toBe(over)
          // covers: true only when a >= v.
          const covered = x >= at36(v, scale)
          if (a.covers(v, scale)) expect(covered).toBe(true)
          if (exactA) expect(a.covers(v, scale)).toBe(covered)
          // withinTimes: true only when v <= a * m (m = 1, no leverage, drawn half the time).
          const within = at36(v, scale) <= x * BigInt(m)
          if (withinTimes(v, scale, a, m)) expect(within).toBe(true)
          if (exactA && m <= 2 ** 32 && Math.abs(a.w * m) <= VLIM) expect(withinTimes(v, scale, a, m)).toBe(within)
        }
        if (!a.huge && !b.huge) {
          const total = (neg ? -x : x) + y + at36(v, scale)
          if (sumWithin(a, neg, b, v, scale, limit)) expect(total <= limit36).toBe(true)
          if (exactAB) expect(sumWithin(a, neg, b, v, scale, limit)).toBe(total <= limit36)
        }
      }),
      { numRuns: 2000 }
    )
  })

  it("covers: the shortcut without a split (v <= w * 10^scale) and the split agree at their boundaries", () => {
    const acc = (x36: bigint): Acc => {
      const a = new Acc()
      a.assignB(x36)
      return a
    }
    for (let scale = 0; scale <= F; scale++) {
      const unit = 10 ** scale
      // Exactly 5: 5 * 10^scale units is covered, one unit more is not.
      const five = acc(5n * E36)
      expect(five.covers(5 * unit, scale)).toBe(true)
      expect(five.covers(5 * unit + 1, scale)).toBe(false)
      expect(five.covers(0, scale)).toBe(true)
      // 5 and 10^-12: past the whole part, only the fraction decides (the split).
      const fiveAndABit = acc(5n * E36 + 10n ** 24n)
      expect(fiveAndABit.covers(5 * unit + (scale === F ? 1 : 0), scale)).toBe(true)
      expect(fiveAndABit.covers(5 * unit + 1 + (scale === F ? 1 : 0), scale)).toBe(false)
      // A negative sum covers nothing, not even 0 (its whole part is -1).
      expect(acc(-(E36 / 2n)).covers(0, scale)).toBe(false)
      expect(acc(-(E36 / 2n)).covers(1, scale)).toBe(false)
      // A slow sum by its floor: 5 + 10^-30 covers 5, not 5 + 10^-12.
      const slow = acc(5n * E36 + 10n ** 6n)
      expect(slow.slow).toBe(true)
      expect(slow.covers(5 * unit, scale)).toBe(true)
      expect(slow.covers(5 * unit + 1, scale)).toBe(false)
    }
    // A whole part whose product with 10^scale is past VLIM (maybe inexact): the split decides.
    const big = acc(2n ** 51n * E36)
    expect(big.covers(2 ** 51, 0)).toBe(true)
    expect(big.covers(2 ** 51 + 1, 0)).toBe(false)
    expect(big.covers(2 ** 52, 1)).toBe(true)
    expect(big.covers(2 ** 52, 12)).toBe(true)
    const justUnder = acc((2n ** 51n - 1n) * E36)
    expect(justUnder.covers(2 ** 52, 1)).toBe(true)
    expect(justUnder.covers(2 ** 51 - 1, 0)).toBe(true)
    expect(justUnder.covers(2 ** 51, 0)).toBe(false)
    const tiny = acc(3n * E36)
    expect(tiny.covers(2 ** 52, 0)).toBe(false)
    expect(tiny.covers(3_000_000_000_000, 12)).toBe(true)
    expect(tiny.covers(3_000_000_000_001, 12)).toBe(false)
  })

  it("a limit's whole part beyond 2^51 is never exceeded by a number sum, and one just inside is", () => {
    const a = new Acc()
    a.assignB((2n ** 51n) * E36)
    expect(a.slow).toBe(false)
    expect(a.plusExceeds(1, 0, accLimit36((2n ** 51n) * E36))).toBe(true)
    expect(a.plusExceeds(0, 0, accLimit36((2n ** 51n) * E36))).toBe(false)
    expect(a.plusExceeds(2 ** 52, 0, accLimit36((2n ** 60n) * E36))).toBe(false)
    // 1e-12 over the limit is seen; less than that cannot be held by a number sum.
    expect(a.plusExceeds(1, 12, accLimit36((2n ** 51n) * E36))).toBe(true)
    expect(a.plusExceeds(1, 12, accLimit36((2n ** 51n) * E36 + 10n ** 24n))).toBe(false)
  })

  it("LIM leaves room for the sums the engine forms without checks", () => {
    expect(3 * LIM + 1 < Number.MAX_SAFE_INTEGER).toBe(true)
    expect(2 * VLIM <= 2 ** 53).toBe(true)
    expect(B10[36]).toBe(E36)
  })
})

// ---------------------------------------------------------------------------------------
// Book and engine against the frozen bigint implementation
// ---------------------------------------------------------------------------------------

const decodeSpec = Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)
const base = { makerFee: "0", takerFee: "0", minQuantity: "0" }

/** Lot 1, tick 1: quantities are whole units, so values near 2^50..2^53 are reachable. */
const BIG = "BIGV:SPOT_PAIR:BIG-USDT"
const bigSpec = decodeSpec({ ...base, canonicalId: BIG, venue: "BIGV", baseAsset: "BIG", quoteAsset: "USDT", settlementAsset: "USDT", kind: "SPOT", tickSize: "1", lotSize: "1", contractSize: "1", contractType: "LINEAR" })
/** Fractional contract size: value = q * 0.01 * price. */
const FRAC = "FRACV:PERPETUAL:ETH-USDT"
const fracSpec = decodeSpec({ ...base, canonicalId: FRAC, venue: "FRACV", baseAsset: "ETH", quoteAsset: "USDT", settlementAsset: "USDT", kind: "PERPETUAL", tickSize: "0.05", lotSize: "1", contractSize: "0.01", contractType: "LINEAR", minNotional: "1" })
/** Small steps: the product of a quantity and a price has 11 places, so values overflow the numbers early. */
const MICRO = "MICV:SPOT_PAIR:MIC-USDT"
const microSpec = decodeSpec({ ...base, canonicalId: MICRO, venue: "MICV", baseAsset: "MIC", quoteAsset: "USDT", settlementAsset: "USDT", kind: "SPOT", tickSize: "0.0001", lotSize: "0.000001", contractSize: "1", contractType: "LINEAR" })
/** Steps too fine for the number domain at all (values at 15 places): always bigints. */
const FINE = "FINEV:SPOT_PAIR:BTC-USDT"
const fineSpec = decodeSpec({ ...base, canonicalId: FINE, venue: "FINEV", baseAsset: "BTC", quoteAsset: "USDT", settlementAsset: "USDT", kind: "SPOT", tickSize: "0.01", lotSize: "0.000000000001", contractSize: "1", contractType: "LINEAR" })
const OPT = "DERIBIT:OPTION:BTC-USD-100000-20301231-C"
const optSpec = decodeSpec({ ...base, canonicalId: OPT, venue: "DERIBIT", baseAsset: "BTC", quoteAsset: "USD", settlementAsset: "BTC", kind: "OPTION", tickSize: "0.0005", lotSize: "0.1", contractSize: "1", contractType: "LINEAR", expiry: 1924905600000, strike: "100000", right: "CALL" })

const SPECS = [spotSpec, perpSpec, invSpec, bigSpec, fracSpec, microSpec, fineSpec, optSpec]
const IDS = SPECS.map((s) => s.canonicalId)
const VENUES = [...new Set(SPECS.map((s) => s.venue as string))]
const ASSETS = ["BTC", "USDT", "USD", "BIG", "ETH", "MIC"]
const STRATEGIES = ["s1", "s2", "s3"]

/** Respecified listings: a finer lot and tick (rescales every number), or a coarser one (may not fit). */
const RESPECS = [
  { ...perpSpec, lotSize: D("0.0001"), tickSize: D("0.01") },
  { ...perpSpec, minQuantity: D("0.01") },
  { ...bigSpec, lotSize: D("0.5") },
  { ...spotSpec, tickSize: D("0.000000000001") }
]

const QUANTITIES = [
  "0.001", "0.5", "1", "2", "7", "20", "0.00001", "0.05", "0.1", "3.5",
  "123.456789", "0.000000000000000003", "30000", "10000",
  "1125899906842623", "1125899906842624", "1125899906842625", "562949953421312", "562949953421313", "281474976710656",
  "4503599627370495", "9007199254740993"
]
const PRICES = [
  undefined, "100000", "99999.5", "100000.005", "100000.001", "100500", "0.5", "1", "3", "4",
  "2500.05", "1125899906842624", "4503599627370496", "0.0005", "0.000000000000000001", "112589990684262.4"
]
const REF_PRICES = ["100000", "99999.5", "50000.05", "1", "2", "4", "2500.05", "0.0505", "1125899906842624", "0.000000000000000001", "100000.0000001"]
const BALANCES = ["100000000", "1000", "0", "0.5", "-5", "2251799813685247.5", "2251799813685248", "9007199254740993", "0.000000000000000001", "1125899906842624", "2000000000000000"]
const POSITIONS = ["-3", "0", "2", "11", "0.0000001", "1125899906842624", "-1125899906842625", "562949953421312", "-562949953421313", "0.25"]

const CONFIGS: ReadonlyArray<unknown> = [
  {},
  {
    velocity: { perSecond: 4, perMinute: 20 },
    maxGrossExposure: "900000",
    assets: { BTC: { maxPosition: "6" }, BIG: { maxPosition: "1125899906842624" } },
    defaults: { maxQuantity: "3", minNotional: "10", priceToleranceBps: 100, leverage: "5" },
    instruments: { [INV]: { minNotional: "0.0001", maxPosition: "400000" }, [BIG]: { maxQuantity: "9007199254740993", minNotional: "0" } },
    defaultStrategy: { velocity: { perSecond: 2, perMinute: 8 }, defaults: { maxPosition: "2.5" } },
    strategies: { s3: { tradingState: "REDUCING" } }
  },
  {
    maxGrossExposure: "4503599627370496",
    assets: { BIG: { maxPosition: "1125899906842624" }, BTC: { maxPosition: "2251799813685248" }, ETH: { maxPosition: "10.5" } },
    defaults: { leverage: "12.345", maxPosition: "1125899906842625", maxNotional: "4503599627370496" },
    instruments: { [INV]: { minNotional: "0.000000000000000001", maxNotional: "2251799813685248" } },
    strategies: { s1: { maxGrossExposure: "1125899906842624.5" }, s2: { maxGrossExposure: "100000.000000000001" } }
  },
  {
    maxGrossExposure: "1000000000000000000000",
    assets: { BTC: { maxPosition: "0.00000000000000001" } },
    defaults: { leverage: "0.5", priceToleranceBps: 0, minQuantity: "0.000000000000000001" },
    defaultStrategy: { maxGrossExposure: "250000" },
    strategies: { s2: { tradingState: "HALTED" } }
  },
  {
    defaults: { priceToleranceBps: 9_007_199_254_740_991, leverage: "0.000000000000000001", minNotional: "0.000000000000000001" },
    assets: { MIC: { maxPosition: "45035996.273704" } },
    instruments: { [MICRO]: { maxNotional: "45035.996273704" } }
  },
  {
    // Limits between 2^50 and 2^53 units, reached by positions and open orders that each stay within 2^50.
    maxGrossExposure: "3377699720527873",
    assets: { BIG: { maxPosition: "2251799813685249" } },
    defaults: { maxPosition: "2251799813685249", checkBalance: false },
    defaultStrategy: { defaults: { maxPosition: "1688849860263937" }, maxGrossExposure: "4503599627370495" }
  }
]

const event = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("accept" as const), strategy: fc.constantFrom(...STRATEGIES), id: fc.constantFrom(...IDS), buy: fc.boolean(), quantity: fc.constantFrom(...QUANTITIES), price: fc.constantFrom(...PRICES), filled: fc.constantFrom(undefined, undefined, undefined, "0", "0.5", "1") }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("fill" as const), pick: fc.nat(), fraction: fc.constantFrom(1n, 2n, 3n, 7n), price: fc.constantFrom(undefined, "100000", "99999.5", "3", "2500.05", "100000.0000001", "1125899906842624") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("external" as const), strategy: fc.constantFrom(...STRATEGIES), id: fc.constantFrom(...IDS), buy: fc.boolean(), quantity: fc.constantFrom(...QUANTITIES), price: fc.constantFrom("100000", "3", "0.5") }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("done" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("ref" as const), id: fc.constantFrom(...IDS), price: fc.constantFrom(...REF_PRICES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("position" as const), strategy: fc.constantFrom(...STRATEGIES), id: fc.constantFrom(...IDS), quantity: fc.constantFrom(...POSITIONS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("balance" as const), venue: fc.constantFrom(...VENUES), asset: fc.constantFrom(...ASSETS), amount: fc.constantFrom(...BALANCES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("respec" as const), pick: fc.nat() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("check" as const),
      strategy: fc.constantFrom(...STRATEGIES),
      id: fc.constantFrom(...IDS),
      buy: fc.boolean(),
      quantity: fc.constantFrom(...QUANTITIES),
      price: fc.constantFrom(...PRICES),
      reduceOnly: fc.constantFrom(false, false, true),
      dt: fc.integer({ min: 0, max: 400 })
    })
  }
)

type Bookish = Pick<InMemoryRiskBook.InMemoryRiskBook, keyof RiskBook.RiskBook>

/** Everything the books expose, as plain data. */
const snapshot = (b: Bookish) => {
  const cell = (c: RiskBook.ExposureCell | undefined) => {
    const x = c ?? emptyCell
    return [x.position, x.openBuy, x.openSell]
  }
  const out: Record<string, unknown> = { gross: b.grossExposure() }
  for (const id of IDS) {
    const i = b.instrument(id)
    out[id] = i === undefined ? undefined : [...cell(i), i.referencePrice]
    for (const s of STRATEGIES) out[`${s} ${id}`] = cell(b.strategyInstrument(s, id))
  }
  for (const s of STRATEGIES) out[`gross ${s}`] = b.strategyGrossExposure(s)
  for (const a of ASSETS) {
    out[`asset ${a}`] = cell(b.asset(a))
    for (const v of VENUES) out[`${v} ${a}`] = b.available(v, a)
  }
  return out
}

/** A plain RiskBook view: the engine over it cannot take the fast path. */
const plainView = (b: RiskBook.RiskBook): RiskBook.RiskBook => ({
  instrument: (id) => b.instrument(id),
  strategyInstrument: (s, id) => b.strategyInstrument(s, id),
  asset: (a) => b.asset(a),
  grossExposure: () => b.grossExposure(),
  strategyGrossExposure: (s) => b.strategyGrossExposure(s),
  available: (v, a) => b.available(v, a)
})

const errorOf = (e: { reason: string; message: string } | undefined) => (e === undefined ? undefined : [e.reason, e.message])
const outcomeOf = (d: { allowed: boolean; reason?: string }) => (d.allowed ? "ALLOW" : d.reason)
const decisionOf = (d: { allowed: boolean; reason?: string; message?: string }) => (d.allowed ? "ALLOW" : `${d.reason}: ${d.message}`)

describe("fast path against the exact bigint implementation", () => {
  // `readBetween` false: the aggregates are read only at the end, so the checks in between
  // meet sums the book has not been asked for since the events that moved them (the book
  // brings them up to date when a check or a read needs them: BookState.stale).
  it("property: same aggregates, same update errors and same decisions (with messages) as the frozen bigint book and engine", () => {
    let fastAllowed = 0
    let checks = 0
    fc.assert(
      fc.property(fc.nat({ max: CONFIGS.length - 1 }), fc.array(event, { maxLength: 60 }), fc.boolean(), (ci, events, readBetween) => {
        const book = InMemoryRiskBook.make()
        const ref = RefBook.make()
        for (const b of [book, ref]) {
          for (const s of SPECS) {
            b.addSpec(s)
            b.setReferencePrice(s.canonicalId, D(s === bigSpec ? "3" : s === optSpec ? "0.05" : "100000"))
          }
          for (const v of VENUES) for (const a of ASSETS) b.setBalance(v, a, D("100000000"))
        }
        const config = CONFIGS[ci]
        const fast = Either.getOrThrow(PreTradeRisk.make({ book, config }))
        const slow = Either.getOrThrow(PreTradeRisk.make({ book: plainView(book), config }))
        const exact = Either.getOrThrow(PreTradeRisk.make({ book: ref, config }))
        const open: Array<{ op: string; id: string; buy: boolean; strategy: string; remaining: bigint; qd: Decimal.Decimal | undefined }> = []
        // One object per quantity text, as a strategy sends one quantity object order after
        // order (and a venue fills a whole order with it): the book remembers the last one's
        // units per instrument (Instrument.qtyUnits), across checks, orders, fills and respecs.
        const quantities = new Map<string, Decimal.Decimal>()
        const Q = (text: string): Decimal.Decimal => {
          let d = quantities.get(text)
          if (d === undefined) quantities.set(text, (d = D(text)))
          return d
        }
        let n = 0
        let now = 1_000
        for (const e of events) {
          if (e.kind === "check") {
            now += e.dt
            const order: PreTradeRisk.RiskOrder = {
              strategyId: e.strategy,
              canonicalId: e.id,
              side: e.buy ? "BUY" : "SELL",
              type: e.price === undefined ? "MARKET" : "LIMIT",
              quantity: Q(e.quantity),
              ...(e.price === undefined ? {} : { price: D(e.price) }),
              reduceOnly: e.reduceOnly
            }
            const want = decisionOf(exact.check(order, now))
            expect(decisionOf(fast.check(order, now))).toBe(want)
            expect(decisionOf(slow.check(order, now))).toBe(want)
            checks++
            if (want === "ALLOW") fastAllowed++
            continue
          }
          let results: Array<unknown>
          if (e.kind === "accept") {
            const o = {
              operationId: `o${n++}`,
              strategyId: e.strategy,
              canonicalId: e.id,
              side: e.buy ? ("BUY" as const) : ("SELL" as const),
              quantity: Q(e.quantity),
              ...(e.price === undefined ? {} : { price: D(e.price) }),
              ...(e.filled === undefined ? {} : { filledQuantity: D(e.filled) })
            }
            results = [book.onOrderAccepted(o), ref.onOrderAccepted(o)].map(errorOf)
            if (results[1] === undefined) {
              const q = Decimal.toScaled(D(e.quantity), 18) - (e.filled === undefined ? 0n : Decimal.toScaled(D(e.filled), 18))
              open.push({ op: o.operationId, id: e.id, buy: e.buy, strategy: e.strategy, remaining: q, qd: e.filled === undefined ? o.quantity : undefined })
            }
          } else if (e.kind === "fill" || e.kind === "done") {
            if (open.length === 0) continue
            const k = e.pick % open.length
            const o = open[k]!
            if (e.kind === "done") {
              open.splice(k, 1)
              results = [book.onOrderDone(o.op), ref.onOrderDone(o.op)].map(errorOf)
            } else {
              const q = o.remaining / e.fraction
              if (q === 0n) continue
              o.remaining -= q
              // A whole order filled at once: with the order's own quantity object.
              const quantity = e.fraction === 1n && o.qd !== undefined ? o.qd : Decimal.fromScaled(q, 18)
              o.qd = undefined
              const fill = { operationId: o.op, canonicalId: o.id, side: o.buy ? ("BUY" as const) : ("SELL" as const), quantity, price: D(e.price ?? "100000") }
              results = [book.onFill(fill), ref.onFill(fill)].map(errorOf)
            }
          } else if (e.kind === "external") {
            const fill = { operationId: `x${n++}`, canonicalId: e.id, side: e.buy ? ("BUY" as const) : ("SELL" as const), quantity: Q(e.quantity), price: D(e.price) }
            results = [book.onFill(fill, e.strategy), ref.onFill(fill, e.strategy)].map(errorOf)
          } else if (e.kind === "ref") {
            results = [book.setReferencePrice(e.id, D(e.price)), ref.setReferencePrice(e.id, D(e.price))].map(errorOf)
          } else if (e.kind === "position") {
            results = [book.setPosition(e.strategy, e.id, D(e.quantity)), ref.setPosition(e.strategy, e.id, D(e.quantity))].map(errorOf)
          } else if (e.kind === "balance") {
            results = [book.setBalance(e.venue, e.asset, D(e.amount)), ref.setBalance(e.venue, e.asset, D(e.amount))].map(errorOf)
          } else {
            const s = RESPECS[e.pick % RESPECS.length]!
            book.addSpec(s)
            ref.addSpec(s)
            results = []
          }
          expect(results[0]).toEqual(results[1])
          if (readBetween) expect(snapshot(book)).toEqual(snapshot(ref))
        }
        expect(snapshot(book)).toEqual(snapshot(ref))
      }),
      { numRuns: Number(process.env["FASTPATH_RUNS"] ?? 400) }
    )
    // The generator must reach the allow path often enough for the comparison to mean something.
    expect(fastAllowed).toBeGreaterThan(checks / 20)
  }, 600_000)

  it("property: the fast path allows exactly the orders the bigint path allows, on books with typical values", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            strategy: fc.constantFrom(...STRATEGIES),
            id: fc.constantFrom(SPOT, PERP, INV),
            buy: fc.boolean(),
            quantity: fc.constantFrom("0.001", "0.01", "0.5", "1", "2", "10", "100", "5000", "10000"),
            price: fc.constantFrom(undefined, "100000", "99000", "101000", "100000.5", "99999.9"),
            reduceOnly: fc.constantFrom(false, false, true),
            dt: fc.integer({ min: 0, max: 50 }),
            accept: fc.boolean()
          }),
          { maxLength: 80 }
        ),
        fc.constantFrom(...CONFIGS.slice(0, 3)),
        (steps, config) => {
          const book = InMemoryRiskBook.make()
          for (const s of [spotSpec, perpSpec, invSpec]) {
            book.addSpec(s)
            book.setReferencePrice(s.canonicalId, D("100000"))
          }
          book.setBalance("BINANCE-SPOT", "USDT", D("150000"))
          book.setBalance("BINANCE-SPOT", "BTC", D("2.5"))
          book.setBalance("BINANCE-FUTURES", "USDT", D("30000.123456789012"))
          book.setBalance("DERIBIT", "BTC", D("0.75"))
          const fast = Either.getOrThrow(PreTradeRisk.make({ book, config }))
          const slow = Either.getOrThrow(PreTradeRisk.make({ book: plainView(book), config }))
          let now = 0
          let n = 0
          for (const s of steps) {
            now += s.dt
            const order: PreTradeRisk.RiskOrder = {
              strategyId: s.strategy,
              canonicalId: s.id,
              side: s.buy ? "BUY" : "SELL",
              type: s.price === undefined ? "MARKET" : "LIMIT",
              quantity: D(s.quantity),
              ...(s.price === undefined ? {} : { price: D(s.price) }),
              reduceOnly: s.reduceOnly
            }
            const d = decisionOf(slow.check(order, now))
            expect(decisionOf(fast.check(order, now))).toBe(d)
            // Allowed orders enter the book (and half of them fill), so limits are approached.
            if (d === "ALLOW" && s.accept) {
              const op = `a${n++}`
              book.onOrderAccepted({ operationId: op, strategyId: s.strategy, canonicalId: s.id, side: order.side, quantity: order.quantity, price: order.price })
              if (n % 2 === 0) {
                book.onFill({ operationId: op, canonicalId: s.id, side: order.side, quantity: order.quantity, price: order.price ?? D("100000") })
                book.onOrderDone(op)
              }
            }
          }
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe("what the fast path keeps between checks", () => {
  // A strategy cell keeps the engine's plan (FastPlan) once the cell and the strategy's state
  // exist, and the instrument keeps the last quantity object's units: each check below runs
  // on a kept plan and a remembered quantity, and must decide as the bigint path does.
  const setup = (config: unknown = {}) => {
    const book = InMemoryRiskBook.make()
    book.addSpec(perpSpec)
    book.setReferencePrice(PERP, D("100000"))
    book.setBalance("BINANCE-FUTURES", "USDT", D("100000000"))
    const fast = Either.getOrThrow(PreTradeRisk.make({ book, config }))
    const slow = Either.getOrThrow(PreTradeRisk.make({ book: plainView(book), config }))
    let n = 0
    let now = 1_000
    /** Checks with both engines (the same order object), expects `want`, and records an allowed order filled. */
    const step = (quantity: Decimal.Decimal, side: "BUY" | "SELL", want: string, reduceOnly = false) => {
      const order: PreTradeRisk.RiskOrder = { strategyId: "s1", canonicalId: PERP, side, type: "MARKET", quantity, reduceOnly }
      now += 1
      const d = decisionOf(slow.check(order, now))
      expect(d.slice(0, want.length)).toBe(want)
      expect(decisionOf(fast.check(order, now))).toBe(d)
      if (d !== "ALLOW") return
      const op = `o${n++}`
      expect(book.onOrderAccepted({ operationId: op, strategyId: "s1", canonicalId: PERP, side, quantity })).toBeUndefined()
      expect(book.onFill({ operationId: op, canonicalId: PERP, side, quantity, price: D("100000") })).toBeUndefined()
      expect(book.onOrderDone(op)).toBeUndefined()
    }
    // The operators' states and configs go to both engines.
    const state = (st: "ACTIVE" | "REDUCING" | "HALTED", strategyId?: string) => {
      for (const e of [slow, fast]) e.setTradingState(st, strategyId)
    }
    const replace = (c: unknown) => {
      for (const e of [slow, fast]) expect(Either.isRight(e.replaceConfig(c))).toBe(true)
    }
    return { book, step, state, replace }
  }

  it("a kept plan follows the operators' trading states", () => {
    const { step, state } = setup()
    const q = D("0.01")
    step(q, "BUY", "ALLOW")
    step(q, "BUY", "ALLOW")
    state("HALTED")
    step(q, "BUY", "TRADING_HALTED")
    state("ACTIVE")
    step(q, "BUY", "ALLOW")
    state("REDUCING", "s1")
    step(q, "BUY", "TRADING_REDUCING")
    step(q, "SELL", "ALLOW")
    state("HALTED", "s1")
    step(q, "SELL", "TRADING_HALTED")
    state("ACTIVE", "s1")
    step(q, "BUY", "ALLOW")
    // Reduce-only on a plan with no limits: decided on the strategy's position (long 0.03).
    step(D("0.05"), "SELL", "REDUCE_ONLY_WOULD_FLIP", true)
    step(q, "SELL", "ALLOW", true)
  })

  it("a kept plan is replaced with the config", () => {
    const { step, replace } = setup()
    const q = D("0.5")
    step(q, "BUY", "ALLOW")
    step(q, "BUY", "ALLOW")
    replace({ defaults: { maxQuantity: "0.25" } })
    step(q, "BUY", "QUANTITY_ABOVE_MAX")
    replace({ defaultStrategy: { defaults: { maxPosition: "1.2" } } })
    step(q, "BUY", "POSITION_LIMIT_STRATEGY")
    step(q, "SELL", "ALLOW")
    // One order per second: the order allowed a millisecond ago counts.
    replace({ velocity: { perSecond: 1 } })
    step(q, "SELL", "VELOCITY_GLOBAL_PER_SECOND")
    replace({})
    step(q, "SELL", "ALLOW")
  })

  it("a respec renews the plan and the remembered quantity: the same quantity object counts at the new lot", () => {
    const { book, step } = setup()
    const q = D("0.005")
    step(q, "BUY", "ALLOW")
    step(q, "BUY", "ALLOW")
    expect(book.instrument(PERP)?.position).toBe(10n ** 16n)
    // A finer lot: 0.005 is 50 units now, not 5.
    book.addSpec({ ...perpSpec, lotSize: D("0.0001"), minQuantity: D("0.0001") })
    step(q, "SELL", "ALLOW")
    expect(book.instrument(PERP)?.position).toBe(5n * 10n ** 15n)
    // The plan's limits are the new spec's: 0.0001 at 100,000 is 10 USDT, below the minimum
    // notional of 100 (which read at the old spec's scale would be 10).
    step(D("0.0001"), "BUY", "NOTIONAL_BELOW_MIN")
    step(D("0.001"), "BUY", "ALLOW")
    // A coarser one: 0.005 is off the lot (as 5 units of 0.01 it would pass).
    book.addSpec({ ...perpSpec, lotSize: D("0.01"), minQuantity: D("0.01") })
    step(q, "SELL", "QUANTITY_OFF_LOT")
    step(D("0.01"), "SELL", "ALLOW")
    expect(book.instrument(PERP)?.position).toBe(-4n * 10n ** 15n)
  })
})

describe("fast path boundaries", () => {
  const setup = (config: unknown, balance = "9007199254740993") => {
    const book = InMemoryRiskBook.make()
    const ref = RefBook.make()
    for (const b of [book, ref]) {
      b.addSpec(bigSpec)
      b.setReferencePrice(BIG, D("1"))
      b.setBalance("BIGV", "USDT", D(balance))
      b.setBalance("BIGV", "BIG", D(balance))
    }
    return {
      book,
      ref,
      fast: Either.getOrThrow(PreTradeRisk.make({ book, config })),
      exact: Either.getOrThrow(PreTradeRisk.make({ book: ref, config }))
    }
  }
  const buy = (quantity: string, price?: string): PreTradeRisk.RiskOrder => ({
    strategyId: "s1",
    canonicalId: BIG,
    side: "BUY",
    type: price === undefined ? "MARKET" : "LIMIT",
    quantity: D(quantity),
    ...(price === undefined ? {} : { price: D(price) })
  })

  it("orders around 2^50 units decide as in bigints, on each side of every bound", () => {
    const { fast, exact } = setup({ defaults: { maxQuantity: "1125899906842624" }, maxGrossExposure: "1125899906842625" })
    for (const q of ["1125899906842623", "1125899906842624", "1125899906842625", "9007199254740991", "9007199254740993"]) {
      for (const p of [undefined, "1", "2"]) {
        expect(decisionOf(fast.check(buy(q, p), 0))).toBe(decisionOf(exact.check(buy(q, p), 0)))
      }
    }
    // At the limit exactly: allowed (limits are inclusive); one unit more: denied.
    expect(decisionOf(fast.check(buy("1125899906842624", "1"), 0))).toBe("ALLOW")
    expect(decisionOf(fast.check(buy("1125899906842625", "1"), 0))).toMatch(/^QUANTITY_ABOVE_MAX/)
  })

  it("position limits beyond 2^50 units hold against position + open orders + order, in the number domain", () => {
    const { book, ref, fast, exact } = setup({ defaultStrategy: { defaults: { maxPosition: "2251799813685249" } }, instruments: { [BIG]: { maxPosition: "2251799813685250" } } }, "2000000000000000")
    for (const b of [book, ref]) {
      b.setPosition("s1", BIG, D("1125899906842624"))
      b.onOrderAccepted({ operationId: "big", strategyId: "s1", canonicalId: BIG, side: "BUY", quantity: D("1125899906842624"), price: D("1") })
    }
    // Every cell is within 2^50 units, so the instrument is still held in numbers: the fast path decides.
    expect(fastBooks.get(book)?.instruments.get(BIG)?.fast).toBe(true)
    const of = (strategyId: string, quantity: string): PreTradeRisk.RiskOrder => ({ ...buy(quantity, "1"), strategyId })
    for (const s of ["s1", "s3"]) {
      for (const q of ["1", "2", "3", "1125899906842624", "1125899906842625"]) {
        expect(decisionOf(fast.check(of(s, q), 0))).toBe(decisionOf(exact.check(of(s, q), 0)))
      }
    }
    // s1 is at 2^51 with its open buy, its limit 2^51 + 1; the instrument has room for 2 more.
    expect(decisionOf(fast.check(of("s1", "1"), 0))).toBe("ALLOW")
    expect(decisionOf(fast.check(of("s1", "2"), 0))).toMatch(/^POSITION_LIMIT_STRATEGY/)
    expect(decisionOf(fast.check(of("s3", "2"), 0))).toBe("ALLOW")
    expect(decisionOf(fast.check(of("s3", "3"), 0))).toMatch(/^POSITION_LIMIT_INSTRUMENT/)
  })

  it("positions and exposures near 2^52 and balances near 2^53 decide as in bigints", () => {
    const { book, ref, fast, exact } = setup({ maxGrossExposure: "4503599627370496", assets: { BIG: { maxPosition: "4503599627370495" } } })
    for (const b of [book, ref]) {
      b.setPosition("s2", BIG, D("1125899906842624"))
      b.setPosition("s3", BIG, D("1125899906842624"))
      b.setReferencePrice(BIG, D("2"))
    }
    expect(book.grossExposure()).toBe(ref.grossExposure())
    for (const q of ["1", "2", "1125899906842623", "1125899906842624", "2251799813685247", "2251799813685248", "2251799813685249"]) {
      for (const p of [undefined, "1", "2", "3"]) {
        expect(decisionOf(fast.check(buy(q, p), 0))).toBe(decisionOf(exact.check(buy(q, p), 0)))
      }
    }
    // The exposure room is exactly 2^52 - 2 * 2^50 * 2 = 0 at price 2: any buy is denied, as in bigints.
    expect(decisionOf(fast.check(buy("1", "2"), 0))).toMatch(/^EXPOSURE_LIMIT/)
  })

  it("an inverse order's base amount is bounded from above: a limit 1e-12 below 10/3 BTC denies it, one above allows it", () => {
    for (const [max, want] of [["3.333333333333", "POSITION_LIMIT_GLOBAL"], ["3.333333333334", "ALLOW"], ["3.3333333333333333", "POSITION_LIMIT_GLOBAL"], ["3.333333333333333334", "ALLOW"]] as const) {
      const book = InMemoryRiskBook.make()
      book.addSpec(invSpec)
      book.setReferencePrice(INV, D("3"))
      book.setBalance("DERIBIT", "BTC", D("1000"))
      const config = { assets: { BTC: { maxPosition: max } } }
      const fast = Either.getOrThrow(PreTradeRisk.make({ book, config }))
      const slow = Either.getOrThrow(PreTradeRisk.make({ book: plainView(book), config }))
      // One contract of 10 USD at 3 is 10/3 BTC.
      const o: PreTradeRisk.RiskOrder = { strategyId: "s1", canonicalId: INV, side: "BUY", type: "MARKET", quantity: D("1") }
      expect(outcomeOf(slow.check(o, 0))).toBe(want)
      expect(outcomeOf(fast.check(o, 0))).toBe(want)
    }
  })

  it("a value that stops fitting turns the instrument to bigints, and a respec turns it back", () => {
    const { book, ref, fast, exact } = setup({})
    for (const b of [book, ref]) b.setPosition("s1", BIG, D("0.5")) // more places than the lot
    expect(snapshot(book)).toEqual(snapshot(ref))
    expect(decisionOf(fast.check(buy("1", "3"), 0))).toBe(decisionOf(exact.check(buy("1", "3"), 0)))
    for (const b of [book, ref]) b.setPosition("s1", BIG, D("1"))
    const halfLot = { ...bigSpec, lotSize: D("0.5") }
    for (const b of [book, ref]) b.addSpec(halfLot)
    expect(snapshot(book)).toEqual(snapshot(ref))
    expect(decisionOf(fast.check(buy("1.5", "3"), 0))).toBe(decisionOf(exact.check(buy("1.5", "3"), 0)))
    expect(decisionOf(fast.check(buy("1.25", "3"), 0))).toBe(decisionOf(exact.check(buy("1.25", "3"), 0)))
  })
})

describe("fast path at the decision boundaries", () => {
  const KINDS = ["maxNotional", "minNotional", "balance", "exposure", "strategyExposure", "asset", "maxPosition", "strategyMaxPosition", "maxQuantity", "tolerance"] as const
  const scenario = fc.record({
    spec: fc.constantFrom(spotSpec, perpSpec, invSpec, fracSpec, bigSpec),
    kind: fc.constantFrom(...KINDS),
    refUnits: fc.oneof(fc.integer({ min: 1, max: 20_000_000 }), fc.constantFrom(1, 2, 5, 10, 25)),
    refScale: fc.integer({ min: 0, max: 3 }),
    limitUnits: fc.oneof(fc.integer({ min: 1, max: 2_000_000_000 }), fc.constantFrom(1, 5, 10, 1_000_000_007)),
    limitScale: fc.integer({ min: 0, max: 8 }),
    leverage: fc.constantFrom("1", "3", "12.5", "0.25", "100"),
    tolerance: fc.integer({ min: 0, max: 3000 }),
    position: fc.constantFrom("0", "1", "-1", "0.5", "3", "-2"),
    openBuy: fc.constantFrom(undefined, "1", "0.25"),
    openSell: fc.constantFrom(undefined, "2", "0.5"),
    buy: fc.boolean(),
    market: fc.boolean()
  })

  it("property: at and around every limit found by bisection with the exact path, the fast path decides the same", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const spec = s.spec
        const id = spec.canonicalId
        const ref = Decimal.fromScaled(BigInt(s.refUnits), s.refScale)
        const limit = Decimal.format(Decimal.fromScaled(BigInt(s.limitUnits), s.limitScale))
        const book = InMemoryRiskBook.make()
        book.addSpec(spec)
        book.setReferencePrice(id, ref)
        const rich = s.kind === "balance" ? limit : "1000000000"
        for (const a of [spec.quoteAsset, spec.baseAsset, spec.settlementAsset]) book.setBalance(spec.venue, a, D(rich))
        book.setPosition("s1", id, D(s.position))
        book.setPosition("s2", id, D(s.position.startsWith("-") ? s.position.slice(1) : `-${s.position}`))
        const openAt = (side: "BUY" | "SELL", q: string | undefined) => {
          if (q !== undefined) book.onOrderAccepted({ operationId: `open-${side}`, strategyId: "s1", canonicalId: id, side, quantity: D(q), price: ref })
        }
        openAt("BUY", s.openBuy)
        openAt("SELL", s.openSell)
        const defaults: Record<string, unknown> = { leverage: s.leverage }
        const config: Record<string, unknown> = { defaults }
        if (s.kind === "maxNotional") defaults["maxNotional"] = limit
        if (s.kind === "minNotional") defaults["minNotional"] = limit
        if (s.kind === "maxQuantity") defaults["maxQuantity"] = limit
        if (s.kind === "maxPosition") defaults["maxPosition"] = limit
        if (s.kind === "strategyMaxPosition") config["defaultStrategy"] = { defaults: { maxPosition: limit } }
        if (s.kind === "exposure") config["maxGrossExposure"] = limit
        if (s.kind === "strategyExposure") config["strategies"] = { s1: { maxGrossExposure: limit } }
        if (s.kind === "asset") config["assets"] = { [spec.baseAsset]: { maxPosition: limit } }
        if (s.kind === "tolerance") defaults["priceToleranceBps"] = s.tolerance
        const fast = Either.getOrThrow(PreTradeRisk.make({ book, config }))
        const slow = Either.getOrThrow(PreTradeRisk.make({ book: plainView(book), config }))
        const side = s.buy ? ("BUY" as const) : ("SELL" as const)
        const same = (order: PreTradeRisk.RiskOrder) => {
          const want = slow.checkAll(order, 0).length === 0
          expect(fast.check(order, 0).allowed).toBe(want)
          return want
        }
        /** The allowed set of n (in steps) is an interval; finds its ends and compares around them. */
        const edges = (orderOf: (n: bigint) => PreTradeRisk.RiskOrder, from: bigint) => {
          const ok = (n: bigint) => n >= from && slow.checkAll(orderOf(n), 0).length === 0
          let inside: bigint | undefined
          for (let k = 0n; k <= 50n && inside === undefined; k++) if (ok(from + (1n << k) - 1n)) inside = from + (1n << k) - 1n
          if (inside === undefined) return
          // Upper end: grow, then bisect (ok(lo), !ok(hi)).
          let lo = inside
          let hi = inside + 1n
          while (ok(hi) && hi < 1n << 60n) {
            lo = hi
            hi = inside + (hi - inside) * 2n
          }
          while (hi - lo > 1n) {
            const mid = (lo + hi) / 2n
            if (ok(mid)) lo = mid
            else hi = mid
          }
          const upper = lo
          // Lower end: bisect between `from` and the allowed point.
          let a = from
          let b = inside
          if (ok(a)) b = a
          else {
            while (b - a > 1n) {
              const mid = (a + b) / 2n
              if (ok(mid)) b = mid
              else a = mid
            }
          }
          for (const e of [upper, b]) for (let d = -2n; d <= 2n; d++) if (e + d >= from) same(orderOf(e + d))
        }
        const price = s.market ? undefined : ref
        if (s.kind === "tolerance") {
          // Limit prices on the tick grid, from one tick up.
          const tick = spec.tickSize
          const orderAt = (n: bigint): PreTradeRisk.RiskOrder => ({ strategyId: "s1", canonicalId: id, side, type: "LIMIT", quantity: spec.lotSize, price: Decimal.mul(tick, Decimal.fromBigInt(n)) })
          edges(orderAt, 1n)
          return
        }
        const lot = spec.lotSize
        const orderOf = (n: bigint): PreTradeRisk.RiskOrder => ({
          strategyId: "s1",
          canonicalId: id,
          side,
          type: price === undefined ? "MARKET" : "LIMIT",
          quantity: Decimal.mul(lot, Decimal.fromBigInt(n)),
          ...(price === undefined ? {} : { price: Decimal.roundToStep(price, spec.tickSize, "floor") })
        })
        edges(orderOf, 1n)
      }),
      { numRuns: Number(process.env["FASTPATH_RUNS"] ?? 300) }
    )
  }, 600_000)
})

describe("fast path at one-unit steps", () => {
  it("with the price at one unit, every quantity across each limit decides as the exact path", () => {
    const kinds = ["maxNotional", "minNotional", "balance", "exposure", "strategyExposure", "asset", "maxPosition", "maxQuantity"] as const
    let compared = 0
    for (const spec of [spotSpec, perpSpec, fracSpec, bigSpec, microSpec]) {
      const id = spec.canonicalId
      // One unit of the number domain's price scale (the tick's places plus one).
      const ref = Decimal.fromScaled(1n, spec.tickSize.scale + 1)
      for (const kind of kinds) {
        for (const limitSteps of [7n, 30n]) {
          const book = InMemoryRiskBook.make()
          book.addSpec(spec)
          book.setReferencePrice(id, ref)
          // A limit of `limitSteps` lots' worth: quantity in lots, values in lots * contract size * ref.
          const lots = Decimal.mul(spec.lotSize, Decimal.fromBigInt(limitSteps))
          const value = Decimal.mul(Decimal.mul(lots, spec.contractSize), ref)
          const base = Decimal.mul(lots, spec.contractSize)
          const limit = Decimal.format(kind === "maxPosition" || kind === "maxQuantity" ? lots : kind === "asset" ? base : value)
          const rich = kind === "balance" ? Decimal.format(value) : "1000000000"
          for (const a of [spec.quoteAsset, spec.baseAsset, spec.settlementAsset]) book.setBalance(spec.venue, a, D(rich))
          const config: Record<string, unknown> = {}
          if (kind === "maxNotional") config["defaults"] = { maxNotional: limit }
          if (kind === "minNotional") config["defaults"] = { minNotional: limit }
          if (kind === "maxPosition") config["defaults"] = { maxPosition: limit }
          if (kind === "maxQuantity") config["defaults"] = { maxQuantity: limit }
          if (kind === "exposure") config["maxGrossExposure"] = limit
          if (kind === "strategyExposure") config["defaultStrategy"] = { maxGrossExposure: limit }
          if (kind === "asset") config["assets"] = { [spec.baseAsset]: { maxPosition: limit } }
          const fast = Either.getOrThrow(PreTradeRisk.make({ book, config }))
          const slow = Either.getOrThrow(PreTradeRisk.make({ book: plainView(book), config }))
          expect(fastBooks.get(book)?.instruments.get(id)?.fast).toBe(true)
          for (const side of ["BUY", "SELL"] as const) {
            for (let n = 1n; n <= 2n * limitSteps + 2n; n++) {
              const order: PreTradeRisk.RiskOrder = { strategyId: "s1", canonicalId: id, side, type: "MARKET", quantity: Decimal.mul(spec.lotSize, Decimal.fromBigInt(n)) }
              expect(decisionOf(fast.check(order, 0))).toBe(decisionOf(slow.check(order, 0)))
              compared++
            }
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(1000)
  })
})
