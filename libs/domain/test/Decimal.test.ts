import * as Either from "effect/Either"
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as Schema from "effect/Schema"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as D from "../src/Decimal.js"
import { DecimalError } from "../src/DomainError.js"

// Reference model: a decimal is the rational n / 10^s, compared by cross-multiplication.
interface Ref {
  readonly n: bigint
  readonly s: number
}
const ref = (d: D.Decimal): Ref => ({ n: d.units, s: d.scale })
const refCmp = (a: Ref, b: Ref): number => {
  const x = a.n * 10n ** BigInt(b.s)
  const y = b.n * 10n ** BigInt(a.s)
  return x < y ? -1 : x > y ? 1 : 0
}
const refAdd = (a: Ref, b: Ref): Ref => {
  const s = Math.max(a.s, b.s)
  return { n: a.n * 10n ** BigInt(s - a.s) + b.n * 10n ** BigInt(s - b.s), s }
}
/** Floor division for any signs, written independently of the library's truncating one. */
const floorDiv = (n: bigint, d: bigint): bigint => {
  if (d < 0n) return floorDiv(-n, -d)
  return n >= 0n ? n / d : -((-n + d - 1n) / d)
}
/** The integer nearest to N/D (D > 0) under each rounding mode, from floor and the remainder. */
const refRoundDiv = (N: bigint, D0: bigint, mode: D.Rounding): bigint => {
  const [n, d] = D0 < 0n ? [-N, -D0] : [N, D0]
  const f = floorDiv(n, d)
  const r = n - f * d // 0 <= r < d
  if (r === 0n) return f
  const c = f + 1n
  const towardZero = n < 0n ? c : f
  const awayFromZero = n < 0n ? f : c
  switch (mode) {
    case "floor":
      return f
    case "ceil":
      return c
    case "down":
      return towardZero
    case "up":
      return awayFromZero
    default: {
      if (2n * r < d) return f
      if (2n * r > d) return c
      if (mode === "half-up") return awayFromZero
      if (mode === "half-down") return towardZero
      return f % 2n === 0n ? f : c
    }
  }
}
const modes: ReadonlyArray<D.Rounding> = ["floor", "ceil", "down", "up", "half-up", "half-down", "half-even"]

const arbDecimal = fc
  .tuple(fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }), fc.integer({ min: 0, max: 18 }))
  .map(([u, s]) => D.fromScaled(u, s))
const arbNonZero = arbDecimal.filter((d) => !D.isZero(d))
const arbPositive = arbNonZero.map(D.abs)
const arbMode = fc.constantFrom(...modes)
const arbDecimalString = fc
  .tuple(
    fc.boolean(),
    fc.stringMatching(/^[0-9]{1,30}$/),
    fc.option(fc.stringMatching(/^[0-9]{1,18}$/), { nil: undefined })
  )
  .map(([neg, int, frac]) => `${neg ? "-" : ""}${int}${frac === undefined ? "" : `.${frac}`}`)

/** What the canonical form of a valid input must be, computed on the string alone. */
const canonical = (s: string): string => {
  const neg = s.startsWith("-")
  const [int = "", frac = ""] = s.replace("-", "").split(".")
  const i = int.replace(/^0+(?=.)/, "")
  const f = frac.replace(/0+$/, "")
  const body = f === "" ? i : `${i}.${f}`
  return neg && body !== "0" ? `-${body}` : body
}

const d = D.unsafeFromString

