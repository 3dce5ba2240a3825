/**
 * One position's mutable state and the arithmetic of a fill (see PositionTracker's module
 * comment for the formulas), held in one of three representations that give identical
 * figures:
 *
 * - NUMBERS: linear positions as scaled integers in JS numbers: the quantity in units of
 *   `10^-qs`, basis and realized PnL in units of `10^-vs` (`vs = qs + contract size decimals
 *   + ps`, at most 18), while every figure is a safe integer and every division is exact.
 *   No allocation per fill.
 * - BIGINTS: the same in bigints, values at `vs = 18` decimals (linear: more if the
 *   quantity, contract size and price decimals add up to more), where every rounding of
 *   the decimal arithmetic (inverse values, released basis: 18 places half-even) is an
 *   integer division rounded the same way. Any size; used when NUMBERS cannot be exact
 *   (inverse contracts, products beyond 2^53, a partial close releasing a fraction of a unit).
 * - DECIMALS: `Decimal` values, the reference arithmetic (a tracker built with
 *   `fastPath: false`, or scales beyond `Decimal.MAX_SCALE`).
 *
 * A position moves from NUMBERS to BIGINTS when a fill cannot be exact in numbers, and back
 * when it is flat. Realized PnL carried from earlier episodes stays in `realizedGross`.
 * Fees are summed per currency in numbers while exact (`feeN` for `feeCurrency`), else in
 * the decimal table.
 */
import { Decimal, type Fill, type Ids } from "@odum/domain"
import { share, value, type Valuation } from "../Valuation.js"

/** What the arithmetic needs of an instrument, resolved once. */
export interface Terms {
  readonly valuation: Valuation
  readonly contractSize: Decimal.Decimal
  /** Contract size 1: sizes are quantities, no multiplication. */
  readonly unitContract: boolean
  /** Positions may hold NUMBERS: linear, safe-integer contract size, default decimals at most 18. */
  readonly numeric: boolean
  /** The contract size as `csUnits / 10^csScale` (NaN in `csUnits` beyond a safe integer). */
  readonly csUnits: number
  readonly csBig: bigint
  readonly csScale: number
  /** Default decimals of quantities and prices: the lot size's and the tick size's. */
  readonly qScale: number
  readonly pScale: number
}

/** The representations (see the module comment). */
export const NUMBERS = 0
export const BIGINTS = 1
export const DECIMALS = 2
export type Mode = typeof NUMBERS | typeof BIGINTS | typeof DECIMALS


/** Decimals of every rounded division (Valuation.SCALE). */
const SCALE = 18

/** 10^n as an exact double for n in [0, 22]; undefined beyond (NaN in arithmetic, which fails every range check). */
const POW10: ReadonlyArray<number> = Array.from({ length: 23 }, (_, i) => 10 ** i)

const POW10N: ReadonlyArray<bigint> = Array.from({ length: 64 }, (_, i) => 10n ** BigInt(i))

const pow10n = (n: number): bigint => POW10N[n] ?? 10n ** BigInt(n)

// Number.MAX_SAFE_INTEGER written out, not a module constant: a bundler turns that into a var,
// which V8 neither folds nor types (a load and a check per use on the hot path).
/** True for an integer-valued number within the safe range (its operands being safe integers, a range check suffices). */
const safe = (n: number): boolean => n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER

/** `units / 10^scale` for a safe integer. */
const numberToDecimal = (units: number, scale: number): Decimal.Decimal =>
  units === 0 ? Decimal.zero : Decimal.fromScaled(BigInt(units), scale)

const bigToDecimal = (units: bigint, scale: number): Decimal.Decimal => (units === 0n ? Decimal.zero : Decimal.fromScaled(units, scale))

/** `n / d` (d > 0) rounded half-even, as Decimal's "half-even" division. */
const divHalfEven = (n: bigint, d: bigint): bigint => {
  const q = n / d
  const r = n - q * d
  if (r === 0n) return q
  const twice = r < 0n ? -2n * r : 2n * r
  if (twice < d || (twice === d && (q & 1n) === 0n)) return q
  return n < 0n ? q - 1n : q + 1n
}

