/**
 * FROZEN REFERENCE (tests only): the all-bigint implementation as it was before the
 * number-domain fast path, kept verbatim (imports adjusted) so property tests can check
 * that the current implementation decides and aggregates exactly as it did. Do not edit.
 */
/**
 * A RiskBook that keeps itself up to date from order and fill events, for tests,
 * benchmarks and backtests that run risk without the OMS and position tracker. Every
 * aggregate the engine reads (instrument and asset cells, gross exposures) is updated
 * incrementally on each event, so reads are O(1).
 *
 * Balances: spot orders reserve their cost (buy: quote at the limit or reference price;
 * sell: base) from the free balance when recorded, and fills settle against it.
 * Derivative margin is not modelled: the free margin balance changes only by `setBalance`.
 * Fees are ignored. Balances never set stay unknown.
 */
import type { InstrumentSpec, Side } from "@odum/domain"
import { Decimal } from "@odum/domain"
import * as Layer from "effect/Layer"
import { base18, compileSpec, type CompiledSpec, value36, worstCase } from "../../src/internal/spec.js"
import { ceilDiv, fromDecimal, ONE } from "../../src/internal/scaled.js"
import { type ExposureCell, type InstrumentView, RiskBook } from "../../src/RiskBook.js"
import { RiskBookError } from "../../src/RiskError.js"

/** What the book reads of a recorded order; a domain UnifiedOrder is one. */
export interface BookOrder {
  readonly operationId: string
  readonly strategyId: string
  readonly canonicalId: string
  readonly side: Side.Side
  readonly quantity: Decimal.Decimal
  /** The limit price; MARKET orders reserve at the reference price. */
  readonly price?: Decimal.Decimal | undefined
  /** Already filled when recorded (e.g. on restart); default 0. */
  readonly filledQuantity?: Decimal.Decimal | undefined
}

/** What the book reads of a fill; a domain Fill is one. */
export interface BookFill {
  readonly operationId: string
  readonly canonicalId: string
  readonly side: Side.Side
  readonly quantity: Decimal.Decimal
  readonly price: Decimal.Decimal
}

class Cell implements ExposureCell {
  position = 0n
  openBuy = 0n
  openSell = 0n
}

/** A strategy's gross exposure (scale 36), shared by its cells so an update needs no lookup. */
class StrategyTotal {
  gross = 0n
}

class StrategyCell extends Cell {
  /** This cell's share of its strategy's gross exposure. */
  gross = 0n
  constructor(
    readonly strategyId: string,
    readonly total: StrategyTotal
  ) {
    super()
  }
}

/** A free balance (scale 18); instruments keep references to theirs, so settling needs no lookup. */
class Balance {
  constructor(public amount: bigint) {}
}

class Instrument implements InstrumentView {
  referencePrice: bigint | undefined = undefined
  position = 0n
  openBuy = 0n
  openSell = 0n
  readonly strategies = new Map<string, StrategyCell>()
  /** This instrument's share of the gross exposure and of its asset cell. */
  gross = 0n
  aPos = 0n
  aBuy = 0n
  aSell = 0n
  /** The base asset's cell, once known (reset when the spec changes). */
  assetCell: Cell | undefined = undefined
  /** The venue's free balances of the quote and base assets, once set (a balance may be set after the spec). */
  quoteBalance: Balance | undefined = undefined
  baseBalance: Balance | undefined = undefined
  constructor(
    public spec: InstrumentSpec.InstrumentSpec,
    public compiled: CompiledSpec
  ) {}
}

interface OpenOrder {
  readonly cell: StrategyCell
  readonly instrument: Instrument
  readonly buy: boolean
  remaining: bigint
  /** Spot only: the price the reservation was made at, and what is still reserved (scale 18). */
  readonly reservePrice: bigint | undefined
  /** The balance the reservation was taken from (undefined when nothing was reserved). */
  readonly reservedFrom: Balance | undefined
  reserved: bigint
}

const fail = (reason: RiskBookError["reason"], message: string): RiskBookError => new RiskBookError({ reason, message })

/** The permanent key of `orders` (see there). */
const KEEP: unique symbol = Symbol("keep")

/** Signed `base18` of a signed quantity. */
const signedBase = (c: CompiledSpec, q: bigint, ref: bigint | undefined): bigint => {
  if (q === 0n || c.unitBase) return q
  const b = base18(c, q < 0n ? -q : q, ref) ?? 0n
  return q < 0n ? -b : b
}

