/**
 * Positions added up: per venue (one venue's position in an instrument, all strategies
 * together) and per instrument across venues (equivalent listings on several venues, e.g.
 * `PERPETUAL:BTC-USDT` on Binance, Bybit and OKX). Pure functions over snapshots.
 *
 * Only positions valued alike are added: a group holds one valuation (linear or inverse),
 * one PnL currency and one size unit. Quantities add as `size` (contracts times contract
 * size), so listings with different contract sizes add correctly. The average entry price
 * of a group is the break-even price of its net size (`costBasis` spread over `size`), so
 * `unrealizedPnl` is always the sum of the members' and, when strategies hold opposite
 * sides, it can lie outside the members' entry prices (or be negative).
 */
import { Decimal, type InstrumentSpec, type Position } from "@odum/domain"
import type { StrategyPosition } from "./StrategyPosition.js"
import { priceOf, type Valuation } from "./Valuation.js"

/** Several positions added up. */
export interface AggregatePosition {
  /** `VENUE canonicalId` for `byVenue`, the instrument key for `byInstrument`. */
  readonly key: string
  readonly instrumentKey: string
  readonly kind: InstrumentSpec.InstrumentKind
  readonly valuation: Valuation
  readonly baseAsset: string
  readonly quoteAsset: string
  readonly pnlAsset: string
  readonly sizeAsset: string
  /** The canonical ids in the group, sorted. */
  readonly canonicalIds: ReadonlyArray<string>
  /** The strategies in the group, sorted. */
  readonly strategies: ReadonlyArray<string>
  /** Signed contracts, when the group is one canonical id (contracts of different listings do not add). */
  readonly quantity: Decimal.Decimal | undefined
  /** Signed net size in `sizeAsset`. */
  readonly size: Decimal.Decimal
  /** Net size per venue. */
  readonly venuePositions: Readonly<Record<string, Decimal.Decimal>>
  /** The instrument kind each venue's listing is (SPOT, PERPETUAL, FUTURE, OPTION). */
  readonly venueTypes: Readonly<Record<string, InstrumentSpec.InstrumentKind>>
  readonly costBasis: Decimal.Decimal
  /** Break-even price of the net size; undefined when the net size is zero. */
  readonly averageEntryPrice: Decimal.Decimal | undefined
  /** The common mark when the open members share one, else the price at which `size` is worth `marketValue`. */
  readonly currentPrice: Decimal.Decimal | undefined
  /** Sum of members' market values; undefined if an open member has no mark. */
  readonly marketValue: Decimal.Decimal | undefined
  /** Sum of members' unrealized PnL; undefined if an open member has no mark. */
  readonly unrealizedPnl: Decimal.Decimal | undefined
  /** Sum of members' realized PnL (net of fees in `pnlAsset`). */
  readonly realizedPnl: Decimal.Decimal
  /** Sum of members' fees by currency. */
  readonly fees: Readonly<Record<string, Decimal.Decimal>>
  readonly fillCount: number
  readonly updatedAt: number
  /** The members, in the tracker's order. */
  readonly positions: ReadonlyArray<StrategyPosition>
}

const SEP = "\u0001"

const addTo = (table: Record<string, Decimal.Decimal>, key: string, amount: Decimal.Decimal): void => {
  const previous = table[key]
  table[key] = previous === undefined ? amount : Decimal.add(previous, amount)
}

