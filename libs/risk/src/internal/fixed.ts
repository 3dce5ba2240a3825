/**
 * Exact scaled integers held in JS numbers, for the hot path (the bigint forms in
 * `scaled.ts` stay the reference and the fallback).
 *
 * A number here is always an integer count of units at a known scale (decimal places),
 * and is used only while it is provably exact: every input is checked to be a safe
 * integer within a bound, and every product is checked to stay below the bound before it
 * is used. Nothing is ever rounded by floating point: a value that would not be exact is
 * handed to the bigint code instead. The bounds leave headroom so that the few additions
 * the engine makes of bounded values (position + open orders + order) cannot leave the
 * safe range (2^53) without a check.
 */

// The bounds and scales below are written out as literals in the functions of the hot path
// (with the constant's name beside them): a bundler (esbuild, tsup) turns a module constant
// into a `var`, which V8 neither folds nor types, so each use was a context load and a number
// check (2^50 and 1e12 are heap numbers). Keep each literal equal to its constant.
// Likewise the hot path compares boolean fields with `true` (`spec.spot === true`): V8 compiles
// a bare truth test of a field it cannot type to its generic ToBoolean (false, "", undetectable,
// heap number and bigint checks: about nine instructions more for a true value).
// Likewise a hot function's NaN answer, on a branch that never runs before it is optimised, is
// written `0 / 0`: TurboFan folds that to a double constant, but the global `NaN` there has no
// feedback and compiles to a generic global load (a LoadGlobalIC call) of any type, so the value
// merging it is tagged: each number the common path answers was boxed (a heap number allocated
// when it is not a small integer) and unboxed again by the caller.

/** Bound on quantities and prices kept as numbers: sums of up to 8 of them stay below 2^53. */
export const LIM = 2 ** 50

/** Bound on products (values, exposures): a difference of two stays below 2^53. */
export const VLIM = 2 ** 52

const VLIM_B = BigInt(VLIM)

/** Fractional digits of an `Acc` (sums across instruments of different scales). */
export const F = 12

/** 10^F. */
export const FS = 1e12

/** Bound on the whole part of an `Acc`. */
export const WLIM = 2 ** 51

/** 10^n as a number, exact for n <= 22. */
export const P10: ReadonlyArray<number> = Array.from({ length: 23 }, (_, i) => 10 ** i)

/** 10^n as a bigint, n <= 72. */
export const B10: ReadonlyArray<bigint> = Array.from({ length: 73 }, (_, i) => 10n ** BigInt(i))

/** The remainder of the last `divFloor` (a module slot, so the split allocates nothing). */
let rem = 0

/**
 * `floor(v / d)` exactly, its remainder (in [0, d)) left in `rem`, for integers
 * |v| <= 2^52 and 0 < d <= 2^52, without `%` (which V8 does in a slow fmod call for values
 * outside the small-integer range). The division is rounded but off by at most one (the
 * quotient is below 2^52), and `v - w * d` is exact (|w * d| <= 2^53), so one correction
 * step makes it exact.
 */
const divFloor = (v: number, d: number): number => {
  let w = Math.floor(v / d)
  let r = v - w * d
  if (r < 0) {
    w -= 1
    r += d
  } else if (r >= d) {
    w += 1
    r -= d
  }
  rem = r
  return w
}

/** True if `d` divides `v` (integers, |v| <= 2^52, 0 < d <= 2^52). */
export const isMultiple = (v: number, d: number): boolean => {
  divFloor(v, d)
  return rem === 0
}

/** `floor(v / d)` (integers, |v| <= 2^52, 0 < d <= 2^52). */
export const floorDivN = (v: number, d: number): number => divFloor(v, d)

/** `ceil(v / d)` (integers, |v| <= 2^52, 0 < d <= 2^52). */
export const ceilDivN = (v: number, d: number): number => {
  const w = divFloor(v, d)
  return rem === 0 ? w : w + 1
}

/**
 * A domain Decimal as a count of units at `scale`, or NaN when that is not an exact integer
 * within `LIM` (more places than `scale`, or too large). Reads the Decimal's number form
 * (`unitsN`, exact or NaN), so no bigint is converted here.
 */
export const unitsAt = (d: { readonly unitsN: number; readonly scale: number }, scale: number): number => {
  if (d.scale > scale) return 0 / 0 // NaN (see the note on `0 / 0` above)
  const x = d.unitsN * (P10[scale - d.scale] as number)
  // A product above 2^53 may be rounded, but never to below 2^53: the bound rejects it (and NaN).
  return x <= 1125899906842624 && x >= -1125899906842624 ? x : 0 / 0 // LIM; NaN
}

/**
 * `d > 0` for a domain Decimal, read from its number form when it is exact (`unitsN` has the
 * sign of `units`, or is NaN): a bigint comparison costs about 16 instructions more.
 */
