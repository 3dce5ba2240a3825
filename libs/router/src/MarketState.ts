/**
 * The router's port onto the live world: each listing's current book and each venue's
 * circuit state. The circuit breaker itself lives in the adapter kit; the router only asks
 * whether it is open. Read synchronously on every decision, so implementations hand out
 * what they already hold (no I/O, no allocation).
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { OrderBook } from "./OrderBook.js"

/** What the router reads of the market for one decision. */
export interface MarketState {
  /**
   * The current book of a listing (by its canonical id), or undefined when none is known. A
   * book returned here is never changed afterwards (a change is a new book object).
   */
  book(canonicalId: string): OrderBook | undefined
  /** True while the venue's circuit breaker is open: the venue is skipped. */
  isOpen(venue: string): boolean
}

/** The market state as an Effect service, provided by market data and the adapter kit. */
export class Market extends Context.Tag("@odum/router/Market")<Market, MarketState>() {}

/** A market state held in memory and set by hand: backtests, paper trading and tests. */
export interface InMemoryMarket extends MarketState {
  /** Replaces a listing's book (undefined forgets it). */
  setBook(canonicalId: string, book: OrderBook | undefined): void
  /** Opens or closes a venue's circuit. */
  setOpen(venue: string, open: boolean): void
}

/** An empty in-memory market: no books, every circuit closed. */
export const inMemory = (): InMemoryMarket => {
  const books = new Map<string, OrderBook>()
  const open = new Set<string>()
  return {
    book: (canonicalId) => books.get(canonicalId),
    isOpen: (venue) => open.has(venue),
    setBook: (canonicalId, book) => {
      if (book === undefined) books.delete(canonicalId)
      else books.set(canonicalId, book)
    },
    setOpen: (venue, isOpen) => {
      if (isOpen) open.add(venue)
      else open.delete(venue)
    }
  }
}

/** A layer providing `market` as the `Market` service. */
export const layer = (market: MarketState): Layer.Layer<Market> => Layer.succeed(Market, market)