/** The mutable state of one position (see the module comment for which fields hold it in each mode). */
export class PositionState<T extends Terms = Terms> {
  // Every field has an initializer of its kind, set before the constructor's body runs: a field
  // declared without one (a parameter property too) is defined as undefined first (ES2022 class
  // fields), which makes V8 store it as a tagged field. A tagged `updatedAt` held the fill's
  // timestamp, a heap number, by reference: each later fill's (a young one) stored into this
  // long-lived object took the write barrier's slow path (~13 instructions per tick in the
  // backtest count). As a double field its value is written in place, with no barrier.
  // (`npm run count -- backtest`, alternating with the parent: 13,075 / 13,115 -> 12,975 /
  // 13,062 per tick, every run's total 1.4M-2.5M lower.) Read back out of optimised code
  // (`snapshot`) it is boxed anew, which the replay does not do per fill.
  mode: Mode = NUMBERS
  // DECIMALS: quantity and basis. Every mode: realized PnL carried from earlier episodes.
  quantity: Decimal.Decimal = Decimal.zero
  basis: Decimal.Decimal = Decimal.zero
  realizedGross: Decimal.Decimal = Decimal.zero
  /** Decimals of quantity units, price units and value units (basis, realized) in NUMBERS and BIGINTS. */
  qs = 0
  ps = 0
  vs = 0
  /** Epoch ms of the last fill (the latest timestamp applied); a double field (see above). */
  updatedAt = 0.5
  // NUMBERS
  qN = 0
  bN = 0
  rN = 0
  // BIGINTS
  qB = 0n
  bB = 0n
  rB = 0n
  /** Fees by currency, plus `feeN` (units of `10^-feeScale`) not yet added for `feeCurrency`. */
  readonly fees = new Map<string, Decimal.Decimal>()
  feeCurrency: string | undefined = undefined
  feeScale = 0
  feeN = 0
  fillCount = 0

  readonly exact: boolean = false

  constructor(
    readonly strategyId: Ids.StrategyId,
    readonly terms: T,
    updatedAt: number,
    /** Decimal arithmetic only (the reference). */
    exact: boolean
  ) {
    this.updatedAt = updatedAt
    this.exact = exact
    this.qs = terms.qScale
    this.ps = terms.pScale
    this.vs = terms.qScale + terms.csScale + terms.pScale
    this.mode = exact ? DECIMALS : terms.numeric ? NUMBERS : BIGINTS
    if (this.mode === BIGINTS) this.vs = bigScale(terms, this.vs)
  }
}

/** Decimals of BIGINTS values: 18, or more for a linear product with more decimals. */
const bigScale = (terms: Terms, raw: number): number => (terms.valuation === "LINEAR" && raw > SCALE ? raw : SCALE)

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

/** The quantity (contracts, signed). */
export const quantityOf = (s: PositionState): Decimal.Decimal =>
  s.mode === NUMBERS ? numberToDecimal(s.qN, s.qs) : s.mode === BIGINTS ? bigToDecimal(s.qB, s.qs) : s.quantity

/** The cost basis. */
export const basisOf = (s: PositionState): Decimal.Decimal =>
  s.mode === NUMBERS ? numberToDecimal(s.bN, s.vs) : s.mode === BIGINTS ? bigToDecimal(s.bB, s.vs) : s.basis

/** The realized PnL before fees. */
export const realizedOf = (s: PositionState): Decimal.Decimal => {
  if (s.mode === NUMBERS && s.rN !== 0) return Decimal.add(s.realizedGross, numberToDecimal(s.rN, s.vs))
  if (s.mode === BIGINTS && s.rB !== 0n) return Decimal.add(s.realizedGross, bigToDecimal(s.rB, s.vs))
  return s.realizedGross
}

/** The fees paid in `currency`, if any fill paid in it. */
export const feeIn = (s: PositionState, currency: string): Decimal.Decimal | undefined => {
  const folded = s.fees.get(currency)
  return folded !== undefined && currency === s.feeCurrency && s.feeN !== 0
    ? Decimal.add(folded, numberToDecimal(s.feeN, s.feeScale))
    : folded
}

// ---------------------------------------------------------------------------------------
// Applying a fill (already validated)
// ---------------------------------------------------------------------------------------