/** The in-memory RiskBook. Update methods return a RiskBookError (and change nothing) on bad input. */
export class InMemoryRiskBook implements RiskBook {
  private readonly instruments = new Map<string, Instrument>()
  private readonly strategyCells = new Map<string, Map<string, StrategyCell>>()
  private readonly strategyTotals = new Map<string, StrategyTotal>()
  private readonly assets = new Map<string, Cell>()
  private readonly balances = new Map<string, Map<string, Balance>>()
  /**
   * Open orders by operation id, plus one permanent entry under a symbol (no operation id
   * can equal it): a Map that empties gives up its table and allocates a new one on the next
   * insert, which an order-at-a-time flow (one order open, then none) did on every order.
   */
  private readonly orders = new Map<string | symbol, OpenOrder | undefined>([[KEEP, undefined]])
  private gross = 0n

  // ---------------------------------------------------------------- RiskBook (reads)

  /** The instrument: spec, reference price and all strategies' exposure. */
  instrument(canonicalId: string): InstrumentView | undefined {
    return this.instruments.get(canonicalId)
  }

  /** The instrument's spec (convenience, not part of RiskBook). */
  spec(canonicalId: string): InstrumentSpec.InstrumentSpec | undefined {
    return this.instruments.get(canonicalId)?.spec
  }

  /** The reference price, scale 18 (convenience, not part of RiskBook). */
  referencePrice(canonicalId: string): bigint | undefined {
    return this.instruments.get(canonicalId)?.referencePrice
  }

  /** One strategy in one instrument. */
  strategyInstrument(strategyId: string, canonicalId: string): ExposureCell | undefined {
    return this.strategyCells.get(strategyId)?.get(canonicalId)
  }

  /** One base asset across instruments and venues. */
  asset(asset: string): ExposureCell | undefined {
    return this.assets.get(asset)
  }

  /** Gross exposure, scale 36. */
  grossExposure(): bigint {
    return this.gross
  }

  /** One strategy's gross exposure, scale 36. */
  strategyGrossExposure(strategyId: string): bigint {
    return this.strategyTotals.get(strategyId)?.gross ?? 0n
  }

  /** Free balance, scale 18. */
  available(venue: string, asset: string): bigint | undefined {
    return this.balances.get(venue)?.get(asset)?.amount
  }

  /** Orders currently counted as open. */
  get openOrderCount(): number {
    return this.orders.size - 1
  }

  // ---------------------------------------------------------------- updates

  /** Adds or replaces an instrument's spec (exposures are revalued with it). */
  addSpec(spec: InstrumentSpec.InstrumentSpec): void {
    const existing = this.instruments.get(spec.canonicalId)
    if (existing === undefined) {
      this.instruments.set(spec.canonicalId, new Instrument(spec, compileSpec(spec)))
      return
    }
    existing.spec = spec
    existing.compiled = compileSpec(spec)
    existing.assetCell = undefined
    existing.quoteBalance = undefined
    existing.baseBalance = undefined
    this.revalue(existing, undefined)
  }

  /** Sets the reference price (mark or mid) and revalues the instrument's exposure. */
  setReferencePrice(canonicalId: string, price: Decimal.Decimal): RiskBookError | undefined {
    const inst = this.instruments.get(canonicalId)
    if (inst === undefined) return fail("UnknownInstrument", `no spec for ${canonicalId}`)
    const p = fromDecimal(price)
    if (p === undefined || p <= 0n) {
      return fail("InvalidPrice", `reference price ${Decimal.format(price)} for ${canonicalId} must be positive with at most 18 decimals`)
    }
    inst.referencePrice = p
    this.revalue(inst, undefined)
    return undefined
  }

  /** Sets the free balance of `asset` at `venue`. */
  setBalance(venue: string, asset: string, amount: Decimal.Decimal): RiskBookError | undefined {
    const a = fromDecimal(amount)
    if (a === undefined) return fail("InvalidQuantity", `balance ${Decimal.format(amount)} has more than 18 decimals`)
    let m = this.balances.get(venue)
    if (m === undefined) {
      m = new Map()
      this.balances.set(venue, m)
    }
    const cell = m.get(asset)
    if (cell === undefined) m.set(asset, new Balance(a))
    else cell.amount = a
    return undefined
  }

  /** Sets a strategy's position outright (seeding from the position tracker, tests). */
  setPosition(strategyId: string, canonicalId: string, quantity: Decimal.Decimal): RiskBookError | undefined {
    const inst = this.instruments.get(canonicalId)
    if (inst === undefined) return fail("UnknownInstrument", `no spec for ${canonicalId}`)
    const q = fromDecimal(quantity)
    if (q === undefined) return fail("InvalidQuantity", `position ${Decimal.format(quantity)} has more than 18 decimals`)
    const sc = this.cellOf(strategyId, inst)
    inst.position += q - sc.position
    sc.position = q
    this.revalue(inst, sc)
    return undefined
  }

