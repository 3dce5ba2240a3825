/**
 * The results of a replay: the summary's figures, folded in as the run goes (each order
 * once, from its final record, when the OMS hands it over; each fill when the OMS records
 * it), and the four tables (only when the run writes them). Every figure is an exact sum
 * or a count, so the order in which orders are folded in (the order they finish, not the
 * order they were created) cannot change it.
 */
import { Decimal, type Fill, InstrumentSpec, type Order } from "@odum/domain"
import { Timestamp } from "@odum/marketdata"
import { AggregatePosition } from "@odum/positions"
import type { BacktestConfig } from "../BacktestConfig.js"
import type { Table, TableName, Value } from "../ResultFiles.js"
import type { RunSummary } from "../RunSummary.js"
import type { Engine } from "./Engine.js"
import { ExactSum, mulExact, P10, RunSum, sumIn, unitsOf } from "./ExactSum.js"

const fmt = Decimal.format
const opt = (d: Decimal.Decimal | undefined): string | null => (d === undefined ? null : fmt(d))
const sortedKeys = <V>(m: ReadonlyMap<string, V>): Array<string> => [...m.keys()].sort()
const toRecord = (m: ReadonlyMap<string, Decimal.Decimal>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const k of sortedKeys(m)) out[k] = fmt(m.get(k)!)
  return out
}
const addTo = (m: Map<string, Decimal.Decimal>, k: string, v: Decimal.Decimal) => m.set(k, Decimal.add(m.get(k) ?? Decimal.zero, v))

/** The orders of one configured venue (orders sent there, children included). */
interface VenueOrders {
  readonly venue: string
  orders: number
  readonly ordered: ExactSum
  readonly filled: ExactSum
}

/**
 * Orders in a row with the same quantity and filled quantity objects, the same venue and the
 * same part in the strategy orders' ordered and filled sums: counted, and added to the four
 * sums once, times their count, when another order comes or the figures are read (the
 * strategy sends one decimal as every order's quantity, and a whole fill hands it back as the
 * filled quantity). One identity test per order instead of one per sum.
 */
interface OrderRun {
  venue: VenueOrders | undefined
  quantity: Decimal.Decimal
  filled: Decimal.Decimal
  /** A strategy order not denied: its quantities go into the run's ordered and filled sums too. */
  counted: boolean
  count: number
}

/** The fills of one (venue, listing), summed. */
interface FillGroup {
  readonly venue: string
  readonly canonicalId: string
  readonly spec: InstrumentSpec.InstrumentSpec | undefined
  count: number
  readonly quantity: RunSum
  /** Sum of price * quantity (for the average price; times the contract size, the volume of a listing not INVERSE). */
  readonly value: ExactSum
  /**
   * Sum of each fill's notional (InstrumentSpec.notional) of an INVERSE listing only: any other's
   * notional is price * quantity * contract size, whose sum is `value` times the contract size,
   * taken when the figures are read (one exact sum less per fill).
   */
  readonly volume: ExactSum | undefined
  readonly fees: Map<string, ExactSum>
  /** The fee sum of the last fee currency (fills of one listing nearly always pay fees in one currency). */
  lastFeeCurrency: string
  lastFees: ExactSum | undefined
}

/**
 * Fills in a row with the same price, quantity, fee and fee currency objects in one group:
 * counted, and added to the group's value and fees once, times their count, when another
 * fill comes or the figures are read (a simulated venue hands the same decimals back for a
 * repeated price, and a replay's trades repeat the last price about two times in three).
 */
interface FillRun {
  group: FillGroup | undefined
  price: Decimal.Decimal
  quantity: Decimal.Decimal
  fee: Decimal.Decimal
  fees: ExactSum | undefined
  count: number
}

/**
 * Strategy orders in a row with the same average price, arrival price and filled quantity
 * objects on one instrument: their slippage terms differ only by the side's sign, so the run
 * keeps the count and the sum of the signs, and adds `sum of signs * (avg - arrival) * filled`
 * and `count * arrival * filled` once, when another order comes or the figures are read.
 */
interface SlipRun {
  slip: SlipGroup | undefined
  avg: Decimal.Decimal
  arrival: Decimal.Decimal
  filled: Decimal.Decimal
  count: number
  /** Sum of +1 per BUY and -1 per SELL. */
  signs: number
}

