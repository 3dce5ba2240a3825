/**
 * A RiskBook that keeps itself up to date from order and fill events, for tests,
 * benchmarks and backtests that run risk without the OMS and position tracker. Every
 * aggregate the engine reads is kept incrementally: an instrument's and its strategies'
 * quantities on each event, their parts of the sums across instruments (asset cells, gross
 * exposures) when a check or a read next needs them (BookState.stale), so a read costs at
 * most the instruments that changed since the last one.
 *
 * Balances: spot orders reserve their cost (buy: quote at the limit or reference price;
 * sell: base) from the free balance when recorded, and fills settle against it.
 * Derivative margin is not modelled: the free margin balance changes only by `setBalance`.
 * Fees are ignored. Balances never set stay unknown.
 *
 * Representation: each instrument's quantities and reference price are exact integers
 * held in JS numbers at scales taken from its spec (lot and tick), and the sums across
 * instruments are exact two-part numbers (see internal/fixed.ts), so an update does no
 * bigint arithmetic. A value that does not fit exactly (more places than the lot, or
 * too large) turns that instrument (or sum) to bigints, which are always exact; the
 * results are identical either way (property-tested against the bigint implementation).
 */
import type { InstrumentSpec, Side } from "@odum/domain"
import { Decimal } from "@odum/domain"
import * as Layer from "effect/Layer"
import {
  BookState,
  fastBooks,
  Instrument,
  moveB,
  moveLike,
  moveN,
  type OpenOrder,
  type Share,
  StrategyCell
} from "./internal/book.js"
import { type Acc, Acc as AccImpl, B10, LIM, mul, positive, unitsAt, unitsOf18 } from "./internal/fixed.js"
import { base18, compileSpec, type CompiledSpec, value36, worstCase } from "./internal/spec.js"
import { ceilDiv, fromDecimal, ONE } from "./internal/scaled.js"
import { type ExposureCell, type InstrumentView, RiskBook } from "./RiskBook.js"
import { RiskBookError } from "./RiskError.js"

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

const fail = (reason: RiskBookError["reason"], message: string): RiskBookError => new RiskBookError({ reason, message })

const E18 = B10[18] as bigint

/** Signed `base18` of a signed scale-18 quantity. */
const signedBase = (c: CompiledSpec, q: bigint, ref: bigint | undefined): bigint => {
  if (q === 0n || c.unitBase) return q
  const b = base18(c, q < 0n ? -q : q, ref) ?? 0n
  return q < 0n ? -b : b
}

/** `max(|pos + buy|, |sell - pos|)` of numbers within LIM (exact). */
const worstN = (pos: number, buy: number, sell: number): number => {
  let l = pos + buy
  if (l < 0) l = -l
  let s = sell - pos
  if (s < 0) s = -s
  return l > s ? l : s
}

/** A scale-18 bigint of a number at the instrument's quantity scale. */
const q18 = (c: CompiledSpec, n: number): bigint => BigInt(n) * c.qUnit

/** True if a decimal has at most 18 places (the book's inputs; checked without a bigint). */
const fits18 = (d: Decimal.Decimal): boolean => d.scale <= 18

/** The in-memory RiskBook. Update methods return a RiskBookError (and change nothing) on bad input. */
export class InMemoryRiskBook implements RiskBook {
  private readonly st = new BookState()

  constructor() {
    // The engine reads exactly this class's state directly (a subclass may override reads).
    if (new.target === InMemoryRiskBook) fastBooks.set(this, this.st)
    this.st.revalueStale = () => this.revalueStale()
  }

  // ---------------------------------------------------------------- RiskBook (reads)

  /** The instrument: spec, reference price and all strategies' exposure. */
  instrument(canonicalId: string): InstrumentView | undefined {
    return this.st.instruments.get(canonicalId)
  }

  /** The instrument's spec (convenience, not part of RiskBook). */
  spec(canonicalId: string): InstrumentSpec.InstrumentSpec | undefined {
    return this.st.instruments.get(canonicalId)?.spec
  }

  /** The reference price, scale 18 (convenience, not part of RiskBook). */
  referencePrice(canonicalId: string): bigint | undefined {
    return this.st.instruments.get(canonicalId)?.referencePrice
  }

  /** One strategy in one instrument. */
  strategyInstrument(strategyId: string, canonicalId: string): ExposureCell | undefined {
    return this.st.strategyCells.get(strategyId)?.get(canonicalId)
  }

