/**
 * The integer grid an algorithm works on: quantities in lots, prices in ticks, market
 * volume in volume units. Conversions are exact both ways; a value off the grid is
 * refused, never rounded.
 */
import { Decimal } from "@odum/domain"
import { InvalidAlgoEvent } from "./AlgoError.js"

/** The steps of one instrument, as exact decimals. */
export interface Grid {
  /** Quantity step (InstrumentSpec.lotSize). */
  readonly lotSize: Decimal.Decimal
  /** Price step (InstrumentSpec.tickSize). */
  readonly tickSize: Decimal.Decimal
  /** Step of market trade sizes in `MarketUpdate.Trade.size` (the lot size unless the host says otherwise). */
  readonly volumeStep: Decimal.Decimal
}

const toSafe = (units: bigint, what: string, d: Decimal.Decimal): number => {
  if (units > BigInt(Number.MAX_SAFE_INTEGER) || units < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidAlgoEvent({ reason: "InvalidQuantity", message: `${what} ${Decimal.format(d)} is too large for the algorithm's integer grid` })
  }
  return Number(units)
}

/** `value` in whole `step`s, named `what` and `stepName` in the OffGrid error. */
const stepsOf = (value: Decimal.Decimal, step: Decimal.Decimal, what: string, stepName: string): number => {
  if (!Decimal.isMultipleOf(value, step)) {
    throw new InvalidAlgoEvent({
      reason: "OffGrid",
      message: `${what} ${Decimal.format(value)} is not a multiple of the ${stepName} ${Decimal.format(step)}`
    })
  }
  return toSafe(Decimal.toUnits(value, step), what, value)
}

/** A quantity in lots; throws InvalidAlgoEvent (OffGrid) if it is not a whole number of lots. */
export const lotsOf = (grid: Grid, quantity: Decimal.Decimal): number => stepsOf(quantity, grid.lotSize, "quantity", "lot size")

/** A price in ticks; throws InvalidAlgoEvent (OffGrid) if it is not a whole number of ticks. */
export const ticksOf = (grid: Grid, price: Decimal.Decimal): number => stepsOf(price, grid.tickSize, "price", "tick size")

/** A market size in volume units; throws InvalidAlgoEvent (OffGrid) if it is not a whole number of them. */
export const volumeOf = (grid: Grid, size: Decimal.Decimal): number => stepsOf(size, grid.volumeStep, "size", "volume step")

/** `lots` lots as an exact quantity. */
export const quantityOf = (grid: Grid, lots: number): Decimal.Decimal => Decimal.fromUnits(BigInt(lots), grid.lotSize)

/** `ticks` ticks as an exact price. */
export const priceOf = (grid: Grid, ticks: number): Decimal.Decimal => Decimal.fromUnits(BigInt(ticks), grid.tickSize)
