/**
 * The results of a finished replay: the four tables and the summary, built from the
 * engine's records (the OMS's orders and fills, the position tracker, the equity samples).
 * Everything here is a pure function of those records, iterated in a fixed order.
 */
import { Decimal, InstrumentSpec, type Order, type Side } from "@odum/domain"
import { Timestamp } from "@odum/marketdata"
import { AggregatePosition } from "@odum/positions"
import type { BacktestConfig } from "../BacktestConfig.js"
import type { Table, Value } from "../ResultFiles.js"
import type { RunSummary } from "../RunSummary.js"
import type { Engine } from "./Engine.js"

const NS_PER_MS = 1_000_000n
const fmt = Decimal.format
const opt = (d: Decimal.Decimal | undefined): string | null => (d === undefined ? null : fmt(d))
const sortedKeys = <V>(m: ReadonlyMap<string, V>): Array<string> => [...m.keys()].sort()
const toRecord = (m: ReadonlyMap<string, Decimal.Decimal>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const k of sortedKeys(m)) out[k] = fmt(m.get(k)!)
  return out
}
const addTo = (m: Map<string, Decimal.Decimal>, k: string, v: Decimal.Decimal) => m.set(k, Decimal.add(m.get(k) ?? Decimal.zero, v))
const sign = (side: Side.Side): Decimal.Decimal => (side === "BUY" ? Decimal.one : Decimal.neg(Decimal.one))

/** Every order of the run as it ended, in creation order, with its arrival price (strategy orders) index for index. */
const ordersOf = (engine: Engine): { orders: Array<Order.UnifiedOrder>; arrivals: Array<Decimal.Decimal | undefined> } => {
  engine.collectOrders()
  const orders: Array<Order.UnifiedOrder> = []
  const arrivals: Array<Decimal.Decimal | undefined> = []
  const finals = engine.finalOrders
  for (let i = 0; i < finals.length; i++) {
    const o = finals[i]
    if (o === undefined) continue
    orders.push(o)
    arrivals.push(engine.arrivals[i])
  }
  return { orders, arrivals }
}

/** End-of-run positions per (venue, listing), sorted (the engine marked them at the end of the range). */
const positionsOf = (engine: Engine): Array<AggregatePosition.AggregatePosition> =>
  AggregatePosition.byVenue(engine.positions.positions())
    .slice()
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))

/** The four result tables of `engine` after its replay. */
export const tables = (engine: Engine): ReadonlyArray<Table> => {
  const { orders, arrivals } = ordersOf(engine)
  const byId = new Map(orders.map((o) => [o.operationId as string, o]))

  // orders
  const orderRows: Array<Array<Value>> = orders.map((o, i) => {
    const denied = o.status === "DENIED"
    return [
      o.operationId,
      o.parentOperationId ?? null,
      o.venue ?? null,
      o.canonicalId,
      o.side,
      o.type,
      fmt(o.quantity),
      opt(o.price),
      o.status,
      fmt(o.filledQuantity),
      BigInt(o.createdAt) * NS_PER_MS,
      BigInt(o.updatedAt) * NS_PER_MS,
      denied ? (o.rejectReason ?? null) : null,
      o.timeInForce,
      opt(o.averageFillPrice),
      o.strategyId,
      o.execAlgorithm?.name ?? null,
      denied ? null : (o.rejectReason ?? null),
      opt(arrivals[i])
    ]
  })

  // fills
  const fillRows: Array<Array<Value>> = engine.fills.map((f, i) => {
    const o = byId.get(f.operationId)
    return [
      engine.fillTimes[i]!,
      f.operationId,
      o?.parentOperationId ?? null,
      f.venue,
      f.canonicalId,
      f.side,
      fmt(f.price),
      fmt(f.quantity),
      fmt(f.fee),
      f.feeCurrency,
      f.liquidity,
      f.tradeId,
      o?.strategyId ?? ""
    ]
  })

  // positions
  const aggregates = positionsOf(engine)
  const positionRows: Array<Array<Value>> = aggregates.map((a) => {
    const venue = a.positions[0]?.venue ?? ""
    const fees = Object.keys(a.fees)
      .sort()
      .map((c) => `${c}:${fmt(a.fees[c]!)}`)
      .join(";")
    return [
      venue,
      a.canonicalIds[0] ?? "",
      fmt(a.quantity ?? Decimal.zero),
      opt(a.averageEntryPrice),
      fmt(a.realizedPnl),
      opt(a.unrealizedPnl),
      a.pnlAsset,
      opt(a.currentPrice ?? engine.positions.markOf(a.canonicalIds[0] ?? "")),
      fees,
      String(a.fillCount)
    ]
  })

  // equity
  const equityRows: Array<Array<Value>> = engine.equity.map((e) => [
    e.ts,
    e.currency,
    fmt(e.startingBalance),
    fmt(e.realized),
    fmt(e.unrealized),
    fmt(Decimal.add(e.startingBalance, Decimal.add(e.realized, e.unrealized))),
    fmt(e.fees)
  ])

  return [
    { name: "orders", rows: orderRows },
    { name: "fills", rows: fillRows },
    { name: "positions", rows: positionRows },
    { name: "equity", rows: equityRows }
  ]
}

