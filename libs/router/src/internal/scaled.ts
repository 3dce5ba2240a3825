/** Scaled-integer helpers for the routing hot path. */
import { Decimal } from "@odum/domain"

const POW10: ReadonlyArray<bigint> = Array.from({ length: 128 }, (_, i) => 10n ** BigInt(i))

/** 10^n from a table. */
export const pow10 = (n: number): bigint => POW10[n] ?? 10n ** BigInt(n)

/** `d` as units at scale `s`; the caller guarantees `d.scale <= s`. */
export const at = (d: Decimal.Decimal, s: number): bigint => (d.scale === s ? d.units : d.units * pow10(s - d.scale))

/** Compares `a / 10^sa` with `d`, exactly. */
export const compareTo = (a: bigint, sa: number, d: Decimal.Decimal): -1 | 0 | 1 => {
  let x = a
  let y = d.units
  if (d.scale < sa) y *= pow10(sa - d.scale)
  else if (d.scale > sa) x *= pow10(d.scale - sa)
  return x < y ? -1 : x > y ? 1 : 0
}

/** `d / 10^4`: basis points as a fraction, exactly. */
export const fromBps = (d: Decimal.Decimal): Decimal.Decimal => Decimal.fromScaled(d.units, d.scale + 4)

const E16 = 10n ** 16n
const E8 = 10n ** 8n
const E4 = 10n ** 4n

/**
 * `units / 10^scale` as a Decimal, stripping trailing zeros in chunks first: costs carry a
 * dozen or more of them (fee rate × notional scales add up) and `Decimal.fromScaled`
 * strips one digit per step.
 */
export const dec = (units: bigint, scale: number): Decimal.Decimal => {
  if (units === 0n) return Decimal.zero
  while (scale >= 16 && units % E16 === 0n) {
    units /= E16
    scale -= 16
  }
  if (scale >= 8 && units % E8 === 0n) {
    units /= E8
    scale -= 8
  }
  if (scale >= 4 && units % E4 === 0n) {
    units /= E4
    scale -= 4
  }
  if (scale >= 2 && units % 100n === 0n) {
    units /= 100n
    scale -= 2
  }
  return Decimal.fromScaled(units, scale)
}