export const positive = (d: { readonly unitsN: number; readonly units: bigint }): boolean =>
  d.unitsN > 0 || (d.unitsN !== d.unitsN && d.units > 0n)

/** A scale-18 bigint as units at `scale` (<= 18), or NaN when not exact within `LIM`. */
export const unitsOf18 = (x: bigint, scale: number): number => {
  const d = B10[18 - scale] as bigint
  if (x % d !== 0n) return NaN
  const n = Number(x / d)
  return n <= LIM && n >= -LIM ? n : NaN
}

/** `a * b` when the product is within `VLIM` (hence exact), else NaN. */
export const mul = (a: number, b: number): number => {
  const x = a * b
  return x <= 4503599627370496 && x >= -4503599627370496 ? x : 0 / 0 // VLIM; NaN
}

/** `x` (an integer number at `scale`) as a bigint at scale 36. */
export const toB36 = (x: number, scale: number): bigint => BigInt(x) * (B10[36 - scale] as bigint)

/** Bigint form of 2^53: every number the fast path compares with a limit is below it. */
export const SAFE_B = 2n ** 53n

/**
 * A limit compared with an `Acc`: a value at F places exceeds the limit iff it exceeds
 * `floor(limit * 10^F) / 10^F`, so the limit is kept as that, split like an Acc. A limit
 * whose whole part is 2^53 or more has `w = Infinity`: every sum the fast path forms
 * (an Acc within 2^51 plus values within 2^52) is below it.
 */
export interface AccLimit {
  readonly w: number
  readonly f: number
}

/** Splits a non-negative scale-36 limit (see `AccLimit`). */
export const accLimit36 = (x: bigint): AccLimit => {
  const w = x / (B10[36] as bigint)
  if (w >= SAFE_B) return { w: Infinity, f: 0 }
  return { w: Number(w), f: Number((x % (B10[36] as bigint)) / (B10[36 - F] as bigint)) }
}

/** Splits a non-negative scale-18 limit. */
export const accLimit18 = (x: bigint): AccLimit => accLimit36(x * (B10[18] as bigint))

const UNIT_B = B10[36 - F] as bigint
const E36 = B10[36] as bigint
const E18 = B10[18] as bigint
const WLIM_B = BigInt(WLIM)

/** `floor(x / d)` for bigints of any sign (`/` truncates towards zero). */
const floorDiv = (x: bigint, d: bigint): bigint => {
  const q = x / d
  return x < 0n && q * d !== x ? q - 1n : q
}

/**
 * An exact sum of values of different scales: `w + f / 10^12` with `w` an integer within
 * 2^51 and `0 <= f < 10^12`, while every addend has at most 12 places; otherwise the
 * exact sum is a bigint at scale 36 (`slow`, until it fits again), and `w`, `f` hold its
 * floor at 12 places with `ix` = 1 if that floor is below it (so `w, f + ix` is its
 * ceiling), unless even that is beyond 2^51 (`huge`). The sums the book keeps across
 * instruments (gross exposures, balances, asset positions) are these; comparisons on the
 * fast path use the floor or the ceiling, whichever makes them conservative, so a slow
 * sum can still prove an allow and never proves a wrong one.
 */
export class Acc {
  w = 0
  f = 0
  ix = 0
  slow = false
  huge = false
  big = 0n

  /** Adds `v`, an integer number of units at `scale` (<= F), |v| <= 2^53. */
  addN(v: number, scale: number): void {
    if (v === 0) return
    if (this.slow || v > 4503599627370496 || v < -4503599627370496) {
      // (VLIM)
      this.assignB(this.toBig36() + toB36(v, scale))
      return
    }
    const w = this.w + divFloor(v, P10[scale] as number)
    let f = this.f + rem * (P10[12 - scale] as number) // both in [0, 10^F) (F = 12)
    if (f >= 1e12) {
      // (FS, WLIM)
      f -= 1e12
      if (w + 1 > 2251799813685248) {
        this.assignB(this.toBig36() + toB36(v, scale))
        return
      }
      this.w = w + 1
    } else if (w > 2251799813685248 || w < -2251799813685248) {
      // (WLIM)
      this.assignB(this.toBig36() + toB36(v, scale))
      return
    } else this.w = w
    this.f = f
  }

  /** Adds a bigint at scale 36 (the exact fallback). */
  addB(x36: bigint): void {
    if (x36 === 0n) return
    if (!this.slow && x36 % UNIT_B === 0n) {
      const u = x36 / UNIT_B
      if (u <= VLIM_B && u >= -VLIM_B) {
        this.addN(Number(u), F)
        return
      }
    }
    this.assignB(this.toBig36() + x36)
  }

