/**
 * The matching engine of one instrument at one simulated venue: plain synchronous
 * TypeScript over integer units, driven by replayed market events and by our orders as
 * they reach the venue. No Effect, promise or closure per event; outcomes are reported
 * through an `EngineListener` (the SimVenue turns them into exact-decimal execution events).
 *
 * Units: prices are integers of `10^-priceScale`, sizes of `10^-sizeScale` (the
 * `@odum/marketdata` convention; by default the decimals of the tick and lot size, so with
 * a power-of-ten tick one unit is one tick). The tick and lot are whole numbers of units.
 *
 * Market state: an L2 book (book level updates), or only the top of book (quotes), or
 * only trades. Our orders never enter that book; they are matched against it virtually:
 * - Taker: a marketable order walks the visible levels from the best, level by level
 *   (one fill per level), up to its limit. The liquidity it takes is removed from the
 *   simulated book until the feed next reports that level (a delta for that price, a new
 *   quote, or a snapshot), when the feed's size is taken as the truth again.
 * - Remainder: MARKET and IOC remainders expire (IOC semantics, as venues report an
 *   unfilled market remainder); FOK expires whole unless the visible depth within the
 *   limit covers it; GTC rests. GTD and DAY are rejected (not simulated).
 * - Trades only: a taker fills its whole quantity at the last trade price moved against
 *   it by the slippage model (`ticks` ticks plus `bps` basis points rounded up to the tick);
 *   a LIMIT is marketable when that price is within its limit.
 * - Maker (queue position): a resting order joins at the back of the visible queue at its
 *   price (queue ahead = the level's size; 0 at a price better than the best or an empty
 *   price inside the visible range; unknown beyond the deepest visible level, and always
 *   unknown with trades only). The queue ahead only shrinks: by traded volume at our price
 *   on our side (aggressor against us, or unknown), and to the level's size when the feed
 *   reports it smaller (cancels ahead of us are assumed). Volume at our price beyond the
 *   queue ahead fills us (partially if short). A trade strictly THROUGH our price, or the
 *   opposite best strictly through it on a consistent book (after a quote, or a book row
 *   flagged F_LAST), fills the whole remainder at our price. Maker fills are at our price.
 * - Quotes are ignored once L2 rows have been seen (the L2 deltas are the depth truth).
 */
import type { VenueError } from "@odum/adapter-kit"
import { Decimal, type Fill, InstrumentSpec, type OrderType } from "@odum/domain"
import * as Either from "effect/Either"
import { BID, BUY, F_CLEAR, F_LAST, SELL, type Aggressor, type BookSide, type MarketEvent } from "./MarketEvent.js"
import { DecimalCache } from "./internal/DecimalCache.js"
import { pastInt64 } from "./internal/int64.js"
import { DEFAULT_WINDOW, OrderBook, type Side } from "./OrderBook.js"
import { SimConfigError } from "./SimError.js"

/** Where an order is in the engine. */
export type EngineOrderState = "NEW" | "RESTING" | "DONE"

/**
 * An order inside the engine, in units; the venue may subclass it to carry its own record.
 * Its fields are assigned in the constructor, not declared as class fields (`declare` only
 * types them): V8 does not inline a subclass's `super(...)` into a constructor that runs
 * field initializers, and the generic construct call cost ~300 instructions per order.
 */
export class EngineOrder {
  declare readonly clientOrderId: string
  /** +1 buy, -1 sell. */
  declare readonly side: 1 | -1
  declare readonly type: OrderType.OrderType
  declare readonly timeInForce: OrderType.TimeInForce
  /** Limit price in price units; 0 for MARKET. */
  declare readonly price: number
  /** Size units. */
  declare readonly quantity: number
  declare readonly postOnly: boolean
  declare readonly reduceOnly: boolean
  /** Filled so far (size units). */
  declare filled: number
  /** Visible size ahead of us at our price while resting; Infinity when unknown. */
  declare queueAhead: number
  declare state: EngineOrderState

  constructor(
    clientOrderId: string,
    side: 1 | -1,
    type: OrderType.OrderType,
    timeInForce: OrderType.TimeInForce,
    price: number,
    quantity: number,
    postOnly: boolean,
    reduceOnly: boolean
  ) {
    // In the order class fields would define them (the same object shape and key order).
    this.clientOrderId = clientOrderId
    this.side = side
    this.type = type
    this.timeInForce = timeInForce
    this.price = price
    this.quantity = quantity
    this.postOnly = postOnly
    this.reduceOnly = reduceOnly
    this.filled = 0
    this.queueAhead = 0
    this.state = "NEW"
  }
}

/** What the engine reports; an object with methods so no closure is allocated per event. */
export interface EngineListener {
  onAccepted(order: EngineOrder, ts: bigint): void
  onRejected(order: EngineOrder, reason: VenueError.RejectionReason, message: string, ts: bigint): void
  /** One execution of `quantity` at `price` (units); `order.filled` already includes it. */
  onFill(order: EngineOrder, price: number, quantity: number, liquidity: Fill.Liquidity, ts: bigint): void
  onExpired(order: EngineOrder, message: string, ts: bigint): void
  onCancelled(order: EngineOrder, ts: bigint): void
  onCancelRejected(order: EngineOrder, reason: VenueError.RejectionReason, message: string, ts: bigint): void
}