  /**
   * Counts an order as open from now on: call it when the order is recorded (right after
   * risk allowed it), not at the venue's acknowledgement, so an order in flight is
   * exposure already.
   */
  onOrderAccepted(order: BookOrder): RiskBookError | undefined {
    const inst = this.instruments.get(order.canonicalId)
    if (inst === undefined) return fail("UnknownInstrument", `no spec for ${order.canonicalId}`)
    if (this.orders.has(order.operationId)) return fail("DuplicateOrder", `order ${order.operationId} is already open`)
    const q = fromDecimal(order.quantity)
    const filled = order.filledQuantity === undefined ? 0n : fromDecimal(order.filledQuantity)
    if (q === undefined || q <= 0n || filled === undefined || filled < 0n || filled > q) {
      return fail("InvalidQuantity", `order ${order.operationId}: quantity must be positive, filled within it, at most 18 decimals`)
    }
    const price = order.price === undefined ? inst.referencePrice : fromDecimal(order.price)
    if (price !== undefined && price <= 0n) return fail("InvalidPrice", `order ${order.operationId}: price must be positive`)
    const remaining = q - filled
    const buy = order.side === "BUY"
    const c = inst.compiled
    let reservedFrom: Balance | undefined
    let reserved = 0n
    if (c.spot && remaining > 0n) {
      reservedFrom = buy ? this.quoteBalanceOf(inst) : this.baseBalanceOf(inst)
      if (reservedFrom !== undefined) {
        reserved = buy ? (price === undefined ? 0n : ceilDiv(value36(c, remaining, price), ONE)) : (base18(c, remaining, price) ?? 0n)
        reservedFrom.amount -= reserved
      }
    }
    const cell = this.cellOf(order.strategyId, inst)
    this.orders.set(order.operationId, { cell, instrument: inst, buy, remaining, reservePrice: price, reservedFrom, reserved })
    this.addOpen(inst, cell, buy, remaining)
    return undefined
  }

  /**
   * Applies a fill: the position moves, the order's open quantity shrinks, spot balances
   * settle. A fill of an order not open here (external, or late after its end) needs the
   * strategy it belongs to.
   */
  onFill(fill: BookFill, strategyId?: string): RiskBookError | undefined {
    const order = this.orders.get(fill.operationId)
    const inst = order?.instrument ?? this.instruments.get(fill.canonicalId)
    if (inst === undefined) return fail("UnknownInstrument", `no spec for ${fill.canonicalId}`)
    if (order === undefined && strategyId === undefined) {
      return fail("UnknownOrder", `fill of unknown order ${fill.operationId} without a strategy`)
    }
    const f = fromDecimal(fill.quantity)
    if (f === undefined || f <= 0n) return fail("InvalidQuantity", `fill quantity ${Decimal.format(fill.quantity)} must be positive`)
    const px = fromDecimal(fill.price)
    if (px === undefined) return fail("InvalidPrice", `fill price ${Decimal.format(fill.price)} has more than 18 decimals`)
    const buy = fill.side === "BUY"
    const sc = order !== undefined ? order.cell : this.cellOf(strategyId as string, inst)
    if (order !== undefined) {
      const done = f < order.remaining ? f : order.remaining
      order.remaining -= done
      if (order.buy) {
        sc.openBuy -= done
        inst.openBuy -= done
      } else {
        sc.openSell -= done
        inst.openSell -= done
      }
    }
    const signed = buy ? f : -f
    sc.position += signed
    inst.position += signed
    if (inst.compiled.spot) this.settleSpot(inst, order, buy, f, px)
    this.revalue(inst, sc)
    return undefined
  }

  /** The order ended (filled, cancelled, rejected, expired): its remainder stops counting and its reservation is freed. */
  onOrderDone(operationId: string): RiskBookError | undefined {
    const order = this.orders.get(operationId)
    if (order === undefined) return fail("UnknownOrder", `order ${operationId} is not open`)
    this.orders.delete(operationId)
    if (order.remaining !== 0n) this.addOpen(order.instrument, order.cell, order.buy, -order.remaining)
    if (order.reservedFrom !== undefined && order.reserved > 0n) order.reservedFrom.amount += order.reserved
    return undefined
  }

  // ---------------------------------------------------------------- internals

  private cellOf(strategyId: string, inst: Instrument): StrategyCell {
    let sc = inst.strategies.get(strategyId)
    if (sc === undefined) {
      let total = this.strategyTotals.get(strategyId)
      if (total === undefined) {
        total = new StrategyTotal()
        this.strategyTotals.set(strategyId, total)
      }
      sc = new StrategyCell(strategyId, total)
      inst.strategies.set(strategyId, sc)
      let m = this.strategyCells.get(strategyId)
      if (m === undefined) {
        m = new Map()
        this.strategyCells.set(strategyId, m)
      }
      m.set(inst.compiled.canonicalId, sc)
    }
    return sc
  }

