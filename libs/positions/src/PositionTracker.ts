/**
 * The position tracker: a plain synchronous, mutable core that folds fills into
 * positions keyed by (venue, canonical id, strategy), and keeps the latest mark of each
 * instrument. No Effect, promise or closure per fill; bad input comes back as a
 * `PositionError` value (never thrown) and leaves the tracker unchanged.
 *
 * Arithmetic (average-cost method), per position, with `value` as in the README:
 * - a fill of signed size `s` at `p` pays `v = value(s, p)`;
 * - opening or adding: `basis += v`;
 * - reducing by `|s| <= |Q|`: the closed share of the basis `r = basis * |s| / |Q|`
 *   (exactly `basis` on a full close) is released: `realized += -v - r`, `basis -= r`;
 * - flipping (`|s| > |Q|`): close `-Q` at `p` (`vc = value(-Q, p)`, `realized += -vc - basis`),
 *   then open the rest at `p` with `basis = v - vc`, so the fill's value is counted once.
 * Since every release `r` is subtracted from the basis exactly as it is added to the
 * realized PnL, `realized + unrealized` is always `sum(-v) + value(Q, mark) - fees`:
 * rounding only moves PnL between realized and unrealized, never creates or loses it.
 *
 * The arithmetic runs in scaled integers (JS numbers while exact, else bigints) that give
 * exactly the figures of the decimal formulas above; see `internal/PositionState.ts`.
 */
import { Decimal, Fill, type Ids, type InstrumentSpec } from "@odum/domain"
import * as Either from "effect/Either"
import * as Exposure from "./Exposure.js"
import * as PositionError from "./PositionError.js"
import * as Reconciliation from "./Reconciliation.js"
import { instrumentKey, type StrategyPosition } from "./StrategyPosition.js"
import * as PositionState from "./internal/PositionState.js"
import { priceOf, value } from "./Valuation.js"

/** What the tracker is built with. */
export interface Options {
  /** The instruments fills and marks may name; more can be added with `addInstrument`. */
  readonly instruments?: Iterable<InstrumentSpec.InstrumentSpec>
  /**
   * Refuse a fill whose (venue, trade id) was applied before (default true). Set it to
   * false when the caller de-duplicates already, as the execution core does (it applies
   * only fills the OMS recorded for the first time): the tracker then keeps no record per
   * fill, so its memory does not grow with the number of fills, and `hasFill` answers false.
   */
  readonly deduplicate?: boolean
  /**
   * Compute fills in scaled integers (default true): JS numbers while every figure is an
   * exact safe integer, else bigints. false computes every fill with `Decimal`, the
   * reference; the figures are identical either way (the tests compare the two).
   */
  readonly fastPath?: boolean
}

/** An instrument as the tracker values it, resolved once when registered. */
interface Instrument extends PositionState.Terms {
  readonly spec: InstrumentSpec.InstrumentSpec
  readonly pnlAsset: string
  readonly sizeAsset: string
  readonly instrumentKey: string
  /** This instrument's positions by strategy: found without building a composite key per fill. */
  readonly byStrategy: Map<string, State>
  /** Fills applied at the instrument's venue by trade id, shared by every instrument of that venue (see `Seen`). */
  readonly seen: Map<string, Seen | Fill.Fill>
  /** The strategy of the instrument's first position: its fills are kept in `seen` bare, without a `Seen`. */
  firstStrategy: Ids.StrategyId | undefined
  /** The position last found in `byStrategy`, and its strategy (positions are never removed). */
  lastStrategy: string | undefined
  lastState: State | undefined
}

/** The mutable state of one position; only the tracker touches it. */
type State = PositionState.PositionState<Instrument>

interface Mark {
  readonly price: Decimal.Decimal
  readonly at: number
}

/**
 * An applied fill with its strategy, for `sameFill` to compare a replay with. A fill of its
 * instrument's first strategy is kept bare instead (the strategy is implied): one object
 * per fill retained for the tracker's life was a large part of the cost of de-duplication.
 */
