/**
 * Exact scaled integers held in JS numbers, for the routing hot path (the bigint code in
 * `Router.ts` stays the reference and the fallback).
 *
 * A number here is always an integer count of units at a known scale, used only while it
 * is provably exact: an input is taken only if it is within `SAFE` (2^53 - 1), and every
 * sum or product is checked to be within `SAFE` before it is used. For integers that
 * suffices: a result whose exact value is within `SAFE` is computed exactly, and one whose
 * exact value is beyond it comes out at least 2^53 (rounding is monotonic and 2^53 is a
 * double), so the check rejects it. `%` on doubles is exact (fmod), and `Number(bigint)`
 * of a value beyond `SAFE` rounds to at least 2^53, so the same check rejects it. Nothing is
 * ever rounded: a value that would not be exact sends the decision (or the candidate) to
 * the bigint code, which gives the same result.
 */

/** 2^53 - 1: every integer within it is a double. */
export const SAFE = Number.MAX_SAFE_INTEGER

/**
 * Bound on notionals kept as numbers (a listing's taken plus resting notional, a split
 * allocation's): at most 2^52, so a notional splits into a high half below 2^26 and a
 * low half below 2^26 for `setKey`. (4.5 × 10^15: 45,000 BTC at 100,000.00 with 8
 * decimal places of quantity.)
 */
export const NLIM = 2 ** 52

/** Bound (exclusive) on the magnitude of a cost factor in a comparison key (3.3 × 10^7: rates to 7 places). */
export const FLIM = 2 ** 25

/** The base of a key's halves (`Key`), and the bound a notional splits at in `setKey`. */
export const KEY_BASE = 2 ** 26
const HALF = KEY_BASE

/** `KEY_BASE` as a bigint. */
export const KEY_BASE_B = BigInt(KEY_BASE)

/** True if `x` is an integer number known to be exact: within `SAFE` (false for NaN). */
export const exact = (x: number): boolean => x <= SAFE && x >= -SAFE

/** `x` as a number when it is within `SAFE`, else NaN. */
export const num = (x: bigint): number => {
  const n = Number(x)
  return n <= SAFE && n >= -SAFE ? n : NaN
}

/**
 * `a % b` for exact integers `a >= 0`, `b > 0`: the same value, computed on 32-bit integers
 * when both fit (V8 compiles `%` on doubles to a call into C, and numbers taken from
 * bigints are doubles to it; on int32s it is a machine instruction).
 */
export const mod = (a: number, b: number): number =>
  a <= 0x7fffffff && b <= 0x7fffffff && a >= 0 && b > 0 ? (a | 0) % (b | 0) : a % b

/** `x` as a bigint (a number is an exact integer here). */
export const big = (x: bigint | number): bigint => (typeof x === "bigint" ? x : BigInt(x))

/** 10^n as a number, exact for n <= 22 (NaN beyond, so a product with it fails `exact`). */
export const P10N: ReadonlyArray<number> = Array.from({ length: 23 }, (_, i) => 10 ** i)

/** 10^n as a number, NaN when not exact. */
export const p10n = (n: number): number => P10N[n] ?? NaN

/** A comparison key: the exact integer `keyHi × 2^26 + keyLo`, `0 <= keyLo < 2^26`. */
export interface Key {
  keyHi: number
  keyLo: number
}

/**
 * Sets `k` to the exact value `x × f + y × g`, as `keyHi × 2^26 + keyLo`, for integers
 * `0 <= x, y <= NLIM` and `|f|, |g| < FLIM`. Each of `x`, `y` splits into a high and a low
 * part below 2^26, so every partial product and sum is below 2^53 in magnitude, hence
 * exact. Keys compare as (hi, lo) lexicographically (`keyLess`).
 */
export const setKey = (k: Key, x: number, f: number, y: number, g: number): void => {
  const xh = Math.floor(x / HALF) // division by a power of two is exact
  const yh = Math.floor(y / HALF)
  let hi = xh * f + yh * g // |.| <= 2 × 2^26 × 2^25 = 2^52
  let lo = (x - xh * HALF) * f + (y - yh * HALF) * g // |.| < 2 × 2^26 × 2^25 = 2^52
  const carry = Math.floor(lo / HALF) // |carry| < 2^26
  hi += carry
  lo -= carry * HALF
  k.keyHi = hi
  k.keyLo = lo
}

/** True if key `a` is below key `b`. */
export const keyLess = (a: Key, b: Key): boolean => a.keyHi < b.keyHi || (a.keyHi === b.keyHi && a.keyLo < b.keyLo)

let enabled = true

/**
 * How often a decision (or a part of one) left the fast path for the bigint code: a
 * listing whose grid or factors are not exact numbers, a walk, a notional or a split that
 * would leave the exact range. For the differential tests, which check both paths ran.
 *
 * @internal
 */
export const fallbacks = { count: 0 }

/**
 * Turns the number fast path on or off (it is on). For the differential tests only, which
 * route the same requests both ways and compare the decisions: not part of the public API.
 *
 * @internal
 */
export const setFastPath = (on: boolean): void => {
  enabled = on
}

/** Whether the number fast path is on. */
export const fastPathOn = (): boolean => enabled