/** The current run of slippage terms and the one before it (see `SummaryAccumulator.slipRuns`). */
interface SlipRuns {
  current: SlipRun
  before: SlipRun
}

/** A new run object with the fields of `r` (a literal of the runs' one hidden class). */
const copyRun = (r: SlipRun): SlipRun => ({ slip: r.slip, avg: r.avg, arrival: r.arrival, filled: r.filled, count: r.count, signs: r.signs })

/** Slippage runs started between renewals of their holder (see `SummaryAccumulator.slipRuns`). */
const RENEW_SLIP_RUNS = 64

/**
 * The slippage of the strategy orders of one instrument: sum of side * (average - arrival) *
 * filled. Its cost (LINEAR listings) is that sum times the contract size, taken when the
 * figures are read (one exact sum less per order than summing each order's cost).
 */
interface SlipGroup {
  readonly canonicalId: string
  readonly spec: InstrumentSpec.InstrumentSpec | undefined
  readonly diff: ExactSum
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
  private readonly byStatus = new Map<string, { n: number }>()
  /** The status of the last order folded in and its count (nearly every order of a run ends the same way). */
  private lastStatus: string | undefined = undefined
  private lastStatusCount: { n: number } = { n: 0 }
  /** Strategy orders not denied: ordered and filled quantity. */
  private readonly ordered = new ExactSum()
  private readonly filled = new ExactSum()
  private readonly orderRun: OrderRun = { venue: undefined, quantity: Decimal.zero, filled: Decimal.zero, counted: false, count: 0 }
  private slipOrders = 0
  /** By instrument, in the order first met. */
  private readonly slips = new Map<string, SlipGroup>()
  private lastSlip: SlipGroup | undefined = undefined
  private readonly slipDen = new ExactSum()
  /**
   * The current run of slippage terms and the one before it: trade prices
   * bounce between a few levels, and an order that takes up the previous run again (8% of the
   * one-order-per-tick replay's orders, 23% of those that end the current run) is counted
   * there instead of flushing a run and starting one. The two swap places then.
   * Both are held by a young holder renewed, with new copies of both runs, every
   * `RENEW_SLIP_RUNS` runs started: a run starts on about a quarter of the count's orders, and
   * storing its (often young) arrival and average price into run objects that had grown old
   * took V8's write barrier's slow path (~16 instructions per tick); the swaps store into the
   * young holder. (The runs in the long-lived summary itself would make each swap a young
   * store into an old object.) Counted as a set with the core's dispatch of queued venue events
   * and `HeldOrders`' unfilled arrays, alternating with the parent: 13,056 / 13,061 -> 13,026 /
   * 13,006 per tick (the runs' totals 1.4M-1.6M higher: the warm-up's, 2.2M-2.5M higher);
   * this holder without the other two, counted once: 13,068. With `--functions` the write
   * barrier's slow path 82 -> 58 a tick (this and positions' `updatedAt`).
   */
  private slipRuns: SlipRuns = {
    current: { slip: undefined, avg: Decimal.zero, arrival: Decimal.zero, filled: Decimal.zero, count: 0, signs: 0 },
    before: { slip: undefined, avg: Decimal.zero, arrival: Decimal.zero, filled: Decimal.zero, count: 0, signs: 0 }
  }
  /** Slippage runs started since `slipRuns` was last renewed. */
  private slipRunsStarted = 0
  /** By configured venue, in config order. */
  private readonly venues: Map<string, VenueOrders>
  private lastVenue: VenueOrders | undefined = undefined
  private fillCount = 0
  private readonly groups = new Map<string, FillGroup>()
  private lastGroup: FillGroup | undefined = undefined
  /** The current run of fills and the one before it (as `slipRuns`). */
  private fillRun: FillRun = { group: undefined, price: Decimal.zero, quantity: Decimal.zero, fee: Decimal.zero, fees: undefined, count: 0 }
  private fillRunBefore: FillRun = { group: undefined, price: Decimal.zero, quantity: Decimal.zero, fee: Decimal.zero, fees: undefined, count: 0 }

  constructor(
    private readonly specs: ReadonlyMap<string, InstrumentSpec.InstrumentSpec>,
    venues: ReadonlyArray<string>
  ) {
    this.venues = new Map(venues.map((venue) => [venue, { venue, orders: 0, ordered: new ExactSum(), filled: new ExactSum() }]))
  }