/** How a taker fills when only trades are known: the last trade price moved against it by `ticks` ticks plus `bps` basis points (rounded up to the tick). */
export interface Slippage {
  readonly ticks?: number
  readonly bps?: number
}

/** How to build an engine. */
export interface MatchingEngineOptions {
  readonly spec: InstrumentSpec.InstrumentSpec
  /** Decimals of price units (default: the tick size's); must represent the tick exactly. */
  readonly priceScale?: number
  /** Decimals of size units (default: the lot size's); must represent the lot exactly. */
  readonly sizeScale?: number
  /** Trades-only taker price model (default 0 ticks, 0 bps: the last trade price). */
  readonly slippage?: Slippage
  /** Prices per book side held in the ladder window (default OrderBook.DEFAULT_WINDOW); levels beyond it still count. */
  readonly bookWindow?: number
}

const MAX_SCALE = 18
// Number.MAX_SAFE_INTEGER written out, not a module constant: a bundler turns that into a var,
// which V8 neither folds nor types (a load and a check per use on the hot path).
// A NaN answered on a branch that rarely runs is written `0 / 0`, which TurboFan folds to a double:
// the global `NaN` there, with no feedback, is a generic global load, and the answer merging it
// was boxed (risk's internal/fixed.ts).

const pow10 = (n: number): bigint => 10n ** BigInt(n)

/** `n / 10^scale` for a safe integer `n`, trailing zeros stripped in number arithmetic first (exact), so the decimal needs one bigint. */
const scaled = (n: number, scale: number): Decimal.Decimal => {
  while (scale > 0 && n % 10 === 0 && n !== 0) {
    n /= 10
    scale--
  }
  return Decimal.fromScaled(BigInt(n), scale)
}

/** A minimum-notional check as `lhs >= rhs` over integers (see `make`). */
interface NotionalCheck {
  readonly inverse: boolean
  readonly a: bigint
  readonly b: bigint
  /** `a`, `b` as numbers when both are safe, for the float-free fast path; NaN otherwise. */
  readonly an: number
  readonly bn: number
}

/** The matching engine of one instrument. */
export class MatchingEngine {
  /** The simulated book (the feed's levels minus liquidity our takers removed). */
  readonly book: OrderBook
  /** True once any quote or book row was seen: takers walk the book, makers get a queue. */
  hasDepth = false
  /** True once any L2 book row was seen: quotes are ignored from then on. */
  hasL2 = false
  /** Last trade price (units), 0 before the first trade. */
  lastTradePrice = 0
  /** Price (units) the immediate mode fills market orders at; 0 falls back to the last trade. */
  referencePrice = 0
  /**
   * Latest time the engine has seen (ns), in a typed array: a new young bigint stored into a
   * field of this long-lived object on every tick took V8's write barrier slow path. It only
   * moves forward, so only the upper end of int64 needs checking (a typed array would wrap).
   */
  private readonly nowSlot = new BigInt64Array(1)
  get now(): bigint {
    return this.nowSlot[0]!
  }
  set now(ns: bigint) {
    this.nowSlot[0] = ns > 9_223_372_036_854_775_807n ? pastInt64(ns) : ns
  }
  /** Net position from our fills (size units, signed), for reduce-only checks. */
  position = 0

  private readonly restingBuys: Array<EngineOrder> = []
  private readonly restingSells: Array<EngineOrder> = []
  private busy = false
  private deferred: Array<{ readonly order: EngineOrder; readonly ts: bigint; readonly cancel: boolean }> = []
  private readonly unitPrice: Decimal.Decimal
  private readonly unitSize: Decimal.Decimal
  /** Decimals of recent prices, sizes and fees by units (fills repeat a few near the touch). */
  private readonly priceCache = new DecimalCache()
  private readonly sizeCache = new DecimalCache()
  private readonly makerFeeCache = new DecimalCache()
  private readonly takerFeeCache = new DecimalCache()
  /**
   * The last price converted and the last fee computed, with their keys: consecutive fills
   * mostly repeat the last one's price and size (a replay's trades repeat the previous price
   * about two times in three), and a repeat is a comparison instead of a cache lookup (and,
   * for the fee, its integer product and range check).
   */
  private lastPriceUnits = NaN
  private lastPrice: Decimal.Decimal = Decimal.zero
  private lastFeePrice = NaN
  private lastFeeQuantity = NaN
  private lastFeeLiquidity: Fill.Liquidity = "TAKER"
  private lastFee: Decimal.Decimal = Decimal.zero
  /**
   * The last quantity (units) that passed every check of `validate` that reads the quantity
   * alone (positive, a safe integer, on the lot grid, within the minimum and maximum: all
   * functions of the quantity and this engine's constants), so that the next order of the same
   * quantity (a strategy sends one quantity again and again) skips them: ~30 instructions per
   * order. NaN before any (equal to no quantity).
   */
  private passedQuantity = NaN
  /** Integer fast path of linear notionals and fees: contract size and fee rates as safe integers (NaN: use decimals). */
  private readonly csUnits: number
  /** Decimals of `notionalUnits` (price + size + contract size decimals). */
  readonly notionalScale: number
  /** Decimals of `feeUnits`: the notional's plus the finer fee rate's. */
  readonly feeScale: number
  private readonly makerMul: number
  private readonly takerMul: number
  private readonly makerUnits: number
  private readonly makerScale: number
  private readonly takerUnits: number
  private readonly takerScale: number
  /**
   * `slipTicks` ticks in price units, the slippage without basis points: `slip` reads it so
   * that it stays under TurboFan's size for functions inlined whatever the budget (27 bytes of
   * bytecode), which the taker paths it is called from have spent.
   */
  private readonly slipFixed: number