  /** One base asset across instruments and venues. */
  asset(asset: string): ExposureCell | undefined {
    // An asset's cell is made when an instrument's parts are first computed.
    this.st.settle()
    return this.st.assets.get(asset)
  }

  /** Gross exposure, scale 36. */
  grossExposure(): bigint {
    this.st.settle()
    return this.st.gross.toBig36()
  }

  /** One strategy's gross exposure, scale 36. */
  strategyGrossExposure(strategyId: string): bigint {
    this.st.settle()
    return this.st.strategyTotals.get(strategyId)?.toBig36() ?? 0n
  }

  /** Free balance, scale 18. */
  available(venue: string, asset: string): bigint | undefined {
    return this.st.balanceOf(venue, asset)?.toBig18()
  }

  /** Orders currently counted as open. */
  get openOrderCount(): number {
    return this.st.orderCount
  }

  // ---------------------------------------------------------------- updates

  /** Adds or replaces an instrument's spec (exposures are revalued with it). */
  addSpec(spec: InstrumentSpec.InstrumentSpec): void {
    const st = this.st
    const existing = st.instruments.get(spec.canonicalId)
    if (existing === undefined) {
      st.instruments.set(spec.canonicalId, new Instrument(spec, compileSpec(spec)))
      return
    }
    if (existing.fast) this.toSlow(existing)
    // Its asset may change: take its parts out of the old asset's sums first.
    const a = existing.asset
    if (a !== undefined) {
      moveB(a.pos, existing.aPos, 0n)
      moveB(a.buy, existing.aBuy, 0n)
      moveB(a.sell, existing.aSell, 0n)
    }
    existing.spec = spec
    existing.recompile(compileSpec(spec))
    existing.asset = undefined
    existing.quoteBalance = undefined
    existing.baseBalance = undefined
    existing.settleBalance = undefined
    existing.invalidate()
    this.tryFast(existing)
    this.revalue(existing, undefined)
  }

  /** Sets the reference price (mark or mid) and revalues the instrument's exposure. */
  setReferencePrice(canonicalId: string, price: Decimal.Decimal): RiskBookError | undefined {
    const inst = this.st.instrument(canonicalId)
    if (inst === undefined) return fail("UnknownInstrument", `no spec for ${canonicalId}`)
    if (!fits18(price) || !positive(price)) {
      return fail("InvalidPrice", `reference price ${Decimal.format(price)} for ${canonicalId} must be positive with at most 18 decimals`)
    }
    if (inst.fast === true) {
      const n = unitsAt(price, inst.compiled.ps)
      if (n === n) {
        if (n !== inst.refN) {
          inst.refN = n
          this.revalue(inst, undefined)
        }
        return undefined
      }
      this.toSlow(inst)
    }
    inst.refB = fromDecimal(price)
    this.revalue(inst, undefined)
    return undefined
  }

  /** Sets the free balance of `asset` at `venue`. */
  setBalance(venue: string, asset: string, amount: Decimal.Decimal): RiskBookError | undefined {
    const a = fromDecimal(amount)
    if (a === undefined) return fail("InvalidQuantity", `balance ${Decimal.format(amount)} has more than 18 decimals`)
    let m = this.st.balances.get(venue)
    if (m === undefined) {
      m = new Map()
      this.st.balances.set(venue, m)
    }
    let cell = m.get(asset)
    if (cell === undefined) {
      cell = new AccImpl()
      m.set(asset, cell)
    }
    cell.assignB(a * E18)
    return undefined
  }

  /** Sets a strategy's position outright (seeding from the position tracker, tests). */
  setPosition(strategyId: string, canonicalId: string, quantity: Decimal.Decimal): RiskBookError | undefined {
    const inst = this.st.instruments.get(canonicalId)
    if (inst === undefined) return fail("UnknownInstrument", `no spec for ${canonicalId}`)
    if (!fits18(quantity)) return fail("InvalidQuantity", `position ${Decimal.format(quantity)} has more than 18 decimals`)
    const sc = this.cellOf(strategyId, inst)
    if (inst.fast) {
      const n = unitsAt(quantity, inst.compiled.qs)
      const total = inst.p + n - sc.p
      if (n === n && total <= LIM && total >= -LIM) {
        inst.p = total
        sc.p = n
        this.revalue(inst, sc)
        return undefined
      }
      this.toSlow(inst)
    }
    const q = fromDecimal(quantity) as bigint
    inst.bp += q - sc.bp
    sc.bp = q
    this.revalue(inst, sc)
    return undefined
  }

