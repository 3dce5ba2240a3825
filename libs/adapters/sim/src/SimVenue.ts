/**
 * A simulated venue: one MatchingEngine per instrument, the latency between sending an
 * order and its arrival at the venue, venue ids, fees from the instrument definitions,
 * and the venue's records of our fills, positions and balances.
 *
 * Two faces, one core:
 * - `SimVenue` implements the kit's synchronous `SyncVenue` port for the backtest hot path:
 *   the driver passes the simulated time, feeds market events (`onMarket`, or the engine's
 *   methods after `advanceTo`) and receives execution events in its `ExecutionSink`.
 * - `adapter(sim)` is the Effect edge (`VenueAdapter`) for paper trading and wiring tests:
 *   the Effect `Clock` is the venue clock; a submit resolves after the latency elapses.
 *
 * Latency: a request sent at `t` reaches the venue at `t + latencyNs`; requests reach it in
 * the order they were sent (one connection, nothing overtakes). Arrivals due at or before
 * a market event's time are processed before that event. Zero latency processes a request
 * inside the call. Events carry venue time (the arrival time for acks, rejects and taker
 * fills; the market event's time for maker fills); the way back to the caller is not
 * delayed here (the driver may delay it).
 *
 * `mode: "immediate"` skips latency and the book: each valid order is accepted and filled
 * whole at once (at its limit price, or the reference price for market orders), for the
 * execution-core benchmark and tests of code above the venue.
 */
import { type ExecutionEvent, type SyncVenue, type VenueAdapter, VenueAdapters, VenueError } from "@odum/adapter-kit"
import type { VenueOrderRequest } from "@odum/adapter-kit"
import { Decimal, Ids, InstrumentSpec } from "@odum/domain"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Account, type Ledger } from "./internal/Account.js"
import { IdSequence } from "./internal/IdSequence.js"
import { pastInt64 } from "./internal/int64.js"
import { EngineOrder, type EngineListener, make as makeEngine, type MatchingEngine, type Slippage } from "./MatchingEngine.js"
import type { MarketEvent } from "./MarketEvent.js"
import { SimConfigError } from "./SimError.js"

/** One instrument of the venue, with optional engine settings. */
export interface InstrumentOptions {
  readonly spec: InstrumentSpec.InstrumentSpec
  /** Decimals of price units (default: the tick size's); use the catalog's scale to feed its events as they are. */
  readonly priceScale?: number
  /** Decimals of size units (default: the lot size's). */
  readonly sizeScale?: number
  /** Trades-only slippage for this instrument (default: the venue's). */
  readonly slippage?: Slippage
  /** Prices per book side in the engine's ladder window (default OrderBook.DEFAULT_WINDOW). */
  readonly bookWindow?: number
}

/** How the venue matches. */
export type Mode = "matching" | "immediate"

/** How to build a simulated venue. */
export interface SimVenueOptions {
  /** Venue code; every instrument's spec must name it. */
  readonly venue: string
  readonly instruments: ReadonlyArray<InstrumentSpec.InstrumentSpec | InstrumentOptions>
  /** One-way latency from sending a request to its arrival at the venue, ns (default 0). */
  readonly latencyNs?: bigint | number
  /** "matching" (default) or "immediate". */
  readonly mode?: Mode
  /** Trades-only slippage for every instrument (default none). */
  readonly slippage?: Slippage
  /** Starting balances by asset. */
  readonly initialBalances?: Readonly<Record<string, Decimal.Decimal | string>>
  /** Keep every fill for `fills(since)` (default true); a long backtest may turn it off to bound memory. */
  readonly retainFills?: boolean
  /**
   * Keep the venue's positions and balances (default true), for reconciliation in paper
   * trading. A backtest, whose positions library tracks the same fills, may turn it off
   * (it matters for inverse contracts, which book in decimals).
   */
  readonly account?: boolean
  /** Where execution events go (can also be set later with `setSink`). */
  readonly sink?: ExecutionSink
}

/** Receives execution events (the kit's sink). */
export type ExecutionSink = SyncVenue.ExecutionSink

/** The venue's own record of one of our orders. */
class SimOrder extends EngineOrder {
  venueOrderId = "" as Ids.VenueOrderId
  acceptedTs = 0n
  /**
   * Where the venue lists it as working: NOT_LISTED, IN_FLIGHT (being processed, on the
   * `arriving` chain) or IN_MAP (in `working`). Immediate-mode orders are never listed.
   */
  listed = Listed.NOT_LISTED
  /** While it arrives: the order whose arrival was being processed when this one's began (`SimVenue.arriving`). */
  outer: SimOrder | undefined = undefined

  constructor(
    readonly request: VenueOrderRequest.VenueOrderRequest,
    readonly instrument: Instrument | undefined,
    /** A problem found while converting to units (reported on arrival, like any rejection). */
    readonly invalid: { readonly reason: VenueError.RejectionReason; readonly message: string } | undefined,
    side: 1 | -1,
    price: number,
    quantity: number
  ) {
    super(
      request.clientOrderId,
      side,
      request.type,
      request.timeInForce,
      price,
      quantity,
      request.postOnly,
      request.reduceOnly
    )
  }
}

