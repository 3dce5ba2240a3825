/**
 * Exposure: how much notional the positions carry, in one currency, in total and per
 * base asset, venue and strategy. Pure functions over position snapshots.
 *
 * Notional of one position, before conversion:
 * - spot, linear and quanto: `|size| * mark` in the position's `pnlAsset` (quote, or
 *   settlement asset for quanto); needs a mark;
 * - inverse: `|size|` in its quote currency (the contract face, e.g. USD); no mark needed;
 * - options: `|size|` of the underlying in the base asset (underlying notional), converted
 *   with the rate table; the premium's mark is not the exposure.
 * Conversion multiplies by `rates[asset]`, the price of one unit of the asset in
 * `currency` (the currency itself converts at 1), so no division happens here.
 *
 * `net` counts longs positive and shorts negative. Options count in `gross` only: their
 * signed delta needs greeks, which this library does not compute; their signed
 * underlying size is reported apart as `optionUnderlying`.
 */
import { Decimal } from "@odum/domain"
import * as Either from "effect/Either"
import * as PositionError from "./PositionError.js"
import type { StrategyPosition } from "./StrategyPosition.js"

/** The currency to express exposure in, and how to convert into it. */
export interface Options {
  /** E.g. "USD". */
  readonly currency: string
  /** Price of one unit of each asset in `currency` (e.g. `{ USDT: 1, BTC: 60000 }`); `currency` itself needs none. */
  readonly rates: Readonly<Record<string, Decimal.Decimal>>
}

/** Gross (sum of absolute notionals) and net (signed sum) in the exposure currency. */
export interface Figures {
  readonly gross: Decimal.Decimal
  readonly net: Decimal.Decimal
}

/** Everything held in one base asset, across spot, perpetuals, futures and options on every venue. */
export interface BaseAssetExposure extends Figures {
  readonly baseAsset: string
  /**
   * Signed delta-one quantity in base units: spot and linear `size`, plus inverse
   * `size / mark` (the coin equivalent of the USD face). Quanto and options are left out.
   */
  readonly netQuantity: Decimal.Decimal
  /** Signed underlying size of option positions (long calls and long puts both count positive). */
  readonly optionUnderlying: Decimal.Decimal
}

/** Total exposure and its breakdowns. */
export interface Exposure extends Figures {
  readonly currency: string
  readonly byBaseAsset: Readonly<Record<string, BaseAssetExposure>>
  readonly byVenue: Readonly<Record<string, Figures>>
  readonly byStrategy: Readonly<Record<string, Figures>>
}

interface MutableFigures {
  gross: Decimal.Decimal
  net: Decimal.Decimal
}

interface MutableBase extends MutableFigures {
  readonly baseAsset: string
  netQuantity: Decimal.Decimal
  optionUnderlying: Decimal.Decimal
}

const bump = (table: Record<string, MutableFigures>, key: string, gross: Decimal.Decimal, net: Decimal.Decimal): void => {
  const row = table[key]
  if (row === undefined) table[key] = { gross, net }
  else {
    row.gross = Decimal.add(row.gross, gross)
    row.net = Decimal.add(row.net, net)
  }
}

/**
 * The exposure of `positions` in `options.currency`. Fails with MissingMark (listing every
 * non-flat spot, linear or inverse instrument without a mark) or MissingRate (listing
 * every asset without a rate); never guesses a price.
 */
export const compute = (
  positions: Iterable<StrategyPosition>,
  options: Options
): Either.Either<Exposure, PositionError.PositionError> => {
  const { currency, rates } = options
  const missingMarks = new Set<string>()
  const missingRates = new Set<string>()
  const convert = (amount: Decimal.Decimal, asset: string): Decimal.Decimal => {
    if (asset === currency) return amount
    const rate = Object.prototype.hasOwnProperty.call(rates, asset) ? rates[asset] : undefined
    if (rate === undefined || !Decimal.isDecimal(rate)) {
      missingRates.add(asset)
      return Decimal.zero
    }
    return Decimal.mul(amount, rate)
  }
  let gross = Decimal.zero
  let net = Decimal.zero
  const byBaseAsset: Record<string, MutableBase> = {}
  const byVenue: Record<string, MutableFigures> = {}
  const byStrategy: Record<string, MutableFigures> = {}
  for (const p of positions) {
    if (p.size.units === 0n) continue
    let base = byBaseAsset[p.baseAsset]
    if (base === undefined) {
      base = { baseAsset: p.baseAsset, gross: Decimal.zero, net: Decimal.zero, netQuantity: Decimal.zero, optionUnderlying: Decimal.zero }
      byBaseAsset[p.baseAsset] = base
    }
    let signedNotional: Decimal.Decimal
    let counted = true
    if (p.kind === "OPTION") {
      signedNotional = convert(p.size, p.baseAsset)
      base.optionUnderlying = Decimal.add(base.optionUnderlying, p.size)
      counted = false
    } else if (p.valuation === "INVERSE") {
      signedNotional = convert(p.size, p.quoteAsset)
      // value(size, mark) = -size / mark, so the coin equivalent of the face is -marketValue.
      if (p.marketValue === undefined) missingMarks.add(p.canonicalId)
      else base.netQuantity = Decimal.sub(base.netQuantity, p.marketValue)
    } else if (p.marketValue === undefined) {
      missingMarks.add(p.canonicalId)
      continue
    } else {
      signedNotional = convert(p.marketValue, p.pnlAsset)
      if (p.contractType === "LINEAR") base.netQuantity = Decimal.add(base.netQuantity, p.size)
    }
    const absolute = Decimal.abs(signedNotional)
    const signedNet = counted ? signedNotional : Decimal.zero
    gross = Decimal.add(gross, absolute)
    net = Decimal.add(net, signedNet)
    base.gross = Decimal.add(base.gross, absolute)
    base.net = Decimal.add(base.net, signedNet)
    bump(byVenue, p.venue, absolute, signedNet)
    bump(byStrategy, p.strategyId, absolute, signedNet)
  }
  if (missingMarks.size > 0) {
    const ids = [...missingMarks].sort()
    return Either.left(PositionError.make("MissingMark", `Exposure needs a mark for ${ids.join(", ")}`, ids[0]))
  }
  if (missingRates.size > 0) {
    return Either.left(
      PositionError.make("MissingRate", `Exposure in ${currency} needs a rate for ${[...missingRates].sort().join(", ")}`)
    )
  }
  return Either.right({ currency, gross, net, byBaseAsset, byVenue, byStrategy })
}
