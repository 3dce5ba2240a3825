/**
 * Exact decimals for prices, quantities, fees and PnL.
 *
 * A `Decimal` is `units / 10^scale` with a bigint `units` and an integer `scale >= 0`,
 * always kept normalised (no trailing zeros in `units` while `scale > 0`, zero is
 * `0 / 10^0`), so two equal values are structurally equal and `format` is canonical.
 * Operations are module functions over an immutable value: one small object per result,
 * no closures, no Effect. Hot paths that need even less should convert once to scaled
 * integers (`toScaled`, `toUnits`) and work in bigint ticks and lots.
 */
import * as Either from "effect/Either"
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { DecimalError, type DecimalErrorReason } from "./DomainError.js"

/** Brands Decimal values so a look-alike object literal is never taken for one. */
export const TypeId: unique symbol = Symbol.for("@odum/domain/Decimal")

/** The type of {@link TypeId}. */
export type TypeId = typeof TypeId

/** An exact decimal: `units / 10^scale`, normalised. */
export interface Decimal {
  readonly [TypeId]: TypeId
  /** The coefficient; the value is `units / 10^scale`. */
  readonly units: bigint
  /** Number of digits after the point, `>= 0`, minimal for the value. */
  readonly scale: number
  /**
   * `units` as a number when `|units| <= 2^53 - 1` (then it is exact), else NaN. Converted
   * once, when the value is made, for hot paths that work in exact integers held in numbers
   * (risk, positions, router, simulated venues): a `bigint` to number conversion costs a
   * runtime call, and a routed order used to make about twenty of them on the same few
   * values. Never a rounded value: NaN fails every range check those paths make.
   */
  readonly unitsN: number
}

/** Most fractional digits `fromString` accepts (1e-18 covers wei and every venue's precision). */
export const MAX_PARSE_SCALE = 18

/** Most integer digits `fromString` accepts, so a hostile string cannot make a huge bigint. */
export const MAX_INTEGER_DIGITS = 64

/** Largest scale `div`, `round`, `fromScaled` and `toScaled` accept. */
export const MAX_SCALE = 96

/** How a result that does not fit the requested precision is rounded. */
export type Rounding =
  /** towards negative infinity */
  | "floor"
  /** towards positive infinity */
  | "ceil"
  /** towards zero (truncate) */
  | "down"
  /** away from zero */
  | "up"
  /** to nearest, ties away from zero */
  | "half-up"
  /** to nearest, ties towards zero */
  | "half-down"
  /** to nearest, ties to the even neighbour (banker's rounding) */
  | "half-even"

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom")

class DecimalImpl implements Decimal {
  declare readonly [TypeId]: TypeId
  readonly unitsN: number
  constructor(
    readonly units: bigint,
    readonly scale: number,
    /** `Number(units)` when the caller has it (the conversion is a runtime call). */
    n: number = Number(units)
  ) {
    // A bigint beyond 2^53 - 1 converts to a double of at least 2^53 (rounding is monotonic).
    // Number.MAX_SAFE_INTEGER, which V8 folds: a module constant becomes a var in a bundle.
    // NaN written `0 / 0`: TurboFan folds it to a double constant, where the global `NaN` on this
    // branch (which rarely runs before the constructor is optimised) is a generic global load of
    // any type, which made `unitsN` a tagged value here: a heap number allocated for every
    // number form that is not a small integer.
    this.unitsN = n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER ? n : 0 / 0
  }
  [Equal.symbol](that: unknown): boolean {
    return isDecimal(that) && this.units === that.units && this.scale === that.scale
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.number(this.scale))(Hash.string(this.units.toString()))
  }
  toString(): string {
    return format(this)
  }
  toJSON(): string {
    return format(this)
  }
  [inspectSymbol](): string {
    return `Decimal(${format(this)})`
  }
}
Object.defineProperty(DecimalImpl.prototype, TypeId, { value: TypeId })

const POW10: ReadonlyArray<bigint> = Array.from({ length: MAX_SCALE * 2 + MAX_INTEGER_DIGITS + 1 }, (_, i) =>
  10n ** BigInt(i)
)

/** 10^n as a bigint, from a table for the sizes arithmetic actually meets. */
const pow10 = (n: number): bigint => POW10[n] ?? 10n ** BigInt(n)

/** True for a Decimal made by this module. */
export const isDecimal = (u: unknown): u is Decimal =>
  typeof u === "object" && u !== null && (u as { [TypeId]?: unknown })[TypeId] === TypeId

/** The value 0. */
export const zero: Decimal = new DecimalImpl(0n, 0)

