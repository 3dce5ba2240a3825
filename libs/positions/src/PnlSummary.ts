/**
 * PnL per strategy and per base asset. Such groups mix instruments settled in different
 * currencies (a BTC strategy may hold a USDT perpetual and a coin-settled inverse one), so
 * every figure is a table by currency: nothing is converted or added across currencies.
 */
import { Decimal } from "@odum/domain"
import type { StrategyPosition } from "./StrategyPosition.js"

/** PnL and fees of a group of positions, by currency. */
export interface PnlSummary {
  /** The strategy id or base asset. */
  readonly key: string
  /** Realized PnL (net of fees in each position's PnL currency) by currency. */
  readonly realizedPnl: Readonly<Record<string, Decimal.Decimal>>
  /** Unrealized PnL by currency, over the marked positions only (see `unmarked`). */
  readonly unrealizedPnl: Readonly<Record<string, Decimal.Decimal>>
  /** Fees by currency. */
  readonly fees: Readonly<Record<string, Decimal.Decimal>>
  /** Canonical ids of open positions without a mark, whose unrealized PnL is missing from the table. */
  readonly unmarked: ReadonlyArray<string>
  /** The members. */
  readonly positions: ReadonlyArray<StrategyPosition>
}

const addTo = (table: Record<string, Decimal.Decimal>, key: string, amount: Decimal.Decimal): void => {
  const previous = table[key]
  table[key] = previous === undefined ? amount : Decimal.add(previous, amount)
}

const summarize = (positions: Iterable<StrategyPosition>, keyOf: (p: StrategyPosition) => string): Array<PnlSummary> => {
  const groups = new Map<string, Array<StrategyPosition>>()
  for (const p of positions) {
    const k = keyOf(p)
    const g = groups.get(k)
    if (g === undefined) groups.set(k, [p])
    else g.push(p)
  }
  const out: Array<PnlSummary> = []
  for (const key of [...groups.keys()].sort()) {
    const members = groups.get(key)!
    const realizedPnl: Record<string, Decimal.Decimal> = {}
    const unrealizedPnl: Record<string, Decimal.Decimal> = {}
    const fees: Record<string, Decimal.Decimal> = {}
    const unmarked = new Set<string>()
    for (const p of members) {
      addTo(realizedPnl, p.pnlAsset, p.realizedPnl)
      if (p.unrealizedPnl === undefined) unmarked.add(p.canonicalId)
      else addTo(unrealizedPnl, p.pnlAsset, p.unrealizedPnl)
      for (const currency in p.fees) addTo(fees, currency, p.fees[currency]!)
    }
    out.push({ key, realizedPnl, unrealizedPnl, fees, unmarked: [...unmarked].sort(), positions: members })
  }
  return out
}

/** One summary per strategy, sorted by strategy id. */
export const byStrategy = (positions: Iterable<StrategyPosition>): Array<PnlSummary> => summarize(positions, (p) => p.strategyId)

/** One summary per base asset (spot, perpetuals, futures and options on every venue), sorted. */
export const byBaseAsset = (positions: Iterable<StrategyPosition>): Array<PnlSummary> => summarize(positions, (p) => p.baseAsset)