  /** An order's final record, with its arrival price (strategy orders). */
  order(o: Order.UnifiedOrder, arrival: Decimal.Decimal | undefined): void {
    this.orderCount++
    const status = o.status
    let count = this.lastStatusCount
    if (status !== this.lastStatus) {
      let c = this.byStatus.get(status)
      if (c === undefined) {
        c = { n: 0 }
        this.byStatus.set(status, c)
      }
      this.lastStatus = status
      this.lastStatusCount = count = c
    }
    count.n++
    if (status === "DENIED") this.denied++
    else if (status === "REJECTED") this.rejected++
    let v: VenueOrders | undefined = undefined
    if (o.venue !== undefined) {
      v = this.lastVenue
      if (v === undefined || v.venue !== o.venue) {
        v = this.venues.get(o.venue)
        if (v !== undefined) this.lastVenue = v
      }
      if (v !== undefined) v.orders++
    }
    const root = o.parentOperationId === undefined
    const counted = root && status !== "DENIED"
    const q = o.filledQuantity
    const orders = this.orderRun
    if (o.quantity === orders.quantity && q === orders.filled && v === orders.venue && counted === orders.counted) orders.count++
    else {
      this.flushOrders()
      orders.venue = v
      orders.quantity = o.quantity
      orders.filled = q
      orders.counted = counted
      orders.count = 1
    }
    if (root !== true) return
    this.strategyOrders++
    const avg = o.averageFillPrice
    if (arrival !== undefined && avg !== undefined && Decimal.isPositive(q)) {
      this.slipOrders++
      const runs = this.slipRuns
      let run = runs.current
      // (An empty run's quantity is Decimal.zero, never a positive `q`: its `slip` is then never read.)
      if (avg === run.avg && arrival === run.arrival && q === run.filled && o.canonicalId === run.slip!.canonicalId) {
        run.count++
        run.signs += o.side === "BUY" ? 1 : -1
        return
      }
      const before = runs.before
      runs.before = run
      runs.current = before
      if (avg === before.avg && arrival === before.arrival && q === before.filled && o.canonicalId === before.slip!.canonicalId) {
        before.count++
        before.signs += o.side === "BUY" ? 1 : -1
        return
      }
      // The run before the current one ends; the new one takes its place.
      run = before
      this.flushSlip(run)
      if (++this.slipRunsStarted >= RENEW_SLIP_RUNS) run = this.renewSlipRuns()
      let slip = this.lastSlip
      if (slip === undefined || slip.canonicalId !== o.canonicalId) {
        slip = this.slips.get(o.canonicalId)
        if (slip === undefined) {
          slip = { canonicalId: o.canonicalId, spec: this.specs.get(o.canonicalId), diff: new ExactSum() }
          this.slips.set(o.canonicalId, slip)
        }
        this.lastSlip = slip
      }
      run.slip = slip
      run.avg = avg
      run.arrival = arrival
      run.filled = q
      run.count = 1
      run.signs = o.side === "BUY" ? 1 : -1
    }
  }

  /** Adds the run of orders (see OrderRun) to its venue's and the strategy orders' sums, and empties it. */
  private flushOrders(): void {
    const run = this.orderRun
    const { venue, quantity, filled, count } = run
    if (venue !== undefined) {
      venue.ordered.addTimes(quantity, count)
      venue.filled.addTimes(filled, count)
    }
    if (run.counted === true) {
      this.ordered.addTimes(quantity, count)
      this.filled.addTimes(filled, count)
    }
    run.venue = undefined
    run.quantity = run.filled = Decimal.zero
    run.counted = false
    run.count = 0
  }

  /**
   * New copies of both slippage runs in a new holder (see `slipRuns`); answers the new current
   * run (the one being started: flushed, so empty).
   */
  private renewSlipRuns(): SlipRun {
    this.slipRunsStarted = 0
    const { current, before } = this.slipRuns
    this.slipRuns = { current: copyRun(current), before: copyRun(before) }
    return this.slipRuns.current
  }