/** The value 1. */
export const one: Decimal = new DecimalImpl(1n, 0)

/** Builds a normalised Decimal; every constructor goes through here (or proves it need not). */
const make = (units: bigint, scale: number, exact?: number): Decimal => {
  // The number form, which the result needs anyway, decides zero and trailing zeros when it
  // is exact: a bigint remainder allocates. `exact`, when given, is that number form (exact,
  // within 2^53 - 1), computed by the caller from its operands' without converting the
  // bigint back (a runtime call, ~135 instructions).
  let n = exact ?? Number(units)
  if (n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER) {
    if (n === 0) return zero
    if (scale === 0 || n % 10 !== 0) return new DecimalImpl(units, scale, n)
    const from = scale
    while (scale > 0 && n % 10 === 0) {
      n /= 10
      scale--
    }
    return new DecimalImpl(units / pow10(from - scale), scale, n)
  }
  if (scale === 0 || units % 10n !== 0n) return new DecimalImpl(units, scale, n)
  // Every bigint step allocates: strip eight zeros at a time first (a price divided to 18
  // places, like an average fill price, typically carries a dozen or more).
  while (scale >= 8 && units % 100_000_000n === 0n) {
    units /= 100_000_000n
    scale -= 8
  }
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n
    scale--
  }
  return new DecimalImpl(units, scale)
}

const fail = (reason: DecimalErrorReason, message: string): DecimalError => new DecimalError({ reason, message })

/** Quotes a user-supplied string for an error message, cut short so a huge input cannot flood a log. */
const quote = (s: string): string => JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s)

const checkScale = (scale: number, what: string): void => {
  if (!Number.isInteger(scale) || scale < 0 || scale > MAX_SCALE) {
    throw fail("InvalidScale", `${what}: scale must be an integer in [0, ${MAX_SCALE}], got ${scale}`)
  }
}

// ---------------------------------------------------------------------------------------
// Parsing and formatting
// ---------------------------------------------------------------------------------------

/**
 * The parser behind every string entry point. Returns the reason instead of throwing so
 * `fromString` and the schema need no try/catch, and the happy path allocates only the
 * result (plus the bigint's digit string when there is a fraction).
 *
 * Grammar: `-?[0-9]+(\.[0-9]+)?`, at most MAX_INTEGER_DIGITS integer digits (leading
 * zeros allowed and counted) and at most MAX_PARSE_SCALE fractional digits (trailing
 * zeros counted too: the limit is on what the sender wrote). No `+`, whitespace,
 * exponent, `.5`, `1.`, `NaN` or `Infinity`.
 */
const parse = (s: string): Decimal | DecimalErrorReason => {
  const n = s.length
  let i = s.charCodeAt(0) === 45 ? 1 : 0
  const intStart = i
  let c = 0
  while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) i++
  const intEnd = i
  if (intEnd === intStart) return "InvalidFormat"
  if (intEnd - intStart > MAX_INTEGER_DIGITS) return "TooManyDigits"
  if (i === n) return make(BigInt(s), 0)
  if (c !== 46) return "InvalidFormat"
  i++
  const fracStart = i
  let lastNonZero = -1
  while (i < n) {
    c = s.charCodeAt(i)
    if (c < 48 || c > 57) return "InvalidFormat"
    if (c !== 48) lastNonZero = i
    i++
  }
  const fracLength = n - fracStart
  if (fracLength === 0) return "InvalidFormat"
  if (fracLength > MAX_PARSE_SCALE) return "TooManyDecimals"
  if (lastNonZero < 0) return make(BigInt(s.slice(0, intEnd)), 0)
  const units = BigInt(s.slice(0, intEnd) + s.slice(fracStart, lastNonZero + 1))
  // units != 0 because a non-zero fractional digit exists, and its last digit is non-zero.
  return new DecimalImpl(units, lastNonZero - fracStart + 1)
}

const parseMessage = (reason: DecimalErrorReason, s: string): string => {
  switch (reason) {
    case "TooManyDecimals":
      return `Invalid decimal ${quote(s)}: more than ${MAX_PARSE_SCALE} digits after the point`
    case "TooManyDigits":
      return `Invalid decimal ${quote(s)}: more than ${MAX_INTEGER_DIGITS} digits before the point`
    default:
      return `Invalid decimal ${quote(s)}: expected digits with an optional leading "-" and an optional fraction, like "-12.5"`
  }
}

