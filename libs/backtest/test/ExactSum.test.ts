/**
 * The summary's exact sums (internal/ExactSum.ts): a safe-integer path with a decimal
 * fallback, checked against plain `Decimal` arithmetic, with values chosen to cross every
 * boundary of the fast path (coefficients around 2^53, more than 18 places, sums leaving the
 * safe range, scales going up and down, recurring decimal objects).
 */
import { describe, expect, it } from "@effect/vitest"
import { Decimal } from "@odum/domain"
import * as fc from "fast-check"
import { ExactSum, MAX_FAST_SCALE, mulExact, RunSum, scaleUp, subExact, unitsOf } from "../src/internal/ExactSum.js"

const MAX = Number.MAX_SAFE_INTEGER
const fmt = Decimal.format

/** Decimals near every boundary: small, around 2^53 (both signs), huge, with 0 to 30 places. */
const coefficient = fc.oneof(
  fc.bigInt({ min: -1_000_000n, max: 1_000_000n }),
  fc.bigInt({ min: 2n ** 53n - 5n, max: 2n ** 53n + 5n }),
  fc.bigInt({ min: -(2n ** 53n) - 5n, max: -(2n ** 53n) + 5n }),
  fc.bigInt({ min: 2n ** 49n, max: 2n ** 52n }),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n })
)
const decimal = fc.tuple(coefficient, fc.integer({ min: 0, max: 30 })).map(([u, s]) => Decimal.fromScaled(u, s))

describe("ExactSum", () => {
  it("as a property: a sum of decimals (some objects recurring) equals Decimal.add folded, as the same decimal", () => {
    fc.assert(
      fc.property(fc.array(decimal, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 60 }), (pool, picks) => {
        const values = picks.map((i) => pool[i % pool.length]!)
        const sum = new ExactSum()
        let expected = Decimal.zero
        for (const v of values) {
          sum.add(v)
          expected = Decimal.add(expected, v)
          // Reading it does not disturb it.
          expect(fmt(sum.value())).toBe(fmt(expected))
        }
        const got = sum.value()
        expect([got.units, got.scale]).toEqual([expected.units, expected.scale])
      }),
      { numRuns: 500 }
    )
  })

  it("as a property: units at any scale (the products the summary adds) equal their decimals summed", () => {
    const units = fc.oneof(
      fc.integer({ min: -1_000_000, max: 1_000_000 }),
      fc.integer({ min: MAX - 10, max: MAX }),
      fc.integer({ min: -MAX, max: -MAX + 10 }),
      fc.integer({ min: 2 ** 50, max: 2 ** 52 })
    )
    fc.assert(
      fc.property(fc.array(fc.tuple(units, fc.integer({ min: 0, max: 40 })), { maxLength: 40 }), (adds) => {
        const sum = new ExactSum()
        let expected = Decimal.zero
        for (const [u, s] of adds) {
          sum.addUnits(u, s)
          expected = Decimal.add(expected, Decimal.fromScaled(BigInt(u), s))
        }
        expect(fmt(sum.value())).toBe(fmt(expected))
      }),
      { numRuns: 500 }
    )
  })

  it("keeps the sum exact where doubles would round: past 2^53, and across scales", () => {
    const sum = new ExactSum()
    sum.addUnits(MAX, 0)
    sum.addUnits(1, 0) // 2^53
    sum.addUnits(1, 0) // 2^53 + 1: not a double
    sum.addUnits(1, 18)
    expect(fmt(sum.value())).toBe("9007199254740993.000000000000000001")
    // A coarser addend whose units times 10^k are no double (past 2^54), onto a sum of the other
    // sign: the product's rounding must not reach the number part (the sum passes 2^53 first).
    for (const [n, u, k] of [
      [-MAX, 1_801_439_850_948_199, 1],
      [-MAX, -1_801_439_850_948_199, 1],
      [MAX, -1_801_439_850_948_199, 1],
      [-MAX, 180_143_985_094_821, 2],
      [-(MAX - 1), 900_719_925_474_099, 1]
    ] as const) {
      const mixed = new ExactSum()
      mixed.addUnits(n, k)
      mixed.addUnits(u, 0)
      expect(fmt(mixed.value())).toBe(fmt(Decimal.add(Decimal.fromScaled(BigInt(n), k), Decimal.fromInt(u))))
    }
    const small = new ExactSum()
    small.add(Decimal.unsafeFromString("0.1"))
    small.add(Decimal.unsafeFromString("0.2"))
    small.add(Decimal.unsafeFromString("-0.3"))
    expect(small.value()).toBe(Decimal.zero)
  })
})

describe("RunSum", () => {
  it("as a property: runs of the same object (and reads between them) sum as Decimal.add folded", () => {
    fc.assert(
      fc.property(
        fc.array(decimal, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 50 }), fc.boolean()), { maxLength: 20 }),
        (pool, runs) => {
          const sum = new RunSum()
          let expected = Decimal.zero
          for (const [i, times, read] of runs) {
            const d = pool[i % pool.length]!
            for (let k = 0; k < times; k++) {
              sum.add(d)
              expected = Decimal.add(expected, d)
            }
            if (read) expect(fmt(sum.value())).toBe(fmt(expected))
          }
          const got = sum.value()
          expect([got.units, got.scale]).toEqual([expected.units, expected.scale])
        }
      ),
      { numRuns: 500 }
    )
  })

  it("multiplies a run exactly past 2^53 (the decimal path)", () => {
    const d = Decimal.fromScaled(2n ** 52n + 1n, 3)
    const sum = new RunSum()
    for (let k = 0; k < 3; k++) sum.add(d)
    expect(fmt(sum.value())).toBe(fmt(Decimal.mul(d, Decimal.fromInt(3))))
  })
})

describe("ExactSum helpers", () => {
  it("as a property: unitsOf, mulExact, subExact and scaleUp answer a number only when it is exact", () => {
    fc.assert(
      fc.property(decimal, decimal, fc.integer({ min: 0, max: MAX_FAST_SCALE }), (a, b, k) => {
        const ua = unitsOf(a)
        const ub = unitsOf(b)
        const fits = (x: bigint) => x <= BigInt(MAX) && x >= -BigInt(MAX)
        expect(Number.isNaN(ua)).toBe(!(a.scale <= MAX_FAST_SCALE && fits(a.units)))
        if (Number.isNaN(ua) || Number.isNaN(ub)) {
          expect(mulExact(ua, ub)).toBeNaN()
          return
        }
        expect(BigInt(ua)).toBe(a.units)
        const check = (got: number, exact: bigint) => {
          if (fits(exact)) expect(BigInt(got)).toBe(exact)
          else expect(got).toBeNaN()
        }
        check(mulExact(ua, ub), a.units * b.units)
        check(subExact(ua, ub), a.units - b.units)
        check(scaleUp(ua, k), a.units * 10n ** BigInt(k))
      }),
      { numRuns: 1000 }
    )
  })
})