class Seen {
  constructor(
    readonly fill: Fill.Fill,
    readonly strategyId: Ids.StrategyId
  ) {}
}

/**
 * How an instrument is valued. Options are valued on their premium, which venues quote
 * in the settlement asset (Deribit BTC options in BTC, IB options in USD), so they are
 * LINEAR in that asset whatever their contract type. QUANTO is LINEAR in its settlement asset.
 */
const resolve = (spec: InstrumentSpec.InstrumentSpec, seen: Map<string, Seen | Fill.Fill>): Instrument => {
  const option = spec.kind === "OPTION"
  const inverse = !option && spec.contractType === "INVERSE"
  const cs = spec.contractSize
  const csUnits = Number(cs.units)
  const qScale = Decimal.isDecimal(spec.lotSize) ? spec.lotSize.scale : 0
  const pScale = Decimal.isDecimal(spec.tickSize) ? spec.tickSize.scale : 0
  return {
    spec,
    valuation: inverse ? "INVERSE" : "LINEAR",
    pnlAsset: option ? spec.settlementAsset : inverse ? spec.baseAsset : spec.contractType === "QUANTO" ? spec.settlementAsset : spec.quoteAsset,
    sizeAsset: inverse ? spec.quoteAsset : spec.baseAsset,
    instrumentKey: instrumentKey(spec.canonicalId),
    contractSize: cs,
    unitContract: Decimal.equals(cs, Decimal.one),
    numeric: !inverse && Number.isSafeInteger(csUnits) && qScale + cs.scale + pScale <= 18,
    csUnits,
    csBig: cs.units,
    csScale: cs.scale,
    qScale,
    pScale,
    byStrategy: new Map(),
    seen,
    firstStrategy: undefined,
    lastStrategy: undefined,
    lastState: undefined
  }
}

/** `quantity * contractSize`. */
const sizeOf = (instrument: Instrument, quantity: Decimal.Decimal): Decimal.Decimal =>
  instrument.unitContract ? quantity : Decimal.mul(quantity, instrument.contractSize)

const sameSpec = (a: InstrumentSpec.InstrumentSpec, b: InstrumentSpec.InstrumentSpec): boolean =>
  a.canonicalId === b.canonicalId &&
  a.venue === b.venue &&
  a.baseAsset === b.baseAsset &&
  a.quoteAsset === b.quoteAsset &&
  a.settlementAsset === b.settlementAsset &&
  a.kind === b.kind &&
  a.contractType === b.contractType &&
  Decimal.equals(a.contractSize, b.contractSize)

const sameFill = (first: Fill.Fill, firstStrategy: Ids.StrategyId | undefined, fill: Fill.Fill, strategyId: Ids.StrategyId): boolean =>
  firstStrategy === strategyId &&
  first.canonicalId === fill.canonicalId &&
  first.side === fill.side &&
  Decimal.equals(first.quantity, fill.quantity) &&
  Decimal.equals(first.price, fill.price) &&
  Decimal.equals(first.fee, fill.fee) &&
  first.feeCurrency === fill.feeCurrency

const invalid = (fill: Fill.Fill, what: string): PositionError.PositionError =>
  PositionError.make(
    "InvalidFill",
    `Fill ${String(fill.venue)}/${String(fill.tradeId)} on ${String(fill.canonicalId)}: ${what}`,
    typeof fill.canonicalId === "string" ? fill.canonicalId : undefined
  )