/** Parses a decimal string losslessly; see the README for the accepted grammar. */
export const fromString = (s: string): Either.Either<Decimal, DecimalError> => {
  const r = parse(s)
  return typeof r === "string" ? Either.left(fail(r, parseMessage(r, s))) : Either.right(r)
}

/** Parses a decimal string the caller knows is valid (constants, tests); throws DecimalError otherwise. */
export const unsafeFromString = (s: string): Decimal => {
  const r = parse(s)
  if (typeof r === "string") throw fail(r, parseMessage(r, s))
  return r
}

/** Canonical text: no exponent, no trailing zeros, no "-0", "0" for zero; what `fromString` reads back. */
export const format = (d: Decimal): string => {
  const { scale, units } = d
  if (scale === 0) return units.toString()
  const negative = units < 0n
  let digits = (negative ? -units : units).toString()
  if (digits.length <= scale) digits = "0".repeat(scale - digits.length + 1) + digits
  const point = digits.length - scale
  return (negative ? "-" : "") + digits.slice(0, point) + "." + digits.slice(point)
}

// ---------------------------------------------------------------------------------------
// Constructors and conversions
// ---------------------------------------------------------------------------------------

/** An integer as a Decimal. */
export const fromBigInt = (n: bigint): Decimal => (n === 0n ? zero : new DecimalImpl(n, 0))

/** A safe JavaScript integer as a Decimal; throws DecimalError for fractions, NaN or unsafe integers. */
export const fromInt = (n: number): Decimal => {
  if (!Number.isSafeInteger(n)) throw fail("InvalidInteger", `fromInt: ${n} is not a safe integer`)
  return n === 0 ? zero : new DecimalImpl(BigInt(n), 0)
}

/** `units / 10^scale`, e.g. satoshis at scale 8 or ticks at a venue's price precision. */
export const fromScaled = (units: bigint, scale: number): Decimal => {
  checkScale(scale, "fromScaled")
  return make(units, scale)
}

/**
 * `d * 10^scale` as a bigint, exactly. Throws DecimalError (InexactConversion) if `d` has
 * more than `scale` fractional digits: a hot path must never silently drop precision.
 */
export const toScaled = (d: Decimal, scale: number): bigint => {
  checkScale(scale, "toScaled")
  if (d.scale > scale) {
    throw fail("InexactConversion", `toScaled: ${format(d)} has more than ${scale} digits after the point`)
  }
  return d.scale === scale ? d.units : d.units * pow10(scale - d.scale)
}

/** Brings `a` and `b` to a common scale; returns the two coefficients and that scale through `aligned`. */
const aligned = { a: 0n, b: 0n, scale: 0 }
const align = (a: Decimal, b: Decimal): void => {
  if (a.scale === b.scale) {
    aligned.a = a.units
    aligned.b = b.units
    aligned.scale = a.scale
  } else if (a.scale > b.scale) {
    aligned.a = a.units
    aligned.b = b.units * pow10(a.scale - b.scale)
    aligned.scale = a.scale
  } else {
    aligned.a = a.units * pow10(b.scale - a.scale)
    aligned.b = b.units
    aligned.scale = b.scale
  }
}

const checkStep = (step: Decimal, what: string): void => {
  if (step.units <= 0n) throw fail("InvalidStep", `${what}: step must be positive, got ${format(step)}`)
}

/**
 * How many `step`s make `d` (ticks for a tick size, lots for a lot size). Throws
 * DecimalError (OffGrid) if `d` is not a whole number of steps, InvalidStep if `step <= 0`.
 */
export const toUnits = (d: Decimal, step: Decimal): bigint => {
  checkStep(step, "toUnits")
  align(d, step)
  const { a, b } = aligned
  if (a % b !== 0n) throw fail("OffGrid", `toUnits: ${format(d)} is not a multiple of ${format(step)}`)
  return a / b
}

/** `units * step`: the inverse of `toUnits`. */
export const fromUnits = (units: bigint, step: Decimal): Decimal => make(units * step.units, step.scale)

/**
 * The nearest double. For analytics and display only (PnL curves, statistics): a
 * number must never decide a price or a quantity. Goes through the decimal string so
 * the double is correctly rounded.
 */
export const toNumber = (d: Decimal): number => (d.scale === 0 ? Number(d.units) : Number(format(d)))

// ---------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------

