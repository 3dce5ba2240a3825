/**
 * The primary record: what one strategy holds in one instrument at one venue. A snapshot
 * taken from the tracker (plain immutable data); every other view (per venue, per
 * instrument across venues, per strategy, per base asset) is built from these.
 */
import type { Decimal, Ids, InstrumentSpec } from "@odum/domain"
import type { Valuation } from "./Valuation.js"

/** One strategy's position in one instrument at one venue. */
export interface StrategyPosition {
  readonly venue: Ids.Venue
  readonly canonicalId: string
  readonly strategyId: Ids.StrategyId
  /** The canonical id without its venue (and asset class): what equivalent listings on several venues share. */
  readonly instrumentKey: string
  readonly kind: InstrumentSpec.InstrumentKind
  readonly contractType: InstrumentSpec.ContractType
  readonly valuation: Valuation
  readonly baseAsset: string
  readonly quoteAsset: string
  /** The currency of `costBasis`, PnL and `marketValue`: the quote (linear), the base coin (inverse), the premium's settlement asset (options). */
  readonly pnlAsset: string
  /** The unit of `size`: the base asset (linear, spot, options' underlying) or the quote currency (inverse, e.g. USD). */
  readonly sizeAsset: string
  /** Signed contracts (the unit of fills): positive long, negative short. */
  readonly quantity: Decimal.Decimal
  /** Signed `quantity * contractSize`: base units for linear, USD for inverse, underlying units for options. */
  readonly size: Decimal.Decimal
  /** Signed value paid for the open size, in `pnlAsset` (zero when flat). */
  readonly costBasis: Decimal.Decimal
  /** Size-weighted (linear) or harmonic (inverse) mean entry price of the open size; undefined when flat. */
  readonly averageEntryPrice: Decimal.Decimal | undefined
  /** The last mark of the instrument, if any. */
  readonly markPrice: Decimal.Decimal | undefined
  /** Value of the open size at the mark, in `pnlAsset`; zero when flat, undefined without a mark. */
  readonly marketValue: Decimal.Decimal | undefined
  /** `marketValue - costBasis`; zero when flat, undefined without a mark. */
  readonly unrealizedPnl: Decimal.Decimal | undefined
  /** PnL of closed size, net of fees paid in `pnlAsset`. */
  readonly realizedPnl: Decimal.Decimal
  /** Fees by currency (negative: rebates); only those in `pnlAsset` are netted into `realizedPnl`. */
  readonly fees: Readonly<Record<string, Decimal.Decimal>>
  readonly fillCount: number
  /** Latest fill or mark time, epoch ms (the latest, not the last applied, so it does not depend on arrival order). */
  readonly updatedAt: number
}

/** True if the position holds nothing. */
export const isFlat = (p: StrategyPosition): boolean => p.quantity.units === 0n

/**
 * The canonical id with its venue (and optional asset class) removed:
 * `BYBIT:PERPETUAL:BTC-USDT` and `BINANCE-FUTURES:PERPETUAL:BTC-USDT` both give
 * `PERPETUAL:BTC-USDT`. Canonical ids are `[ASSET_CLASS:]VENUE:TYPE:PAYLOAD[@QUALIFIER]`
 * and the payload holds no `:`, so the key is the last two `:`-separated parts.
 */
export const instrumentKey = (canonicalId: string): string => {
  const last = canonicalId.lastIndexOf(":")
  if (last <= 0) return canonicalId
  const before = canonicalId.lastIndexOf(":", last - 1)
  return before < 0 ? canonicalId : canonicalId.slice(before + 1)
}
