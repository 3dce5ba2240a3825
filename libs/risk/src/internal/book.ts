/**
 * The state of an `InMemoryRiskBook`, shared with the engine's fast path (same library).
 *
 * Each instrument keeps its quantities (and its strategies' and open orders') as exact
 * integer numbers at its quantity scale and its reference price at its price scale while
 * they fit (`fast`, see fixed.ts), else as bigints at scale 18 (`bp`, `bb`, `bs`,
 * `refB`): an instrument turns to bigints on the first value that does not fit, and back
 * only when its spec is added again. The sums across instruments (gross exposures,
 * balances, asset positions) are `Acc`s, and each instrument's or cell's part in one is
 * a `Share`, so an update adds only the difference. The public bigint views (the
 * `RiskBook` interface) are getters that convert on read.
 */
import type { Decimal, InstrumentSpec } from "@odum/domain"
import type { ExposureCell, InstrumentView } from "../RiskBook.js"
import { Acc, toB36, unitsAt } from "./fixed.js"
import type { CompiledSpec } from "./spec.js"

/**
 * One holder's part of an `Acc`: a number at `scale` (`isN`), or a bigint at scale 36.
 * `inQ` / `inRef` are the inputs it was computed from (numbers; NaN forces a recomputation).
 */
export class Share {
  isN = true
  n = 0
  scale = 0
  b = 0n
  inQ = NaN
  inRef = 0
}

/** Sets `sh` to `n` (an integer at `scale`, |n| <= VLIM), moving `acc` by the difference. */
export const moveN = (acc: Acc, sh: Share, n: number, scale: number): void => {
  if (sh.isN) {
    if (sh.scale === scale) {
      if (n !== sh.n) acc.addN(n - sh.n, scale)
    } else acc.addB(toB36(n, scale) - toB36(sh.n, sh.scale))
  } else acc.addB(toB36(n, scale) - sh.b)
  sh.isN = true
  sh.n = n
  sh.scale = scale
}

/** Sets `sh` to `b36` (scale 36), moving `acc` by the difference. */
export const moveB = (acc: Acc, sh: Share, b36: bigint): void => {
  const old = sh.isN ? toB36(sh.n, sh.scale) : sh.b
  if (b36 !== old) acc.addB(b36 - old)
  sh.isN = false
  sh.b = b36
}

/** Sets `sh` to `from`'s value (a strategy holding all of an instrument has its value). */
export const moveLike = (acc: Acc, sh: Share, from: Share): void => {
  if (from.isN) moveN(acc, sh, from.n, from.scale)
  else moveB(acc, sh, from.b)
  sh.inQ = from.inQ
  sh.inRef = from.inRef
}

/** One strategy in one instrument. */
export class StrategyCell implements ExposureCell {
  /** Position, open buys, open sells: numbers at the instrument's `qs` while it is fast. */
  p = 0
  b = 0
  s = 0
  /** The same at scale 18 while the instrument is not fast. */
  bp = 0n
  bb = 0n
  bs = 0n
  /** This cell's part of its strategy's gross exposure. */
  readonly g = new Share()
  /**
   * The engine's plan for this (strategy, instrument): what its fast path resolves from the
   * config and the spec once (the engine's `FastPlan`, valid for the engine, config and spec
   * it names), so a check reads one object instead of resolving them again.
   */
  plan: object | undefined = undefined
  constructor(
    readonly strategyId: string,
    readonly inst: Instrument,
    readonly total: Acc
  ) {}
  get position(): bigint {
    return this.inst.fast ? BigInt(this.p) * this.inst.compiled.qUnit : this.bp
  }
  get openBuy(): bigint {
    return this.inst.fast ? BigInt(this.b) * this.inst.compiled.qUnit : this.bb
  }
  get openSell(): bigint {
    return this.inst.fast ? BigInt(this.s) * this.inst.compiled.qUnit : this.bs
  }
}