/** One instrument's engine and the constants its fills need. */
interface Instrument {
  readonly spec: InstrumentSpec.InstrumentSpec
  readonly engine: MatchingEngine
  readonly feeCurrency: string
  /** Undefined when the venue keeps no account. */
  readonly ledger: Ledger | undefined
  /**
   * The quantity of the last request and its units (decimals are immutable, and a strategy
   * sends the same quantity object again and again: no bigint conversion per order).
   */
  lastQuantity: Decimal.Decimal | undefined
  lastQuantityUnits: number
}

/** What an Effect-edge call is waiting for. */
interface Waiter {
  submit: ExecutionEvent.Accepted | ExecutionEvent.Rejected | undefined
  cancel: ExecutionEvent.Cancelled | ExecutionEvent.CancelRejected | undefined
}

const POW10 = Array.from({ length: 19 }, (_, i) => 10 ** i)

// Number.MAX_SAFE_INTEGER written out, not a module constant: a bundler turns that into a var,
// which V8 neither folds nor types (a load and a check per use on the hot path).
// (NaN written `0 / 0`, which TurboFan folds to a double: the global `NaN` on a branch that has
// not run is a generic global load, and the answer merging it was boxed; risk's internal/fixed.ts.)
/**
 * `d` in units of `10^-scale` (scale <= 18) as a safe integer; NaN if it has more decimals or is too large.
 * A value of 32 bits is answered as `u | 0`, the same number as a small integer: the product of
 * the Decimal's number form (a double field) is a heap number in code not yet optimised, and the
 * first orders' heap numbers made the order's `quantity` and `filled` fields (and `price`)
 * doubles, each a heap number allocated with every order (two per order in the backtest).
 */
const toUnits = (d: Decimal.Decimal, scale: number): number => {
  if (d.scale > scale) return 0 / 0
  // The Decimal's number form is exact or NaN; a product beyond 2^53 fails the range check.
  const u = d.unitsN * POW10[scale - d.scale]!
  const small = u | 0
  if (small === u) return small
  return u <= Number.MAX_SAFE_INTEGER && u >= -Number.MAX_SAFE_INTEGER ? u : 0 / 0
}

/**
 * The key of the permanent entry of `working`: a Map emptied by its last delete gives up its
 * table and allocates a new one on the next insert, which with one order at a time happened
 * for every order. Not a client order id (those are 1-64 of `[.A-Za-z0-9:/_-]`); lookups
 * still ignore it, since an unchecked request could use any string.
 */
const SENTINEL_ID = "\u0000working"

const isVenue = Schema.is(Ids.Venue)

/**
 * `SimOrder.listed`. A const enum, whose members the compiler writes as their literals: module
 * constants become vars in a bundle, loaded and type-checked at each use on the hot path.
 */
const enum Listed {
  /** Not a working order. */
  NOT_LISTED = 0,
  /** A working order still being processed on arrival (on `SimVenue.arriving`). */
  IN_FLIGHT = 1,
  /** A working order in `SimVenue.working` (resting, or deferred by a busy engine). */
  IN_MAP = 2
}

/** A simulated venue (see the module comment). */
export class SimVenue implements SyncVenue.SyncVenue, EngineListener {
  private readonly instruments = new Map<string, Instrument>()
  /**
   * Requests on their way to the venue, in send order from `head`: when each arrives, and
   * what it is (an order, or the client order id of a cancel). Two arrays rather than an
   * object per request: a backtest with latency sends one per order.
   */
  private readonly pendingAt: Array<bigint> = []
  private readonly pendingItem: Array<SimOrder | Ids.ClientOrderId | undefined> = []
  private head = 0
  /**
   * The last arrival time and the venue clock (ns), in a typed array: each event's time is a
   * new young bigint, and storing it into a field of this long-lived object took V8's write
   * barrier slow path (~58 instructions) on every tick; a `BigInt64Array` element holds the
   * 64 bits themselves. Both only move forward, so only the upper end of int64 is checked
   * (`pastInt64`: a typed array would wrap a later time silently).
   */
  private readonly times = new BigInt64Array(2)
  private get lastArrival(): bigint {
    return this.times[0]!
  }
  private set lastArrival(ns: bigint) {
    this.times[0] = ns > 9_223_372_036_854_775_807n ? pastInt64(ns) : ns
  }
  private get clock(): bigint {
    return this.times[1]!
  }
  private set clock(ns: bigint) {
    this.times[1] = ns > 9_223_372_036_854_775_807n ? pastInt64(ns) : ns
  }
  /** Venue order ids, `O<n>`, and trade ids, `${venue}-<n>` (see `onAccepted`). */
  private readonly orderIds = new IdSequence("O")
  private readonly tradeIds: IdSequence
  /** Orders that reached the venue and are not finished, by client order id; plus the entry at SENTINEL_ID. */
  private readonly working = new Map<string, SimOrder>()
  /**
   * The order whose arrival is being processed, innermost first through `SimOrder.outer`
   * (arrivals nest when a sink sends from a callback): the working orders being processed
   * are those on this chain still IN_FLIGHT. They are kept out of `working` until they turn
   * out to stay: most orders (market, IOC, FOK, any marketable remainder that expires)
   * finish inside their arrival, and an insert and a delete per order made the Map give up
   * and rebuild its small table every few orders. A chain through the orders rather than an
   * array: an order that finishes leaves it by a flag, with no search or pop.
   *
   * The head is element 0 of a young one-element array renewed every 64 arrivals (`arrivals`
   * counts them): each arriving order is a young object, and stored into a field of this
   * long-lived venue it took V8's write barrier slow path (~50 instructions per order); stored
   * into a young array it does not, and only each renewal stores a young object here.
   *
   * Only the first `depth` orders of the chain are arriving: with none (`depth` 0) the head is
   * stale (the last order that arrived, finished or mapped) and is never read. An arrival with
   * nothing else arriving (every order, unless a sink sends from a callback) then neither reads
   * the head for its `outer` nor restores it afterwards: each access of the holder is a map,
   * elements and length check (and a write barrier check for a store), ~50 instructions per
   * order for the read, the restore and the reset of `outer`.
   */
  private arriving: Array<SimOrder | undefined> = [undefined]
  private arrivals = 0
  /** How many arrivals are being processed (nested when a sink sends from a callback): see `arriving`. */
  private depth = 0
  /**
   * Working orders (IN_FLIGHT or IN_MAP): while there are none, no lookup by client order id
   * can find one, and an arriving order skips its duplicate check (a Map lookup per order).
   */
  private listedCount = 0
  private readonly sentinel: SimOrder
  private readonly fillLog: Array<ExecutionEvent.Filled> = []
  private readonly account: Account | undefined
  private readonly hubs = new Set<PubSub.PubSub<ExecutionEvent.ExecutionEvent>>()
  private readonly waiters = new Map<string, Waiter>()
  /**
   * `waiters.size + hubs.size`: `emit` (inlined into every event) tests this one field, where
   * the two sizes cost a load of each collection's table and its count.
   */
  private edges = 0
  private sink: ExecutionSink | undefined
  private readonly immediate: boolean
  /** `latencyNs === 0n`, asked on every request (a bigint comparison each time otherwise). */
  private readonly zeroLatency: boolean
  /** The instrument of the last request (consecutive requests usually name the same one). */
  private lastCanonicalId: string | undefined = undefined
  private lastInstrument: Instrument | undefined = undefined

