/**
 * What a venue tells us about our orders, as it happens: accepted, rejected, filled,
 * cancelled (or the cancel refused), expired. Every adapter reports through these, and
 * each maps 1:1 onto a domain `OrderEvent` (`toOrderEvent`), which the OMS feeds to the
 * order state machine. Plain objects built as literals on the hot path; times are
 * nanoseconds since the epoch (`ts`, bigint) so the simulated venue and venues with
 * micro-second stamps lose nothing (`toEpochMillis` for the domain's millisecond fields).
 */
import type { Decimal, Fill, Ids, OrderEvent, Side } from "@odum/domain"
import type { RejectionReason } from "./VenueError.js"

/** The venue took the order and named it. */
export interface Accepted {
  readonly _tag: "Accepted"
  readonly venue: Ids.Venue
  readonly canonicalId: string
  readonly clientOrderId: Ids.ClientOrderId
  readonly venueOrderId: Ids.VenueOrderId
  /** Venue time, ns since the epoch. */
  readonly ts: bigint
}

/** The venue definitely refused the order (a transport failure is never a Rejected). */
export interface Rejected {
  readonly _tag: "Rejected"
  readonly venue: Ids.Venue
  readonly canonicalId: string
  readonly clientOrderId: Ids.ClientOrderId
  readonly reason: RejectionReason
  /** What exactly was wrong, for people: e.g. "price 100.05 is not a multiple of the tick 0.1". */
  readonly message: string
  readonly ts: bigint
}

/** One execution of the order. `(venue, tradeId)` identifies it, so a replayed report de-duplicates. */
export interface Filled {
  readonly _tag: "Filled"
  readonly venue: Ids.Venue
  readonly canonicalId: string
  readonly clientOrderId: Ids.ClientOrderId
  readonly venueOrderId: Ids.VenueOrderId
  readonly side: Side.Side
  readonly tradeId: Ids.TradeId
  readonly price: Decimal.Decimal
  readonly quantity: Decimal.Decimal
  /** Charged in `feeCurrency`; negative is a rebate. */
  readonly fee: Decimal.Decimal
  readonly feeCurrency: string
  readonly liquidity: Fill.Liquidity
  readonly ts: bigint
}

/** The venue cancelled the order: on our request, or on its own (self-trade prevention, cancel-on-disconnect). */
export interface Cancelled {
  readonly _tag: "Cancelled"
  readonly venue: Ids.Venue
  readonly canonicalId: string
  readonly clientOrderId: Ids.ClientOrderId
  readonly venueOrderId: Ids.VenueOrderId
  readonly ts: bigint
}

/**
 * The venue refused our cancel, usually because the order already filled or is unknown.
 * Beyond the five order outcomes, because a cancel sent with latency can only be answered
 * by an event; it maps to the domain's CancelReject.
 */
export interface CancelRejected {
  readonly _tag: "CancelRejected"
  readonly venue: Ids.Venue
  readonly clientOrderId: Ids.ClientOrderId
  readonly reason: RejectionReason
  readonly message: string
  readonly ts: bigint
}

/** The venue ended the order by its time in force: an IOC/FOK or market remainder, GTD or DAY. */
export interface Expired {
  readonly _tag: "Expired"
  readonly venue: Ids.Venue
  readonly canonicalId: string
  readonly clientOrderId: Ids.ClientOrderId
  readonly venueOrderId: Ids.VenueOrderId
  /** Why, when the venue says ("" otherwise): e.g. "IOC remainder 0.5 unfilled". */
  readonly message: string
  readonly ts: bigint
}

/** Any execution event. */
export type ExecutionEvent = Accepted | Rejected | Filled | Cancelled | CancelRejected | Expired

/** The event tags, e.g. for metrics labels. */
export type ExecutionEventTag = ExecutionEvent["_tag"]

/** The domain order event this execution event is (one each, no information the state machine needs is lost). */
export const toOrderEvent = (e: ExecutionEvent): OrderEvent.OrderEvent => {
  switch (e._tag) {
    case "Accepted":
      return { _tag: "Accept", venueOrderId: e.venueOrderId }
    case "Rejected":
      return { _tag: "Reject", reason: `${e.reason}: ${e.message}` }
    case "Filled":
      return { _tag: "Fill", quantity: e.quantity, price: e.price, tradeId: e.tradeId }
    case "Cancelled":
      return { _tag: "CancelAck" }
    case "CancelRejected":
      return { _tag: "CancelReject", reason: `${e.reason}: ${e.message}` }
    case "Expired":
      return { _tag: "Expire" }
  }
}

/** The last conversion: a burst of events (a sweep's fills, a backtest tick's) shares one stamp. */
let lastNs = 0n
let lastMs = 0

/** Epoch milliseconds of a ns timestamp (floor): the domain's time unit for orders and fills. */
export const toEpochMillis = (ns: bigint): number => {
  // A bigint comparison costs a fraction of a bigint division and its conversion to a number.
  if (ns === lastNs) return lastMs
  const ms = Number(ns / 1_000_000n)
  lastNs = ns
  lastMs = ms
  return ms
}

/** The domain Fill of an execution, for the order with `operationId` (the venue only knows our client order id). */
export const toFill = (e: Filled, operationId: Ids.OperationId): Fill.Fill => ({
  operationId,
  venue: e.venue,
  canonicalId: e.canonicalId,
  tradeId: e.tradeId,
  venueOrderId: e.venueOrderId,
  side: e.side,
  price: e.price,
  quantity: e.quantity,
  fee: e.fee,
  feeCurrency: e.feeCurrency,
  liquidity: e.liquidity,
  timestamp: toEpochMillis(e.ts)
})
