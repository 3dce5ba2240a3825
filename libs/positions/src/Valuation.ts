/**
 * The one valuation function every figure goes through, so PnL, basis, marks and
 * aggregates agree to the last digit.
 *
 * `value(size, price)` is the settlement-currency value of a signed `size` at `price`:
 * - LINEAR (linear and quanto contracts, spot, and options on their premium): `size * price`, exact.
 * - INVERSE: `-size / price`, rounded to SCALE places half-even. The minus sign makes a
 *   long worth more when the price rises, as for linear contracts, so one set of
 *   formulas serves both.
 * A fill of signed size `s` at `p` pays `value(s, p)`; a position of size `S` is worth
 * `value(S, mark)`; PnL is what was received minus what was paid.
 */
import { Decimal } from "@odum/domain"

/** Places kept by every division (inverse values, basis released on partial closes, average prices). */
export const SCALE = 18

/** Rounding of every division: unbiased, so rounding errors do not drift one way over many fills. */
export const ROUNDING: Decimal.Rounding = "half-even"

/** How a contract is valued. */
export type Valuation = "LINEAR" | "INVERSE"

/** Settlement-currency value of signed `size` at `price` (see the module comment). */
export const value = (valuation: Valuation, size: Decimal.Decimal, price: Decimal.Decimal): Decimal.Decimal =>
  valuation === "LINEAR" ? Decimal.mul(size, price) : Decimal.div(Decimal.neg(size), price, SCALE, ROUNDING)

/**
 * The price at which `size` is worth `worth`: the inverse of `value`. For a cost basis it
 * is the average entry price (size-weighted for linear, harmonic for inverse); for a market
 * value it is the current price. Undefined when there is no such price (flat, or no value).
 */
export const priceOf = (
  valuation: Valuation,
  size: Decimal.Decimal,
  worth: Decimal.Decimal
): Decimal.Decimal | undefined => {
  if (Decimal.isZero(size) || Decimal.isZero(worth)) return undefined
  return valuation === "LINEAR"
    ? Decimal.div(worth, size, SCALE, ROUNDING)
    : Decimal.div(Decimal.neg(size), worth, SCALE, ROUNDING)
}

/** `basis * part / whole`, the share of the basis that `part` of a position of `whole` carries (all magnitudes). */
export const share = (basis: Decimal.Decimal, part: Decimal.Decimal, whole: Decimal.Decimal): Decimal.Decimal =>
  Decimal.div(Decimal.mul(basis, part), whole, SCALE, ROUNDING)