  /** @internal use `make` */
  constructor(
    readonly venue: Ids.Venue,
    readonly latencyNs: bigint,
    readonly mode: Mode,
    readonly retainFills: boolean,
    /** Keeps positions and balances (false: `positions()` and `balances()` answer undefined). */
    readonly keepsAccount: boolean,
    initialBalances: ReadonlyMap<string, Decimal.Decimal>,
    sink: ExecutionSink | undefined
  ) {
    this.account = keepsAccount ? new Account(initialBalances) : undefined
    this.sink = sink
    this.immediate = mode === "immediate"
    this.zeroLatency = latencyNs === 0n
    this.tradeIds = new IdSequence(`${venue}-`)
    this.sentinel = new SimOrder(
      {
        clientOrderId: SENTINEL_ID as Ids.ClientOrderId,
        canonicalId: "",
        side: "BUY",
        type: "MARKET",
        timeInForce: "IOC",
        quantity: Decimal.zero,
        reduceOnly: false,
        postOnly: false
      },
      undefined,
      undefined,
      1,
      0,
      0
    )
    this.working.set(SENTINEL_ID, this.sentinel)
  }

  /** The working order with this client order id (never the sentinel). */
  private workingOrder(clientOrderId: string): SimOrder | undefined {
    return this.listedCount === 0 ? undefined : this.listedOrder(clientOrderId)
  }

  /** `workingOrder` when some order is listed (apart: `workingOrder` is inlined into `submit`). */
  private listedOrder(clientOrderId: string): SimOrder | undefined {
    const o = this.working.get(clientOrderId)
    if (o !== undefined && o !== this.sentinel) return o
    let a = this.arriving[0]
    for (let d = this.depth; d > 0 && a !== undefined; d--, a = a.outer) {
      if (a.listed === Listed.IN_FLIGHT && a.clientOrderId === clientOrderId) return a
    }
    return undefined
  }

  /** Removes a working order if listed (an order that used the sentinel's key gives the key back to it). */
  private unlist(o: SimOrder): void {
    const listed = o.listed
    if (listed === Listed.NOT_LISTED) return
    o.listed = Listed.NOT_LISTED
    this.listedCount--
    // IN_FLIGHT: the flag takes it off the `arriving` chain.
    if (listed === Listed.IN_MAP) this.unmap(o)
  }

  /** Takes an IN_MAP order out of `working` (out of line: `unlist` is inlined into every event). */
  private unmap(o: SimOrder): void {
    if (o.clientOrderId === SENTINEL_ID) this.working.set(SENTINEL_ID, this.sentinel)
    else this.working.delete(o.clientOrderId)
  }

  /** @internal registers an instrument (used by `make`). */
  addInstrument(spec: InstrumentSpec.InstrumentSpec, engine: MatchingEngine): void {
    this.lastCanonicalId = undefined
    this.lastInstrument = undefined
    this.instruments.set(spec.canonicalId, {
      spec,
      engine,
      feeCurrency: InstrumentSpec.notionalAsset(spec),
      ledger: this.account?.ledger(engine),
      lastQuantity: undefined,
      // (Never read while `lastQuantity` is undefined; a small integer, not NaN, so that the field,
      // which every order's quantity is read from, holds small integers: see `toUnits`.)
      lastQuantityUnits: 0
    })
  }

  /** Replaces the execution sink. */
  setSink(sink: ExecutionSink | undefined): void {
    this.sink = sink
  }

  /** The engine of an instrument (for the columnar fast path: `advanceTo(ts)` first, then its `on...` methods). */
  engine(canonicalId: string): MatchingEngine | undefined {
    return this.instruments.get(canonicalId)?.engine
  }