  /**
   * Counts an order as open from now on: call it when the order is recorded (right after
   * risk allowed it), not at the venue's acknowledgement, so an order in flight is
   * exposure already.
   */
  onOrderAccepted(order: BookOrder): RiskBookError | undefined {
    const st = this.st
    const inst = st.instrument(order.canonicalId)
    if (inst === undefined) return fail("UnknownInstrument", `no spec for ${order.canonicalId}`)
    if (st.order(order.operationId) !== undefined) return fail("DuplicateOrder", `order ${order.operationId} is already open`)
    const qd = order.quantity
    const fd = order.filledQuantity
    // Nothing filled (the usual case: the OMS records a new order with a zero filled quantity) passes every check of fd.
    const filled = fd !== undefined && fd.unitsN !== 0
    if (
      !fits18(qd) ||
      !positive(qd) ||
      (filled && (!fits18(fd) || fd.units < 0n || Decimal.greaterThan(fd, qd)))
    ) {
      return fail("InvalidQuantity", `order ${order.operationId}: quantity must be positive, filled within it, at most 18 decimals`)
    }
    const pd = order.price
    // A price past 18 places reserves nothing (as if there were none); a non-positive one is refused.
    if (pd !== undefined && fits18(pd) && !positive(pd)) return fail("InvalidPrice", `order ${order.operationId}: price must be positive`)
    const buy = order.side === "BUY"
    const c = inst.compiled
    const cell = this.cellOf(order.strategyId, inst)
    // Boolean fields compared with `true` on the hot path (see internal/fixed.ts).
    if (inst.fast === true) {
      const q = inst.qtyUnits(qd)
      const rem = filled ? q - unitsAt(fd, c.qs) : q
      // rem is NaN when either does not fit; the open side must stay within LIM (written out: see fixed.ts).
      if (
        rem === rem &&
        (buy
          ? inst.b + rem <= 1125899906842624 && cell.b + rem <= 1125899906842624
          : inst.s + rem <= 1125899906842624 && cell.s + rem <= 1125899906842624)
      ) {
        const o = st.openOrder(cell, inst, buy, rem, c.spot === true && rem > 0 ? (buy ? st.quoteBalanceOf(inst) : st.baseBalanceOf(inst)) : undefined)
        if (o.reservedFrom !== undefined) this.reserveN(o, inst, pd, rem)
        st.addOrder(order.operationId, o)
        this.addOpenN(inst, cell, buy, rem)
        return undefined
      }
      this.toSlow(inst)
    }
    const remaining = (fromDecimal(qd) as bigint) - (filled ? (fromDecimal(fd) as bigint) : 0n)
    const o = st.openOrder(cell, inst, buy, 0, c.spot && remaining > 0n ? (buy ? st.quoteBalanceOf(inst) : st.baseBalanceOf(inst)) : undefined)
    o.remB = remaining
    if (o.reservedFrom !== undefined) {
      const price = pd === undefined ? inst.refB : fromDecimal(pd)
      o.priceB = price
      o.priceN = NaN
      const reserved = buy ? (price === undefined ? 0n : ceilDiv(value36(c, remaining, price), ONE)) : (base18(c, remaining, price) ?? 0n)
      o.resIsN = false
      o.resB = reserved
      o.reservedFrom.addB(-reserved * E18)
    }
    st.addOrder(order.operationId, o)
    this.addOpenB(inst, cell, buy, remaining)
    return undefined
  }