  constructor(
    readonly spec: InstrumentSpec.InstrumentSpec,
    readonly priceScale: number,
    readonly sizeScale: number,
    /** Tick size in price units. */
    readonly tickUnits: number,
    /** Lot size in size units. */
    readonly lotUnits: number,
    /** Smallest accepted quantity (size units). */
    readonly minQuantityUnits: number,
    /** Largest accepted quantity (size units); Infinity without a limit. */
    readonly maxQuantityUnits: number,
    private readonly minNotional: NotionalCheck | undefined,
    slipTicks: number,
    private readonly slipBps: number,
    private readonly listener: EngineListener,
    bookWindow: number
  ) {
    this.book = new OrderBook(bookWindow)
    this.slipFixed = slipTicks * tickUnits
    const safe = (u: bigint) => (u <= BigInt(Number.MAX_SAFE_INTEGER) && u >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(u) : NaN)
    this.csUnits = spec.contractType === "INVERSE" ? NaN : safe(spec.contractSize.units)
    this.notionalScale = priceScale + sizeScale + spec.contractSize.scale
    this.makerUnits = safe(spec.makerFee.units)
    this.makerScale = this.notionalScale + spec.makerFee.scale
    this.takerUnits = safe(spec.takerFee.units)
    this.takerScale = this.notionalScale + spec.takerFee.scale
    this.feeScale = Math.max(this.makerScale, this.takerScale)
    this.makerMul = this.makerUnits * 10 ** (this.feeScale - this.makerScale)
    this.takerMul = this.takerUnits * 10 ** (this.feeScale - this.takerScale)
    this.unitPrice = Decimal.fromScaled(1n, priceScale)
    this.unitSize = Decimal.fromScaled(1n, sizeScale)
  }

  // -------------------------------------------------------------------------------------
  // Market events
  // -------------------------------------------------------------------------------------

  /** A market event of any kind (the object form; the columnar driver calls the methods below). */
  onMarket(e: MarketEvent): void {
    switch (e.kind) {
      case "trades":
        return this.onTrade(e.ts, e.price, e.size, e.aggressor)
      case "quotes":
        return this.onQuote(e.ts, e.bidPrice, e.bidSize, e.askPrice, e.askSize)
      case "book":
        return this.onBookLevel(e.ts, e.side, e.price, e.size, e.flags)
    }
  }

  /** A trade of the market: may fill resting orders (through it, or past their queue at its price). */
  onTrade(ts: bigint, price: number, size: number, aggressor: Aggressor): void {
    if (ts > this.now) this.now = ts
    this.lastTradePrice = price
    if (this.restingBuys.length > 0) this.tradeAgainst(this.restingBuys, BUY, price, size, aggressor, ts)
    if (this.restingSells.length > 0) this.tradeAgainst(this.restingSells, SELL, price, size, aggressor, ts)
    if (this.deferred.length > 0) this.runDeferred()
  }

  /** A top-of-book quote: replaces the book with one level per side, unless L2 rows are known. */
  onQuote(ts: bigint, bidPrice: number, bidSize: number, askPrice: number, askSize: number): void {
    if (ts > this.now) this.now = ts
    this.hasDepth = true
    if (this.hasL2) return
    const book = this.book
    book.clear()
    if (bidSize > 0) book.bids.set(bidPrice, bidSize)
    if (askSize > 0) book.asks.set(askPrice, askSize)
    if (this.restingBuys.length > 0 || this.restingSells.length > 0) {
      if (bidSize > 0) this.shrinkQueues(this.restingBuys, bidPrice, bidSize)
      if (askSize > 0) this.shrinkQueues(this.restingSells, askPrice, askSize)
      this.checkCrossed(ts)
      this.runDeferred()
    }
  }

  /** One L2 level update (size 0 deletes); F_CLEAR empties the book first, F_LAST marks a consistent book. */
  onBookLevel(ts: bigint, side: BookSide, price: number, size: number, flags: number): void {
    if (ts > this.now) this.now = ts
    if (!this.hasL2) {
      // Levels built from quotes are not depth: start the L2 book empty.
      this.hasL2 = true
      this.hasDepth = true
      this.book.clear()
    }
    if ((flags & F_CLEAR) !== 0) this.book.clear()
    this.book.sideOf(side).set(price, size)
    if (this.restingBuys.length > 0 || this.restingSells.length > 0) {
      this.shrinkQueues(side === BID ? this.restingBuys : this.restingSells, price, size)
      if ((flags & F_LAST) !== 0) this.checkCrossed(ts)
      this.runDeferred()
    }
  }