const build = (key: string, members: ReadonlyArray<StrategyPosition>): AggregatePosition => {
  const first = members[0]!
  const canonicalIds = new Set<string>()
  const strategies = new Set<string>()
  const venuePositions: Record<string, Decimal.Decimal> = {}
  const venueTypes: Record<string, InstrumentSpec.InstrumentKind> = {}
  const fees: Record<string, Decimal.Decimal> = {}
  let quantity = Decimal.zero
  let size = Decimal.zero
  let costBasis = Decimal.zero
  let realizedPnl = Decimal.zero
  let marketValue: Decimal.Decimal | undefined = Decimal.zero
  let unrealizedPnl: Decimal.Decimal | undefined = Decimal.zero
  let commonMark: Decimal.Decimal | undefined
  let marksAgree = true
  let fillCount = 0
  let updatedAt = 0
  for (const p of members) {
    canonicalIds.add(p.canonicalId)
    strategies.add(p.strategyId)
    addTo(venuePositions, p.venue, p.size)
    venueTypes[p.venue] = p.kind
    for (const currency in p.fees) addTo(fees, currency, p.fees[currency]!)
    quantity = Decimal.add(quantity, p.quantity)
    size = Decimal.add(size, p.size)
    costBasis = Decimal.add(costBasis, p.costBasis)
    realizedPnl = Decimal.add(realizedPnl, p.realizedPnl)
    marketValue = marketValue === undefined || p.marketValue === undefined ? undefined : Decimal.add(marketValue, p.marketValue)
    unrealizedPnl =
      unrealizedPnl === undefined || p.unrealizedPnl === undefined ? undefined : Decimal.add(unrealizedPnl, p.unrealizedPnl)
    if (p.size.units !== 0n && p.markPrice !== undefined) {
      if (commonMark === undefined) commonMark = p.markPrice
      else if (!Decimal.equals(commonMark, p.markPrice)) marksAgree = false
    }
    fillCount += p.fillCount
    if (p.updatedAt > updatedAt) updatedAt = p.updatedAt
  }
  const currentPrice =
    marketValue === undefined
      ? undefined
      : marksAgree && commonMark !== undefined
        ? commonMark
        : priceOf(first.valuation, size, marketValue)
  return {
    key,
    instrumentKey: first.instrumentKey,
    kind: first.kind,
    valuation: first.valuation,
    baseAsset: first.baseAsset,
    quoteAsset: first.quoteAsset,
    pnlAsset: first.pnlAsset,
    sizeAsset: first.sizeAsset,
    canonicalIds: [...canonicalIds].sort(),
    strategies: [...strategies].sort(),
    quantity: canonicalIds.size === 1 ? quantity : undefined,
    size,
    venuePositions,
    venueTypes,
    costBasis,
    averageEntryPrice: priceOf(first.valuation, size, costBasis),
    currentPrice,
    marketValue,
    unrealizedPnl,
    realizedPnl,
    fees,
    fillCount,
    updatedAt,
    positions: members
  }
}

const group = (
  positions: Iterable<StrategyPosition>,
  keyOf: (p: StrategyPosition) => string,
  labelOf: (p: StrategyPosition) => string
): Array<AggregatePosition> => {
  const groups = new Map<string, { label: string; members: Array<StrategyPosition> }>()
  for (const p of positions) {
    // Valuation, PnL currency and size unit are part of every group's identity, so
    // misconfigured specs can never add BTC PnL to USDT PnL.
    const k = keyOf(p) + SEP + p.valuation + SEP + p.pnlAsset + SEP + p.sizeAsset
    const g = groups.get(k)
    if (g === undefined) groups.set(k, { label: labelOf(p), members: [p] })
    else g.members.push(p)
  }
  const out: Array<AggregatePosition> = []
  for (const [, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out.push(build(g.label, g.members))
  return out
}

/** One row per (venue, canonical id): all strategies together. */
export const byVenue = (positions: Iterable<StrategyPosition>): Array<AggregatePosition> =>
  group(
    positions,
    (p) => p.venue + SEP + p.canonicalId,
    (p) => `${p.venue} ${p.canonicalId}`
  )

/** One row per instrument key (the canonical id without its venue): every venue and strategy together. */
export const byInstrument = (positions: Iterable<StrategyPosition>): Array<AggregatePosition> =>
  group(
    positions,
    (p) => p.instrumentKey,
    (p) => p.instrumentKey
  )

/**
 * The domain's `Position` of a `byVenue` row: fees are those in the PnL currency (the
 * others are not representable there), and a missing mark gives an unrealized PnL of 0.
 * Returns undefined for a row that is not a single (venue, canonical id).
 */
export const toDomainPosition = (row: AggregatePosition): Position.Position | undefined => {
  const first = row.positions[0]
  if (first === undefined || row.quantity === undefined || row.canonicalIds.length !== 1) return undefined
  if (Object.keys(row.venuePositions).length !== 1) return undefined
  return {
    canonicalId: first.canonicalId,
    venue: first.venue,
    quantity: row.quantity,
    averageEntryPrice: row.averageEntryPrice ?? Decimal.zero,
    realizedPnl: row.realizedPnl,
    unrealizedPnl: row.unrealizedPnl ?? Decimal.zero,
    fees: row.fees[row.pnlAsset] ?? Decimal.zero,
    updatedAt: row.updatedAt
  }
}