  private addOpen(inst: Instrument, sc: StrategyCell, buy: boolean, q: bigint): void {
    if (buy) {
      sc.openBuy += q
      inst.openBuy += q
    } else {
      sc.openSell += q
      inst.openSell += q
    }
    this.revalue(inst, sc)
  }

  private balanceOf(venue: string, asset: string): Balance | undefined {
    return this.balances.get(venue)?.get(asset)
  }

  /** The instrument's quote balance, remembered once it exists (balance cells are never removed). */
  private quoteBalanceOf(inst: Instrument): Balance | undefined {
    return (inst.quoteBalance ??= this.balanceOf(inst.compiled.venue, inst.compiled.quoteAsset))
  }

  private baseBalanceOf(inst: Instrument): Balance | undefined {
    return (inst.baseBalance ??= this.balanceOf(inst.compiled.venue, inst.compiled.baseAsset))
  }

  private settleSpot(inst: Instrument, order: OpenOrder | undefined, buy: boolean, f: bigint, px: bigint): void {
    const c = inst.compiled
    const base = base18(c, f, px) ?? 0n
    const quote = value36(c, f, px)
    // What a buy pays, rounded up (computed once: a limit order filled at its limit reserved exactly this).
    const paid = buy ? ceilDiv(quote, ONE) : 0n
    // The part of this fill already taken from the free balance when the order was recorded.
    let released = 0n
    if (order !== undefined && order.reserved > 0n) {
      const share = buy ? (order.reservePrice === px ? paid : ceilDiv(value36(c, f, order.reservePrice as bigint), ONE)) : base
      released = share < order.reserved ? share : order.reserved
      order.reserved -= released
    }
    const quoteBalance = this.quoteBalanceOf(inst)
    const baseBalance = this.baseBalanceOf(inst)
    if (buy) {
      if (quoteBalance !== undefined && released !== paid) quoteBalance.amount += released - paid
      if (baseBalance !== undefined) baseBalance.amount += base
    } else {
      if (baseBalance !== undefined && released !== base) baseBalance.amount += released - base
      if (quoteBalance !== undefined) quoteBalance.amount += quote / ONE
    }
  }

  /** Recomputes one instrument's contributions (and of one strategy cell, or all when `only` is undefined). */
  private revalue(inst: Instrument, only: StrategyCell | undefined): void {
    const c = inst.compiled
    const ref = inst.referencePrice
    const cell = inst
    const g = ref === undefined ? 0n : value36(c, worstCase(cell.position, cell.openBuy, cell.openSell), ref)
    if (g !== inst.gross) {
      this.gross += g - inst.gross
      inst.gross = g
    }
    if (only !== undefined) {
      // One strategy holding all of the instrument (the usual case) has the instrument's value: no second product.
      if (only.position === cell.position && only.openBuy === cell.openBuy && only.openSell === cell.openSell) setStrategyGross(only, g)
      else revalueStrategy(c, ref, only)
    } else for (const sc of inst.strategies.values()) revalueStrategy(c, ref, sc)
    let a = inst.assetCell
    if (a === undefined) {
      a = this.assets.get(c.baseAsset)
      if (a === undefined) {
        a = new Cell()
        this.assets.set(c.baseAsset, a)
      }
      inst.assetCell = a
    }
    // Only the components that moved (an order event moves one side, a fill a side and the position).
    const aPos = signedBase(c, cell.position, ref)
    if (aPos !== inst.aPos) {
      a.position += aPos - inst.aPos
      inst.aPos = aPos
    }
    const aBuy = signedBase(c, cell.openBuy, ref)
    if (aBuy !== inst.aBuy) {
      a.openBuy += aBuy - inst.aBuy
      inst.aBuy = aBuy
    }
    const aSell = signedBase(c, cell.openSell, ref)
    if (aSell !== inst.aSell) {
      a.openSell += aSell - inst.aSell
      inst.aSell = aSell
    }
  }
}

const revalueStrategy = (c: CompiledSpec, ref: bigint | undefined, sc: StrategyCell): void =>
  setStrategyGross(sc, ref === undefined ? 0n : value36(c, worstCase(sc.position, sc.openBuy, sc.openSell), ref))

const setStrategyGross = (sc: StrategyCell, g: bigint): void => {
  if (g === sc.gross) return
  sc.total.gross += g - sc.gross
  sc.gross = g
}

/** A fresh, empty in-memory book. */
export const make = (): InMemoryRiskBook => new InMemoryRiskBook()

/** Provides `book` as the RiskBook (tests and backtests keep the reference to feed it events). */
export const layer = (book: InMemoryRiskBook): Layer.Layer<RiskBook> => Layer.succeed(RiskBook, book)