/** `a + b`, exact. */
export const add = (a: Decimal, b: Decimal): Decimal => {
  // Both are normalised, so adding zero returns the other as it is (a first fill's running totals).
  // (Zero read from the number form, which is 0 exactly when `units` is: see `isZero`.)
  if (a.unitsN === 0) return b
  if (b.unitsN === 0) return a
  if (a.scale === b.scale) {
    // Exact number forms with a sum within 2^53 - 1 make an exact sum (as in `mul`).
    const n = a.unitsN + b.unitsN
    return make(a.units + b.units, a.scale, n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER ? n : undefined)
  }
  // Different scales: the finer operand's last digit is non-zero and the coarser one adds
  // zeros there, so the sum is already normalised and non-zero.
  if (a.scale > b.scale) return new DecimalImpl(a.units + b.units * pow10(a.scale - b.scale), a.scale)
  return new DecimalImpl(a.units * pow10(b.scale - a.scale) + b.units, b.scale)
}

/** `a - b`, exact. */
export const sub = (a: Decimal, b: Decimal): Decimal => {
  if (a.scale === b.scale) {
    const n = a.unitsN - b.unitsN
    return make(a.units - b.units, a.scale, n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER ? n : undefined)
  }
  if (a.scale > b.scale) return new DecimalImpl(a.units - b.units * pow10(a.scale - b.scale), a.scale)
  return new DecimalImpl(a.units * pow10(b.scale - a.scale) - b.units, b.scale)
}

/** `a * b`, exact (the result's scale is at most the sum of the operands' scales). */
export const mul = (a: Decimal, b: Decimal): Decimal => {
  // Both number forms exact and their product within 2^53 - 1: the product is exact too (a
  // true product beyond it rounds to at least 2^53, and NaN fails both tests), so the
  // bigint product needs no conversion back.
  const n = a.unitsN * b.unitsN
  return make(a.units * b.units, a.scale + b.scale, n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER ? n : undefined)
}

/** `-d`. */
export const neg = (d: Decimal): Decimal => (d.unitsN === 0 ? zero : new DecimalImpl(-d.units, d.scale))

/** `|d|`. */
export const abs = (d: Decimal): Decimal => (isNegative(d) ? new DecimalImpl(-d.units, d.scale) : d)

/** `n / d` over bigints, rounded as asked. */
const divRound = (n: bigint, d: bigint, rounding: Rounding): bigint => {
  const q = n / d
  const r = n % d
  if (r === 0n) return q
  const negative = n < 0n !== d < 0n
  const away = negative ? q - 1n : q + 1n
  switch (rounding) {
    case "down":
      return q
    case "up":
      return away
    case "floor":
      return negative ? away : q
    case "ceil":
      return negative ? q : away
    default: {
      const twiceR = r < 0n ? -2n * r : 2n * r
      const absD = d < 0n ? -d : d
      if (twiceR < absD) return q
      if (twiceR > absD) return away
      if (rounding === "half-up") return away
      if (rounding === "half-down") return q
      return q % 2n === 0n ? q : away
    }
  }
}

/**
 * `a / b` rounded to `scale` fractional digits with `rounding`. Division is the one
 * operation that cannot be exact in general, so the caller states the precision and the
 * direction. Throws DecimalError (DivisionByZero, InvalidScale).
 */
export const div = (a: Decimal, b: Decimal, scale: number, rounding: Rounding): Decimal => {
  if (b.units === 0n) throw fail("DivisionByZero", `div: ${format(a)} / 0`)
  checkScale(scale, "div")
  // a/b = (a.units / b.units) * 10^(b.scale - a.scale); we want that * 10^scale as an integer.
  const e = scale + b.scale - a.scale
  const q = e >= 0 ? divRound(a.units * pow10(e), b.units, rounding) : divRound(a.units, b.units * pow10(-e), rounding)
  return make(q, scale)
}

/** `d` rounded to at most `scale` fractional digits. */
export const round = (d: Decimal, scale: number, rounding: Rounding): Decimal => {
  checkScale(scale, "round")
  if (d.scale <= scale) return d
  return make(divRound(d.units, pow10(d.scale - scale), rounding), scale)
}

/** True if `d` is a whole number of `step`s (a price on the tick grid, a quantity on the lot grid). */
export const isMultipleOf = (d: Decimal, step: Decimal): boolean => {
  checkStep(step, "isMultipleOf")
  align(d, step)
  return aligned.a % aligned.b === 0n
}

/** `d` moved onto the grid of `step` with `rounding` (e.g. "floor" for a sell price, "down" for a quantity). */
export const roundToStep = (d: Decimal, step: Decimal, rounding: Rounding): Decimal => {
  checkStep(step, "roundToStep")
  align(d, step)
  const { b, scale } = aligned
  return make(divRound(aligned.a, b, rounding) * b, scale)
}