/** Checks what the fill's type promises but an unchecked caller may not deliver. */
const validate = (fill: Fill.Fill, strategyId: Ids.StrategyId, instrument: Instrument): PositionError.PositionError | undefined => {
  const q = fill.quantity
  const p = fill.price
  if (!Decimal.isDecimal(q)) return invalid(fill, "quantity is not a Decimal")
  // Signs from the number form of the units when it is exact (NaN otherwise): cheaper than a bigint comparison.
  if (!(q.unitsN > 0 || (q.unitsN !== q.unitsN && q.units > 0n))) return invalid(fill, `quantity ${Decimal.format(q)} is not positive`)
  if (!Decimal.isDecimal(p)) return invalid(fill, "price is not a Decimal")
  const badPrice = priceProblem(fill, instrument)
  if (badPrice !== undefined) return badPrice
  if (!Decimal.isDecimal(fill.fee)) return invalid(fill, "fee is not a Decimal")
  if (typeof fill.feeCurrency !== "string" || fill.feeCurrency.length === 0) return invalid(fill, "fee currency is empty")
  if (fill.side !== "BUY" && fill.side !== "SELL") return invalid(fill, `side ${JSON.stringify(fill.side)} is not BUY or SELL`)
  if (typeof fill.tradeId !== "string" || fill.tradeId.length === 0) return invalid(fill, "trade id is empty")
  if (!Number.isSafeInteger(fill.timestamp) || fill.timestamp < 0) return invalid(fill, `timestamp ${fill.timestamp} is not epoch ms`)
  if (typeof strategyId !== "string" || strategyId.length === 0) return invalid(fill, "strategy id is empty")
  return venueProblem(fill, instrument)
}

/**
 * The price's sign, and zero on an inverse contract (a decimal price). A positive price (as
 * its exact number form) is answered here, anything else by `priceRefusal`: the messages'
 * bytecode counts against the inlining budget of `applyRecorded`, which inlines this.
 */
const priceProblem = (fill: Fill.Fill, instrument: Instrument): PositionError.PositionError | undefined =>
  fill.price.unitsN > 0 ? undefined : priceRefusal(fill, instrument)

const priceRefusal = (fill: Fill.Fill, instrument: Instrument): PositionError.PositionError | undefined => {
  const p = fill.price
  if (p.unitsN < 0 || (p.unitsN !== p.unitsN && p.units < 0n)) return invalid(fill, `price ${Decimal.format(p)} is negative`)
  if (instrument.valuation === "INVERSE" && p.unitsN === 0) return invalid(fill, "price 0 on an inverse contract")
  return undefined
}

/** A fill on another venue than the instrument's (the message apart, as `priceProblem`'s). */
const venueProblem = (fill: Fill.Fill, instrument: Instrument): PositionError.PositionError | undefined =>
  fill.venue !== instrument.spec.venue ? venueRefusal(fill, instrument) : undefined

const venueRefusal = (fill: Fill.Fill, instrument: Instrument): PositionError.PositionError =>
  invalid(fill, `venue ${fill.venue} is not the instrument's venue ${instrument.spec.venue}`)

/**
 * The checks of `validate` that an OMS-recorded fill has not passed already (see
 * `applyRecorded`): the price's sign (and zero on an inverse contract) and the venue.
 * Same messages, in the same order as `validate` reports them.
 */
const validateRecorded = (fill: Fill.Fill, instrument: Instrument): PositionError.PositionError | undefined =>
  priceProblem(fill, instrument) ?? venueProblem(fill, instrument)

const unknownInstrument = (fill: Fill.Fill): PositionError.PositionError =>
  PositionError.make(
    "UnknownInstrument",
    `Fill ${String(fill.venue)}/${String(fill.tradeId)}: unknown instrument ${JSON.stringify(fill.canonicalId)}`,
    typeof fill.canonicalId === "string" ? fill.canonicalId : undefined
  )

/** Folds fills into positions; see the module comment for the arithmetic. */
export class PositionTracker {
  private readonly instruments = new Map<string, Instrument>()
  /** Every position, in the order it got its first fill. */
  private readonly states: Array<State> = []
  private readonly marks = new Map<string, Mark>()
  /**
   * Applied fills: venue, then trade id. Keyed in two levels so a fill needs no
   * `venue|tradeId` string (building and hashing a new string per fill was most of the cost
   * of `apply`); each instrument holds its venue's map.
   */
  private readonly seen = new Map<string, Map<string, Seen | Fill.Fill>>()
  private readonly deduplicate: boolean
  private readonly fastPath: boolean
  /** The instrument last found by `apply` (instruments are never removed or replaced): a fill mostly names the last one. */
  private lastId: string | undefined = undefined
  private lastInst: Instrument | undefined = undefined