/** A base asset across instruments and venues (scale 18 views of exact sums, brought up to date on read). */
export class Asset implements ExposureCell {
  readonly pos = new Acc()
  readonly buy = new Acc()
  readonly sell = new Acc()
  constructor(private readonly book: BookState) {}
  get position(): bigint {
    this.book.settle()
    return this.pos.toBig18()
  }
  get openBuy(): bigint {
    this.book.settle()
    return this.buy.toBig18()
  }
  get openSell(): bigint {
    this.book.settle()
    return this.sell.toBig18()
  }
}

/** One instrument: spec, reference price, all strategies' quantities, and its parts of the sums. */
export class Instrument implements InstrumentView {
  /** Values held as numbers (see the module doc). */
  fast: boolean
  p = 0
  b = 0
  s = 0
  bp = 0n
  bb = 0n
  bs = 0n
  /** Reference price at `ps` while fast (0: none); `refB` (scale 18) otherwise. */
  refN = 0
  refB: bigint | undefined = undefined
  readonly strategies = new Map<string, StrategyCell>()
  /** The cell last looked up (cells are never removed): saves the lookup for a run of one strategy's orders. */
  lastCellId: string | undefined = undefined
  lastCell: StrategyCell | undefined = undefined
  /** Parts of the gross exposure and of the asset's position, open buys and open sells. */
  readonly g = new Share()
  readonly aPos = new Share()
  readonly aBuy = new Share()
  readonly aSell = new Share()
  /** The base asset's cell, once known (reset when the spec changes). */
  asset: Asset | undefined = undefined
  /**
   * Its parts of the sums wait for `BookState.settle`: 0 up to date, 1 after a change of one
   * strategy's cell (`staleCell`) only, 2 after a change of the reference price or of more
   * than one cell.
   */
  stale = 0
  staleCell: StrategyCell | undefined = undefined
  /** The venue's free balances of the quote, base and settlement assets, once set. */
  quoteBalance: Acc | undefined = undefined
  baseBalance: Acc | undefined = undefined
  settleBalance: Acc | undefined = undefined
  /**
   * The quantity last converted by `qtyUnits` and its units: a strategy sends one quantity
   * object order after order (a venue fills with it), and the engine's check, the order's
   * acceptance and its fill each convert it (decimals are immutable). Reset with the spec.
   */
  private lastQty: Decimal.Decimal | undefined = undefined
  private lastQtyUnits = NaN
  constructor(
    public spec: InstrumentSpec.InstrumentSpec,
    public compiled: CompiledSpec
  ) {
    this.fast = compiled.fastOk
  }
  /** Replaces the compiled spec (the quantity memo is for the old scale). */
  recompile(compiled: CompiledSpec): void {
    this.compiled = compiled
    this.lastQty = undefined
    this.lastQtyUnits = NaN
  }
  /** `unitsAt(d, compiled.qs)`, remembered for the last quantity object. */
  qtyUnits(d: Decimal.Decimal): number {
    if (d === this.lastQty) return this.lastQtyUnits
    const n = unitsAt(d, this.compiled.qs)
    this.lastQty = d
    this.lastQtyUnits = n
    return n
  }
  get position(): bigint {
    return this.fast ? BigInt(this.p) * this.compiled.qUnit : this.bp
  }
  get openBuy(): bigint {
    return this.fast ? BigInt(this.b) * this.compiled.qUnit : this.bb
  }
  get openSell(): bigint {
    return this.fast ? BigInt(this.s) * this.compiled.qUnit : this.bs
  }
  get referencePrice(): bigint | undefined {
    if (!this.fast) return this.refB
    return this.refN === 0 ? undefined : BigInt(this.refN) * this.compiled.pUnit
  }
  /** The strategy's cell, if it has one. */
  cell(strategyId: string): StrategyCell | undefined {
    if (strategyId === this.lastCellId) return this.lastCell
    const sc = this.strategies.get(strategyId)
    if (sc !== undefined) {
      this.lastCellId = strategyId
      this.lastCell = sc
    }
    return sc
  }
  /** Makes every share recompute on its next update. */
  invalidate(): void {
    this.g.inQ = NaN
    this.aPos.inQ = NaN
    this.aBuy.inQ = NaN
    this.aSell.inQ = NaN
    for (const sc of this.strategies.values()) sc.g.inQ = NaN
  }
}