  // -------------------------------------------------------------------------------------
  // Orders (called when an order or cancel reaches the venue)
  // -------------------------------------------------------------------------------------

  /**
   * An order reaching the venue at `ts`: rejected if invalid, else accepted, matched as a
   * taker, and its remainder rested or expired. Called re-entrantly (from a listener), it
   * runs after the current event.
   */
  submit(order: EngineOrder, ts: bigint): void {
    if (this.busy === true) {
      this.defer(order, ts, false)
      return
    }
    this.busy = true
    this.arrive(order, ts)
    this.busy = false
    if (this.deferred.length > 0) this.runDeferred()
  }

  /** Queues an order or cancel that arrived while the engine was busy (out of line: `submit` is inlined into the venue's). */
  private defer(order: EngineOrder, ts: bigint, cancel: boolean): void {
    this.deferred.push({ order, ts, cancel })
  }

  /** A cancel reaching the venue at `ts`: Cancelled if the order rests, else CancelRejected (OrderNotFound). */
  cancel(order: EngineOrder, ts: bigint): void {
    if (this.busy === true) {
      this.defer(order, ts, true)
      return
    }
    if (ts > this.now) this.now = ts
    if (order.state !== "RESTING") {
      this.listener.onCancelRejected(
        order,
        "OrderNotFound",
        `order ${order.clientOrderId} is ${order.state === "NEW" ? "not at the venue" : "already closed"}`,
        ts
      )
      return
    }
    const list = order.side === BUY ? this.restingBuys : this.restingSells
    list.splice(list.indexOf(order), 1)
    order.state = "DONE"
    this.listener.onCancelled(order, ts)
  }

  /**
   * Immediate mode: validates, accepts and fills the whole order at once as a taker at
   * `price` (units) without a book or latency; with no price (<= 0) it expires unfilled.
   */
  fillAt(order: EngineOrder, price: number, ts: bigint): void {
    if (ts > this.now) this.now = ts
    if (this.validate(order, ts) === false) return
    this.listener.onAccepted(order, ts)
    if (price > 0) this.fill(order, price, order.quantity - order.filled, "TAKER", ts)
    order.state = "DONE"
    if (order.filled < order.quantity) this.listener.onExpired(order, "no reference price to fill at", ts)
  }

  /** Working (resting) orders, buys then sells, each in arrival order. */
  openOrders(): ReadonlyArray<EngineOrder> {
    return [...this.restingBuys, ...this.restingSells]
  }

  /** Price a taker buy would get first (units): the best ask, or the trades-only implied ask; NaN if none. */
  takerBuyPrice(): number {
    if (this.hasDepth === true) return this.book.asks.bestPrice()
    return this.lastTradePrice > 0 ? this.lastTradePrice + this.slip() : 0 / 0
  }

  /** Price a taker sell would get first (units): the best bid, or the trades-only implied bid; NaN if none. */
  takerSellPrice(): number {
    if (this.hasDepth === true) return this.book.bids.bestPrice()
    if (this.lastTradePrice <= 0) return 0 / 0
    const p = this.lastTradePrice - this.slip()
    return p > 0 ? p : 0 / 0
  }

  /**
   * The notional of `quantity` at `price` (units), exactly as InstrumentSpec.notional computes
   * it; linear contracts take an integer path when the product is a safe integer.
   */
  notionalOf(price: number, quantity: number): Decimal.Decimal {
    const n = price * quantity * this.csUnits
    if (n <= Number.MAX_SAFE_INTEGER) return scaled(n, this.notionalScale)
    return InstrumentSpec.notional(this.spec, this.sizeToDecimal(quantity), this.priceToDecimal(price))
  }

  /** A linear notional as an integer of `10^-notionalScale`; NaN for inverse contracts or beyond a safe integer. */
  notionalUnits(price: number, quantity: number): number {
    const n = price * quantity * this.csUnits
    return n <= Number.MAX_SAFE_INTEGER ? n : 0 / 0
  }

  /** A fee as an integer of `10^-feeScale` (negative: a rebate); NaN where `notionalUnits` is, or beyond a safe integer. */
  feeUnits(price: number, quantity: number, liquidity: Fill.Liquidity): number {
    const n = price * quantity * this.csUnits * (liquidity === "MAKER" ? this.makerMul : this.takerMul)
    return n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER ? n : 0 / 0
  }

  /** The fee of a fill (negative: a rebate), exactly as InstrumentSpec.fee of its notional; integer path like `notionalOf`. */
  feeOf(price: number, quantity: number, liquidity: Fill.Liquidity): Decimal.Decimal {
    if (price === this.lastFeePrice && quantity === this.lastFeeQuantity && liquidity === this.lastFeeLiquidity) return this.lastFee
    return this.newFee(price, quantity, liquidity)
  }

