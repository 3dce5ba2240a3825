/**
 * The market events the matching engine consumes: trades, top-of-book quotes and
 * order-book level updates, in the units convention of `@odum/marketdata` (prices and
 * sizes are integers: `price / 10^priceScale`, `size / 10^sizeScale`; times are ns since
 * the epoch). Each shape is a structural subset of the marketdata event of the same
 * `kind`, so a marketdata `MarketEvent` is accepted as is when the engine runs at the
 * catalog's scales; the columnar batches map field by field onto `onTrade`, `onQuote` and
 * `onBookLevel`. Defined here because adapters never import the marketdata library.
 */

/** Aggressor code of a taker buy. */
export const BUY = 1
/** Aggressor code of a taker sell. */
export const SELL = -1
/** Aggressor code when the venue does not say. */
export const NO_AGGRESSOR = 0
/** Taker side of a trade: +1 buy, -1 sell, 0 unknown. */
export type Aggressor = 1 | -1 | 0

/** Book side code of a bid level. */
export const BID = 1
/** Book side code of an ask level. */
export const ASK = -1
/** BID (1) or ASK (-1). */
export type BookSide = 1 | -1

/** Book row flag: the row belongs to a full snapshot. */
export const F_SNAPSHOT = 1
/** Book row flag: clear both sides before applying this row (first row of a snapshot). */
export const F_CLEAR = 2
/** Book row flag: last row of one venue message; the book is consistent after it (resting orders are checked then). */
export const F_LAST = 4

/** One trade of the market. */
export interface Trade {
  readonly kind: "trades"
  /** Exchange time, ns since the epoch. */
  readonly ts: bigint
  readonly price: number
  readonly size: number
  readonly aggressor: Aggressor
}

/** Best bid and ask; a side with size 0 is empty. */
export interface Quote {
  readonly kind: "quotes"
  readonly ts: bigint
  readonly bidPrice: number
  readonly bidSize: number
  readonly askPrice: number
  readonly askSize: number
}

/** One level update; size 0 deletes the level. */
export interface BookUpdate {
  readonly kind: "book"
  readonly ts: bigint
  /** F_SNAPSHOT | F_CLEAR | F_LAST bits. */
  readonly flags: number
  readonly side: BookSide
  readonly price: number
  readonly size: number
}

/** Any market event. */
export type MarketEvent = Trade | Quote | BookUpdate
