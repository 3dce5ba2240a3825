/**
 * The results of a replay: the summary's figures, folded in as the run goes (each order
 * once, from its final record, when the OMS hands it over; each fill when the OMS records
 * it), and the four tables (only when the run writes them). Every figure is an exact sum
 * or a count, so the order in which orders are folded in (the order they finish, not the
 * order they were created) cannot change it.
 */
import { Decimal, type Fill, InstrumentSpec, type Order, type Side } from "@odum/domain"
import { Timestamp } from "@odum/marketdata"
import { AggregatePosition } from "@odum/positions"
import type { BacktestConfig } from "../BacktestConfig.js"
import type { Table, TableName, Value } from "../ResultFiles.js"
import type { RunSummary } from "../RunSummary.js"
import type { Engine } from "./Engine.js"

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

/** The orders of one configured venue (orders sent there, children included). */
interface VenueOrders {
  readonly venue: string
  orders: number
  ordered: Decimal.Decimal
  filled: Decimal.Decimal
}

/** The fills of one (venue, listing), summed. */
interface FillGroup {
  readonly venue: string
  readonly canonicalId: string
  readonly spec: InstrumentSpec.InstrumentSpec | undefined
  count: number
  quantity: Decimal.Decimal
  /** Sum of price * quantity (for the average price). */
  value: Decimal.Decimal
  /** Sum of each fill's notional (InstrumentSpec.notional), when the listing is known. */
  volume: Decimal.Decimal
  readonly fees: Map<string, Decimal.Decimal>
}

/** The figures of summary.json that come from orders and fills. */
export type OrderFigures = Pick<
  RunSummary,
  | "orderCount"
  | "strategyOrderCount"
  | "ordersByStatus"
  | "deniedCount"
  | "rejectedCount"
  | "fillCount"
  | "filledQuantity"
  | "volume"
  | "fees"
  | "slippage"
  | "fillRatio"
  | "byVenue"
>

/**
 * The order and fill figures of the summary, folded in one order and one fill at a time:
 * nothing is kept per order. `order` takes each order's final record exactly once (in any
 * order), `fill` each fill the OMS recorded.
 */
export class SummaryAccumulator {
  private orderCount = 0
  private strategyOrders = 0
  private denied = 0
  private rejected = 0
  private readonly byStatus = new Map<string, number>()
  /** Strategy orders not denied: ordered and filled quantity. */
  private ordered = Decimal.zero
  private filled = Decimal.zero
  private slipOrders = 0
  private slipNum = Decimal.zero
  private slipDen = Decimal.zero
  private readonly slipCost = new Map<string, Decimal.Decimal>()
  /** By configured venue, in config order. */
  private readonly venues: Map<string, VenueOrders>
  private lastVenue: VenueOrders | undefined = undefined
  private fillCount = 0
  private readonly groups = new Map<string, FillGroup>()
  private lastGroup: FillGroup | undefined = undefined
  private lastSpec: InstrumentSpec.InstrumentSpec | undefined = undefined

  constructor(
    private readonly specs: ReadonlyMap<string, InstrumentSpec.InstrumentSpec>,
    venues: ReadonlyArray<string>
  ) {
    this.venues = new Map(venues.map((venue) => [venue, { venue, orders: 0, ordered: Decimal.zero, filled: Decimal.zero }]))
  }