describe("Decimal parsing and formatting", () => {
  it("accepts the documented grammar and formats canonically", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["0", "0"],
      ["-0", "0"],
      ["-0.000", "0"],
      ["-0.5", "-0.5"],
      ["0.000000000000000001", "0.000000000000000001"],
      ["1.2300", "1.23"],
      ["007.50", "7.5"],
      ["123456789012345678901234567890.123456789012345678", "123456789012345678901234567890.123456789012345678"],
      ["-100", "-100"]
    ]
    for (const [input, expected] of cases) expect(D.format(d(input))).toBe(expected)
  })

  it("rejects everything outside the grammar with a typed error naming the input", () => {
    const bad = ["", " 1", "1 ", "+1", "+-1", "--1", "-", "1.", ".5", "1e5", "1E5", "NaN", "Infinity", "0x10", "1,5", "1.2.3", "١"]
    for (const s of bad) {
      const r = D.fromString(s)
      expect(Either.isLeft(r), s).toBe(true)
      if (Either.isLeft(r)) {
        expect(r.left).toBeInstanceOf(DecimalError)
        expect(r.left.reason).toBe("InvalidFormat")
        expect(r.left.message).toContain(JSON.stringify(s))
      }
    }
    expect(() => D.unsafeFromString("abc")).toThrow(DecimalError)
  })

  it("rejects more than 18 fractional digits and more than 64 integer digits", () => {
    const tooFine = D.fromString("0.0000000000000000001")
    expect(Either.isLeft(tooFine) && tooFine.left.reason).toBe("TooManyDecimals")
    expect(Either.isLeft(D.fromString("1.0000000000000000000"))).toBe(true)
    expect(Either.isRight(D.fromString("9".repeat(64)))).toBe(true)
    const tooBig = D.fromString("9".repeat(65))
    expect(Either.isLeft(tooBig) && tooBig.left.reason).toBe("TooManyDigits")
  })

  it("round-trips: format(parse(s)) is the canonical form of s", () => {
    fc.assert(
      fc.property(arbDecimalString, (s) => {
        expect(D.format(d(s))).toBe(canonical(s))
      })
    )
  })

  it("round-trips: parse(format(x)) equals x, structurally", () => {
    fc.assert(
      fc.property(arbDecimal, (x) => {
        const back = d(D.format(x))
        expect(back).toEqual(x)
        expect(D.equals(back, x)).toBe(true)
      })
    )
  })

  it("keeps values normalised, so equal values are structurally equal", () => {
    expect(d("1.10")).toEqual(D.fromScaled(110n, 2))
    expect(D.fromScaled(110n, 2).scale).toBe(1)
    expect(D.add(d("0.5"), d("0.5"))).toEqual(D.one)
    expect(D.mul(d("2.5"), d("0.4"))).toEqual(D.one)
    expect(Equal.equals(d("1.50"), d("1.5"))).toBe(true)
    expect(Hash.hash(d("1.50"))).toBe(Hash.hash(d("1.5")))
  })

  it("serialises as its string in JSON and in String()", () => {
    expect(JSON.stringify({ p: d("-0.25") })).toBe('{"p":"-0.25"}')
    expect(String(d("42.10"))).toBe("42.1")
  })
})

