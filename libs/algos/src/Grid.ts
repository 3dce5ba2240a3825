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

/** A quantity in lots; throws InvalidAlgoEvent (OffGrid) if it is not a whole number of lots. */
export const lotsOf = (grid: Grid, quantity: Decimal.Decimal): number => {
  if (!Decimal.isMultipleOf(quantity, grid.lotSize)) {
    throw new InvalidAlgoEvent({
      reason: "OffGrid",
      message: `quantity ${Decimal.format(quantity)} is not a multiple of the lot size ${Decimal.format(grid.lotSize)}`
    })
  }
  return toSafe(Decimal.toUnits(quantity, grid.lotSize), "quantity", quantity)
}

/** A price in ticks; throws InvalidAlgoEvent (OffGrid) if it is not a whole number of ticks. */
export const ticksOf = (grid: Grid, price: Decimal.Decimal): number => {
  if (!Decimal.isMultipleOf(price, grid.tickSize)) {
    throw new InvalidAlgoEvent({
      reason: "OffGrid",
      message: `price ${Decimal.format(price)} is not a multiple of the tick size ${Decimal.format(grid.tickSize)}`
    })
  }
  return toSafe(Decimal.toUnits(price, grid.tickSize), "price", price)
}

/** A market size in volume units; throws InvalidAlgoEvent (OffGrid) if it is not a whole number of them. */
export const volumeOf = (grid: Grid, size: Decimal.Decimal): number => {
  if (!Decimal.isMultipleOf(size, grid.volumeStep)) {
    throw new InvalidAlgoEvent({
      reason: "OffGrid",
      message: `size ${Decimal.format(size)} is not a multiple of the volume step ${Decimal.format(grid.volumeStep)}`
    })
  }
  return toSafe(Decimal.toUnits(size, grid.volumeStep), "size", size)
}

/** `lots` lots as an exact quantity. */
export const quantityOf = (grid: Grid, lots: number): Decimal.Decimal => Decimal.fromUnits(BigInt(lots), grid.lotSize)

/** `ticks` ticks as an exact price. */
export const priceOf = (grid: Grid, ticks: number): Decimal.Decimal => Decimal.fromUnits(BigInt(ticks), grid.tickSize)
