/**
 * The simulated venue's own records of our account: positions (average-cost method, the
 * same conventions as @odum/positions) and balances, so paper trading can reconcile
 * against the venue like against a real one.
 *
 * Exact throughout. Linear instruments book fills in integers (notional units of
 * `10^-notionalScale`, fee units of `10^-feeScale`) while every value is a safe integer and
 * every division is exact; the sums are folded into decimal balances when read (or before
 * they could leave the safe range). Anything else (inverse contracts, products beyond 2^53,
 * a partial close whose released basis is not a whole unit) takes the decimal path, whose
 * only rounding is the 18-place half-even of inverse values and of released basis; a linear
 * position returns to the integer path when it is flat again (spot, which has no basis, at once).
 */
import type { VenueAdapter } from "@odum/adapter-kit"
import { Decimal, type Fill, InstrumentSpec } from "@odum/domain"
import type { MatchingEngine } from "../MatchingEngine.js"

const SCALE = 18
const ROUNDING: Decimal.Rounding = "half-even"
const MAX_SAFE = Number.MAX_SAFE_INTEGER

const isSafe = (n: number): boolean => n <= MAX_SAFE && n >= -MAX_SAFE

/** One asset's balance. */
class Cell {
  constructor(
    readonly asset: string,
    public total: Decimal.Decimal,
    /** Given at the start: listed even at zero. */
    readonly initial: boolean
  ) {}
}

/** One instrument's position and the balance cells its fills move. */
export class Ledger {
  /** Signed quantity in size units (contracts for derivatives). */
  units = 0
  /** True while the integer path holds the basis (`basisUnits`); false once `basis` does. */
  fast: boolean
  /** Cost basis in notional units (integer path). */
  basisUnits = 0
  /** Cost basis in the PnL currency: the sum of `value` of the open part (decimal path). */
  basis: Decimal.Decimal = Decimal.zero
  /** Unfolded sums of the integer path: fees (fee units), realized PnL or the spot quote leg (notional units), the spot base leg (size units). */
  feeUnits = 0
  pnlUnits = 0
  baseUnits = 0

  constructor(
    readonly spec: InstrumentSpec.InstrumentSpec,
    readonly engine: MatchingEngine,
    readonly inverse: boolean,
    readonly spot: boolean,
    readonly feeCell: Cell,
    /** Realized PnL (derivatives) or the quote leg (spot). */
    readonly pnlCell: Cell,
    /** The base leg of spot trades; unused for derivatives. */
    readonly baseCell: Cell
  ) {
    this.fast = !inverse
  }
}

/** Positions and balances of one account at one venue. */
export class Account {
  private readonly cells = new Map<string, Cell>()
  private readonly ledgers: Array<Ledger> = []

  constructor(initial: ReadonlyMap<string, Decimal.Decimal>) {
    for (const [asset, amount] of initial) this.cells.set(asset, new Cell(asset, amount, true))
  }

  private cell(asset: string): Cell {
    let c = this.cells.get(asset)
    if (c === undefined) {
      c = new Cell(asset, Decimal.zero, false)
      this.cells.set(asset, c)
    }
    return c
  }

  /** The ledger of an instrument (resolved once, kept by the caller). */
  ledger(engine: MatchingEngine): Ledger {
    const spec = engine.spec
    const spot = spec.kind === "SPOT"
    const pnl = this.cell(spot ? spec.quoteAsset : InstrumentSpec.notionalAsset(spec))
    const l = new Ledger(
      spec,
      engine,
      spec.contractType === "INVERSE",
      spot,
      this.cell(InstrumentSpec.notionalAsset(spec)),
      pnl,
      spot ? this.cell(spec.baseAsset) : pnl
    )
    this.ledgers.push(l)
    return l
  }

  /**
   * Books one fill of `units` at `price` (units; `quantity` and `priceDecimal` are the same
   * as decimals, `fee` the fee its event carries): the fee leaves its currency; spot
   * exchanges base for quote; derivatives update the position and settle realized PnL into
   * the PnL currency.
   */
  apply(
    l: Ledger,
    buy: boolean,
    quantity: Decimal.Decimal,
    units: number,
    priceDecimal: Decimal.Decimal,
    price: number,
    fee: Decimal.Decimal,
    liquidity: Fill.Liquidity
  ): void {
    if (l.fast) {
      const n = l.engine.notionalUnits(price, units)
      const f = l.engine.feeUnits(price, units, liquidity)
      if (n === n && f === f && this.applyUnits(l, buy, units, price, n, f)) return
      if (l.fast) {
        // From here on the basis lives in decimals (the sums stay valid: they only add up).
        l.basis = Decimal.fromScaled(BigInt(l.basisUnits), l.engine.notionalScale)
        l.fast = false
      }
    }
    this.applyDecimal(l, buy, quantity, units, priceDecimal, l.engine.notionalOf(price, units), fee)
  }

