/**
 * Exact sums of decimals for the summary's hot path: every order and fill adds a few
 * decimals, which as `Decimal.add` cost a bigint and a decimal each. Here a sum is kept as
 * a safe integer count of units at a scale of at most 18 places while every addend and
 * every partial sum is provably exact; whatever is not (a coefficient beyond 2^53, more
 * than 18 places, a sum leaving the safe range) goes to a decimal remainder, so the total
 * is always the exact decimal sum.
 *
 * Exactness: a product of two safe integers (an addend scaled by an exact power of ten, a
 * price times a quantity) is exact when its exact value is at most 2^53 - 1, and otherwise
 * rounds to at least 2^53, which the range check refuses; the same holds for a sum or a
 * difference of two safe integers. Nothing is ever rounded by floating point: a value that
 * would not be exact takes the decimal path. Decimals are normalised, so the exact total
 * reads back as the same decimal (the same string) whichever path its parts took.
 */
import { Decimal } from "@odum/domain"

// Number.MAX_SAFE_INTEGER written out, not a module constant: a bundler turns that into a var,
// which V8 neither folds nor types (a load and a check per use on the hot path).
// NaN written `0 / 0`, which TurboFan folds to a double constant: the global `NaN` on a branch
// that has not run when the caller is optimised is a generic global load of any type, and the
// answer merging it was boxed (as in domain's Decimal.ts and risk's internal/fixed.ts).

/** Largest scale kept as a number. */
export const MAX_FAST_SCALE = 18

/** 10^n as a number (exact: every power up to 10^22 is a double). */
export const P10: ReadonlyArray<number> = Array.from({ length: MAX_FAST_SCALE + 1 }, (_, i) => 10 ** i)

/**
 * The coefficient of `d` as a safe integer when `d` has at most 18 places and fits; NaN
 * otherwise. No conversion: a decimal carries its coefficient as an exact number already
 * (`unitsN`, NaN beyond 2^53 - 1), which made a memo of the last conversion per place
 * (`UnitsMemo`, by identity) slower than reading it.
 */
export const unitsOf = (d: Decimal.Decimal): number => (d.scale <= MAX_FAST_SCALE ? d.unitsN : 0 / 0)

/** `a * b` for safe integers (or NaN) when the product is exact (within 2^53 - 1); NaN otherwise. */
export const mulExact = (a: number, b: number): number => {
  const x = a * b
  return x <= Number.MAX_SAFE_INTEGER && x >= -Number.MAX_SAFE_INTEGER ? x : 0 / 0
}

/** `a - b` for safe integers (or NaN) when the difference is within 2^53 - 1 (hence exact); NaN otherwise. */
export const subExact = (a: number, b: number): number => {
  const x = a - b
  return x <= Number.MAX_SAFE_INTEGER && x >= -Number.MAX_SAFE_INTEGER ? x : 0 / 0
}

/** `u * 10^k` (u a safe integer or NaN, 0 <= k <= 18) when exact; NaN otherwise. */
export const scaleUp = (u: number, k: number): number => (k === 0 ? u : mulExact(u, P10[k]!))

/** An exact running sum of decimals (see the module comment). */
export class ExactSum {
  /** The number part: integer units of `10^-scale`, a safe integer. */
  private n = 0
  private scale = 0
  /** The part beyond the number: zero while every addend fits. */
  private rest: Decimal.Decimal = Decimal.zero

  /** Adds `d`. */
  add(d: Decimal.Decimal): void {
    const u = unitsOf(d)
    if (u === u) this.addUnits(u, d.scale)
    else this.rest = Decimal.add(this.rest, d)
  }

