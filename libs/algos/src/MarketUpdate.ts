/**
 * The market events an algorithm reads, in the instrument's integer units. The host
 * converts from its feed (the marketdata catalog's integer units, a venue websocket):
 * times in epoch milliseconds, prices in ticks, sizes in volume units of
 * `Options.volumeStep` (the lot size unless told otherwise).
 */

/** A trade printed on the venue. VWAP's participation cap counts its size. */
export interface Trade {
  readonly kind: "trade"
  /** Exchange time, epoch milliseconds. */
  readonly ts: number
  /** Trade price in ticks; a participation cap with a limit price counts only trades its limit could have taken part in. */
  readonly priceTicks: number
  /** Traded size in volume units, a non-negative safe integer. */
  readonly size: number
}

/** Best bid and offer. No algorithm here reacts to quotes yet; they are accepted so a host can forward its whole feed. */
export interface Quote {
  readonly kind: "quote"
  readonly ts: number
  readonly bidTicks: number
  readonly bidSize: number
  readonly askTicks: number
  readonly askSize: number
}

/** One market event. */
export type MarketUpdate = Trade | Quote

/** A trade event. */
export const trade = (ts: number, priceTicks: number, size: number): Trade => ({ kind: "trade", ts, priceTicks, size })

/** A quote event. */
export const quote = (ts: number, bidTicks: number, bidSize: number, askTicks: number, askSize: number): Quote => ({
  kind: "quote",
  ts,
  bidTicks,
  bidSize,
  askTicks,
  askSize
})