  /**
   * Applies a fill: the position moves, the order's open quantity shrinks, spot balances
   * settle. A fill of an order not open here (external, or late after its end) needs the
   * strategy it belongs to.
   */
  onFill(fill: BookFill, strategyId?: string): RiskBookError | undefined {
    const st = this.st
    const order = st.order(fill.operationId)
    const inst = order !== undefined ? order.instrument : st.instrument(fill.canonicalId)
    if (inst === undefined) return fail("UnknownInstrument", `no spec for ${fill.canonicalId}`)
    if (order === undefined && strategyId === undefined) {
      return fail("UnknownOrder", `fill of unknown order ${fill.operationId} without a strategy`)
    }
    const fq = fill.quantity
    if (!fits18(fq) || !positive(fq)) return fail("InvalidQuantity", `fill quantity ${Decimal.format(fq)} must be positive`)
    const fp = fill.price
    if (!fits18(fp)) return fail("InvalidPrice", `fill price ${Decimal.format(fp)} has more than 18 decimals`)
    const buy = fill.side === "BUY"
    const sc = order !== undefined ? order.cell : this.cellOf(strategyId as string, inst)
    const c = inst.compiled
    if (inst.fast === true) {
      const f = inst.qtyUnits(fq)
      const signed = buy ? f : -f
      const ip = inst.p + signed
      const sp = sc.p + signed
      // Within LIM (written out: see fixed.ts).
      if (f === f && ip <= 1125899906842624 && ip >= -1125899906842624 && sp <= 1125899906842624 && sp >= -1125899906842624) {
        if (order !== undefined) {
          const done = f < order.remN ? f : order.remN
          order.remN -= done
          if (order.buy === true) {
            sc.b -= done
            inst.b -= done
          } else {
            sc.s -= done
            inst.s -= done
          }
        }
        sc.p = sp
        inst.p = ip
        if (c.spot === true) this.settleSpotN(inst, order, buy, f, fp)
        this.revalue(inst, sc)
        return undefined
      }
      this.toSlow(inst)
    }
    const f = fromDecimal(fq) as bigint
    if (order !== undefined) {
      const done = f < order.remB ? f : order.remB
      order.remB -= done
      if (order.buy) {
        sc.bb -= done
        inst.bb -= done
      } else {
        sc.bs -= done
        inst.bs -= done
      }
    }
    const signed = buy ? f : -f
    sc.bp += signed
    inst.bp += signed
    if (c.spot) this.settleSpotB(inst, order, buy, f, fromDecimal(fp) as bigint)
    this.revalue(inst, sc)
    return undefined
  }

  /** The order ended (filled, cancelled, rejected, expired): its remainder stops counting and its reservation is freed. */
  onOrderDone(operationId: string): RiskBookError | undefined {
    const order = this.st.order(operationId)
    if (order === undefined) return fail("UnknownOrder", `order ${operationId} is not open`)
    this.st.removeOrder(operationId, order)
    const inst = order.instrument
    if (inst.fast === true) {
      if (order.remN !== 0) this.addOpenN(inst, order.cell, order.buy, -order.remN)
    } else if (order.remB !== 0n) this.addOpenB(inst, order.cell, order.buy, -order.remB)
    const from = order.reservedFrom
    if (from !== undefined) {
      if (order.resIsN === true) {
        if (order.resN > 0) from.addN(order.resN, order.resScale)
      } else if (order.resB > 0n) from.addB(order.resB * E18)
    }
    // No longer open, the object is held by nothing: the next order reuses it.
    this.st.spare = order
    return undefined
  }

  // ---------------------------------------------------------------- internals

  private cellOf(strategyId: string, inst: Instrument): StrategyCell {
    let sc = inst.cell(strategyId)
    if (sc === undefined) {
      const st = this.st
      let total = st.strategyTotals.get(strategyId)
      if (total === undefined) {
        total = new AccImpl()
        st.strategyTotals.set(strategyId, total)
      }
      sc = new StrategyCell(strategyId, inst, total)
      inst.strategies.set(strategyId, sc)
      let m = st.strategyCells.get(strategyId)
      if (m === undefined) {
        m = new Map()
        st.strategyCells.set(strategyId, m)
      }
      m.set(inst.compiled.canonicalId, sc)
    }
    return sc
  }

  private addOpenN(inst: Instrument, sc: StrategyCell, buy: boolean, q: number): void {
    if (buy) {
      sc.b += q
      inst.b += q
    } else {
      sc.s += q
      inst.s += q
    }
    this.revalue(inst, sc)
  }

  private addOpenB(inst: Instrument, sc: StrategyCell, buy: boolean, q: bigint): void {
    if (buy) {
      sc.bb += q
      inst.bb += q
    } else {
      sc.bs += q
      inst.bs += q
    }
    this.revalue(inst, sc)
  }