  /** Adds the run of slippage terms (see SlipRun) to its group and to the denominator, and empties it. */
  private flushSlip(run: SlipRun): void {
    const slip = run.slip
    if (slip === undefined) return
    const { avg, arrival, filled: q, count, signs } = run
    run.slip = undefined
    run.avg = run.arrival = run.filled = Decimal.zero
    run.count = run.signs = 0
    // diff = signs * (avg - arrival) * filled, at the finer of the two price scales plus the quantity's.
    const au = unitsOf(avg)
    const ru = unitsOf(arrival)
    const qu = unitsOf(q)
    const ps = avg.scale > arrival.scale ? avg.scale : arrival.scale
    // `scaleUp`, `subExact` and `mulExact` (ExactSum.ts) written out: here they were calls (this
    // function's inlining budget goes to `addUnits`), each with its arguments and answer boxed.
    // The same values, NaN included: a product or difference outside 2^53 - 1 is NaN, and NaN
    // fails every range check after it (written `0 / 0`, a double constant; see ExactSum.ts).
    const ka = ps - avg.scale
    let a = au
    if (ka !== 0) {
      a = au * (P10[ka] as number)
      if (!(a <= Number.MAX_SAFE_INTEGER && a >= -Number.MAX_SAFE_INTEGER)) a = 0 / 0
    }
    const kr = ps - arrival.scale
    let r = ru
    if (kr !== 0) {
      r = ru * (P10[kr] as number)
      if (!(r <= Number.MAX_SAFE_INTEGER && r >= -Number.MAX_SAFE_INTEGER)) r = 0 / 0
    }
    let d = a - r
    if (!(d <= Number.MAX_SAFE_INTEGER && d >= -Number.MAX_SAFE_INTEGER)) d = 0 / 0
    let diffUnits = d * qu
    if (!(diffUnits <= Number.MAX_SAFE_INTEGER && diffUnits >= -Number.MAX_SAFE_INTEGER)) diffUnits = 0 / 0
    diffUnits *= signs
    if (!(diffUnits <= Number.MAX_SAFE_INTEGER && diffUnits >= -Number.MAX_SAFE_INTEGER)) diffUnits = 0 / 0
    let denUnits = ru * qu
    if (!(denUnits <= Number.MAX_SAFE_INTEGER && denUnits >= -Number.MAX_SAFE_INTEGER)) denUnits = 0 / 0
    denUnits *= count
    if (!(denUnits <= Number.MAX_SAFE_INTEGER && denUnits >= -Number.MAX_SAFE_INTEGER)) denUnits = 0 / 0
    if (diffUnits === diffUnits && denUnits === denUnits) {
      slip.diff.addUnits(diffUnits, ps + q.scale)
      this.slipDen.addUnits(denUnits, arrival.scale + q.scale)
    } else {
      slip.diff.add(Decimal.mul(Decimal.mul(Decimal.fromInt(signs), Decimal.sub(avg, arrival)), q))
      this.slipDen.add(Decimal.mul(Decimal.mul(arrival, q), Decimal.fromInt(count)))
    }
  }

  /**
   * A fill the OMS recorded. Another fill of the current run (see `FillRun`: its group, its
   * price, quantity, fee and fee currency objects, and its group's last quantity) is counted
   * here; anything else goes to `fillNew`, from the start (nothing was changed here). Small, so
   * that the engine's journal sink inlines it: the whole method was a call per fill.
   */
  fill(f: Fill.Fill): void {
    const g = this.lastGroup
    const run = this.fillRun
    if (
      g !== undefined &&
      g === run.group &&
      f.price === run.price &&
      f.quantity === run.quantity &&
      f.fee === run.fee &&
      f.venue === g.venue &&
      f.canonicalId === g.canonicalId &&
      f.feeCurrency === g.lastFeeCurrency &&
      g.lastFees === run.fees &&
      g.volume === undefined &&
      g.quantity.repeat(f.quantity)
    ) {
      this.fillCount++
      g.count++
      run.count++
      return
    }
    this.fillNew(f)
  }