  /**
   * `feeOf` past its repeat check. Apart, so that `feeOf` and `priceToDecimal` are small enough
   * for the venue's `onFill` to inline them with the sink's `onExecution` (whole, they took the
   * inlining budget the sink's call needed).
   */
  private newFee(price: number, quantity: number, liquidity: Fill.Liquidity): Decimal.Decimal {
    const maker = liquidity === "MAKER"
    const n = price * quantity * this.csUnits * (maker ? this.makerUnits : this.takerUnits)
    let d: Decimal.Decimal | undefined
    if (n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER) {
      // The same units at the same scale are the same fee: cached per liquidity (the scales differ).
      const cache = maker ? this.makerFeeCache : this.takerFeeCache
      d = cache.get(n)
      if (d === undefined) {
        d = scaled(n, maker ? this.makerScale : this.takerScale)
        cache.set(n, d)
      }
    } else {
      d = InstrumentSpec.fee(this.spec, this.notionalOf(price, quantity), liquidity)
    }
    this.lastFeePrice = price
    this.lastFeeQuantity = quantity
    this.lastFeeLiquidity = liquidity
    this.lastFee = d
    return d
  }

  /** A price in units as an exact decimal (cached: fills repeat a few prices near the touch). */
  priceToDecimal(units: number): Decimal.Decimal {
    if (units === this.lastPriceUnits) return this.lastPrice
    return this.newPrice(units)
  }

  /** `priceToDecimal` past its repeat check (apart: see `newFee`). */
  private newPrice(units: number): Decimal.Decimal {
    let d = this.priceCache.get(units)
    if (d === undefined) {
      d = Decimal.fromUnits(BigInt(units), this.unitPrice)
      this.priceCache.set(units, d)
    }
    this.lastPriceUnits = units
    this.lastPrice = d
    return d
  }

  /** A size in units as an exact decimal (cached like prices). */
  sizeToDecimal(units: number): Decimal.Decimal {
    let d = this.sizeCache.get(units)
    if (d === undefined) {
      d = Decimal.fromUnits(BigInt(units), this.unitSize)
      this.sizeCache.set(units, d)
    }
    return d
  }

  // -------------------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------------------

  private arrive(order: EngineOrder, ts: bigint): void {
    if (ts > this.now) this.now = ts
    // `validate` answers a boolean: compared explicitly, not truth-tested the generic way.
    if (this.validate(order, ts) === false) return
    const listener = this.listener
    if (order.postOnly === true && this.rejectsPostOnly(order, ts)) return
    listener.onAccepted(order, ts)
    if (order.timeInForce === "FOK" && this.expiresFok(order, ts)) return
    this.take(order, ts)
    const remaining = order.quantity - order.filled
    if (remaining === 0) order.state = "DONE"
    else this.rest(order, remaining, ts)
  }

  /** A FOK order the visible depth within its limit cannot fill whole: expired (true), or false. */
  private expiresFok(order: EngineOrder, ts: bigint): boolean {
    const available = this.availableFor(order)
    if (!(available < order.quantity)) return false
    this.expireFok(order, available, ts)
    return true
  }

  /** What is left of an order after it took: MARKET, IOC and FOK remainders expire, GTC rests. */
  private rest(order: EngineOrder, remaining: number, ts: bigint): void {
    if (order.type === "MARKET" || order.timeInForce === "IOC" || order.timeInForce === "FOK") {
      this.expireRemainder(order, remaining, ts)
    } else {
      order.state = "RESTING"
      order.queueAhead = this.hasDepth === true ? this.book.sideOf(order.side).queueAt(order.price) : Infinity
      ;(order.side === BUY ? this.restingBuys : this.restingSells).push(order)
    }
  }

  // `arrive`'s and `validate`'s outcomes other than acceptance, with their messages, are
  // methods of their own: with the messages inline both were over TurboFan's inlining limit
  // (460 bytes of bytecode), and `validate` was a call of its own on every order.

  /** A post-only order that would take liquidity: rejected (true), or false. */
  private rejectsPostOnly(order: EngineOrder, ts: bigint): boolean {
    if (!this.isMarketable(order)) return false
    order.state = "DONE"
    const best = order.side === BUY ? this.takerBuyPrice() : this.takerSellPrice()
    this.listener.onRejected(
      order,
      "PostOnlyWouldCross",
      `post-only ${order.side === BUY ? "buy" : "sell"} at ${this.fmtPrice(order.price)} would take liquidity at ${this.fmtPrice(best)}`,
      ts
    )
    return true
  }

  private expireFok(order: EngineOrder, available: number, ts: bigint): void {
    order.state = "DONE"
    this.listener.onExpired(order, `FOK: ${this.fmtSize(available)} available within the limit, ${this.fmtSize(order.quantity)} ordered`, ts)
  }

  private expireRemainder(order: EngineOrder, remaining: number, ts: bigint): void {
    order.state = "DONE"
    this.listener.onExpired(order, `${order.type === "MARKET" ? "market" : order.timeInForce} remainder ${this.fmtSize(remaining)} unfilled`, ts)
  }