  /** Takes a fast spot order's reservation from its balance: buy the cost at the limit (or reference) price, sell the base. */
  private reserveN(o: OpenOrder, inst: Instrument, pd: Decimal.Decimal | undefined, rem: number): void {
    const c = inst.compiled
    const from = o.reservedFrom as Acc
    if (!o.buy) {
      // A spot sell reserves base18(remaining) = remaining * contractSize, at `bs` places.
      const b = c.csOne === true ? rem : mul(rem, c.csN)
      if (b === b) {
        o.resN = b
        o.resScale = c.bs
        from.addN(-b, c.bs)
      } else {
        o.resIsN = false
        o.resB = base18(c, q18(c, rem), undefined) ?? 0n
        from.addB(-o.resB * E18)
      }
      return
    }
    // Past 18 places the price counts as absent (nothing reserved), as for a MARKET order without a reference.
    const p = pd === undefined ? (inst.refN === 0 ? -1 : inst.refN) : fits18(pd) ? unitsAt(pd, c.ps) : -1
    if (p === -1) return
    const v = p === p ? mul(c.csOne === true ? rem : mul(rem, c.csN), p) : 0 / 0
    if (v === v) {
      o.priceN = p
      o.priceAt = c
      o.resN = v
      o.resScale = c.vs
      from.addN(-v, c.vs)
      return
    }
    // The price does not fit the instrument's price scale (or the cost is too large): bigints.
    const price = pd === undefined ? BigInt(inst.refN) * c.pUnit : (fromDecimal(pd) as bigint)
    o.priceB = price
    o.resIsN = false
    o.resB = ceilDiv(value36(c, q18(c, rem), price), ONE)
    from.addB(-o.resB * E18)
  }

  /**
   * Settles a spot fill of a fast instrument: a buy pays `f * px` (exact: at most 12 places)
   * from the quote balance, net of what its order had reserved for it, and receives the
   * base; a sell the reverse. Falls back to bigints when a value does not fit.
   */
  private settleSpotN(inst: Instrument, order: OpenOrder | undefined, buy: boolean, f: number, fp: Decimal.Decimal): void {
    const c = inst.compiled
    const px = unitsAt(fp, c.ps)
    const base = c.csOne === true ? f : mul(f, c.csN)
    const quote = px === px && base === base ? mul(base, px) : 0 / 0 // NaN (see internal/fixed.ts)
    // Bigints when a value does not fit, or the order's reservation is not at this spec's scale.
    if (quote !== quote || (order !== undefined && (order.resIsN !== true || (order.resN > 0 && order.resScale !== (buy ? c.vs : c.bs))))) {
      this.settleSpotB(inst, order, buy, q18(c, f), fromDecimal(fp) as bigint)
      return
    }
    // The part of this fill already taken from the free balance when the order was recorded.
    let released = 0
    if (order !== undefined && order.resN > 0) {
      let share: number
      if (!buy) share = base
      else if (order.priceN === px && order.priceAt === c) share = quote
      else if (order.priceN === order.priceN && order.priceAt === c) share = mul(base, order.priceN)
      else share = 0 / 0
      if (share !== share) {
        this.settleSpotB(inst, order, buy, q18(c, f), fromDecimal(fp) as bigint)
        return
      }
      // A reservation is at `vs` (buy) or `bs` (sell), as are the shares.
      released = share < order.resN ? share : order.resN
      order.resN -= released
    }
    const quoteBalance = this.st.quoteBalanceOf(inst)
    const baseBalance = this.st.baseBalanceOf(inst)
    if (buy) {
      if (quoteBalance !== undefined && released !== quote) quoteBalance.addN(released - quote, c.vs)
      if (baseBalance !== undefined) baseBalance.addN(base, c.bs)
    } else {
      if (baseBalance !== undefined && released !== base) baseBalance.addN(released - base, c.bs)
      if (quoteBalance !== undefined) quoteBalance.addN(quote, c.vs)
    }
  }