  /** The integer path; false (nothing changed) when this fill cannot be booked exactly in integers. */
  private applyUnits(l: Ledger, buy: boolean, units: number, price: number, n: number, f: number): boolean {
    // The fill's value (what a buy pays), in notional units.
    const v = buy ? n : -n
    const q = buy ? units : -units
    if (l.spot) {
      let base = l.baseUnits + q
      let quote = l.pnlUnits - v
      let fees = l.feeUnits + f
      if (!(isSafe(base) && isSafe(quote) && isSafe(fees))) {
        this.fold(l)
        base = q
        quote = -v
        fees = f
      }
      l.baseUnits = base
      l.pnlUnits = quote
      l.feeUnits = fees
      l.units += q
      return true
    }
    const held = l.units
    const size = held < 0 ? -held : held
    let basis = l.basisUnits
    let realized = 0
    if (held === 0 || held > 0 === q > 0) {
      basis += v
    } else if (units <= size) {
      let released = basis
      if (units < size) {
        const num = basis * units
        if (!isSafe(num) || num % size !== 0) return false
        released = num / size
      }
      realized = -v - released
      basis -= released
    } else {
      const c = l.engine.notionalUnits(price, size)
      if (c !== c) return false
      const closing = held > 0 ? -c : c
      realized = -closing - basis
      basis = v - closing
    }
    if (!(isSafe(basis) && isSafe(realized))) return false
    let pnl = l.pnlUnits + realized
    let fees = l.feeUnits + f
    if (!(isSafe(pnl) && isSafe(fees))) {
      this.fold(l)
      pnl = realized
      fees = f
    }
    l.basisUnits = basis
    l.units = held + q
    l.pnlUnits = pnl
    l.feeUnits = fees
    return true
  }

  /** The decimal path (see the module comment). */
  private applyDecimal(
    l: Ledger,
    buy: boolean,
    quantity: Decimal.Decimal,
    units: number,
    price: Decimal.Decimal,
    notional: Decimal.Decimal,
    fee: Decimal.Decimal
  ): void {
    if (fee.units !== 0n) l.feeCell.total = Decimal.sub(l.feeCell.total, fee)
    // The fill's value (what a buy pays): +notional for linear, -notional (coins) for inverse.
    const v = buy !== l.inverse ? notional : Decimal.neg(notional)
    if (l.spot) {
      l.baseCell.total = buy ? Decimal.add(l.baseCell.total, quantity) : Decimal.sub(l.baseCell.total, quantity)
      l.pnlCell.total = Decimal.sub(l.pnlCell.total, v)
      l.units += buy ? units : -units
      // Spot keeps no basis: the next fill may take the integer path again.
      l.fast = true
      return
    }
    const held = l.units
    const size = Math.abs(held)
    let realized = Decimal.zero
    if (held === 0 || held > 0 === buy) {
      l.basis = Decimal.add(l.basis, v)
    } else if (units <= size) {
      // Reducing: release the closed share of the basis (all of it on a full close).
      const released =
        units === size ? l.basis : Decimal.div(Decimal.mul(l.basis, quantity), l.engine.sizeToDecimal(size), SCALE, ROUNDING)
      realized = Decimal.sub(Decimal.neg(v), released)
      l.basis = Decimal.sub(l.basis, released)
    } else {
      // Flipping: close the whole position at this price, open the rest at it.
      const closingNotional = InstrumentSpec.notional(l.spec, l.engine.sizeToDecimal(size), price)
      // Closing a long sells it (value -notional for linear, +notional for inverse), and conversely.
      const closing = held > 0 !== l.inverse ? Decimal.neg(closingNotional) : closingNotional
      realized = Decimal.sub(Decimal.neg(closing), l.basis)
      l.basis = Decimal.sub(v, closing)
    }
    l.units = held + (buy ? units : -units)
    if (realized.units !== 0n) l.pnlCell.total = Decimal.add(l.pnlCell.total, realized)
    if (l.units === 0 && !l.inverse && l.basis.units === 0n) {
      // Flat (a full close releases the whole basis): the integer path can hold the next position.
      l.basisUnits = 0
      l.fast = true
    }
  }

  /** Moves a ledger's integer sums into the decimal balances. */
  private fold(l: Ledger): void {
    const e = l.engine
    if (l.feeUnits !== 0) l.feeCell.total = Decimal.sub(l.feeCell.total, Decimal.fromScaled(BigInt(l.feeUnits), e.feeScale))
    if (l.pnlUnits !== 0) l.pnlCell.total = Decimal.add(l.pnlCell.total, Decimal.fromScaled(BigInt(l.pnlUnits), e.notionalScale))
    if (l.baseUnits !== 0) l.baseCell.total = Decimal.add(l.baseCell.total, Decimal.fromScaled(BigInt(l.baseUnits), e.sizeScale))
    l.feeUnits = 0
    l.pnlUnits = 0
    l.baseUnits = 0
  }

  /** Open derivative positions, by canonical id. */
  positions(): Array<VenueAdapter.VenuePosition> {
    const out: Array<VenueAdapter.VenuePosition> = []
    for (const l of this.ledgers) {
      if (l.spot || l.units === 0) continue
      const quantity = l.engine.sizeToDecimal(l.units)
      const basis = l.fast ? Decimal.fromScaled(BigInt(l.basisUnits), l.engine.notionalScale) : l.basis
      const size = Decimal.mul(quantity, l.spec.contractSize)
      const averageEntryPrice = l.inverse
        ? Decimal.div(size, Decimal.neg(basis), SCALE, ROUNDING)
        : Decimal.div(basis, size, SCALE, ROUNDING)
      out.push({ canonicalId: l.spec.canonicalId, quantity, averageEntryPrice })
    }
    return out.sort((a, b) => (a.canonicalId < b.canonicalId ? -1 : a.canonicalId > b.canonicalId ? 1 : 0))
  }

  /** Balances by asset code: every non-zero one, and those given at the start. */
  balanceList(): Array<VenueAdapter.VenueBalance> {
    for (const l of this.ledgers) this.fold(l)
    return [...this.cells.values()]
      .filter((c) => c.initial || c.total.units !== 0n)
      .sort((a, b) => (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0))
      .map((c) => ({ asset: c.asset, total: c.total }))
  }
}