/** The summary of `engine` after its replay, without wall time and events per second (the caller measures those). */
export const summarize = (
  engine: Engine,
  config: BacktestConfig,
  runId: string,
  configHash: string
): Omit<RunSummary, "wallTimeMs" | "eventsPerSecond"> => {
  const { orders, arrivals } = ordersOf(engine)
  const aggregates = positionsOf(engine)
  const byStatus = new Map<string, number>()
  let denied = 0
  let rejected = 0
  let strategyOrders = 0
  let ordered = Decimal.zero
  let filled = Decimal.zero
  let slipNum = Decimal.zero
  let slipDen = Decimal.zero
  let slipOrders = 0
  const slipCost = new Map<string, Decimal.Decimal>()
  for (let i = 0; i < orders.length; i++) {
    const o = orders[i]!
    byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1)
    if (o.status === "DENIED") denied++
    if (o.status === "REJECTED") rejected++
    if (o.parentOperationId !== undefined) continue
    strategyOrders++
    if (o.status !== "DENIED") {
      ordered = Decimal.add(ordered, o.quantity)
      filled = Decimal.add(filled, o.filledQuantity)
    }
    const arrival = arrivals[i]
    const avg = o.averageFillPrice
    if (arrival !== undefined && avg !== undefined && Decimal.isPositive(o.filledQuantity)) {
      slipOrders++
      const diff = Decimal.mul(Decimal.mul(sign(o.side), Decimal.sub(avg, arrival)), o.filledQuantity)
      slipNum = Decimal.add(slipNum, diff)
      slipDen = Decimal.add(slipDen, Decimal.mul(arrival, o.filledQuantity))
      const spec = engine.specs.get(o.canonicalId)
      if (spec !== undefined && spec.contractType === "LINEAR") addTo(slipCost, spec.quoteAsset, Decimal.mul(diff, spec.contractSize))
    }
  }

  const filledQty = new Map<string, Decimal.Decimal>()
  const volume = new Map<string, Decimal.Decimal>()
  const fees = new Map<string, Decimal.Decimal>()
  interface VenueAcc {
    orders: number
    ordered: Decimal.Decimal
    filledOrdered: Decimal.Decimal
    fills: number
    qty: Map<string, Decimal.Decimal>
    notional: Map<string, Decimal.Decimal>
    volume: Map<string, Decimal.Decimal>
    fees: Map<string, Decimal.Decimal>
  }
  const venues = new Map<string, VenueAcc>(
    config.venues.map((v) => [
      v.venue as string,
      { orders: 0, ordered: Decimal.zero, filledOrdered: Decimal.zero, fills: 0, qty: new Map(), notional: new Map(), volume: new Map(), fees: new Map() }
    ])
  )
  for (const o of orders) {
    if (o.venue === undefined) continue
    const v = venues.get(o.venue)
    if (v === undefined) continue
    v.orders++
    v.ordered = Decimal.add(v.ordered, o.quantity)
    v.filledOrdered = Decimal.add(v.filledOrdered, o.filledQuantity)
  }
  for (const f of engine.fills) {
    const spec = engine.specs.get(f.canonicalId)
    addTo(filledQty, f.canonicalId, f.quantity)
    addTo(fees, f.feeCurrency, f.fee)
    const v = venues.get(f.venue)
    if (v !== undefined) {
      v.fills++
      addTo(v.qty, f.canonicalId, f.quantity)
      addTo(v.notional, f.canonicalId, Decimal.mul(f.price, f.quantity))
      addTo(v.fees, f.feeCurrency, f.fee)
    }
    if (spec !== undefined) {
      const n = InstrumentSpec.notional(spec, f.quantity, f.price)
      const asset = InstrumentSpec.notionalAsset(spec)
      addTo(volume, asset, n)
      if (v !== undefined) addTo(v.volume, asset, n)
    }
  }

  const realized = new Map<string, Decimal.Decimal>()
  const unrealized = new Map<string, Decimal.Decimal>()
  for (const a of aggregates) {
    addTo(realized, a.pnlAsset, a.realizedPnl)
    addTo(unrealized, a.pnlAsset, a.unrealizedPnl ?? Decimal.zero)
  }
  const pnl: Record<string, { realized: string; unrealized: string; total: string }> = {}
  for (const c of sortedKeys(realized)) {
    const r = realized.get(c)!
    const u = unrealized.get(c) ?? Decimal.zero
    pnl[c] = { realized: fmt(r), unrealized: fmt(u), total: fmt(Decimal.add(r, u)) }
  }

  const ratio = (num: Decimal.Decimal, den: Decimal.Decimal, scale: number): string | null =>
    Decimal.isPositive(den) ? fmt(Decimal.div(num, den, scale, "half-even")) : null

  const byVenue = [...venues.entries()].map(([venue, v]) => {
    const averagePrice: Record<string, string> = {}
    for (const id of sortedKeys(v.qty)) averagePrice[id] = fmt(Decimal.div(v.notional.get(id)!, v.qty.get(id)!, 8, "half-even"))
    return {
      venue,
      orderCount: v.orders,
      fillCount: v.fills,
      filledQuantity: toRecord(v.qty),
      volume: toRecord(v.volume),
      fees: toRecord(v.fees),
      averagePrice,
      fillRatio: ratio(v.filledOrdered, v.ordered, 6)
    }
  })

  const statusRecord: Record<string, number> = {}
  for (const k of sortedKeys(byStatus)) statusRecord[k] = byStatus.get(k)!
  const anomalyKinds: Record<string, number> = {}
  for (const k of sortedKeys(engine.anomalyCounts)) anomalyKinds[k] = engine.anomalyCounts.get(k)!
  const c = engine.eventCounts

  const summary: Omit<RunSummary, "wallTimeMs" | "eventsPerSecond"> = {
    schemaVersion: 1,
    runId,
    name: config.name ?? null,
    configHash,
    dataRange: {
      from: Timestamp.toIso(config.data.from),
      to: Timestamp.toIso(config.data.to),
      firstEvent: engine.firstEventNs === undefined ? null : Timestamp.toIso(engine.firstEventNs),
      lastEvent: engine.lastEventNs === undefined ? null : Timestamp.toIso(engine.lastEventNs)
    },
    instruments: engine.plan.data.map((d) => d.id),
    venues: config.venues.map((v) => v.venue),
    eventCount: c.trades + c.quotes + c.book,
    events: { trades: c.trades, quotes: c.quotes, book: c.book },
    orderCount: orders.length,
    strategyOrderCount: strategyOrders,
    ordersByStatus: statusRecord,
    deniedCount: denied,
    rejectedCount: rejected,
    fillCount: engine.fills.length,
    filledQuantity: toRecord(filledQty),
    volume: toRecord(volume),
    fees: toRecord(fees),
    pnl,
    slippage: {
      orders: slipOrders,
      bps: Decimal.isPositive(slipDen) ? fmt(Decimal.div(Decimal.mul(slipNum, Decimal.fromInt(10_000)), slipDen, 4, "half-even")) : null,
      cost: toRecord(slipCost)
    },
    fillRatio: ratio(filled, ordered, 6),
    byVenue,
    anomalies: { count: engine.anomalyCount, byKind: anomalyKinds, first: engine.anomalyFirst.slice() }
  }

  return summary
}