  /** Sets the sum to `x36` (scale 36): numbers if it fits exactly, else bigint (with its floor). */
  assignB(x36: bigint): void {
    const u = floorDiv(x36, UNIT_B)
    const exact = u * UNIT_B === x36
    const e12 = B10[F] as bigint
    const fB = u - floorDiv(u, e12) * e12
    const wB = (u - fB) / e12
    this.huge = wB > WLIM_B || wB < -WLIM_B
    this.w = this.huge ? 0 : Number(wB)
    this.f = this.huge ? 0 : Number(fB)
    this.ix = exact ? 0 : 1
    this.slow = this.huge || !exact
    this.big = this.slow ? x36 : 0n
  }

  /** The value at scale 36. */
  toBig36(): bigint {
    if (this.slow) return this.big
    return BigInt(this.w) * E36 + BigInt(this.f) * UNIT_B
  }

  /** The value at scale 18 (for sums of values with at most 18 places: balances, asset positions). */
  toBig18(): bigint {
    if (this.slow) return this.big / E18
    return BigInt(this.w) * E18 + BigInt(this.f) * (B10[18 - F] as bigint)
  }

  /**
   * True unless `this + v` (v >= 0 an integer at `scale` <= F, v <= VLIM) is proven not
   * to exceed `limit` (by the ceiling of a slow sum). Not for huge sums.
   */
  plusExceeds(v: number, scale: number, limit: AccLimit): boolean {
    let w = this.w + divFloor(v, P10[scale] as number)
    // (F = 12, FS = 1e12)
    let f = this.f + this.ix + rem * (P10[12 - scale] as number)
    if (f >= 1e12) {
      f -= 1e12
      w += 1
    }
    return w > limit.w || (w === limit.w && f > limit.f)
  }

  /**
   * True if this sum is proven at least `v` (>= 0, an integer at `scale` <= F), by its floor. Not for huge sums.
   * `v <= w * 10^scale` proves it without splitting `v` (the fraction `f` is never negative), when
   * that product is exact (within VLIM, written out: see above): a balance that covers an
   * order many times over (the backtest's every buy) then costs a product and two comparisons,
   * where `divFloor` was a call (~70 instructions: the fast path of `check` has no inlining budget left for it).
   */
  covers(v: number, scale: number): boolean {
    const x = this.w * (P10[scale] as number)
    return (v <= x && x <= 4503599627370496) || this.coversSplit(v, scale) // (VLIM)
  }

  /** `covers` past its shortcut: `v` split into its whole part and fraction, compared with the sum's. */
  private coversSplit(v: number, scale: number): boolean {
    const w = divFloor(v, P10[scale] as number)
    const f = rem * (P10[12 - scale] as number) // (F)
    return w < this.w || (w === this.w && f <= this.f)
  }
}

/** An empty sum (reads only). */
export const ZERO: Acc = new Acc()

/**
 * True if `(neg ? -a : a) + b + v / 10^scale <= limit` is proven (v >= 0 at `scale` <= F,
 * v <= VLIM; `a`, `b` not huge): exactly for fast sums, with the ceiling of `a` (the
 * floor when negated) and of `b` for slow ones.
 */
export const sumWithin = (a: Acc, neg: boolean, b: Acc, v: number, scale: number, limit: AccLimit): boolean => {
  let w = a.w
  let f = a.f
  if (neg) {
    if (f !== 0) {
      w = -w - 1
      f = FS - f
    } else w = -w
  } else f += a.ix
  w += b.w + divFloor(v, P10[scale] as number)
  f += b.f + b.ix + rem * (P10[F - scale] as number) // < 4 * 10^F
  while (f >= FS) {
    f -= FS
    w += 1
  }
  return w < limit.w || (w === limit.w && f <= limit.f)
}

/** Largest multiplier `withinTimes` takes: its partial products stay below 2^53. */
const MUL_MAX = 2 ** 32

/**
 * True if `v / 10^scale <= a * m` is proven (v >= 0 at `scale` <= F, v <= VLIM; `a` not
 * huge, by its floor when slow; m a positive integer <= 2^32). False when it is not so or the product
 * would not be exact (`m` or `a.w * m` too large, or NaN).
 */
export const withinTimes = (v: number, scale: number, a: Acc, m: number): boolean => {
  if (!(m > 0 && m <= MUL_MAX)) return false
  const wm = a.w * m
  if (!(wm <= VLIM && wm >= -VLIM)) return false
  // a.f * m in two halves of six digits, each product below 10^6 * 2^32 < 2^53.
  const fh = divFloor(a.f, 1e6)
  const hi = fh * m // scale 6
  const lo = rem * m // scale 12
  let w = wm + divFloor(hi, 1e6)
  let f = rem * 1e6
  w += divFloor(lo, FS)
  f += rem
  if (f >= FS) {
    f -= FS
    w += 1
  }
  const vw = divFloor(v, P10[scale] as number)
  const vf = rem * (P10[F - scale] as number)
  return vw < w || (vw === w && vf <= f)
}