/**
 * A recorded order still open. Reused once released (see `BookState.openOrder`), so `init`
 * sets every field.
 */
export class OpenOrder {
  cell!: StrategyCell
  instrument!: Instrument
  buy = true
  /** The balance the reservation was taken from (undefined when nothing was reserved). */
  reservedFrom: Acc | undefined = undefined
  /** Remaining quantity: a number at the instrument's `qs` while it is fast, else `remB` (scale 18). */
  remN = 0
  remB = 0n
  /** Spot only: the price the reservation was made at (number at `priceAt.ps`; NaN: `priceB`). */
  priceN = NaN
  priceAt: CompiledSpec | undefined = undefined
  priceB: bigint | undefined = undefined
  /** What is still reserved: a number at `resScale` (`resIsN`), else `resB` (scale 18). */
  resIsN = true
  resN = 0
  resScale = 0
  resB = 0n

  init(cell: StrategyCell, instrument: Instrument, buy: boolean, remN: number, reservedFrom: Acc | undefined): this {
    this.cell = cell
    this.instrument = instrument
    this.buy = buy
    this.reservedFrom = reservedFrom
    this.remN = remN
    this.remB = 0n
    this.priceN = NaN
    this.priceAt = undefined
    this.priceB = undefined
    this.resIsN = true
    this.resN = 0
    this.resScale = 0
    this.resB = 0n
    return this
  }
}

/** The permanent key of `orders` (see there). */
export const KEEP: unique symbol = Symbol("keep")

/** Orders between fresh `BookState.slotIds` arrays (long before a scavenge could promote one). */
const RENEW_SLOT = 64

/** Everything an InMemoryRiskBook holds. */
export class BookState {
  readonly instruments = new Map<string, Instrument>()
  readonly strategyCells = new Map<string, Map<string, StrategyCell>>()
  readonly strategyTotals = new Map<string, Acc>()
  readonly assets = new Map<string, Asset>()
  readonly balances = new Map<string, Map<string, Acc>>()
  /**
   * Open orders by operation id, plus one permanent entry under a symbol (no operation id
   * can equal it): a Map that empties gives up its table and allocates a new one on the next
   * insert, which an order-at-a-time flow (one order open, then none) did on every order.
   * Private: the order recorded last is not in it (see `slotOrder`), so every reader goes
   * through `order`, `orderCount` and `openOrders`.
   */
  private readonly orders = new Map<string | symbol, OpenOrder | undefined>([[KEEP, undefined]])
  /**
   * The order recorded last, held here and not in `orders` until the next one is recorded:
   * an order-at-a-time flow (the backtest: accepted, filled, done before the next) then does
   * no Map operation per order (each was a hash of its operation id, and the entry's add and
   * delete churned the table). Empty when `slotOrder` is undefined. Its id is the only
   * element of `slotIds`, a young array renewed every `RENEW_SLOT` orders: stored into a field
   * of this long-lived object, each new operation id (a young string) took V8's write barrier
   * slow path (~52 instructions per order in the backtest's replay); into a young array it
   * takes the fast path (the price: one small array per `RENEW_SLOT` orders).
   */
  private slotIds: Array<string | undefined> = [undefined]
  private slotOrder: OpenOrder | undefined = undefined
  /** Orders recorded since `slotIds` was renewed. */
  private sinceRenewed = 0
  readonly gross = new Acc()
  /**
   * Instruments whose parts of the sums (gross exposures, strategy totals, asset positions)
   * wait for `settle`. An event changes an instrument's quantities or reference price at
   * once, and its parts of the sums only when a reader needs them: a check with a gross or
   * asset limit, or a read of a sum. Each part is a function of the instrument's state when
   * it is computed (a Share remembers what it added), so settling once after several
   * events gives the sums that settling after each would.
   */
  readonly stale: Array<Instrument> = []
  /** Recomputes the stale instruments' parts; set by the book that owns this state. */
  revalueStale: () => void = () => {}
  /** The instrument last looked up (instruments are never removed or replaced). */
  private lastId: string | undefined = undefined
  private lastInst: Instrument | undefined = undefined