  /** The same in bigints (scale 18); converts the order's reservation to bigints first. */
  private settleSpotB(inst: Instrument, order: OpenOrder | undefined, buy: boolean, f: bigint, px: bigint): void {
    const c = inst.compiled
    if (order !== undefined && order.resIsN) {
      order.resB = (BigInt(order.resN) * E18) / (B10[order.resScale] as bigint)
      order.resIsN = false
      order.resN = 0
      if (order.priceN === order.priceN) order.priceB = BigInt(order.priceN) * (order.priceAt as CompiledSpec).pUnit
    }
    const base = base18(c, f, px) ?? 0n
    const quote = value36(c, f, px)
    // What a buy pays, rounded up (computed once: a limit order filled at its limit reserved exactly this).
    const paid = buy ? ceilDiv(quote, ONE) : 0n
    let released = 0n
    if (order !== undefined && order.resB > 0n) {
      const share = buy ? (order.priceB === px ? paid : ceilDiv(value36(c, f, order.priceB as bigint), ONE)) : base
      released = share < order.resB ? share : order.resB
      order.resB -= released
    }
    const quoteBalance = this.st.quoteBalanceOf(inst)
    const baseBalance = this.st.baseBalanceOf(inst)
    if (buy) {
      if (quoteBalance !== undefined && released !== paid) quoteBalance.addB((released - paid) * E18)
      if (baseBalance !== undefined) baseBalance.addB(base * E18)
    } else {
      if (baseBalance !== undefined && released !== base) baseBalance.addB((released - base) * E18)
      if (quoteBalance !== undefined) quoteBalance.addB((quote / ONE) * E18)
    }
  }

  /** Turns an instrument (its cells, reference price and open orders) to bigints. */
  private toSlow(inst: Instrument): void {
    const c = inst.compiled
    inst.bp = q18(c, inst.p)
    inst.bb = q18(c, inst.b)
    inst.bs = q18(c, inst.s)
    inst.p = inst.b = inst.s = 0
    inst.refB = inst.refN === 0 ? undefined : BigInt(inst.refN) * c.pUnit
    inst.refN = 0
    for (const sc of inst.strategies.values()) {
      sc.bp = q18(c, sc.p)
      sc.bb = q18(c, sc.b)
      sc.bs = q18(c, sc.s)
      sc.p = sc.b = sc.s = 0
    }
    for (const o of this.st.openOrders()) {
      if (o.instrument === inst) {
        o.remB = q18(c, o.remN)
        o.remN = 0
      }
    }
    inst.fast = false
    inst.invalidate()
  }

  /** Turns a bigint instrument back to numbers if its spec allows and every value fits. */
  private tryFast(inst: Instrument): void {
    const c = inst.compiled
    if (inst.fast || !c.fastOk) return
    const fits = (x: bigint, lim: number): boolean => {
      const n = unitsOf18(x, c.qs)
      return n === n && n <= lim && n >= -lim
    }
    if (!fits(inst.bp, LIM) || !fits(inst.bb, LIM) || !fits(inst.bs, LIM)) return
    if (inst.refB !== undefined && !(unitsOf18(inst.refB, c.ps) > 0)) return
    for (const sc of inst.strategies.values()) if (!fits(sc.bp, LIM) || !fits(sc.bb, LIM) || !fits(sc.bs, LIM)) return
    const orders = this.st.openOrders()
    for (const o of orders) if (o.instrument === inst && !fits(o.remB, LIM)) return
    inst.p = unitsOf18(inst.bp, c.qs)
    inst.b = unitsOf18(inst.bb, c.qs)
    inst.s = unitsOf18(inst.bs, c.qs)
    inst.bp = inst.bb = inst.bs = 0n
    inst.refN = inst.refB === undefined ? 0 : unitsOf18(inst.refB, c.ps)
    inst.refB = undefined
    for (const sc of inst.strategies.values()) {
      sc.p = unitsOf18(sc.bp, c.qs)
      sc.b = unitsOf18(sc.bb, c.qs)
      sc.s = unitsOf18(sc.bs, c.qs)
      sc.bp = sc.bb = sc.bs = 0n
    }
    for (const o of orders) {
      if (o.instrument === inst) {
        o.remN = unitsOf18(o.remB, c.qs)
        o.remB = 0n
      }
    }
    inst.fast = true
    inst.invalidate()
  }

  /**
   * Marks one instrument's parts of the sums (and of one strategy cell's, or all its cells'
   * when `only` is undefined) for recomputation at the next `settle` (see BookState.stale).
   */
  private revalue(inst: Instrument, only: StrategyCell | undefined): void {
    const k = inst.stale
    if (k === 0) {
      this.st.stale.push(inst)
      inst.stale = only === undefined ? 2 : 1
      inst.staleCell = only
    } else if (k === 1 && inst.staleCell !== only) {
      inst.stale = 2
      inst.staleCell = undefined
    }
  }

  /** Recomputes the parts of every stale instrument. */
  private revalueStale(): void {
    const list = this.st.stale
    for (let i = 0; i < list.length; i++) {
      const inst = list[i]!
      const only = inst.stale === 1 ? inst.staleCell : undefined
      inst.stale = 0
      inst.staleCell = undefined
      if (inst.fast) this.revalueN(inst, only)
      else this.revalueB(inst, only)
    }
    list.length = 0
  }