/** Applies a validated fill's quantity, value and fee. */
export const applyFill = (s: PositionState, fill: Fill.Fill): void => {
  if (s.mode === NUMBERS) {
    // (`!== true`: a bare truth test of a call's answer is V8's generic ToBoolean.)
    if (applyNumbers(s, fill) !== true) {
      toBigints(s)
      applyBigints(s, fill)
      backWhenFlat(s)
    }
  } else if (s.mode === BIGINTS) {
    applyBigints(s, fill)
    backWhenFlat(s)
  } else {
    applyDecimals(s, fill)
  }
  const fee = fill.fee
  if (s.exact === true) {
    const folded = s.fees.get(fill.feeCurrency)
    s.fees.set(fill.feeCurrency, folded === undefined ? fee : Decimal.add(folded, fee))
  } else if (fill.feeCurrency === s.feeCurrency && fee.scale <= s.feeScale) {
    // `addFee`'s common case written here (the pending currency, at most the pending sum's
    // decimals): `addFee` is a call where this function is inlined (into the tracker's
    // `applyRecorded`, at the end of its inlining budget). Anything else, an inexact sum
    // included, goes to `addFee` from the start (nothing changed here).
    const f = fee.unitsN * POW10[s.feeScale - fee.scale]!
    const sum = s.feeN + f
    if (safe(f) && safe(sum)) s.feeN = sum + 0
    else addFee(s, fill.feeCurrency, fee)
  } else {
    addFee(s, fill.feeCurrency, fee)
  }
}

/**
 * A BIGINTS position that became flat goes back to NUMBERS (where it can: `terms.numeric`).
 * Checked only after the bigint arithmetic ran: a fill applied in NUMBERS stays there.
 */
const backWhenFlat = (s: PositionState): void => {
  if (s.mode === BIGINTS && s.qB === 0n && s.terms.numeric) toNumbers(s)
}

/** NUMBERS; false, with nothing changed, when some figure would not be an exact safe integer. */
const applyNumbers = (s: PositionState, fill: Fill.Fill): boolean => {
  const terms = s.terms
  const qd = fill.quantity
  const pd = fill.price
  const held = s.qN
  let qs = s.qs
  let ps = s.ps
  if (qd.scale > qs || pd.scale > ps) {
    // Finer than the position's units: widen them while flat (nothing held to rescale).
    if (held !== 0) return false
    if (qd.scale > qs) qs = qd.scale
    if (pd.scale > ps) ps = pd.scale
  }
  const vs = qs + terms.csScale + ps
  if (!(vs <= SCALE)) return false
  let q = qd.unitsN
  if (qd.scale < qs) q *= POW10[qs - qd.scale]!
  let p = pd.unitsN
  if (pd.scale < ps) p *= POW10[ps - pd.scale]!
  // |value|: with q >= 1, cs >= 1 and p >= 0 it is at least p, so one check covers p too.
  const v = q * terms.csUnits * p
  if (!(q <= Number.MAX_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER)) return false
  const buy = fill.side === "BUY"
  const paid = buy ? v : -v
  let basis = s.bN
  let realized = 0
  if (held === 0 || held > 0 === buy) {
    basis += paid
    if (!safe(basis)) return false
  } else {
    const heldAbs = held < 0 ? -held : held
    if (q <= heldAbs) {
      let released = basis
      if (q < heldAbs) {
        const n = basis * q
        if (!safe(n) || n % heldAbs !== 0) return false
        released = n / heldAbs
      }
      realized = -paid - released
      basis -= released
    } else {
      // At most v (heldAbs < q): exact.
      const c = heldAbs * terms.csUnits * p
      const paidToClose = held > 0 ? -c : c
      realized = -paidToClose - basis
      // paid and paidToClose have the same sign and |paidToClose| < |paid|: the difference is safe.
      basis = paid - paidToClose
    }
    if (!safe(realized)) return false
  }
  const quantity = buy ? held + q : held - q
  if (!safe(quantity)) return false
  if (vs !== s.vs) {
    // Widened while flat: the realized sum moves to the carried decimal first.
    if (s.rN !== 0) s.realizedGross = Decimal.add(s.realizedGross, numberToDecimal(s.rN, s.vs))
    s.rN = 0
    s.qs = qs
    s.ps = ps
    s.vs = vs
  }
  let r = s.rN + realized
  if (!safe(r)) {
    s.realizedGross = Decimal.add(s.realizedGross, numberToDecimal(s.rN, vs))
    r = realized
  }
  // `+ 0` turns a -0 into 0.
  s.rN = r + 0
  s.bN = basis + 0
  s.qN = quantity + 0
  return true
}