  /** Canonical ids of the venue's instruments. */
  canonicalIds(): ReadonlyArray<string> {
    return [...this.instruments.keys()]
  }

  /** The venue's current time: the latest time it was advanced to (ns). */
  now(): bigint {
    return this.clock
  }

  // -------------------------------------------------------------------------------------
  // SyncVenue
  // -------------------------------------------------------------------------------------

  /** Sends an order at `nowNs` (see SyncVenue.submit). */
  submit(order: VenueOrderRequest.VenueOrderRequest, nowNs: bigint): void {
    const o = this.toOrder(order)
    if (this.immediate === true) {
      if (nowNs > this.clock) this.clock = nowNs
      this.arriveImmediate(o, nowNs)
      return
    }
    if (this.zeroLatency === true && this.head === this.pendingAt.length) {
      // Nothing in flight and no latency: it arrives now, without a queue entry, at the later of
      // `nowNs` and the venue clock (`arrivalOf` without the last arrival: with no latency the
      // clock is never behind it, see `arrivalOf`). At the clock's time (the backtest sends at
      // the time of the event the venue was just advanced to: every order) it arrives at `nowNs`
      // itself: the clock read from its typed array is a new bigint, allocated to be passed on.
      const clock = this.clock
      if (nowNs > clock) {
        this.clock = nowNs
        this.arriveOrder(o, nowNs)
      } else this.arriveOrder(o, nowNs === clock ? nowNs : clock)
      return
    }
    this.send(this.arrivalOf(nowNs), o)
  }

  /** Asks to cancel at `nowNs` (see SyncVenue.cancel). */
  cancel(clientOrderId: Ids.ClientOrderId, nowNs: bigint): void {
    if (this.immediate === true) {
      // Every order is finished the moment it arrives: there is nothing to cancel.
      if (nowNs > this.clock) this.clock = nowNs
      this.cancelRejected(clientOrderId, nowNs)
      return
    }
    this.send(this.arrivalOf(nowNs), clientOrderId)
  }

  /** Processes every request that reaches the venue at or before `nowNs`. */
  advanceTo(nowNs: bigint): void {
    if (nowNs > this.clock) this.clock = nowNs
    const times = this.pendingAt
    if (this.head === times.length) return
    const items = this.pendingItem
    // `this.head` is re-read every turn: a sink may send (and process) requests re-entrantly.
    while (this.head < times.length) {
      const at = times[this.head]!
      if (at > nowNs) break
      const item = items[this.head]!
      items[this.head++] = undefined
      if (typeof item === "string") this.arriveCancel(item, at)
      else this.arriveOrder(item, at)
    }
    if (this.head === times.length) {
      if (times.length > 0) {
        times.length = 0
        items.length = 0
      }
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > times.length) {
      times.splice(0, this.head)
      items.splice(0, this.head)
      this.head = 0
    }
  }

  /** When the next request reaches the venue, or undefined. */
  nextArrivalNs(): bigint | undefined {
    return this.head < this.pendingAt.length ? this.pendingAt[this.head] : undefined
  }

  /**
   * A market event of one instrument: processes arrivals due by its time, then applies it.
   * Returns false (and does nothing) for an instrument the venue does not list.
   */
  onMarket(canonicalId: string, event: MarketEvent): boolean {
    const inst = this.instruments.get(canonicalId)
    if (inst === undefined) return false
    this.advanceTo(event.ts)
    inst.engine.onMarket(event)
    return true
  }

  /** The price immediate mode fills market orders at (and the reference for checks when no market is known). */
  setReferencePrice(canonicalId: string, price: Decimal.Decimal): boolean {
    const inst = this.instruments.get(canonicalId)
    if (inst === undefined) return false
    const units = toUnits(price, inst.engine.priceScale)
    if (!(units > 0)) return false
    inst.engine.referencePrice = units
    return true
  }

  // -------------------------------------------------------------------------------------
  // The venue's records
  // -------------------------------------------------------------------------------------

  /** Working orders at the venue, by instrument, buys before sells, in arrival order. */
  openOrders(): Array<VenueAdapter.VenueOrder> {
    const out: Array<VenueAdapter.VenueOrder> = []
    for (const inst of this.instruments.values()) {
      for (const e of inst.engine.openOrders()) {
        const o = e as SimOrder
        out.push({
          clientOrderId: o.request.clientOrderId,
          venueOrderId: o.venueOrderId,
          canonicalId: inst.spec.canonicalId,
          side: o.request.side,
          type: o.request.type,
          timeInForce: o.request.timeInForce,
          quantity: o.request.quantity,
          filledQuantity: inst.engine.sizeToDecimal(o.filled),
          price: o.request.price,
          reduceOnly: o.request.reduceOnly,
          postOnly: o.request.postOnly,
          ts: o.acceptedTs
        })
      }
    }
    return out
  }