  /**
   * Checks everything a venue checks on arrival; on failure reports Rejected and returns false.
   * A grid of one unit (the default scales, for a power-of-ten tick or lot) needs no modulo,
   * which on these double-typed fields is a floating-point remainder call. The message is
   * built by `refuse` (below), which tells the checks that share a reason apart again.
   */
  private validate(order: EngineOrder, ts: bigint): boolean {
    const tif = order.timeInForce
    let reason: VenueError.RejectionReason | undefined
    const q = order.quantity
    if (tif === "GTD" || tif === "DAY") {
      reason = "UnsupportedOrder"
    } else if (order.type === "LIMIT" ? !(order.price > 0 && Number.isSafeInteger(order.price)) : order.price !== 0) {
      reason = "InvalidPrice"
    } else if (order.postOnly === true && (order.type !== "LIMIT" || tif === "IOC" || tif === "FOK")) {
      reason = "UnsupportedOrder"
    } else if (q !== this.passedQuantity && !(q > 0 && Number.isSafeInteger(q))) {
      reason = "InvalidQuantity"
    } else if (order.type === "LIMIT" && this.tickUnits !== 1 && order.price % this.tickUnits !== 0) {
      reason = "OffTickGrid"
    } else if (q !== this.passedQuantity && (reason = this.quantityRefusal(q)) !== undefined) {
      // (The lot grid, the minimum and the maximum.)
    } else if (this.minNotional !== undefined) {
      // A market order is checked at the price it would get first; with no market at all it cannot be checked.
      const price = this.notionalPrice(order)
      if (price > 0 && !this.meetsMinNotional(q, price)) reason = "BelowMinNotional"
    }
    if (reason === undefined && order.reduceOnly === true) {
      if (this.spec.kind === "SPOT") reason = "UnsupportedOrder"
      else if (!(this.position * order.side < 0 && q <= Math.abs(this.position))) reason = "ReduceOnlyWouldIncrease"
    }
    if (reason === undefined) return true
    this.refuse(order, reason, ts)
    return false
  }

  /**
   * `validate`'s lot grid, minimum and maximum checks of a valid quantity (units), in its order;
   * a quantity that passes them is remembered in `passedQuantity`.
   */
  private quantityRefusal(q: number): VenueError.RejectionReason | undefined {
    if (this.lotUnits !== 1 && q % this.lotUnits !== 0) return "OffLotGrid"
    if (q < this.minQuantityUnits) return "BelowMinQuantity"
    if (q > this.maxQuantityUnits) return "AboveMaxQuantity"
    this.passedQuantity = q
    return undefined
  }

  /** The price an order's minimum notional is checked at: its limit, or the price a taker would get first. */
  private notionalPrice(order: EngineOrder): number {
    return order.type === "LIMIT" ? order.price : order.side === BUY ? this.takerBuyPrice() : this.takerSellPrice()
  }

  /** Reports `validate`'s refusal with its message (the engine's state is as `validate` saw it). */
  private refuse(order: EngineOrder, reason: VenueError.RejectionReason, ts: bigint): void {
    const tif = order.timeInForce
    const q = order.quantity
    let message: string
    switch (reason) {
      case "UnsupportedOrder":
        // The three checks that answer this, in `validate`'s order.
        message =
          tif === "GTD" || tif === "DAY"
            ? `time in force ${tif} is not simulated (GTC, IOC and FOK are)`
            : order.postOnly === true && (order.type !== "LIMIT" || tif === "IOC" || tif === "FOK")
              ? "post-only needs a LIMIT order that rests (not IOC or FOK)"
              : "reduce-only is not available on spot instruments"
        break
      case "InvalidPrice":
        message = order.type === "LIMIT" ? "a LIMIT order needs a positive price" : "a MARKET order has no price"
        break
      case "InvalidQuantity":
        message = `quantity must be positive, got ${this.fmtSize(q)}`
        break
      case "OffTickGrid":
        message = `price ${this.fmtPrice(order.price)} is not a multiple of the tick size ${Decimal.format(this.spec.tickSize)}`
        break
      case "OffLotGrid":
        message = `quantity ${this.fmtSize(q)} is not a multiple of the lot size ${Decimal.format(this.spec.lotSize)}`
        break
      case "BelowMinQuantity":
        message = `quantity ${this.fmtSize(q)} is below the minimum ${Decimal.format(this.spec.minQuantity)}`
        break
      case "AboveMaxQuantity":
        message = `quantity ${this.fmtSize(q)} is above the maximum ${this.spec.maxQuantity === undefined ? "" : Decimal.format(this.spec.maxQuantity)}`
        break
      case "BelowMinNotional":
        message = `notional of ${this.fmtSize(q)} at ${this.fmtPrice(this.notionalPrice(order))} is below the minimum ${
          this.spec.minNotional === undefined ? "" : Decimal.format(this.spec.minNotional)
        }`
        break
      default:
        message = `reduce-only ${order.side === BUY ? "buy" : "sell"} of ${this.fmtSize(q)} against a position of ${this.fmtSize(this.position)}`
    }
    order.state = "DONE"
    this.listener.onRejected(order, reason, message, ts)
  }

  private meetsMinNotional(q: number, p: number): boolean {
    const c = this.minNotional!
    if (c.inverse) {
      // q * cs / p >= min  <=>  q * a >= p * b
      const l = q * c.an
      const r = p * c.bn
      if (l <= Number.MAX_SAFE_INTEGER && r <= Number.MAX_SAFE_INTEGER) return l >= r
      return BigInt(q) * c.a >= BigInt(p) * c.b
    }
    // q * cs * p >= min  <=>  q * p * a >= b
    const l = q * p * c.an
    if (l <= Number.MAX_SAFE_INTEGER && c.bn <= Number.MAX_SAFE_INTEGER) return l >= c.bn
    return BigInt(q) * BigInt(p) * c.a >= c.b
  }