  /** An order's final record, with its arrival price (strategy orders). */
  order(o: Order.UnifiedOrder, arrival: Decimal.Decimal | undefined): void {
    this.orderCount++
    const status = o.status
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1)
    if (status === "DENIED") this.denied++
    else if (status === "REJECTED") this.rejected++
    if (o.venue !== undefined) {
      let v = this.lastVenue
      if (v === undefined || v.venue !== o.venue) {
        v = this.venues.get(o.venue)
        if (v !== undefined) this.lastVenue = v
      }
      if (v !== undefined) {
        v.orders++
        v.ordered = Decimal.add(v.ordered, o.quantity)
        v.filled = Decimal.add(v.filled, o.filledQuantity)
      }
    }
    if (o.parentOperationId !== undefined) return
    this.strategyOrders++
    if (status !== "DENIED") {
      this.ordered = Decimal.add(this.ordered, o.quantity)
      this.filled = Decimal.add(this.filled, o.filledQuantity)
    }
    const avg = o.averageFillPrice
    if (arrival !== undefined && avg !== undefined && Decimal.isPositive(o.filledQuantity)) {
      this.slipOrders++
      const diff = Decimal.mul(Decimal.mul(sign(o.side), Decimal.sub(avg, arrival)), o.filledQuantity)
      this.slipNum = Decimal.add(this.slipNum, diff)
      this.slipDen = Decimal.add(this.slipDen, Decimal.mul(arrival, o.filledQuantity))
      let spec = this.lastSpec
      if (spec === undefined || spec.canonicalId !== o.canonicalId) {
        spec = this.specs.get(o.canonicalId)
        if (spec !== undefined) this.lastSpec = spec
      }
      if (spec !== undefined && spec.contractType === "LINEAR") addTo(this.slipCost, spec.quoteAsset, Decimal.mul(diff, spec.contractSize))
    }
  }

  /** A fill the OMS recorded. */
  fill(f: Fill.Fill): void {
    this.fillCount++
    let g = this.lastGroup
    if (g === undefined || g.venue !== f.venue || g.canonicalId !== f.canonicalId) {
      const key = `${f.venue}\u0000${f.canonicalId}`
      g = this.groups.get(key)
      if (g === undefined) {
        g = {
          venue: f.venue,
          canonicalId: f.canonicalId,
          spec: this.specs.get(f.canonicalId),
          count: 0,
          quantity: Decimal.zero,
          value: Decimal.zero,
          volume: Decimal.zero,
          fees: new Map()
        }
        this.groups.set(key, g)
      }
      this.lastGroup = g
    }
    g.count++
    g.quantity = Decimal.add(g.quantity, f.quantity)
    g.value = Decimal.add(g.value, Decimal.mul(f.price, f.quantity))
    if (g.spec !== undefined) g.volume = Decimal.add(g.volume, InstrumentSpec.notional(g.spec, f.quantity, f.price))
    addTo(g.fees, f.feeCurrency, f.fee)
  }

  /** The figures so far. */
  figures(): OrderFigures {
    const filledQty = new Map<string, Decimal.Decimal>()
    const volume = new Map<string, Decimal.Decimal>()
    const fees = new Map<string, Decimal.Decimal>()
    interface VenueFills {
      fills: number
      qty: Map<string, Decimal.Decimal>
      value: Map<string, Decimal.Decimal>
      volume: Map<string, Decimal.Decimal>
      fees: Map<string, Decimal.Decimal>
    }
    const venueFills = new Map<string, VenueFills>(
      [...this.venues.keys()].map((v) => [v, { fills: 0, qty: new Map(), value: new Map(), volume: new Map(), fees: new Map() }])
    )
    for (const g of this.groups.values()) {
      const v = venueFills.get(g.venue)
      addTo(filledQty, g.canonicalId, g.quantity)
      for (const [c, fee] of g.fees) {
        addTo(fees, c, fee)
        if (v !== undefined) addTo(v.fees, c, fee)
      }
      if (v !== undefined) {
        v.fills += g.count
        addTo(v.qty, g.canonicalId, g.quantity)
        addTo(v.value, g.canonicalId, g.value)
      }
      if (g.spec !== undefined) {
        const asset = InstrumentSpec.notionalAsset(g.spec)
        addTo(volume, asset, g.volume)
        if (v !== undefined) addTo(v.volume, asset, g.volume)
      }
    }

    const ratio = (num: Decimal.Decimal, den: Decimal.Decimal, scale: number): string | null =>
      Decimal.isPositive(den) ? fmt(Decimal.div(num, den, scale, "half-even")) : null

    const byVenue = [...this.venues.values()].map((o) => {
      const v = venueFills.get(o.venue)!
      const averagePrice: Record<string, string> = {}
      for (const id of sortedKeys(v.qty)) averagePrice[id] = fmt(Decimal.div(v.value.get(id)!, v.qty.get(id)!, 8, "half-even"))
      return {
        venue: o.venue,
        orderCount: o.orders,
        fillCount: v.fills,
        filledQuantity: toRecord(v.qty),
        volume: toRecord(v.volume),
        fees: toRecord(v.fees),
        averagePrice,
        fillRatio: ratio(o.filled, o.ordered, 6)
      }
    })

    const statusRecord: Record<string, number> = {}
    for (const k of sortedKeys(this.byStatus)) statusRecord[k] = this.byStatus.get(k)!
    return {
      orderCount: this.orderCount,
      strategyOrderCount: this.strategyOrders,
      ordersByStatus: statusRecord,
      deniedCount: this.denied,
      rejectedCount: this.rejected,
      fillCount: this.fillCount,
      filledQuantity: toRecord(filledQty),
      volume: toRecord(volume),
      fees: toRecord(fees),
      slippage: {
        orders: this.slipOrders,
        bps: Decimal.isPositive(this.slipDen)
          ? fmt(Decimal.div(Decimal.mul(this.slipNum, Decimal.fromInt(10_000)), this.slipDen, 4, "half-even"))
          : null,
        cost: toRecord(this.slipCost)
      },
      fillRatio: ratio(this.filled, this.ordered, 6),
      byVenue
    }
  }
}