  /** Our fills at or after `sinceNs`, oldest first; undefined when fills are not retained. */
  fills(sinceNs: bigint): ReadonlyArray<ExecutionEvent.Filled> | undefined {
    if (this.retainFills !== true) return undefined
    const log = this.fillLog
    // Fills are logged in time order: bisect for the first at or after `sinceNs`.
    let lo = 0
    let hi = log.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (log[mid]!.ts < sinceNs) lo = mid + 1
      else hi = mid
    }
    return log.slice(lo)
  }

  /** Open derivative positions (average-cost entry price); undefined when the venue keeps no account. */
  positions(): Array<VenueAdapter.VenuePosition> | undefined {
    return this.account?.positions()
  }

  /** Balances: starting balances, spot exchanges, realized derivative PnL, minus fees; undefined without an account. */
  balances(): Array<VenueAdapter.VenueBalance> | undefined {
    return this.account?.balanceList()
  }

  // -------------------------------------------------------------------------------------
  // Effect edge support
  // -------------------------------------------------------------------------------------

  /** @internal the Effect edge waits for the answer to one request. */
  watch(clientOrderId: string): void {
    this.waiters.set(clientOrderId, { submit: undefined, cancel: undefined })
    this.countEdges()
  }

  /** @internal */
  unwatch(clientOrderId: string): Waiter | undefined {
    const w = this.waiters.get(clientOrderId)
    this.waiters.delete(clientOrderId)
    this.countEdges()
    return w
  }

  /** @internal */
  attach(hub: PubSub.PubSub<ExecutionEvent.ExecutionEvent>): void {
    this.hubs.add(hub)
    this.countEdges()
  }

  /** @internal */
  detach(hub: PubSub.PubSub<ExecutionEvent.ExecutionEvent>): void {
    this.hubs.delete(hub)
    this.countEdges()
  }

  private countEdges(): void {
    this.edges = this.waiters.size + this.hubs.size
  }

  // -------------------------------------------------------------------------------------
  // EngineListener: engine outcomes become execution events
  // -------------------------------------------------------------------------------------

  /** @internal */
  onAccepted(e: EngineOrder, ts: bigint): void {
    const o = e as SimOrder
    // `O<n>`, unique per venue as venues' own ids are. Kept under 13 characters so V8 makes a
    // flat string, not a rope: the OMS indexes it, and a rope is copied flat and hashed on its
    // first lookup (a `${venue}-O<n>` id cost ~1,400 instructions per order that way).
    // Built as `"O" + n` would be, without converting the number (see IdSequence).
    o.venueOrderId = this.orderIds.next() as Ids.VenueOrderId
    o.acceptedTs = ts
    this.emit({
      _tag: "Accepted",
      venue: this.venue,
      canonicalId: o.request.canonicalId,
      clientOrderId: o.request.clientOrderId,
      venueOrderId: o.venueOrderId,
      ts
    })
  }

  /** @internal */
  onRejected(e: EngineOrder, reason: VenueError.RejectionReason, message: string, ts: bigint): void {
    const o = e as SimOrder
    this.unlist(o)
    this.reject(o, reason, message, ts)
  }

  /** @internal */
  onFill(e: EngineOrder, price: number, quantity: number, liquidity: "MAKER" | "TAKER", ts: bigint): void {
    const o = e as SimOrder
    const inst = o.instrument!
    const req = o.request
    // The request's own decimals when they are exact for this fill (a whole fill, at the limit): no conversion.
    const p = price === o.price && req.price !== undefined ? req.price : inst.engine.priceToDecimal(price)
    const q = quantity === o.quantity ? req.quantity : inst.engine.sizeToDecimal(quantity)
    const engine = inst.engine
    const fee = engine.feeOf(price, quantity, liquidity)
    if (o.filled === o.quantity) this.unlist(o)
    const fill: ExecutionEvent.Filled = {
      _tag: "Filled",
      venue: this.venue,
      // The request's own string (the instrument was found by it, so the same text as the
      // spec's): one load from the request already at hand, where the spec's was a load of
      // the spec and its map check (this method's self cost 452 -> 445 a backtest tick; counts
      // 12,315 / 12,329 against 12,342 / 12,328 / 12,323, every total 0.9-1.5M lower). It is
      // also the string the OMS compares with its order's (the one the request was sent with):
      // where a run's specs and requests hold separate copies of the id, an identity hit.
      canonicalId: req.canonicalId,
      clientOrderId: req.clientOrderId,
      venueOrderId: o.venueOrderId,
      side: req.side,
      tradeId: this.tradeIds.next() as Ids.TradeId,
      price: p,
      quantity: q,
      fee,
      feeCurrency: inst.feeCurrency,
      liquidity,
      ts
    }
    if (this.account !== undefined) this.account.apply(inst.ledger!, o.side === 1, q, quantity, p, price, fee, liquidity)
    if (this.retainFills === true) this.fillLog.push(fill)
    this.emit(fill)
  }

  /** @internal */
  onExpired(e: EngineOrder, message: string, ts: bigint): void {
    const o = e as SimOrder
    this.unlist(o)
    this.emit({
      _tag: "Expired",
      venue: this.venue,
      canonicalId: o.request.canonicalId,
      clientOrderId: o.request.clientOrderId,
      venueOrderId: o.venueOrderId,
      message,
      ts
    })
  }

  /** @internal */
  onCancelled(e: EngineOrder, ts: bigint): void {
    const o = e as SimOrder
    this.unlist(o)
    this.emit({
      _tag: "Cancelled",
      venue: this.venue,
      canonicalId: o.request.canonicalId,
      clientOrderId: o.request.clientOrderId,
      venueOrderId: o.venueOrderId,
      ts
    })
  }

  /** @internal */
  onCancelRejected(e: EngineOrder, reason: VenueError.RejectionReason, message: string, ts: bigint): void {
    this.emit({
      _tag: "CancelRejected",
      venue: this.venue,
      clientOrderId: (e as SimOrder).request.clientOrderId,
      reason,
      message,
      ts
    })
  }

  // -------------------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------------------

  /**
   * When a request sent at `nowNs` arrives. With no latency the last arrival is never after the
   * clock (each arrival moves the clock to it, in `advanceTo` or `submit`, before anything else
   * is sent), so `submit`'s path for an empty queue leaves it as it is.
   */
  private arrivalOf(nowNs: bigint): bigint {
    let at = this.zeroLatency === true ? nowNs : nowNs + this.latencyNs
    // Nothing overtakes an earlier request, and nothing arrives in the venue's past.
    if (at < this.lastArrival) at = this.lastArrival
    if (at < this.clock) at = this.clock
    this.lastArrival = at
    return at
  }

  private send(at: bigint, item: SimOrder | Ids.ClientOrderId): void {
    this.pendingAt.push(at)
    this.pendingItem.push(item)
    if (at <= this.clock || this.zeroLatency === true) this.advanceTo(at)
  }

  /**
   * The venue's record of a request, in units. The refusals are built out of line: with their
   * messages this was over TurboFan's inlining limit (460 bytes of bytecode) and a call of its
   * own per order; now `submit` inlines it, the records' constructors included.
   */
  private toOrder(req: VenueOrderRequest.VenueOrderRequest): SimOrder {
    const side = req.side === "BUY" ? 1 : -1
    let inst = this.lastInstrument
    if (req.canonicalId !== this.lastCanonicalId || inst === undefined) {
      inst = this.instruments.get(req.canonicalId)
      if (inst === undefined) return this.unknownInstrument(req, side)
      this.lastCanonicalId = req.canonicalId
      this.lastInstrument = inst
    }
    const engine = inst.engine
    let quantity = inst.lastQuantityUnits
    if (req.quantity !== inst.lastQuantity) {
      quantity = toUnits(req.quantity, engine.sizeScale)
      inst.lastQuantity = req.quantity
      inst.lastQuantityUnits = quantity
    }
    if (Number.isNaN(quantity)) return this.invalidQuantity(req, inst, side)
    let price = 0
    if (req.price !== undefined) {
      price = toUnits(req.price, engine.priceScale)
      if (Number.isNaN(price)) return this.invalidPrice(req, inst, side, quantity)
    }
    return new SimOrder(req, inst, undefined, side, price, quantity)
  }

  private unknownInstrument(req: VenueOrderRequest.VenueOrderRequest, side: 1 | -1): SimOrder {
    return new SimOrder(req, undefined, { reason: "UnknownInstrument", message: `${this.venue} lists no instrument ${req.canonicalId}` }, side, 0, 0)
  }

  private invalidQuantity(req: VenueOrderRequest.VenueOrderRequest, inst: Instrument, side: 1 | -1): SimOrder {
    const offGrid = req.quantity.scale > inst.engine.sizeScale
    return new SimOrder(
      req,
      inst,
      {
        reason: offGrid ? "OffLotGrid" : "InvalidQuantity",
        message: offGrid
          ? `quantity ${Decimal.format(req.quantity)} is not a multiple of the lot size ${Decimal.format(inst.spec.lotSize)}`
          : `quantity ${Decimal.format(req.quantity)} is out of range`
      },
      side,
      0,
      0
    )
  }

  private invalidPrice(req: VenueOrderRequest.VenueOrderRequest, inst: Instrument, side: 1 | -1, quantity: number): SimOrder {
    const price = req.price!
    const offGrid = price.scale > inst.engine.priceScale
    return new SimOrder(
      req,
      inst,
      {
        reason: offGrid ? "OffTickGrid" : "InvalidPrice",
        message: offGrid
          ? `price ${Decimal.format(price)} is not a multiple of the tick size ${Decimal.format(inst.spec.tickSize)}`
          : `price ${Decimal.format(price)} is out of range`
      },
      side,
      0,
      quantity
    )
  }

  /** A cancel of `id` reaching the venue at `at`. */
  private arriveCancel(id: Ids.ClientOrderId, at: bigint): void {
    const working = this.workingOrder(id)
    if (working === undefined) this.cancelRejected(id, at)
    else working.instrument!.engine.cancel(working, at)
  }

  /**
   * An order reaching the venue at `at`. Its refusals, the cancel path and the rare branches of
   * what it calls (`workingOrder`, the engine's `submit`, `arrive` and `take`, `emit`,
   * `IdSequence.next`) are methods of their own, so that its optimised code inlines the
   * engine's acceptance and taker path with the sink's `onExecution`: 3 calls per market order
   * from the venue's `submit` to its fill where there were 7.
   */
  private arriveOrder(o: SimOrder, at: bigint): void {
    if (o.invalid !== undefined) {
      this.rejectInvalid(o, at)
      return
    }
    if (this.workingOrder(o.clientOrderId) !== undefined) {
      this.rejectDuplicate(o, at)
      return
    }
    // Working from here on; it enters the Map only if it is still working after its arrival.
    o.listed = Listed.IN_FLIGHT
    this.listedCount++
    // With nothing else arriving the head is stale: `outer` stays undefined (see `arriving`).
    const depth = this.depth
    if (depth !== 0) o.outer = this.arriving[0]
    this.depth = depth + 1
    if (++this.arrivals >= 64) {
      // A new holder (the chain goes on through `outer`): see `arriving`.
      this.arrivals = 0
      this.arriving = [o]
    } else this.arriving[0] = o
    o.instrument!.engine.submit(o, at)
    this.depth = depth
    if (depth !== 0) this.restoreHead(o)
    if (o.listed === Listed.IN_FLIGHT) this.map(o)
  }

  /**
   * A nested arrival is over: the order whose arrival it interrupted is the chain's head again,
   * in the current holder (a nested arrival may have renewed it). Out of line: nested arrivals
   * are rare, and `arriveOrder` has no inlining budget to spare.
   */
  private restoreHead(o: SimOrder): void {
    this.arriving[0] = o.outer
    o.outer = undefined
  }

  /** Puts an order still working after its arrival into `working`. */
  private map(o: SimOrder): void {
    this.working.set(o.clientOrderId, o)
    o.listed = Listed.IN_MAP
  }

  private rejectInvalid(o: SimOrder, at: bigint): void {
    this.reject(o, o.invalid!.reason, o.invalid!.message, at)
  }

  private rejectDuplicate(o: SimOrder, at: bigint): void {
    this.reject(o, "DuplicateOrder", `a working order already uses client order id ${o.clientOrderId}`, at)
  }

  private arriveImmediate(o: SimOrder, ts: bigint): void {
    if (o.invalid !== undefined) {
      this.reject(o, o.invalid.reason, o.invalid.message, ts)
      return
    }
    const engine = o.instrument!.engine
    const price = o.type === "LIMIT" ? o.price : engine.referencePrice > 0 ? engine.referencePrice : engine.lastTradePrice
    engine.fillAt(o, price, ts)
  }

  private reject(o: SimOrder, reason: VenueError.RejectionReason, message: string, ts: bigint): void {
    this.emit({
      _tag: "Rejected",
      venue: this.venue,
      canonicalId: o.request.canonicalId,
      clientOrderId: o.request.clientOrderId,
      reason,
      message: `${o.request.clientOrderId}: ${message}`,
      ts
    })
  }

  private cancelRejected(clientOrderId: Ids.ClientOrderId, ts: bigint): void {
    this.emit({
      _tag: "CancelRejected",
      venue: this.venue,
      clientOrderId,
      reason: "OrderNotFound",
      message: `no working order ${clientOrderId} at ${this.venue}`,
      ts
    })
  }

  /**
   * Hands an event to a waiting Effect-edge call, the sink, then the attached hubs. The edge's
   * parts are methods of their own: inlined into every caller (`onFill`, `onAccepted`, ...),
   * this stays small and leaves their inlining budget to the sink's `onExecution` and the id,
   * price and fee helpers (a call not inlined costs ~30-50 instructions).
   */
  private emit(e: ExecutionEvent.ExecutionEvent): void {
    if (this.edges !== 0) this.emitToEdge(e)
    else if (this.sink !== undefined) this.sink.onExecution(e)
  }

  /** `emit` while the Effect edge waits for an answer or has hubs attached (`edges` > 0). */
  private emitToEdge(e: ExecutionEvent.ExecutionEvent): void {
    if (this.waiters.size > 0) this.answerWaiter(e)
    if (this.sink !== undefined) this.sink.onExecution(e)
    if (this.hubs.size > 0) this.publish(e)
  }

  private answerWaiter(e: ExecutionEvent.ExecutionEvent): void {
    const w = this.waiters.get(e.clientOrderId)
    if (w !== undefined) {
      if ((e._tag === "Accepted" || e._tag === "Rejected") && w.submit === undefined) w.submit = e
      else if ((e._tag === "Cancelled" || e._tag === "CancelRejected") && w.cancel === undefined) w.cancel = e
    }
  }

  private publish(e: ExecutionEvent.ExecutionEvent): void {
    for (const hub of this.hubs) hub.unsafeOffer(e)
  }
}