  private isMarketable(order: EngineOrder): boolean {
    if (order.side === BUY) {
      const best = this.takerBuyPrice()
      return best === best && order.price >= best
    }
    const best = this.takerSellPrice()
    return best === best && order.price <= best
  }

  /** What a taker could fill right now within its limit (for FOK). */
  private availableFor(order: EngineOrder): number {
    const limit = order.type === "MARKET" ? NaN : order.price
    if (this.hasDepth === true) return this.book.sideOf(order.side === BUY ? -1 : BID).depthTo(limit)
    if (order.type === "MARKET") return this.lastTradePrice > 0 ? order.quantity : 0
    return this.isMarketable(order) ? order.quantity : 0
  }

  /** Matches the order as a taker against the book, or the implied price with trades only. */
  private take(order: EngineOrder, ts: bigint): void {
    if (this.hasDepth === true) {
      this.takeFromBook(order, ts)
      return
    }
    // `takerBuyPrice` or `takerSellPrice` written out (as calls they were not inlined here). A
    // LIMIT order's price is a positive safe integer here (validated).
    const last = this.lastTradePrice
    if (!(last > 0)) return
    const buy = order.side === BUY
    const p = buy ? last + this.slip() : last - this.slip()
    if (p > 0 && (order.type === "MARKET" || (buy ? p <= order.price : p >= order.price))) {
      this.fill(order, p, order.quantity - order.filled, "TAKER", ts)
    }
  }

  /** `take` with depth: walks the visible levels (apart, so that `take` is small enough to inline). */
  private takeFromBook(order: EngineOrder, ts: bigint): void {
    const limit = order.type === "MARKET" ? NaN : order.price
    const opposite: Side = order.side === BUY ? this.book.asks : this.book.bids
    while (order.filled < order.quantity && opposite.length > 0) {
      const p = opposite.bestPrice()
      if (limit === limit && (order.side === BUY ? p > limit : p < limit)) break
      const q = Math.min(opposite.bestSize(), order.quantity - order.filled)
      opposite.takeFromBest(q)
      this.fill(order, p, q, "TAKER", ts)
    }
  }

  private fill(order: EngineOrder, price: number, quantity: number, liquidity: Fill.Liquidity, ts: bigint): void {
    order.filled += quantity
    this.position += order.side * quantity
    this.listener.onFill(order, price, quantity, liquidity, ts)
  }

  /** A trade against our resting orders of `side` (see the queue model in the module comment). */
  private tradeAgainst(list: Array<EngineOrder>, side: 1 | -1, price: number, size: number, aggressor: Aggressor, ts: bigint): void {
    this.busy = true
    // A trade at our price hits our side only if its aggressor was on the other side (or unknown).
    const volume = aggressor === side ? 0 : size
    let ours = 0
    let w = 0
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!
      if (side === BUY ? price < o.price : price > o.price) {
        this.fill(o, o.price, o.quantity - o.filled, "MAKER", ts)
        o.state = "DONE"
        continue
      }
      if (price === o.price && volume > 0) {
        const passing = volume - ours
        const ahead = o.queueAhead
        if (passing > ahead) {
          const q = Math.min(passing - ahead, o.quantity - o.filled)
          ours += q
          this.fill(o, o.price, q, "MAKER", ts)
        }
        o.queueAhead = ahead > passing ? ahead - passing : 0
        if (o.filled === o.quantity) {
          o.state = "DONE"
          continue
        }
      }
      list[w++] = o
    }
    list.length = w
    this.busy = false
  }

  /** Queue ahead never exceeds the level's reported size (cancels ahead of us are assumed). */
  private shrinkQueues(list: Array<EngineOrder>, price: number, size: number): void {
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!
      if (o.price === price && size < o.queueAhead) o.queueAhead = size
    }
  }

  /** Fills resting orders the opposite best has moved strictly through. */
  private checkCrossed(ts: bigint): void {
    this.busy = true
    const asks = this.book.asks
    const bids = this.book.bids
    if (this.restingBuys.length > 0 && asks.length > 0) this.fillThrough(this.restingBuys, BUY, asks.bestPrice(), ts)
    if (this.restingSells.length > 0 && bids.length > 0) this.fillThrough(this.restingSells, SELL, bids.bestPrice(), ts)
    this.busy = false
  }

  private fillThrough(list: Array<EngineOrder>, side: 1 | -1, best: number, ts: bigint): void {
    let w = 0
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!
      if (side === BUY ? best < o.price : best > o.price) {
        this.fill(o, o.price, o.quantity - o.filled, "MAKER", ts)
        o.state = "DONE"
      } else {
        list[w++] = o
      }
    }
    list.length = w
  }

  private runDeferred(): void {
    if (this.busy === true || this.deferred.length === 0) return
    const queue = this.deferred
    this.deferred = []
    for (const d of queue) {
      if (d.cancel) this.cancel(d.order, d.ts)
      else this.submit(d.order, d.ts)
    }
  }

  /** The trades-only taker's slippage from the last trade price (units). */
  private slip(): number {
    return this.slipBps > 0 ? this.slipWithBps() : this.slipFixed
  }

  /** `slip` with basis points (apart: `slip`, inlined wherever a taker price is, stays small). */
  private slipWithBps(): number {
    // ceil(last * bps / 10000) rounded up to the tick, in integers (exact: every term is a safe integer).
    const n = this.lastTradePrice * this.slipBps
    const d = 10_000 * this.tickUnits
    const r = n % d
    return this.slipFixed + ((n - r) / d + (r > 0 ? 1 : 0)) * this.tickUnits
  }

  private fmtPrice(units: number): string {
    return Number.isSafeInteger(units) ? Decimal.format(this.priceToDecimal(units)) : String(units)
  }

  private fmtSize(units: number): string {
    return Number.isSafeInteger(units) ? Decimal.format(this.sizeToDecimal(units)) : String(units)
  }
}