/** NUMBERS to BIGINTS, exactly. */
const toBigints = (s: PositionState): void => {
  const vs = bigScale(s.terms, s.vs)
  const k = pow10n(vs - s.vs)
  s.qB = BigInt(s.qN)
  s.bB = BigInt(s.bN) * k
  s.rB = BigInt(s.rN) * k
  s.vs = vs
  s.qN = 0
  s.bN = 0
  s.rN = 0
  s.mode = BIGINTS
}

/** A flat BIGINTS position back to NUMBERS at the instrument's default decimals. */
const toNumbers = (s: PositionState): void => {
  if (s.rB !== 0n) s.realizedGross = Decimal.add(s.realizedGross, bigToDecimal(s.rB, s.vs))
  s.qB = 0n
  s.bB = 0n
  s.rB = 0n
  const terms = s.terms
  s.qs = terms.qScale
  s.ps = terms.pScale
  s.vs = terms.qScale + terms.csScale + terms.pScale
  s.mode = NUMBERS
}

/** BIGINTS to DECIMALS, for good: only for scales beyond what `Decimal.fromScaled` reads back. */
const toDecimals = (s: PositionState): void => {
  s.quantity = bigToDecimal(s.qB, s.qs)
  s.basis = bigToDecimal(s.bB, s.vs)
  if (s.rB !== 0n) s.realizedGross = Decimal.add(s.realizedGross, bigToDecimal(s.rB, s.vs))
  s.qB = 0n
  s.bB = 0n
  s.rB = 0n
  s.mode = DECIMALS
}

/** |value| of `q` contracts (units of 10^-qs) at `p` (units of 10^-ps), in units of 10^-vs. */
const magnitude = (terms: Terms, q: bigint, p: bigint, qs: number, ps: number, vs: number): bigint => {
  const n = terms.unitContract ? q : q * terms.csBig
  if (terms.valuation === "LINEAR") {
    const m = n * p
    const e = vs - qs - terms.csScale - ps
    return e === 0 ? m : m * pow10n(e)
  }
  // Inverse: size / price rounded to vs (= 18) places: n/10^(qs+cs) / (p/10^ps) * 10^vs.
  const e = vs + ps - qs - terms.csScale
  return e >= 0 ? divHalfEven(n * pow10n(e), p) : divHalfEven(n, p * pow10n(-e))
}

/** BIGINTS. */
const applyBigints = (s: PositionState, fill: Fill.Fill): void => {
  const terms = s.terms
  const qd = fill.quantity
  const pd = fill.price
  const linear = terms.valuation === "LINEAR"
  const qs = qd.scale > s.qs ? qd.scale : s.qs
  const ps = pd.scale > s.ps ? pd.scale : s.ps
  const vs = bigScale(terms, qs + terms.csScale + ps)
  if (vs !== s.vs || qs !== s.qs) {
    if (vs > Decimal.MAX_SCALE || qs > Decimal.MAX_SCALE) {
      // Beyond what Decimal.fromScaled reads back: stay in decimals from here on.
      toDecimals(s)
      applyDecimals(s, fill)
      return
    }
    if (qs !== s.qs) s.qB *= pow10n(qs - s.qs)
    if (vs !== s.vs) {
      const k = pow10n(vs - s.vs)
      s.bB *= k
      s.rB *= k
    }
    s.qs = qs
    s.vs = vs
  }
  s.ps = ps
  const q = qd.scale === qs ? qd.units : qd.units * pow10n(qs - qd.scale)
  const p = pd.scale === ps ? pd.units : pd.units * pow10n(ps - pd.scale)
  const v = magnitude(terms, q, p, qs, ps, vs)
  const buy = fill.side === "BUY"
  // value(+size) is +v for linear, -v for inverse.
  const paid = buy === linear ? v : -v
  const held = s.qB
  if (held === 0n || held > 0n === buy) {
    s.bB += paid
  } else {
    const heldAbs = held < 0n ? -held : held
    if (q <= heldAbs) {
      let released = s.bB
      if (q < heldAbs) {
        // basis * q / held rounded to 18 places, as Valuation.share.
        released =
          vs === SCALE ? divHalfEven(s.bB * q, heldAbs) : divHalfEven(s.bB * q, heldAbs * pow10n(vs - SCALE)) * pow10n(vs - SCALE)
      }
      s.rB -= paid + released
      s.bB -= released
    } else {
      const c = magnitude(terms, heldAbs, p, qs, ps, vs)
      // value(-held): -c for a linear long or an inverse short, +c otherwise.
      const paidToClose = held > 0n === linear ? -c : c
      s.rB -= paidToClose + s.bB
      s.bB = paid - paidToClose
    }
  }
  s.qB = buy ? held + q : held - q
}