describe("Decimal arithmetic against a bigint reference", () => {
  it("add agrees with the reference and sub is its inverse", () => {
    fc.assert(
      fc.property(arbDecimal, arbDecimal, (a, b) => {
        const s = D.add(a, b)
        expect(refCmp(ref(s), refAdd(ref(a), ref(b)))).toBe(0)
        expect(D.sub(s, b)).toEqual(a)
        expect(D.add(D.sub(a, b), b)).toEqual(a)
        expect(D.add(a, b)).toEqual(D.add(b, a))
      })
    )
  })

  it("mul agrees with the reference, and exact division undoes it", () => {
    fc.assert(
      fc.property(arbDecimal, arbNonZero, (a, b) => {
        const p = D.mul(a, b)
        expect(refCmp(ref(p), { n: a.units * b.units, s: a.scale + b.scale })).toBe(0)
        // a has at most 18 fractional digits, so a quotient at scale 18 is exact in every mode.
        expect(D.div(p, b, 18, a.units % 2n === 0n ? "floor" : "ceil")).toEqual(a)
        expect(D.div(p, b, 18, "half-even")).toEqual(a)
      })
    )
  })

  it("div rounds as the reference does in every mode", () => {
    fc.assert(
      fc.property(arbDecimal, arbNonZero, fc.integer({ min: 0, max: 20 }), arbMode, (a, b, scale, mode) => {
        const q = D.div(a, b, scale, mode)
        // q * 10^scale = round(a.units * 10^b.scale * 10^scale / (b.units * 10^a.scale))
        const N = a.units * 10n ** BigInt(b.scale + scale)
        const Dn = b.units * 10n ** BigInt(a.scale)
        expect(refCmp(ref(q), { n: refRoundDiv(N, Dn, mode), s: scale })).toBe(0)
        expect(q.scale).toBeLessThanOrEqual(scale)
      })
    )
  })

  it("round agrees with the reference on exact ties, where the modes differ most", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 17 }), arbMode, (k, s, mode) => {
        const tie = D.fromScaled(k * 10n + (k < 0n ? -5n : 5n), s + 1)
        const r = D.round(tie, s, mode)
        expect(refCmp(ref(r), { n: refRoundDiv(tie.units, 10n ** BigInt(tie.scale - s), mode), s })).toBe(0)
      })
    )
  })

  it("rounds ties as documented", () => {
    const cases: ReadonlyArray<readonly [string, D.Rounding, string]> = [
      ["2.5", "half-even", "2"],
      ["3.5", "half-even", "4"],
      ["-2.5", "half-even", "-2"],
      ["2.5", "half-up", "3"],
      ["-2.5", "half-up", "-3"],
      ["2.5", "half-down", "2"],
      ["-2.5", "floor", "-3"],
      ["-2.5", "ceil", "-2"],
      ["-2.5", "down", "-2"],
      ["-2.5", "up", "-3"],
      ["2.51", "half-down", "3"]
    ]
    for (const [x, mode, expected] of cases) expect(D.format(D.round(d(x), 0, mode)), `${x} ${mode}`).toBe(expected)
    expect(D.format(D.div(D.one, d("3"), 4, "half-even"))).toBe("0.3333")
    expect(D.format(D.div(d("2"), d("3"), 4, "down"))).toBe("0.6666")
    expect(D.format(D.div(d("-2"), d("3"), 4, "floor"))).toBe("-0.6667")
  })

  it("refuses division by zero and bad scales with typed errors", () => {
    expect(() => D.div(D.one, D.zero, 2, "floor")).toThrow(DecimalError)
    expect(() => D.div(D.one, D.one, -1, "floor")).toThrow(/scale/)
    expect(() => D.div(D.one, D.one, 1.5, "floor")).toThrow(/scale/)
  })

  it("compare is a total order consistent with the reference, sub and equals", () => {
    fc.assert(
      fc.property(arbDecimal, arbDecimal, arbDecimal, (a, b, c) => {
        const ab = D.compare(a, b)
        expect(ab).toBe(refCmp(ref(a), ref(b)))
        // (0, not -0, when they are equal: toBe compares with Object.is.)
        expect(D.compare(b, a)).toBe(ab === 0 ? 0 : -ab)
        // Equal operands, which random pairs rarely are.
        expect(D.compare(a, a)).toBe(0)
        expect(D.sign(D.sub(a, a))).toBe(0)
        expect(ab === 0).toBe(D.equals(a, b))
        expect(D.sign(D.sub(a, b))).toBe(ab)
        if (ab <= 0 && D.compare(b, c) <= 0) expect(D.compare(a, c)).toBeLessThanOrEqual(0)
        expect(D.lessThan(a, b)).toBe(ab < 0)
        expect(D.lessThanOrEqual(a, b)).toBe(ab <= 0)
        expect(D.greaterThan(a, b)).toBe(ab > 0)
        expect(D.greaterThanOrEqual(a, b)).toBe(ab >= 0)
        expect(D.min(a, b)).toEqual(ab <= 0 ? a : b)
        expect(D.max(a, b)).toEqual(ab >= 0 ? a : b)
      })
    )
  })

  it("neg, abs and sign agree", () => {
    fc.assert(
      fc.property(arbDecimal, (a) => {
        expect(D.add(a, D.neg(a))).toEqual(D.zero)
        expect(D.isNegative(D.abs(a))).toBe(false)
        expect(D.sign(a)).toBe(D.isPositive(a) ? 1 : D.isNegative(a) ? -1 : 0)
        expect(D.isZero(a)).toBe(D.sign(a) === 0)
      })
    )
  })

  it("the sign tests (read from the number form) agree with the bigint's sign, within 2^53 and beyond", () => {
    // Values from parsing, scaling and arithmetic: each constructor sets the number form its own way.
    const arbAny = fc.oneof(
      arbDecimal,
      fc.tuple(arbDecimal, arbDecimal).map(([a, b]) => D.add(a, b)),
      fc.tuple(arbDecimal, arbDecimal).map(([a, b]) => D.sub(a, b)),
      fc.tuple(arbDecimal, arbDecimal).map(([a, b]) => D.mul(a, b)),
      fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }).map((u) => D.fromBigInt(u)),
      fc.constantFrom(
        D.zero,
        D.fromBigInt(2n ** 53n - 1n),
        D.fromBigInt(-(2n ** 53n - 1n)),
        D.fromBigInt(2n ** 53n),
        D.fromBigInt(-(2n ** 53n)),
        D.unsafeFromString("-0.000000000000000001"),
        D.unsafeFromString("123456789012345678901234.5")
      )
    )
    fc.assert(
      fc.property(arbAny, (a) => {
        expect(D.isZero(a)).toBe(a.units === 0n)
        expect(D.isPositive(a)).toBe(a.units > 0n)
        expect(D.isNegative(a)).toBe(a.units < 0n)
        expect(D.sign(a)).toBe(a.units < 0n ? -1 : a.units > 0n ? 1 : 0)
        expect(D.abs(a).units).toBe(a.units < 0n ? -a.units : a.units)
        expect(D.neg(a).units).toBe(-a.units)
        // Adding zero on either side is the other operand.
        expect(D.add(a, D.zero)).toBe(a)
        expect(D.add(D.zero, a)).toBe(a)
      }),
      { numRuns: 2000 }
    )
  })
})