  constructor(options: Options = {}) {
    this.deduplicate = options.deduplicate ?? true
    this.fastPath = options.fastPath ?? true
    for (const spec of options.instruments ?? []) {
      const error = this.addInstrument(spec)
      if (error !== undefined) throw error
    }
  }

  /**
   * Registers an instrument. Registering the same terms again is a no-op; different terms
   * for a known id are refused, since they would silently revalue open positions.
   */
  addInstrument(spec: InstrumentSpec.InstrumentSpec): PositionError.PositionError | undefined {
    const known = this.instruments.get(spec.canonicalId)
    if (known !== undefined) {
      return sameSpec(known.spec, spec)
        ? undefined
        : PositionError.make("InvalidInstrument", `${spec.canonicalId} is already registered with different terms`, spec.canonicalId)
    }
    if (!Decimal.isDecimal(spec.contractSize) || !Decimal.isPositive(spec.contractSize)) {
      return PositionError.make("InvalidInstrument", `${spec.canonicalId}: contract size must be a positive Decimal`, spec.canonicalId)
    }
    let seen = this.seen.get(spec.venue)
    if (seen === undefined) {
      seen = new Map()
      this.seen.set(spec.venue, seen)
    }
    this.instruments.set(spec.canonicalId, resolve(spec, seen))
    return undefined
  }

  /** The registered spec of an instrument, if any. */
  instrument(canonicalId: string): InstrumentSpec.InstrumentSpec | undefined {
    return this.instruments.get(canonicalId)?.spec
  }

  /**
   * Applies one fill to the position of `strategyId`. Returns undefined on success (so the
   * hot path allocates nothing for the answer) or the reason it was refused, in which
   * case nothing changed: an unknown instrument, a malformed fill, or a (venue, tradeId)
   * already applied (the error says whether the replay is identical or conflicting; not
   * checked by a tracker built with `deduplicate: false`).
   */
  apply(fill: Fill.Fill, strategyId: Ids.StrategyId): PositionError.PositionError | undefined {
    const instrument = this.instrumentOf(fill)
    if (instrument === undefined) return unknownInstrument(fill)
    const bad = validate(fill, strategyId, instrument)
    if (bad !== undefined) return bad
    return this.applyValid(fill, strategyId, instrument)
  }

  /**
   * `apply` for a fill an OMS recorded (`@odum/oms`: the `Fill` its `recordFill` or
   * `tryRecordFill` built from a checked report, with the order's strategy): the answer and
   * the effect are those of `apply`, but the checks the OMS made already are not repeated
   * (decimals, a positive quantity, non-empty trade id and fee currency, an epoch-ms
   * timestamp, a side and a strategy from a checked order). The price's sign, a zero price
   * on an inverse contract and the venue are still checked. For any other fill use `apply`:
   * this one trusts those fields.
   */
  applyRecorded(fill: Fill.Fill, strategyId: Ids.StrategyId): PositionError.PositionError | undefined {
    const instrument = this.instrumentOf(fill)
    if (instrument === undefined) return unknownInstrument(fill)
    const bad = validateRecorded(fill, instrument)
    if (bad !== undefined) return bad
    return this.applyValid(fill, strategyId, instrument)
  }

  /** The fill's instrument (the last one found, mostly), or undefined. */
  private instrumentOf(fill: Fill.Fill): Instrument | undefined {
    const id = fill.canonicalId
    const instrument = id === this.lastId ? this.lastInst : this.instruments.get(id)
    if (instrument !== undefined && this.lastInst !== instrument) {
      this.lastId = id
      this.lastInst = instrument
    }
    return instrument
  }