  /**
   * Adds `units / 10^scale`; `units` must be a safe integer, `scale` a decimal scale (0 to Decimal's maximum).
   * Small, so that the summary's flushes inline it at every site: an addend at the sum's scale
   * or a coarser one (the sum's scale only grows, to the finest addend's) that fits is added
   * here, with `mulExact` written out; the rest goes to `addOther`. Whole, with its `mulExact`
   * calls, it was inlined once per flush and past TurboFan's budget: the second site and the
   * `mulExact` calls (a quarter of the addends, prices of 0, 1 and 2 places following one
   * another) were calls with their numbers boxed.
   */
  addUnits(units: number, scale: number): void {
    const s = this.scale
    if (scale <= s) {
      // `s` is at most 18, so `s - scale` indexes P10 (P10[0] is 1). One range check covers the
      // product too: `units * 10^k` (k >= 1) is even, so exact below 2^54; an inexact one is at
      // least 2^54 in magnitude, and so is beyond the safe range with `n` (at most 2^53 - 1) added.
      const m = units * P10[s - scale]!
      const t = this.n + m
      if (t <= Number.MAX_SAFE_INTEGER && t >= -Number.MAX_SAFE_INTEGER) {
        this.n = t
        return
      }
    }
    this.addOther(units, scale)
  }

  /** `addUnits` in every case. */
  private addOther(units: number, scale: number): void {
    if (scale <= MAX_FAST_SCALE) {
      const s = this.scale
      if (scale === s) {
        const t = this.n + units
        if (t <= Number.MAX_SAFE_INTEGER && t >= -Number.MAX_SAFE_INTEGER) {
          this.n = t
          return
        }
      } else if (scale > s) {
        const t = mulExact(this.n, P10[scale - s]!) + units
        if (t <= Number.MAX_SAFE_INTEGER && t >= -Number.MAX_SAFE_INTEGER) {
          this.n = t
          this.scale = scale
          return
        }
      } else {
        const t = this.n + mulExact(units, P10[s - scale]!)
        if (t <= Number.MAX_SAFE_INTEGER && t >= -Number.MAX_SAFE_INTEGER) {
          this.n = t
          return
        }
      }
      // The number part is full (or cannot take this scale): it moves into the decimal part and starts again.
      if (this.n !== 0) this.rest = Decimal.add(this.rest, Decimal.fromScaled(BigInt(this.n), s))
      this.n = units
      this.scale = scale
      return
    }
    this.rest = Decimal.add(this.rest, Decimal.fromScaled(BigInt(units), scale))
  }

  /** Adds `d` `times` times (`times` a positive safe integer). */
  addTimes(d: Decimal.Decimal, times: number): void {
    const u = mulExact(unitsOf(d), times)
    if (u === u) this.addUnits(u, d.scale)
    else this.rest = Decimal.add(this.rest, Decimal.mul(d, Decimal.fromInt(times)))
  }

  /** The exact sum. */
  value(): Decimal.Decimal {
    return this.n === 0 ? this.rest : Decimal.add(this.rest, Decimal.fromScaled(BigInt(this.n), this.scale))
  }
}

/**
 * An exact sum of decimals that mostly repeat one object: a fill's quantity (the strategy
 * sends the same decimal as every order's quantity, and a whole fill hands it back).
 * A run of the same object is counted, and added once, times its count, when another object
 * comes or the sum is read: an identity check per addend instead of an addition. Only for
 * addends that repeat: each new object is stored here (a young one through V8's write
 * barrier slow path). Terms built from several decimals (a fill's value and fee, an order's
 * quantities and slippage) are run-summed by the summary itself (results.ts, `FillRun`,
 * `OrderRun` and `SlipRun`), keyed on all their decimals at once, into plain `ExactSum`s.
 */
export class RunSum {
  private readonly sum = new ExactSum()
  private last: Decimal.Decimal | undefined = undefined
  private count = 0

  /** Adds `d`. */
  add(d: Decimal.Decimal): void {
    if (d === this.last) {
      this.count++
      return
    }
    this.flush()
    this.last = d
    this.count = 1
  }

  /** Adds `d` if it is the object added last (counted), and says so; else changes nothing. */
  repeat(d: Decimal.Decimal): boolean {
    if (d !== this.last) return false
    this.count++
    return true
  }

  /** The exact sum. */
  value(): Decimal.Decimal {
    this.flush()
    return this.sum.value()
  }

  private flush(): void {
    if (this.last !== undefined) this.sum.addTimes(this.last, this.count)
    this.last = undefined
    this.count = 0
  }
}

/** The sum of `key` in `sums`, created empty if missing. */
export const sumIn = (sums: Map<string, ExactSum>, key: string): ExactSum => {
  let s = sums.get(key)
  if (s === undefined) {
    s = new ExactSum()
    sums.set(key, s)
  }
  return s
}