describe("Decimal grids and scaled integers", () => {
  it("roundToStep lands on the grid, within one step, in the asked direction", () => {
    fc.assert(
      fc.property(arbDecimal, arbPositive, arbMode, (x, step, mode) => {
        const r = D.roundToStep(x, step, mode)
        expect(D.isMultipleOf(r, step)).toBe(true)
        expect(D.lessThan(D.abs(D.sub(r, x)), step)).toBe(true)
        if (mode === "floor") expect(D.lessThanOrEqual(r, x)).toBe(true)
        if (mode === "ceil") expect(D.greaterThanOrEqual(r, x)).toBe(true)
        if (mode === "down") expect(D.lessThanOrEqual(D.abs(r), D.abs(x))).toBe(true)
        if (D.isMultipleOf(x, step)) expect(r).toEqual(x)
      })
    )
    expect(D.format(D.roundToStep(d("101.237"), d("0.05"), "floor"))).toBe("101.2")
    expect(D.format(D.roundToStep(d("101.237"), d("0.05"), "half-even"))).toBe("101.25")
    expect(D.format(D.roundToStep(d("-0.017"), d("0.01"), "down"))).toBe("-0.01")
  })

  it("toUnits and fromUnits are inverse on the grid and refuse what is off it", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), arbPositive, (k, step) => {
        const x = D.fromUnits(k, step)
        expect(D.toUnits(x, step)).toBe(k)
      })
    )
    expect(D.toUnits(d("0.003"), d("0.001"))).toBe(3n)
    try {
      D.toUnits(d("0.0035"), d("0.001"))
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(DecimalError)
      expect((e as DecimalError).reason).toBe("OffGrid")
      expect((e as DecimalError).message).toContain("0.0035")
    }
    expect(() => D.toUnits(D.one, D.zero)).toThrow(/positive/)
    expect(() => D.isMultipleOf(D.one, d("-1"))).toThrow(DecimalError)
  })

  it("toScaled is exact or throws; fromScaled inverts it", () => {
    fc.assert(
      fc.property(arbDecimal, fc.integer({ min: 0, max: 30 }), (x, scale) => {
        if (x.scale <= scale) expect(D.fromScaled(D.toScaled(x, scale), scale)).toEqual(x)
        else expect(() => D.toScaled(x, scale)).toThrow(DecimalError)
      })
    )
    expect(D.toScaled(d("1.5"), 8)).toBe(150000000n)
  })

  it("fromInt takes safe integers only; toNumber is the nearest double", () => {
    expect(D.fromInt(-42)).toEqual(d("-42"))
    expect(() => D.fromInt(1.5)).toThrow(DecimalError)
    expect(() => D.fromInt(Number.MAX_SAFE_INTEGER + 1)).toThrow(DecimalError)
    expect(D.toNumber(d("0.1"))).toBe(0.1)
    expect(D.toNumber(d("-123.456"))).toBe(-123.456)
    expect(D.fromBigInt(10n ** 30n)).toEqual(d("1" + "0".repeat(30)))
    expect(D.sum([d("0.1"), d("0.2"), d("-0.3")])).toEqual(D.zero)
  })
})