/** End-of-run positions per (venue, listing), sorted (the engine marked them at the end of the range). */
const positionsOf = (engine: Engine): Array<AggregatePosition.AggregatePosition> =>
  AggregatePosition.byVenue(engine.positions.positions())
    .slice()
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))

/** The result tables of `engine` after a replay that kept them, in the order they are written; each table's rows are built when asked for. */
export const tables = (engine: Engine): ReadonlyArray<{ readonly name: TableName; readonly table: () => Table }> => {
  const rows = engine.rows
  if (rows === undefined) throw new Error("the engine was made without result tables")
  return [
    { name: "orders", table: () => ({ name: "orders", rows: rows.orders.rows() }) },
    { name: "fills", table: () => ({ name: "fills", rows: rows.fills.rows() }) },
    { name: "positions", table: () => ({ name: "positions", rows: positionRows(engine) }) },
    { name: "equity", table: () => ({ name: "equity", rows: equityRows(engine) }) }
  ]
}

const positionRows = (engine: Engine): Array<Array<Value>> =>
  positionsOf(engine).map((a) => {
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

const equityRows = (engine: Engine): Array<Array<Value>> =>
  engine.equity.map((e) => [
    e.ts,
    e.currency,
    fmt(e.startingBalance),
    fmt(e.realized),
    fmt(e.unrealized),
    fmt(Decimal.add(e.startingBalance, Decimal.add(e.realized, e.unrealized))),
    fmt(e.fees)
  ])

/** The summary of `engine` after its replay, without wall time and events per second (the caller measures those). */
export const summarize = (
  engine: Engine,
  config: BacktestConfig,
  runId: string,
  configHash: string
): Omit<RunSummary, "wallTimeMs" | "eventsPerSecond"> => {
  const figures = engine.summary.figures()
  const realized = new Map<string, Decimal.Decimal>()
  const unrealized = new Map<string, Decimal.Decimal>()
  for (const a of positionsOf(engine)) {
    addTo(realized, a.pnlAsset, a.realizedPnl)
    addTo(unrealized, a.pnlAsset, a.unrealizedPnl ?? Decimal.zero)
  }
  const pnl: Record<string, { realized: string; unrealized: string; total: string }> = {}
  for (const c of sortedKeys(realized)) {
    const r = realized.get(c)!
    const u = unrealized.get(c) ?? Decimal.zero
    pnl[c] = { realized: fmt(r), unrealized: fmt(u), total: fmt(Decimal.add(r, u)) }
  }
  const anomalyKinds: Record<string, number> = {}
  for (const k of sortedKeys(engine.anomalyCounts)) anomalyKinds[k] = engine.anomalyCounts.get(k)!
  const c = engine.eventCounts

  return {
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
    orderCount: figures.orderCount,
    strategyOrderCount: figures.strategyOrderCount,
    ordersByStatus: figures.ordersByStatus,
    deniedCount: figures.deniedCount,
    rejectedCount: figures.rejectedCount,
    fillCount: figures.fillCount,
    filledQuantity: figures.filledQuantity,
    volume: figures.volume,
    fees: figures.fees,
    pnl,
    slippage: figures.slippage,
    fillRatio: figures.fillRatio,
    byVenue: figures.byVenue,
    anomalies: { count: engine.anomalyCount, byKind: anomalyKinds, first: engine.anomalyFirst.slice() }
  }
}