  /** The open order recorded under `id`, if any. */
  order(id: string): OpenOrder | undefined {
    if (this.slotOrder !== undefined && id === this.slotIds[0]) return this.slotOrder
    // (Only the permanent entry: nothing to look up.)
    return this.orders.size === 1 ? undefined : this.orders.get(id)
  }

  /** Records an open order under `id` (not open yet); the one in the slot moves to `orders`. */
  addOrder(id: string, o: OpenOrder): void {
    const ids = this.slotIds
    if (this.slotOrder !== undefined) this.orders.set(ids[0] as string, this.slotOrder)
    if (++this.sinceRenewed >= RENEW_SLOT) {
      this.sinceRenewed = 0
      this.slotIds = [id]
    } else ids[0] = id
    this.slotOrder = o
  }

  /** Forgets the open order `o` recorded under `id`. */
  removeOrder(id: string, o: OpenOrder): void {
    if (o === this.slotOrder) {
      this.slotIds[0] = undefined
      this.slotOrder = undefined
    } else this.orders.delete(id)
  }

  /** How many orders are open. */
  get orderCount(): number {
    return this.orders.size - 1 + (this.slotOrder === undefined ? 0 : 1)
  }

  /** Every open order (instrument conversions, not the hot path). */
  openOrders(): Array<OpenOrder> {
    const all: Array<OpenOrder> = []
    for (const o of this.orders.values()) if (o !== undefined) all.push(o)
    if (this.slotOrder !== undefined) all.push(this.slotOrder)
    return all
  }

  /** The order object last released by `onOrderDone` (nothing else holds it), for the next order. */
  spare: OpenOrder | undefined = undefined

  /**
   * An open order, in the object of the last one released if there is one: an order-at-a-time
   * flow (the backtest) then allocates no object per order.
   */
  openOrder(cell: StrategyCell, inst: Instrument, buy: boolean, remN: number, from: Acc | undefined): OpenOrder {
    const o = this.spare
    if (o === undefined) return new OpenOrder().init(cell, inst, buy, remN, from)
    this.spare = undefined
    return o.init(cell, inst, buy, remN, from)
  }

  /** Brings every sum up to date (see `stale`). */
  settle(): void {
    if (this.stale.length !== 0) this.revalueStale()
  }

  /** The instrument, if known. */
  instrument(canonicalId: string): Instrument | undefined {
    if (canonicalId === this.lastId) return this.lastInst
    const inst = this.instruments.get(canonicalId)
    if (inst !== undefined) {
      this.lastId = canonicalId
      this.lastInst = inst
    }
    return inst
  }

  balanceOf(venue: string, asset: string): Acc | undefined {
    return this.balances.get(venue)?.get(asset)
  }

  /** The instrument's quote balance, remembered once it exists (balance cells are never removed). */
  quoteBalanceOf(inst: Instrument): Acc | undefined {
    return (inst.quoteBalance ??= this.balanceOf(inst.compiled.venue, inst.compiled.quoteAsset))
  }

  baseBalanceOf(inst: Instrument): Acc | undefined {
    return (inst.baseBalance ??= this.balanceOf(inst.compiled.venue, inst.compiled.baseAsset))
  }

  settleBalanceOf(inst: Instrument): Acc | undefined {
    return (inst.settleBalance ??= this.balanceOf(inst.compiled.venue, inst.compiled.settlementAsset))
  }

  /** The instrument's base-asset cell, created on first use. */
  assetOf(inst: Instrument): Asset {
    let a = inst.asset
    if (a === undefined) {
      a = this.assets.get(inst.compiled.baseAsset)
      if (a === undefined) {
        a = new Asset(this)
        this.assets.set(inst.compiled.baseAsset, a)
      }
      inst.asset = a
    }
    return a
  }
}

/** The state of each InMemoryRiskBook (exactly that class, not a subclass), for the engine's fast path. */
export const fastBooks = new WeakMap<object, BookState>()