describe("Decimal number form (unitsN)", () => {
  const SAFE = BigInt(Number.MAX_SAFE_INTEGER)
  /** The normal form of units / 10^scale, by bigint steps. */
  const reference = (units: bigint, scale: number): [bigint, number] => {
    if (units === 0n) return [0n, 0]
    while (scale > 0 && units % 10n === 0n) {
      units /= 10n
      scale--
    }
    return [units, scale]
  }
  const check = (x: D.Decimal) => {
    if (x.units <= SAFE && x.units >= -SAFE) expect(BigInt(x.unitsN)).toBe(x.units)
    else expect(x.unitsN).toBeNaN()
  }
  it("is the coefficient exactly while it is within 2^53 - 1, NaN beyond, for every way a Decimal is made", () => {
    fc.assert(
      fc.property(arbDecimal, arbDecimal, (a, b) => {
        for (const x of [a, b, D.add(a, b), D.sub(a, b), D.mul(a, b), D.neg(a), D.abs(a), D.round(a, 2, "half-even")]) check(x)
        if (!D.isZero(b)) check(D.div(a, b, 6, "floor"))
      })
    )
    fc.assert(fc.property(arbDecimalString, (s) => check(d(s))))
    expect(D.fromScaled(SAFE, 3).unitsN).toBe(Number.MAX_SAFE_INTEGER)
    expect(D.fromScaled(-SAFE, 3).unitsN).toBe(-Number.MAX_SAFE_INTEGER)
    // 2^53 + 1 rounds to 2^53 as a double: refused, as is 2^53 itself (not provably exact from the double).
    expect(D.fromScaled(SAFE + 2n, 3).unitsN).toBeNaN()
    expect(D.fromScaled(SAFE + 1n, 0).unitsN).toBeNaN()
    expect(D.fromBigInt(-(10n ** 30n)).unitsN).toBeNaN()
    expect(d("0.01").unitsN).toBe(1)
    expect(D.zero.unitsN).toBe(0)
    expect(D.fromInt(-42).unitsN).toBe(-42)
  })

  it("normalises like a bigint reference on both sides of 2^53, trailing zeros included", () => {
    const arbUnits = fc.oneof(
      fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }),
      fc.tuple(fc.bigInt({ min: -SAFE - 100n, max: SAFE + 100n }), fc.integer({ min: 0, max: 20 })).map(([u, z]) => u * 10n ** BigInt(z)),
      fc.tuple(fc.bigInt({ min: -1000n, max: 1000n }), fc.integer({ min: 0, max: 20 })).map(([u, z]) => u * 10n ** BigInt(z))
    )
    fc.assert(
      fc.property(arbUnits, fc.integer({ min: 0, max: 18 }), (units, scale) => {
        const x = D.fromScaled(units, scale)
        const [u, s] = reference(units, scale)
        expect([x.units, x.scale]).toEqual([u, s])
        check(x)
      }),
      { numRuns: 2000 }
    )
  })

  it("add, sub and mul from the operands' number forms match a bigint reference on both sides of 2^53", () => {
    // The sum, difference and product take their number form from the operands' (no bigint
    // conversion) when both are exact and the result is within 2^53 - 1; else from the bigint.
    const root = 94_906_265n // floor(sqrt(2^53)): products of two such coefficients straddle 2^53
    const arbUnits = fc.oneof(
      fc.bigInt({ min: SAFE - 1000n, max: SAFE + 1000n }),
      fc.bigInt({ min: -SAFE - 1000n, max: -SAFE + 1000n }),
      fc.bigInt({ min: SAFE / 2n - 1000n, max: SAFE / 2n + 1000n }),
      fc.bigInt({ min: root - 100n, max: root + 100n }),
      fc.bigInt({ min: -root - 100n, max: -root + 100n }),
      fc.tuple(fc.bigInt({ min: -1000n, max: 1000n }), fc.integer({ min: 0, max: 6 })).map(([u, z]) => u * 10n ** BigInt(z))
    )
    const arb = fc.tuple(arbUnits, fc.integer({ min: 0, max: 6 })).map(([u, s]) => D.fromScaled(u, s))
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const sa = BigInt(a.scale)
        const sb = BigInt(b.scale)
        const s = a.scale > b.scale ? a.scale : b.scale
        const au = a.units * 10n ** (BigInt(s) - sa)
        const bu = b.units * 10n ** (BigInt(s) - sb)
        const cases: Array<[D.Decimal, [bigint, number]]> = [
          [D.add(a, b), reference(au + bu, s)],
          [D.sub(a, b), reference(au - bu, s)],
          [D.mul(a, b), reference(a.units * b.units, a.scale + b.scale)]
        ]
        for (const [x, [u, sc]] of cases) {
          expect([x.units, x.scale]).toEqual([u, sc])
          check(x)
        }
      }),
      { numRuns: 5000 }
    )
    // At the edge: 2^53 - 1 is exact, 2^53 and beyond are not provably so from a double.
    expect(D.add(D.fromScaled(SAFE - 1n, 0), D.fromInt(1)).unitsN).toBe(Number.MAX_SAFE_INTEGER)
    expect(D.add(D.fromScaled(SAFE, 0), D.fromInt(1)).unitsN).toBeNaN()
    expect(D.sub(D.fromScaled(-SAFE, 0), D.fromInt(1)).unitsN).toBeNaN()
    expect(D.mul(D.fromScaled(2n ** 26n, 0), D.fromScaled(2n ** 27n - 1n, 0)).unitsN).toBe(2 ** 53 - 2 ** 26)
    expect(D.mul(D.fromScaled(2n ** 26n + 1n, 0), D.fromScaled(2n ** 27n, 0)).unitsN).toBeNaN()
    expect(D.mul(D.fromInt(-5), D.zero)).toBe(D.zero)
    expect(D.sub(d("1.5"), d("1.5"))).toBe(D.zero)
  })

  it("keeps equal values structurally equal and out of equality and hashing", () => {
    expect(d("1.50")).toEqual(D.fromScaled(15n, 1))
    expect(Equal.equals(d("2"), D.fromInt(2))).toBe(true)
    expect(Hash.hash(d("2"))).toBe(Hash.hash(D.fromInt(2)))
    expect(JSON.stringify({ p: d("-0.5") })).toBe('{"p":"-0.5"}')
  })
})

