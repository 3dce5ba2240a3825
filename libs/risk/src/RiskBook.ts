/**
 * The read-only view of the world the risk engine checks against: specs, reference
 * prices, positions, open orders and balances. The engine never imports the OMS or the
 * position tracker; the execution core adapts them to this interface (and
 * `InMemoryRiskBook` is a self-maintained implementation for tests and backtests).
 *
 * Every amount is a bigint at scale 18 (`Scaled.SCALE`), exposures at scale 36, so the
 * view is read without conversion on the hot path. An implementation keeps aggregates
 * (per instrument, per asset, gross exposure) up to date on each event rather than
 * summing on demand: a check reads them in O(1).
 */
import type { InstrumentSpec } from "@odum/domain"
import * as Context from "effect/Context"
import { base18, compileSpec, type CompiledSpec, value36, worstCase as worstCaseImpl } from "./internal/spec.js"

/** Position and open-order quantities of one (strategy, instrument), instrument or asset; scale 18. */
export interface ExposureCell {
  /** Signed net position: positive long, negative short. */
  readonly position: bigint
  /** Remaining quantity of open buy orders, >= 0 (orders count from the moment they are recorded). */
  readonly openBuy: bigint
  /** Remaining quantity of open sell orders, >= 0. */
  readonly openSell: bigint
}

/** A cell with nothing in it. */
export const emptyCell: ExposureCell = Object.freeze({ position: 0n, openBuy: 0n, openSell: 0n })

/** One instrument as the book knows it: spec, reference price, and all strategies' exposure in it. */
export interface InstrumentView extends ExposureCell {
  readonly spec: InstrumentSpec.InstrumentSpec
  /** Reference (mark or mid) price, scale 18, > 0; undefined when no price is known. */
  readonly referencePrice: bigint | undefined
}

/**
 * The view the engine reads. Methods are called on the hot path: keep them O(1) and
 * allocation-free (return live objects; the engine never keeps them past a check).
 */
export interface RiskBook {
  /** The instrument, or undefined if it is unknown (the order is denied UNKNOWN_INSTRUMENT). */
  instrument(canonicalId: string): InstrumentView | undefined
  /** One strategy in one instrument; undefined means empty. */
  strategyInstrument(strategyId: string, canonicalId: string): ExposureCell | undefined
  /**
   * One base asset across every instrument and venue, in base units (see
   * `baseQuantity`: LINEAR `q * contractSize`, INVERSE `q * contractSize / price`,
   * options excluded). Undefined means empty.
   */
  asset(asset: string): ExposureCell | undefined
  /** Sum over instruments of `exposureValue(spec, worstCase(instrument), referencePrice)`, scale 36. */
  grossExposure(): bigint
  /** The same sum over one strategy's cells, scale 36. */
  strategyGrossExposure(strategyId: string): bigint
  /** Free balance of `asset` at `venue` (after the venue's own reservations for open orders), scale 18. */
  available(venue: string, asset: string): bigint | undefined
}

/** The RiskBook the engine's layer reads (the execution core provides its adapter here). */
export const RiskBook = Context.GenericTag<RiskBook>("@odum/risk/RiskBook")

const compiled = new WeakMap<InstrumentSpec.InstrumentSpec, CompiledSpec>()
const compiledOf = (spec: InstrumentSpec.InstrumentSpec): CompiledSpec => {
  let c = compiled.get(spec)
  if (c === undefined) {
    c = compileSpec(spec)
    compiled.set(spec, c)
  }
  return c
}

/** The absolute quantity at risk if every open order on one side fills: `max(|pos + buys|, |pos - sells|)`. */
export const worstCase = (cell: ExposureCell): bigint => worstCaseImpl(cell.position, cell.openBuy, cell.openSell)

/**
 * The quote-terms value (scale 36, rounded up) of `quantity` (scale 18, >= 0) at `price`
 * (scale 18): what the exposure limits sum. Implementations of `grossExposure` must use it.
 */
export const exposureValue = (spec: InstrumentSpec.InstrumentSpec, quantity: bigint, price: bigint): bigint =>
  value36(compiledOf(spec), quantity, price)

/**
 * `quantity` (scale 18, >= 0) in base-asset units (scale 18, rounded up), as `asset`
 * aggregates it; undefined for options and for INVERSE without a price.
 */
export const baseQuantity = (
  spec: InstrumentSpec.InstrumentSpec,
  quantity: bigint,
  price: bigint | undefined
): bigint | undefined => base18(compiledOf(spec), quantity, price)
