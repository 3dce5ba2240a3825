/**
 * What a venue lists for one instrument: its grid (tick, lot), limits, fees and contract
 * terms. Loaded at the edge (from a venue's markets endpoint or config), decoded once, then
 * read on the hot path as plain data.
 */
import * as Schema from "effect/Schema"
import * as Decimal from "./Decimal.js"
import type { Liquidity } from "./Fill.js"
import { Venue } from "./Ids.js"

/** The instrument's kind, as in canonical ids. */
export const InstrumentKind = Schema.Literal("SPOT", "PERPETUAL", "FUTURE", "OPTION").annotations({
  identifier: "InstrumentKind"
})
/** SPOT, PERPETUAL, FUTURE or OPTION. */
export type InstrumentKind = typeof InstrumentKind.Type

/**
 * How a contract's value relates to its price. LINEAR: worth `contractSize * price` quote
 * units (spot, USDT-margined). INVERSE: worth `contractSize` quote units, i.e.
 * `contractSize / price` of the base coin (Deribit and COIN-M). QUANTO: quoted in one
 * currency, settled in another at a fixed multiplier; its notional is computed as LINEAR
 * (`contractSize` being the multiplier) and is in the settlement asset.
 */
export const ContractType = Schema.Literal("LINEAR", "INVERSE", "QUANTO").annotations({ identifier: "ContractType" })
/** LINEAR, INVERSE or QUANTO. */
export type ContractType = typeof ContractType.Type

/** An option's right. */
export const OptionRight = Schema.Literal("CALL", "PUT").annotations({ identifier: "OptionRight" })
/** CALL or PUT. */
export type OptionRight = typeof OptionRight.Type

const Asset = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9._-]{1,32}$/, { message: () => "an asset code like BTC or USDT" }))

/** Fields of InstrumentSpec, for schemas that extend it. */
export const InstrumentSpecFields = {
  /** Canonical instrument id, e.g. "BINANCE-FUTURES:PERPETUAL:BTC-USDT". */
  canonicalId: Schema.NonEmptyTrimmedString,
  venue: Venue,
  baseAsset: Asset,
  quoteAsset: Asset,
  /** The asset PnL and margin are paid in (the quote for linear, the base coin for inverse). */
  settlementAsset: Asset,
  kind: InstrumentKind,
  /** Price grid step. */
  tickSize: Decimal.PositiveDecimalFromString,
  /** Quantity grid step (in contracts for derivatives). */
  lotSize: Decimal.PositiveDecimalFromString,
  minQuantity: Decimal.NonNegativeDecimalFromString,
  maxQuantity: Schema.optional(Decimal.PositiveDecimalFromString),
  /** Smallest order notional the venue accepts, in the notional currency (see `notionalAsset`). */
  minNotional: Schema.optional(Decimal.NonNegativeDecimalFromString),
  /** Fee as a fraction of notional ("0.0002" = 2 bp); negative is a rebate. */
  makerFee: Decimal.DecimalFromString,
  /** Fee as a fraction of notional; negative is a rebate. */
  takerFee: Decimal.DecimalFromString,
  /** Units of the underlying per contract (1 for spot). */
  contractSize: Decimal.PositiveDecimalFromString,
  contractType: ContractType,
  /** Expiry, epoch milliseconds (UTC); required for FUTURE and OPTION. */
  expiry: Schema.optional(Schema.NonNegativeInt),
  strike: Schema.optional(Decimal.PositiveDecimalFromString),
  right: Schema.optional(OptionRight)
}

/** An instrument as a venue lists it; cross-field rules are checked on decode. */
export const InstrumentSpec = Schema.Struct(InstrumentSpecFields).pipe(
  Schema.filter((s) => {
    const issues: Array<string> = []
    if (s.kind === "OPTION" && (s.strike === undefined || s.right === undefined || s.expiry === undefined)) {
      issues.push("an OPTION needs strike, right and expiry")
    }
    if (s.kind !== "OPTION" && (s.strike !== undefined || s.right !== undefined)) {
      issues.push(`a ${s.kind} has no strike or right`)
    }
    if (s.kind === "FUTURE" && s.expiry === undefined) issues.push("a FUTURE needs an expiry")
    if (s.kind === "SPOT" && s.contractType !== "LINEAR") issues.push("a SPOT instrument is LINEAR")
    if (s.maxQuantity !== undefined && Decimal.lessThan(s.maxQuantity, s.minQuantity)) {
      issues.push("maxQuantity is below minQuantity")
    }
    return issues.length === 0 || `${s.canonicalId}: ${issues.join("; ")}`
  }),
  Schema.annotations({ identifier: "InstrumentSpec" })
)
/** An instrument as a venue lists it. */
export type InstrumentSpec = typeof InstrumentSpec.Type

/** True if `price` is a whole number of ticks. */
export const isPriceOnGrid = (spec: InstrumentSpec, price: Decimal.Decimal): boolean =>
  Decimal.isMultipleOf(price, spec.tickSize)

/** True if `quantity` is a whole number of lots. */
export const isQuantityOnGrid = (spec: InstrumentSpec, quantity: Decimal.Decimal): boolean =>
  Decimal.isMultipleOf(quantity, spec.lotSize)

/** Scale of an inverse notional: 18 places is below every coin's smallest unit (wei is 1e-18). */
export const INVERSE_NOTIONAL_SCALE = 18

/**
 * The value of `quantity` contracts at `price`, in `notionalAsset(spec)`.
 * LINEAR and QUANTO: `quantity * contractSize * price`, exact.
 * INVERSE: `quantity * contractSize / price`, rounded to `scale` places (default 18) with
 * `rounding` (default "half-even": unbiased for aggregates; risk checks that must not
 * understate can pass "up"). Throws DecimalError on a zero price for inverse contracts.
 */
export const notional = (
  spec: InstrumentSpec,
  quantity: Decimal.Decimal,
  price: Decimal.Decimal,
  scale: number = INVERSE_NOTIONAL_SCALE,
  rounding: Decimal.Rounding = "half-even"
): Decimal.Decimal => {
  const face = Decimal.mul(quantity, spec.contractSize)
  return spec.contractType === "INVERSE" ? Decimal.div(face, price, scale, rounding) : Decimal.mul(face, price)
}

/** The asset `notional` is expressed in: the quote for LINEAR, the base coin for INVERSE, the settlement asset for QUANTO. */
export const notionalAsset = (spec: InstrumentSpec): string =>
  spec.contractType === "INVERSE" ? spec.baseAsset : spec.contractType === "QUANTO" ? spec.settlementAsset : spec.quoteAsset

/** The fee for a fill of this notional (negative: a rebate), exact. */
export const fee = (spec: InstrumentSpec, notionalValue: Decimal.Decimal, liquidity: Liquidity): Decimal.Decimal =>
  Decimal.mul(notionalValue, liquidity === "MAKER" ? spec.makerFee : spec.takerFee)