  /** `fill` in every case. */
  private fillNew(f: Fill.Fill): void {
    this.fillCount++
    let g = this.lastGroup
    if (g === undefined || g.venue !== f.venue || g.canonicalId !== f.canonicalId) {
      const key = `${f.venue}\u0000${f.canonicalId}`
      g = this.groups.get(key)
      if (g === undefined) {
        const spec = this.specs.get(f.canonicalId)
        g = {
          venue: f.venue,
          canonicalId: f.canonicalId,
          spec,
          count: 0,
          quantity: new RunSum(),
          value: new ExactSum(),
          volume: spec !== undefined && spec.contractType === "INVERSE" ? new ExactSum() : undefined,
          fees: new Map(),
          lastFeeCurrency: "",
          lastFees: undefined
        }
        this.groups.set(key, g)
      }
      this.lastGroup = g
    }
    g.count++
    const price = f.price
    const quantity = f.quantity
    g.quantity.add(quantity)
    if (g.volume !== undefined) g.volume.add(InstrumentSpec.notional(g.spec!, quantity, price))
    let fees = g.lastFees
    if (fees === undefined || g.lastFeeCurrency !== f.feeCurrency) {
      fees = sumIn(g.fees, f.feeCurrency)
      g.lastFees = fees
      g.lastFeeCurrency = f.feeCurrency
    }
    let run = this.fillRun
    if (price === run.price && quantity === run.quantity && f.fee === run.fee && g === run.group && fees === run.fees) {
      run.count++
      return
    }
    const before = this.fillRunBefore
    this.fillRunBefore = run
    this.fillRun = before
    if (price === before.price && quantity === before.quantity && f.fee === before.fee && g === before.group && fees === before.fees) {
      before.count++
      return
    }
    // The run before the current one ends; the new one takes its place.
    run = before
    this.flushFills(run)
    run.group = g
    run.price = price
    run.quantity = quantity
    run.fee = f.fee
    run.fees = fees
    run.count = 1
  }

  /** Adds the run of fills (see FillRun) to its group's value and fees, and empties it. */
  private flushFills(run: FillRun): void {
    const g = run.group
    if (g === undefined) return
    const { price, quantity, fee, count } = run
    const fees = run.fees!
    run.group = undefined
    run.fees = undefined
    run.price = run.quantity = run.fee = Decimal.zero
    run.count = 0
    const pq = mulExact(mulExact(unitsOf(price), unitsOf(quantity)), count)
    if (pq === pq) g.value.addUnits(pq, price.scale + quantity.scale)
    else g.value.add(Decimal.mul(Decimal.mul(price, quantity), Decimal.fromInt(count)))
    fees.addTimes(fee, count)
  }

  /** The figures so far. */
  figures(): OrderFigures {
    this.flushOrders()
    this.flushSlip(this.slipRuns.current)
    this.flushSlip(this.slipRuns.before)
    this.flushFills(this.fillRun)
    this.flushFills(this.fillRunBefore)
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
      const quantity = g.quantity.value()
      addTo(filledQty, g.canonicalId, quantity)
      for (const [c, sum] of g.fees) {
        const fee = sum.value()
        addTo(fees, c, fee)
        if (v !== undefined) addTo(v.fees, c, fee)
      }
      if (v !== undefined) {
        v.fills += g.count
        addTo(v.qty, g.canonicalId, quantity)
        addTo(v.value, g.canonicalId, g.value.value())
      }
      if (g.spec !== undefined) {
        const asset = InstrumentSpec.notionalAsset(g.spec)
        // Not INVERSE: the sum of price * quantity * contract size is the sum of price * quantity times the contract size.
        const groupVolume = g.volume !== undefined ? g.volume.value() : Decimal.mul(g.value.value(), g.spec.contractSize)
        addTo(volume, asset, groupVolume)
        if (v !== undefined) addTo(v.volume, asset, groupVolume)
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
        fillRatio: ratio(o.filled.value(), o.ordered.value(), 6)
      }
    })

    const slipDen = this.slipDen.value()
    let slipNum = Decimal.zero
    const slipCost = new Map<string, Decimal.Decimal>()
    for (const slip of this.slips.values()) {
      const diff = slip.diff.value()
      slipNum = Decimal.add(slipNum, diff)
      // LINEAR: the sum of diff * contract size is the sum of diff times the contract size.
      if (slip.spec !== undefined && slip.spec.contractType === "LINEAR") addTo(slipCost, slip.spec.quoteAsset, Decimal.mul(diff, slip.spec.contractSize))
    }
    const statusRecord: Record<string, number> = {}
    for (const k of sortedKeys(this.byStatus)) statusRecord[k] = this.byStatus.get(k)!.n
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
        bps: Decimal.isPositive(slipDen)
          ? fmt(Decimal.div(Decimal.mul(slipNum, Decimal.fromInt(10_000)), slipDen, 4, "half-even"))
          : null,
        cost: toRecord(slipCost)
      },
      fillRatio: ratio(this.filled.value(), this.ordered.value(), 6),
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