// ---------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`: a total order. */
export const compare = (a: Decimal, b: Decimal): -1 | 0 | 1 => {
  let x = a.units
  let y = b.units
  if (a.scale !== b.scale) {
    // Different signs decide without scaling.
    if (x < 0n !== y < 0n) return x < 0n ? -1 : 1
    if (a.scale > b.scale) y *= pow10(a.scale - b.scale)
    else x *= pow10(b.scale - a.scale)
  }
  return x < y ? -1 : x > y ? 1 : 0
}

/** Value equality (normalisation makes it structural). */
export const equals = (a: Decimal, b: Decimal): boolean => a.units === b.units && a.scale === b.scale

/** `a < b`. */
export const lessThan = (a: Decimal, b: Decimal): boolean => compare(a, b) < 0

/** `a <= b`. */
export const lessThanOrEqual = (a: Decimal, b: Decimal): boolean => compare(a, b) <= 0

/** `a > b`. */
export const greaterThan = (a: Decimal, b: Decimal): boolean => compare(a, b) > 0

/** `a >= b`. */
export const greaterThanOrEqual = (a: Decimal, b: Decimal): boolean => compare(a, b) >= 0

// The sign tests read the number form `unitsN`: `Number(units)` when that is exact, which has
// the sign of `units` and is 0 exactly when `units` is 0n, else NaN (every comparison false),
// and only then the bigint. A bigint comparison in optimised code costs about 16 instructions
// more than a number's (risk's internal/fixed.ts measured it), and these run several times
// per order (the OMS's checks, the state machine, every `add`).

/** `d == 0`. */
export const isZero = (d: Decimal): boolean => d.unitsN === 0

/** `d < 0`. */
export const isNegative = (d: Decimal): boolean => d.unitsN < 0 || (d.unitsN !== d.unitsN && d.units < 0n)

/** `d > 0`. */
export const isPositive = (d: Decimal): boolean => d.unitsN > 0 || (d.unitsN !== d.unitsN && d.units > 0n)

/** -1, 0 or 1 by the sign of `d`. */
export const sign = (d: Decimal): -1 | 0 | 1 => (isNegative(d) ? -1 : isPositive(d) ? 1 : 0)

/** The smaller of `a` and `b` (`a` on a tie). */
export const min = (a: Decimal, b: Decimal): Decimal => (compare(b, a) < 0 ? b : a)

/** The larger of `a` and `b` (`a` on a tie). */
export const max = (a: Decimal, b: Decimal): Decimal => (compare(b, a) > 0 ? b : a)

/** The sum of a list (zero for none). */
export const sum = (ds: Iterable<Decimal>): Decimal => {
  let acc = zero
  for (const d of ds) acc = add(acc, d)
  return acc
}

// ---------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------

/** The Decimal type as a schema (for struct fields already holding Decimals, and arbitraries). */
export const DecimalSchema: Schema.Schema<Decimal> = Schema.declare(isDecimal, {
  identifier: "Decimal",
  description: "an exact decimal",
  pretty: () => (d) => `Decimal(${format(d)})`,
  equivalence: () => equals,
  arbitrary: () => (fc) =>
    fc
      .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: MAX_PARSE_SCALE }))
      .map(([units, scale]) => make(units, scale))
})

/** A Decimal encoded as its canonical string; decoding fails with a message naming the bad value. */
export const DecimalFromString: Schema.Schema<Decimal, string> = Schema.transformOrFail(Schema.String, DecimalSchema, {
  strict: true,
  decode: (s, _, ast) => {
    const r = parse(s)
    return typeof r === "string" ? ParseResult.fail(new ParseResult.Type(ast, s, parseMessage(r, s))) : ParseResult.succeed(r)
  },
  encode: (d) => ParseResult.succeed(format(d))
}).annotations({ identifier: "DecimalFromString" })

/** A strictly positive Decimal as a string (tick sizes, lot sizes, order quantities). */
export const PositiveDecimalFromString: Schema.Schema<Decimal, string> = DecimalFromString.pipe(
  Schema.filter((d) => isPositive(d) || `Expected a positive decimal, got ${format(d)}`)
).annotations({ identifier: "PositiveDecimalFromString" })

/** A Decimal `>= 0` as a string (filled quantities, notional limits). */
export const NonNegativeDecimalFromString: Schema.Schema<Decimal, string> = DecimalFromString.pipe(
  Schema.filter((d) => !isNegative(d) || `Expected a non-negative decimal, got ${format(d)}`)
).annotations({ identifier: "NonNegativeDecimalFromString" })