  /** Applies a checked fill (de-duplication aside): the rest of `apply`. */
  private applyValid(fill: Fill.Fill, strategyId: Ids.StrategyId, instrument: Instrument): PositionError.PositionError | undefined {
    // The venue is the instrument's (validated), so the instrument's map is the venue's.
    const seen = instrument.seen
    // (`=== true`: a bare truth test of a boolean field is V8's generic ToBoolean, ~9 instructions more.)
    const previous = this.deduplicate === true ? seen.get(fill.tradeId) : undefined
    if (previous !== undefined) return this.duplicate(previous, fill, strategyId)

    let state = strategyId === instrument.lastStrategy ? instrument.lastState : instrument.byStrategy.get(strategyId)
    if (state === undefined) {
      state = new PositionState.PositionState(strategyId, instrument, fill.timestamp, !this.fastPath)
      instrument.byStrategy.set(strategyId, state)
      this.states.push(state)
      if (instrument.firstStrategy === undefined) instrument.firstStrategy = strategyId
    }
    if (instrument.lastState !== state) {
      instrument.lastStrategy = strategyId
      instrument.lastState = state
    }
    PositionState.applyFill(state, fill)
    state.fillCount++
    if (fill.timestamp > state.updatedAt) state.updatedAt = fill.timestamp
    if (this.deduplicate === true) seen.set(fill.tradeId, strategyId === instrument.firstStrategy ? fill : new Seen(fill, strategyId))
    return undefined
  }

  /**
   * The refusal of a fill applied before, apart from `applyValid`: its bytecode there kept
   * `PositionState.applyFill` from being inlined into `applyRecorded` (TurboFan's budget of
   * inlined bytecode per function), a call per fill.
   */
  private duplicate(previous: Seen | Fill.Fill, fill: Fill.Fill, strategyId: Ids.StrategyId): PositionError.PositionError {
    const first = previous instanceof Seen ? previous.fill : previous
    const firstStrategy = previous instanceof Seen ? previous.strategyId : this.instruments.get(previous.canonicalId)?.firstStrategy
    const how = sameFill(first, firstStrategy, fill, strategyId)
      ? "an identical replay, ignored"
      : "with different content from the first (left as first applied; reconcile with the venue)"
    return PositionError.make("DuplicateFill", `Fill ${Fill.key(fill)} was already applied; this one is ${how}`, fill.canonicalId)
  }

  /** Applies fills in order; returns the refused ones with their errors (the rest are applied). */
  applyAll(
    fills: Iterable<{ readonly fill: Fill.Fill; readonly strategyId: Ids.StrategyId }>
  ): Array<{ readonly fill: Fill.Fill; readonly error: PositionError.PositionError }> {
    const refused: Array<{ readonly fill: Fill.Fill; readonly error: PositionError.PositionError }> = []
    for (const { fill, strategyId } of fills) {
      const error = this.apply(fill, strategyId)
      if (error !== undefined) refused.push({ fill, error })
    }
    return refused
  }

  /** True if a fill with this (venue, tradeId) was applied (always false without `deduplicate`). */
  hasFill(venue: Ids.Venue, tradeId: Ids.TradeId): boolean {
    return this.seen.get(venue)?.has(tradeId) === true
  }

  /**
   * Sets the mark price of an instrument (every venue position and strategy in it).
   * Refused if the instrument is unknown, the price is not a Decimal or is negative, or
   * zero for an inverse contract.
   */
  mark(canonicalId: string, price: Decimal.Decimal, at: number): PositionError.PositionError | undefined {
    const instrument = this.instruments.get(canonicalId)
    if (instrument === undefined) {
      return PositionError.make("UnknownInstrument", `Mark for unknown instrument ${JSON.stringify(canonicalId)}`, canonicalId)
    }
    if (!Decimal.isDecimal(price)) return PositionError.make("InvalidMark", `Mark for ${canonicalId} is not a Decimal`, canonicalId)
    if (Decimal.isNegative(price) || (instrument.valuation === "INVERSE" && Decimal.isZero(price))) {
      return PositionError.make("InvalidMark", `Mark ${Decimal.format(price)} for ${canonicalId} is not a valid price`, canonicalId)
    }
    if (!Number.isSafeInteger(at) || at < 0) {
      return PositionError.make("InvalidMark", `Mark time ${at} for ${canonicalId} is not epoch ms`, canonicalId)
    }
    this.marks.set(canonicalId, { price, at })
    return undefined
  }

  /** The last mark of an instrument, if any. */
  markOf(canonicalId: string): Decimal.Decimal | undefined {
    return this.marks.get(canonicalId)?.price
  }