  private revalueN(inst: Instrument, only: StrategyCell | undefined): void {
    const st = this.st
    const c = inst.compiled
    const ref = inst.refN
    valueShareN(st.gross, inst.g, c, worstN(inst.p, inst.b, inst.s), ref)
    if (only !== undefined) {
      // One strategy holding all of the instrument (the usual case) has the instrument's value: no second product.
      if (only.p === inst.p && only.b === inst.b && only.s === inst.s) moveLike(only.total, only.g, inst.g)
      else valueShareN(only.total, only.g, c, worstN(only.p, only.b, only.s), ref)
    } else for (const sc of inst.strategies.values()) valueShareN(sc.total, sc.g, c, worstN(sc.p, sc.b, sc.s), ref)
    const a = inst.asset ?? st.assetOf(inst)
    // Only the components that moved (an order event moves one side, a fill a side and the position).
    baseShareN(a.pos, inst.aPos, c, inst.p, ref)
    baseShareN(a.buy, inst.aBuy, c, inst.b, ref)
    baseShareN(a.sell, inst.aSell, c, inst.s, ref)
  }

  private revalueB(inst: Instrument, only: StrategyCell | undefined): void {
    const st = this.st
    const c = inst.compiled
    const ref = inst.refB
    const g = ref === undefined ? 0n : value36(c, worstCase(inst.bp, inst.bb, inst.bs), ref)
    moveB(st.gross, inst.g, g)
    if (only !== undefined) {
      if (only.bp === inst.bp && only.bb === inst.bb && only.bs === inst.bs) moveB(only.total, only.g, g)
      else moveB(only.total, only.g, ref === undefined ? 0n : value36(c, worstCase(only.bp, only.bb, only.bs), ref))
    } else {
      for (const sc of inst.strategies.values()) {
        moveB(sc.total, sc.g, ref === undefined ? 0n : value36(c, worstCase(sc.bp, sc.bb, sc.bs), ref))
      }
    }
    const a = inst.asset ?? st.assetOf(inst)
    moveB(a.pos, inst.aPos, signedBase(c, inst.bp, ref) * E18)
    moveB(a.buy, inst.aBuy, signedBase(c, inst.bb, ref) * E18)
    moveB(a.sell, inst.aSell, signedBase(c, inst.bs, ref) * E18)
  }
}

/** Sets `sh` to the exposure value of `wc` (numbers) at `ref` (0: none, value 0), if its inputs changed. */
const valueShareN = (acc: Acc, sh: Share, c: CompiledSpec, wc: number, ref: number): void => {
  if (sh.inQ === wc && sh.inRef === ref) return
  sh.inQ = wc
  sh.inRef = ref
  if (ref === 0 || wc === 0) {
    moveN(acc, sh, 0, c.vs)
    return
  }
  const v = c.inverse ? mul(wc, c.csN) : c.csOne ? mul(wc, ref) : mul(mul(wc, ref), c.csN)
  if (v === v) moveN(acc, sh, v, c.vs)
  else moveB(acc, sh, value36(c, q18(c, wc), BigInt(ref) * c.pUnit))
}

/** Sets `sh` to the signed base quantity of `q` (numbers), if its inputs changed (the price matters for INVERSE only). */
const baseShareN = (acc: Acc, sh: Share, c: CompiledSpec, q: number, ref: number): void => {
  if (sh.inQ === q && (sh.inRef === ref || !c.inverse)) return
  sh.inQ = q
  sh.inRef = ref
  if (q === 0 || c.option) {
    moveN(acc, sh, 0, c.bs)
    return
  }
  if (!c.inverse) {
    const b = c.csOne ? q : mul(q, c.csN)
    if (b === b) {
      moveN(acc, sh, b, c.bs)
      return
    }
  }
  moveB(acc, sh, signedBase(c, q18(c, q), ref === 0 ? undefined : BigInt(ref) * c.pUnit) * E18)
}

/** A fresh, empty in-memory book. */
export const make = (): InMemoryRiskBook => new InMemoryRiskBook()

/** Provides `book` as the RiskBook (tests and backtests keep the reference to feed it events). */
export const layer = (book: InMemoryRiskBook): Layer.Layer<RiskBook> => Layer.succeed(RiskBook, book)