const configError = (reason: SimConfigError["reason"], message: string) => Either.left(new SimConfigError({ reason, message }))

/** A simulated venue; fails with SimConfigError (nothing built) on a configuration it cannot run with. */
export const make = (options: SimVenueOptions): Either.Either<SimVenue, SimConfigError> => {
  if (!isVenue(options.venue)) return configError("InvalidVenue", `${JSON.stringify(options.venue)} is not a venue code`)
  const venue = options.venue
  const latency = options.latencyNs ?? 0n
  if (typeof latency === "number" ? !Number.isSafeInteger(latency) || latency < 0 : latency < 0n) {
    return configError("InvalidLatency", `${venue}: latency must be a non-negative integer of ns, got ${latency}`)
  }
  const balances = new Map<string, Decimal.Decimal>()
  for (const [asset, amount] of Object.entries(options.initialBalances ?? {})) {
    if (typeof amount === "string") {
      const d = Decimal.fromString(amount)
      if (Either.isLeft(d)) return configError("InvalidBalance", `${venue}: balance of ${asset}: ${d.left.message}`)
      balances.set(asset, d.right)
    } else {
      balances.set(asset, amount)
    }
  }
  const sim = new SimVenue(
    venue,
    BigInt(latency),
    options.mode ?? "matching",
    options.retainFills ?? true,
    options.account ?? true,
    balances,
    options.sink
  )
  for (const entry of options.instruments) {
    const o: InstrumentOptions = "spec" in entry ? entry : { spec: entry }
    const spec = o.spec
    if (spec.venue !== venue) {
      return configError("VenueMismatch", `${spec.canonicalId} is listed by ${spec.venue}, not ${venue}`)
    }
    if (sim.engine(spec.canonicalId) !== undefined) {
      return configError("DuplicateInstrument", `${spec.canonicalId} is listed twice`)
    }
    const slippage = o.slippage ?? options.slippage
    const engine = makeEngine(
      {
        spec,
        ...(o.priceScale === undefined ? {} : { priceScale: o.priceScale }),
        ...(o.sizeScale === undefined ? {} : { sizeScale: o.sizeScale }),
        ...(slippage === undefined ? {} : { slippage }),
        ...(o.bookWindow === undefined ? {} : { bookWindow: o.bookWindow })
      },
      sim
    )
    if (Either.isLeft(engine)) return Either.left(engine.left)
    sim.addInstrument(spec, engine.right)
  }
  return Either.right(sim)
}

