/**
 * A venue's current book as the router reads it: scaled integers, best level first.
 * Market-data code keeps books in ticks and lots already, so handing them over costs no
 * conversion; `make` builds one from decimal levels (tests, snapshots) and checks it.
 *
 * A book handed to the router is never changed in place: a new book object (with new
 * arrays) replaces it. The router keeps number forms of a book's levels for as long as it
 * sees the same book object, so an array mutated under it would be routed on stale levels.
 */
import { Decimal } from "@odum/domain"
import * as Either from "effect/Either"
import { InvalidOrderBook } from "./RouterError.js"

/**
 * One side of a book: level `i` is `sizes[i] / 10^sizeScale` (in the listing's order unit:
 * base asset for spot, contracts for derivatives) at `prices[i] / 10^priceScale`. Bids run
 * from the highest price down, asks from the lowest up; prices are strictly monotonic and
 * prices and sizes positive.
 */
export interface BookSide {
  readonly prices: ReadonlyArray<bigint>
  readonly sizes: ReadonlyArray<bigint>
}

/** Both sides of a book and the scales their integers are in. */
export interface OrderBook {
  readonly priceScale: number
  readonly sizeScale: number
  readonly bids: BookSide
  readonly asks: BookSide
}

/** A level given as decimals or decimal strings: `[price, size]`. */
export type LevelInput = readonly [Decimal.Decimal | string, Decimal.Decimal | string]

/** Most fractional digits a book may carry (every venue's precision fits in 18). */
const MAX_BOOK_SCALE = 18

const toDecimal = (v: Decimal.Decimal | string): Decimal.Decimal => (typeof v === "string" ? Decimal.unsafeFromString(v) : v)

/** Checks a scaled book: positive values, strictly monotonic prices, equal lengths, sane scales. */
export const validate = (book: OrderBook): Either.Either<OrderBook, InvalidOrderBook> => {
  const fail = (message: string) => Either.left(new InvalidOrderBook({ message }))
  for (const [name, scale] of [
    ["priceScale", book.priceScale],
    ["sizeScale", book.sizeScale]
  ] as const) {
    if (!Number.isInteger(scale) || scale < 0 || scale > MAX_BOOK_SCALE) {
      return fail(`${name} must be an integer in [0, ${MAX_BOOK_SCALE}], got ${scale}`)
    }
  }
  for (const [name, side, descending] of [
    ["bids", book.bids, true],
    ["asks", book.asks, false]
  ] as const) {
    if (side.prices.length !== side.sizes.length) {
      return fail(`${name}: ${side.prices.length} prices but ${side.sizes.length} sizes`)
    }
    for (let i = 0; i < side.prices.length; i++) {
      const p = side.prices[i]!
      const s = side.sizes[i]!
      if (p <= 0n) return fail(`${name}[${i}]: price must be positive`)
      if (s <= 0n) return fail(`${name}[${i}]: size must be positive`)
      if (i > 0) {
        const prev = side.prices[i - 1]!
        if (descending ? p >= prev : p <= prev) {
          return fail(`${name}[${i}]: prices must be strictly ${descending ? "descending" : "ascending"}`)
        }
      }
    }
  }
  return Either.right(book)
}

/**
 * A book from decimal levels (best first on each side), at the smallest scales that hold
 * every value exactly. Fails with `InvalidOrderBook` on a malformed decimal or a broken rule.
 */
export const make = (levels: {
  readonly bids: ReadonlyArray<LevelInput>
  readonly asks: ReadonlyArray<LevelInput>
}): Either.Either<OrderBook, InvalidOrderBook> => {
  let bids: Array<readonly [Decimal.Decimal, Decimal.Decimal]>
  let asks: Array<readonly [Decimal.Decimal, Decimal.Decimal]>
  try {
    bids = levels.bids.map(([p, s]) => [toDecimal(p), toDecimal(s)] as const)
    asks = levels.asks.map(([p, s]) => [toDecimal(p), toDecimal(s)] as const)
  } catch (cause) {
    return Either.left(new InvalidOrderBook({ message: `malformed level: ${(cause as Error).message}` }))
  }
  let priceScale = 0
  let sizeScale = 0
  for (const [p, s] of [...bids, ...asks]) {
    priceScale = Math.max(priceScale, p.scale)
    sizeScale = Math.max(sizeScale, s.scale)
  }
  if (priceScale > MAX_BOOK_SCALE || sizeScale > MAX_BOOK_SCALE) {
    return Either.left(new InvalidOrderBook({ message: `more than ${MAX_BOOK_SCALE} fractional digits` }))
  }
  const side = (ls: ReadonlyArray<readonly [Decimal.Decimal, Decimal.Decimal]>): BookSide => ({
    prices: ls.map(([p]) => Decimal.toScaled(p, priceScale)),
    sizes: ls.map(([, s]) => Decimal.toScaled(s, sizeScale))
  })
  return validate({ priceScale, sizeScale, bids: side(bids), asks: side(asks) })
}

/** `make` for levels known to be valid (constants, tests, benchmarks); throws `InvalidOrderBook` otherwise. */
export const unsafeMake = (levels: {
  readonly bids: ReadonlyArray<LevelInput>
  readonly asks: ReadonlyArray<LevelInput>
}): OrderBook => Either.getOrThrowWith(make(levels), (e) => e)

/** The best bid, or undefined for an empty side. */
export const bestBid = (book: OrderBook): Decimal.Decimal | undefined => {
  const p = book.bids.prices[0]
  return p === undefined ? undefined : Decimal.fromScaled(p, book.priceScale)
}

/** The best ask, or undefined for an empty side. */
export const bestAsk = (book: OrderBook): Decimal.Decimal | undefined => {
  const p = book.asks.prices[0]
  return p === undefined ? undefined : Decimal.fromScaled(p, book.priceScale)
}
