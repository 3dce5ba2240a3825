/**
 * The contract every venue adapter implements, with Effect at the edge: requests return
 * an Effect that fails with a `VenueError` (transport: ambiguous and retriable; rejection:
 * final), and what happens to orders afterwards arrives as `ExecutionEvent`s on a stream.
 * The stream is the source of truth for order state; a request's result is for the
 * caller's control flow (a venue also reports a rejected submit on the stream).
 * Hot paths that cannot pay an Effect per order use the `SyncVenue` port instead.
 */
import type { Decimal, Ids, OrderType, Side } from "@odum/domain"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { ExecutionEvent, Filled } from "./ExecutionEvent.js"
import type { VenueError, VenueTransportError } from "./VenueError.js"
import type { VenueOrderRequest } from "./VenueOrderRequest.js"

/** The venue's acknowledgement of a submitted order. */
export interface VenueAck {
  readonly clientOrderId: Ids.ClientOrderId
  readonly venueOrderId: Ids.VenueOrderId
  /** Venue time of the acknowledgement, ns since the epoch. */
  readonly ts: bigint
}

/** A working order as the venue lists it (reconciliation compares these with the OMS). */
export interface VenueOrder {
  readonly clientOrderId: Ids.ClientOrderId
  readonly venueOrderId: Ids.VenueOrderId
  readonly canonicalId: string
  readonly side: Side.Side
  readonly type: OrderType.OrderType
  readonly timeInForce: OrderType.TimeInForce
  readonly quantity: Decimal.Decimal
  readonly filledQuantity: Decimal.Decimal
  /** Absent for market orders. */
  readonly price: Decimal.Decimal | undefined
  readonly reduceOnly: boolean
  readonly postOnly: boolean
  /** When the venue accepted it, ns since the epoch. */
  readonly ts: bigint
}

/** The venue's position in one instrument. */
export interface VenuePosition {
  readonly canonicalId: string
  /** Signed (negative short), in the instrument's quantity unit (contracts for derivatives). */
  readonly quantity: Decimal.Decimal
  /** Zero when flat; how each venue averages is its own (the simulated venue documents its method). */
  readonly averageEntryPrice: Decimal.Decimal
}

/** The venue's balance of one asset. */
export interface VenueBalance {
  readonly asset: string
  readonly total: Decimal.Decimal
}

/** One venue, reached through Effect. */
export interface VenueAdapter {
  /** The venue code, as in canonical ids ("BINANCE-FUTURES", "DERIBIT", "SIM"). */
  readonly venue: Ids.Venue
  /**
   * Sends an order. Succeeds when the venue accepted it (fills and the final outcome follow
   * as events); fails with VenueRejection on a definite refusal and VenueTransportError
   * when the outcome is unknown (the order stays in flight until reconciliation).
   */
  readonly submit: (order: VenueOrderRequest) => Effect.Effect<VenueAck, VenueError>
  /** Asks the venue to cancel; the Cancelled event confirms it. VenueRejection(OrderNotFound) if it is gone. */
  readonly cancel: (clientOrderId: Ids.ClientOrderId) => Effect.Effect<void, VenueError>
  /** Every working order of ours at the venue. */
  readonly openOrders: () => Effect.Effect<ReadonlyArray<VenueOrder>, VenueError>
  /** Our executions at or after `sinceNs` (ns since the epoch), oldest first. */
  readonly fills: (sinceNs: bigint) => Effect.Effect<ReadonlyArray<Filled>, VenueError>
  /** Our positions (derivatives; spot venues report balances instead). */
  readonly positions: () => Effect.Effect<ReadonlyArray<VenuePosition>, VenueError>
  /** Our balances per asset. */
  readonly balances: () => Effect.Effect<ReadonlyArray<VenueBalance>, VenueError>
  /**
   * Execution events of our orders from the moment of subscription, in venue order. A
   * transport failure ends the stream; the consumer reconnects and reconciles.
   */
  readonly executionEvents: Stream.Stream<ExecutionEvent, VenueTransportError>
}