/**
 * The Effect edge of a simulated venue, a kit `VenueAdapter`. Its clock is the Effect
 * `Clock` (TestClock in tests): `submit` sends at the current time, sleeps the latency,
 * advances the venue to the arrival and answers from what the venue decided. Events of
 * every order, however driven, are published on `executionEvents` while the scope lives.
 */
export const adapter = (sim: SimVenue): Effect.Effect<VenueAdapter.VenueAdapter, never, Scope.Scope> =>
  Effect.gen(function* () {
    const hub = yield* Effect.acquireRelease(
      Effect.tap(PubSub.unbounded<ExecutionEvent.ExecutionEvent>(), (h) => Effect.sync(() => sim.attach(h))),
      (h) => Effect.zipRight(Effect.sync(() => sim.detach(h)), PubSub.shutdown(h))
    )
    const venue = sim.venue
    const noAnswer = (what: string, id: string) =>
      new VenueError.VenueTransportError({ reason: "Timeout", venue, message: `no answer from ${venue} to the ${what} of ${id}` })

    /** Sends at the clock's time, lets the latency pass, advances the venue, and reads the answer. */
    const roundTrip = (id: Ids.ClientOrderId, send: (now: bigint) => void): Effect.Effect<Waiter | undefined> =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeNanos
        sim.watch(id)
        send(now)
        if (sim.mode === "matching" && sim.latencyNs > 0n) {
          yield* Effect.sleep(Duration.nanos(sim.latencyNs))
          sim.advanceTo(now + sim.latencyNs)
        }
        return sim.unwatch(id)
      }).pipe(Effect.onInterrupt(() => Effect.sync(() => sim.unwatch(id))))

    const submit = (order: VenueOrderRequest.VenueOrderRequest): Effect.Effect<VenueAdapter.VenueAck, VenueError.VenueError> =>
      Effect.flatMap(
        roundTrip(order.clientOrderId, (now) => sim.submit(order, now)),
        (w): Effect.Effect<VenueAdapter.VenueAck, VenueError.VenueError> => {
          const e = w?.submit
          if (e === undefined) return Effect.fail(noAnswer("order", order.clientOrderId))
          if (e._tag === "Rejected") {
            return Effect.fail(new VenueError.VenueRejection({ reason: e.reason, venue, message: e.message }))
          }
          return Effect.succeed({ clientOrderId: e.clientOrderId, venueOrderId: e.venueOrderId, ts: e.ts })
        }
      )

    const cancel = (clientOrderId: Ids.ClientOrderId): Effect.Effect<void, VenueError.VenueError> =>
      Effect.flatMap(roundTrip(clientOrderId, (now) => sim.cancel(clientOrderId, now)), (w): Effect.Effect<void, VenueError.VenueError> => {
        const e = w?.cancel
        if (e === undefined) return Effect.fail(noAnswer("cancel", clientOrderId))
        if (e._tag === "CancelRejected") {
          return Effect.fail(new VenueError.VenueRejection({ reason: e.reason, venue, message: e.message }))
        }
        return Effect.void
      })

    const fills = (sinceNs: bigint): Effect.Effect<ReadonlyArray<ExecutionEvent.Filled>, VenueError.VenueError> =>
      Effect.suspend(() => {
        const out = sim.fills(sinceNs)
        return out === undefined
          ? Effect.fail(new VenueError.VenueRejection({ reason: "Other", venue, message: `${venue} keeps no fill history (retainFills: false)` }))
          : Effect.succeed(out)
      })

    const orFail = <A>(a: A | undefined, what: string): Effect.Effect<A, VenueError.VenueError> =>
      a === undefined
        ? Effect.fail(new VenueError.VenueRejection({ reason: "Other", venue, message: `${venue} keeps no ${what} (account: false)` }))
        : Effect.succeed(a)

    const service: VenueAdapter.VenueAdapter = {
      venue,
      submit,
      cancel,
      openOrders: () => Effect.sync(() => sim.openOrders()),
      fills,
      positions: () => Effect.suspend(() => orFail(sim.positions(), "positions")),
      balances: () => Effect.suspend(() => orFail(sim.balances(), "balances")),
      executionEvents: Stream.fromPubSub(hub)
    }
    return service
  })

/** A VenueAdapters registry of simulated venues (paper trading; the caller keeps the venues to feed them market data). */
export const layer = (sims: ReadonlyArray<SimVenue>): Layer.Layer<VenueAdapters.VenueAdapters, VenueError.VenueRegistryError> =>
  VenueAdapters.layerEffect(Effect.forEach(sims, adapter))