const configError = (reason: SimConfigError["reason"], message: string) => Either.left(new SimConfigError({ reason, message }))

const checkScale = (what: string, scale: number, step: Decimal.Decimal, id: string): string | undefined =>
  !Number.isInteger(scale) || scale < 0 || scale > MAX_SCALE
    ? `${id}: ${what} scale must be an integer in [0, ${MAX_SCALE}], got ${scale}`
    : step.scale > scale
      ? `${id}: ${what} scale ${scale} cannot represent the step ${Decimal.format(step)}`
      : undefined

const toSafe = (units: bigint): number => (units <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(units) : NaN)

/**
 * An engine for `options.spec`, reporting to `listener`. Fails with SimConfigError when a
 * scale cannot represent the tick or lot exactly or the slippage is not a pair of
 * non-negative integers.
 */
export const make = (options: MatchingEngineOptions, listener: EngineListener): Either.Either<MatchingEngine, SimConfigError> => {
  const spec = options.spec
  const id = spec.canonicalId
  const ps = options.priceScale ?? spec.tickSize.scale
  const ss = options.sizeScale ?? spec.lotSize.scale
  const bad = checkScale("price", ps, spec.tickSize, id) ?? checkScale("size", ss, spec.lotSize, id)
  if (bad !== undefined) return configError("InvalidScale", bad)
  const tickUnits = toSafe(Decimal.toScaled(spec.tickSize, ps))
  const lotUnits = toSafe(Decimal.toScaled(spec.lotSize, ss))
  if (Number.isNaN(tickUnits) || Number.isNaN(lotUnits)) return configError("InvalidScale", `${id}: the tick or lot is too large in units`)
  const ticks = options.slippage?.ticks ?? 0
  const bps = options.slippage?.bps ?? 0
  if (!Number.isSafeInteger(ticks) || ticks < 0 || !Number.isSafeInteger(bps) || bps < 0) {
    return configError("InvalidSlippage", `${id}: slippage ticks and bps must be non-negative integers, got ${ticks} and ${bps}`)
  }
  const bookWindow = options.bookWindow ?? DEFAULT_WINDOW
  if (!Number.isInteger(bookWindow) || bookWindow < 2 || bookWindow > 1 << 24) {
    return configError("InvalidScale", `${id}: the book window must be an integer in [2, ${1 << 24}] prices, got ${bookWindow}`)
  }
  // Limits in units: the minimum rounds up and the maximum down, so a quantity in units passes iff its decimal does.
  const minQuantityUnits = toSafe(Decimal.toScaled(Decimal.round(spec.minQuantity, ss, "ceil"), ss))
  const maxQuantityUnits =
    spec.maxQuantity === undefined ? Infinity : toSafe(Decimal.toScaled(Decimal.round(spec.maxQuantity, ss, "floor"), ss))
  let minNotional: NotionalCheck | undefined
  const mn = spec.minNotional
  if (mn !== undefined && Decimal.isPositive(mn)) {
    const cs = spec.contractSize
    const inverse = spec.contractType === "INVERSE"
    // Linear: q/10^ss * cs/10^csS * p/10^ps >= m/10^mS  <=>  q*p*(cs*10^mS) >= m*10^(ss+ps+csS).
    // Inverse: q/10^ss * cs/10^csS / (p/10^ps) >= m/10^mS  <=>  q*(cs*10^(ps+mS)) >= p*(m*10^(ss+csS)).
    const a = inverse ? cs.units * pow10(ps + mn.scale) : cs.units * pow10(mn.scale)
    const b = inverse ? mn.units * pow10(ss + cs.scale) : mn.units * pow10(ss + ps + cs.scale)
    const an = toSafe(a)
    const bn = toSafe(b)
    minNotional = { inverse, a, b, an: Number.isNaN(bn) ? NaN : an, bn: Number.isNaN(an) ? NaN : bn }
  }
  return Either.right(
    new MatchingEngine(
      spec,
      ps,
      ss,
      tickUnits,
      lotUnits,
      Number.isNaN(minQuantityUnits) ? Infinity : minQuantityUnits,
      Number.isNaN(maxQuantityUnits) ? Infinity : maxQuantityUnits,
      minNotional,
      ticks,
      bps,
      listener,
      bookWindow
    )
  )
}
