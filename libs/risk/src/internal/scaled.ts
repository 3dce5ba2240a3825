/**
 * Scaled-integer arithmetic of the hot path. Every quantity, price, balance, leverage and
 * contract size inside the engine is a bigint at one fixed scale (`SCALE` = 18 places,
 * the most any domain decimal string carries), so values of different instruments add and
 * compare without conversion; products of two such values are at scale 36.
 */
import { Decimal } from "@odum/domain"

/** Fractional digits of every scaled quantity, price, balance and leverage. */
export const SCALE = 18

/** 10^SCALE: the scaled form of 1. */
export const ONE = 10n ** 18n

const POW10: ReadonlyArray<bigint> = Array.from({ length: 2 * SCALE + 1 }, (_, i) => 10n ** BigInt(i))

/** 10^n for the small n the engine meets. */
export const pow10 = (n: number): bigint => POW10[n] ?? 10n ** BigInt(n)

/**
 * `d * 10^18` exactly, or `undefined` if `d` has more than 18 fractional digits (so it
 * is on no grid the engine knows). No throw, no allocation beyond the bigint.
 */
export const fromDecimal = (d: Decimal.Decimal): bigint | undefined => {
  const s = d.scale
  if (s === SCALE) return d.units
  if (s < SCALE) return d.units * (POW10[SCALE - s] as bigint)
  return undefined
}

/** A scale-18 value as canonical decimal text (for messages: the denial path only). */
export const format18 = (x: bigint): string => Decimal.format(Decimal.fromScaled(x, SCALE))

/** A scale-36 value as canonical decimal text. */
export const format36 = (x: bigint): string => Decimal.format(Decimal.fromScaled(x, 2 * SCALE))

/** `ceil(a / b)` for `a >= 0`, `b > 0`: rounding that never understates a requirement. */
export const ceilDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b
  return q * b === a ? q : q + 1n
}

/** `|x|`. */
export const abs = (x: bigint): bigint => (x < 0n ? -x : x)