  /** The position of one strategy in one instrument, if it ever had a fill. */
  position(canonicalId: string, strategyId: Ids.StrategyId): StrategyPosition | undefined {
    const state = this.instruments.get(canonicalId)?.byStrategy.get(strategyId)
    return state === undefined ? undefined : this.snapshot(state)
  }

  /** Every position that ever had a fill (flat ones included), sorted by venue, canonical id, strategy. */
  positions(): Array<StrategyPosition> {
    const out: Array<StrategyPosition> = []
    for (const state of this.states) out.push(this.snapshot(state))
    return out.sort(byKey)
  }

  /** The exposure of every position; see `Exposure.compute`. */
  exposure(options: Exposure.Options): Either.Either<Exposure.Exposure, PositionError.PositionError> {
    return Exposure.compute(this.positions(), options)
  }

  /** Compares our positions with a venue's report; see `Reconciliation.reconcile`. Changes nothing. */
  reconcile(
    reported: ReadonlyArray<Reconciliation.ReportedPosition>,
    options?: Reconciliation.Options
  ): Either.Either<Array<Reconciliation.Difference>, PositionError.PositionError> {
    return Reconciliation.reconcile(this.positions(), reported, options)
  }

  private snapshot(state: State): StrategyPosition {
    const instrument = state.terms
    const { spec, valuation, pnlAsset } = instrument
    const mark = this.marks.get(spec.canonicalId)
    const quantity = PositionState.quantityOf(state)
    const basis = PositionState.basisOf(state)
    const realizedGross = PositionState.realizedOf(state)
    const size = sizeOf(instrument, quantity)
    const marketValue = size.units === 0n ? Decimal.zero : mark === undefined ? undefined : value(valuation, size, mark.price)
    const fees: Record<string, Decimal.Decimal> = {}
    for (const currency of state.fees.keys()) fees[currency] = PositionState.feeIn(state, currency)!
    const settledFees = PositionState.feeIn(state, pnlAsset)
    return {
      venue: spec.venue,
      canonicalId: spec.canonicalId,
      strategyId: state.strategyId,
      instrumentKey: instrument.instrumentKey,
      kind: spec.kind,
      contractType: spec.contractType,
      valuation,
      baseAsset: spec.baseAsset,
      quoteAsset: spec.quoteAsset,
      pnlAsset,
      sizeAsset: instrument.sizeAsset,
      quantity,
      size,
      costBasis: basis,
      averageEntryPrice: priceOf(valuation, size, basis),
      markPrice: mark?.price,
      marketValue,
      unrealizedPnl: marketValue === undefined ? undefined : Decimal.sub(marketValue, basis),
      realizedPnl: settledFees === undefined ? realizedGross : Decimal.sub(realizedGross, settledFees),
      fees,
      fillCount: state.fillCount,
      updatedAt: mark !== undefined && mark.at > state.updatedAt ? mark.at : state.updatedAt
    }
  }
}

const byKey = (a: StrategyPosition, b: StrategyPosition): number =>
  a.venue < b.venue ? -1 : a.venue > b.venue ? 1 : a.canonicalId < b.canonicalId ? -1 : a.canonicalId > b.canonicalId ? 1 : a.strategyId < b.strategyId ? -1 : a.strategyId > b.strategyId ? 1 : 0

/** A tracker over the given instruments; throws the PositionError if two specs for one id disagree (use `makeEither` for untrusted lists). */
export const make = (options: Options = {}): PositionTracker => new PositionTracker(options)

/** A tracker over the given instruments, or the error naming the first conflicting spec. */
export const makeEither = (options: Options = {}): Either.Either<PositionTracker, PositionError.PositionError> => {
  const tracker = new PositionTracker({
    ...(options.deduplicate === undefined ? {} : { deduplicate: options.deduplicate }),
    ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath })
  })
  for (const spec of options.instruments ?? []) {
    const error = tracker.addInstrument(spec)
    if (error !== undefined) return Either.left(error)
  }
  return Either.right(tracker)
}