describe("Decimal schemas", () => {
  it("DecimalFromString decodes and encodes canonically", () => {
    const decode = Schema.decodeUnknownSync(D.DecimalFromString)
    expect(decode("1.500")).toEqual(d("1.5"))
    expect(Schema.encodeSync(D.DecimalFromString)(d("1.500"))).toBe("1.5")
  })

  it("decode errors name the bad value", () => {
    const r = Schema.decodeUnknownEither(D.DecimalFromString)("12,5")
    expect(Either.isLeft(r)).toBe(true)
    if (Either.isLeft(r)) expect(r.left.message).toContain('"12,5"')
    expect(() => Schema.decodeUnknownSync(D.DecimalFromString)(1.5)).toThrow(/string/)
  })

  it("positive and non-negative variants refuse the wrong sign", () => {
    expect(() => Schema.decodeUnknownSync(D.PositiveDecimalFromString)("0")).toThrow(/positive/)
    expect(Schema.decodeUnknownSync(D.NonNegativeDecimalFromString)("0")).toEqual(D.zero)
    expect(() => Schema.decodeUnknownSync(D.NonNegativeDecimalFromString)("-0.1")).toThrow(/non-negative/)
  })

  it("DecimalSchema only admits real Decimals and provides an arbitrary that round-trips", () => {
    expect(Schema.is(D.DecimalSchema)(d("1"))).toBe(true)
    expect(Schema.is(D.DecimalSchema)({ units: 1n, scale: 0 })).toBe(false)
    // Schema arbitraries are built on effect's own fast-check copy, so they run under it.
    FastCheck.assert(
      FastCheck.property(Arbitrary.make(D.DecimalFromString), (x) => {
        expect(Schema.decodeSync(D.DecimalFromString)(Schema.encodeSync(D.DecimalFromString)(x))).toEqual(x)
      }),
      { numRuns: 200 }
    )
  })
})