/** `quantity * contractSize`. */
const sizeOf = (terms: Terms, quantity: Decimal.Decimal): Decimal.Decimal =>
  terms.unitContract ? quantity : Decimal.mul(quantity, terms.contractSize)

/** DECIMALS: the reference arithmetic. */
const applyDecimals = (s: PositionState, fill: Fill.Fill): void => {
  const terms = s.terms
  const valuation = terms.valuation
  const signed = fill.side === "BUY" ? fill.quantity : Decimal.neg(fill.quantity)
  const paid = value(valuation, sizeOf(terms, signed), fill.price)
  const held = s.quantity
  if (held.units === 0n || held.units < 0n === signed.units < 0n) {
    s.basis = Decimal.add(s.basis, paid)
  } else {
    const heldAbs = Decimal.abs(held)
    const c = Decimal.compare(fill.quantity, heldAbs)
    if (c <= 0) {
      const released = c === 0 ? s.basis : share(s.basis, fill.quantity, heldAbs)
      s.realizedGross = Decimal.sub(Decimal.sub(s.realizedGross, paid), released)
      s.basis = Decimal.sub(s.basis, released)
    } else {
      const paidToClose = value(valuation, sizeOf(terms, Decimal.neg(held)), fill.price)
      s.realizedGross = Decimal.sub(Decimal.sub(s.realizedGross, paidToClose), s.basis)
      s.basis = Decimal.sub(paid, paidToClose)
    }
  }
  s.quantity = Decimal.add(held, signed)
}

// ---------------------------------------------------------------------------------------
// Fees
// ---------------------------------------------------------------------------------------

/** Moves the pending fee sum into the table. */
const foldFee = (s: PositionState): void => {
  if (s.feeN !== 0) {
    const currency = s.feeCurrency!
    s.fees.set(currency, Decimal.add(s.fees.get(currency)!, numberToDecimal(s.feeN, s.feeScale)))
    s.feeN = 0
  }
}

/** Adds a fee: to the pending integer sum of its currency while exact, else to the table. */
const addFee = (s: PositionState, currency: string, fee: Decimal.Decimal): void => {
  if (currency !== s.feeCurrency) {
    foldFee(s)
    // Listed at once, so the table keeps the order in which currencies first appeared.
    if (!s.fees.has(currency)) s.fees.set(currency, Decimal.zero)
    s.feeCurrency = currency
    s.feeScale = fee.scale
  }
  let f = fee.unitsN
  const fs = s.feeScale
  if (fee.scale < fs) {
    f *= POW10[fs - fee.scale]!
  } else if (fee.scale > fs) {
    const widened = s.feeN * POW10[fee.scale - fs]!
    if (safe(widened)) s.feeN = widened
    else foldFee(s)
    s.feeScale = fee.scale
  }
  const sum = s.feeN + f
  if (safe(f) && safe(sum)) {
    s.feeN = sum + 0
    return
  }
  foldFee(s)
  s.fees.set(currency, Decimal.add(s.fees.get(currency)!, fee))
}
