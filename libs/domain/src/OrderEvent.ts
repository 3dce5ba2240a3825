/**
 * What can happen to an order: the inputs of the OrderStateMachine and the rows of the
 * order event journal. Plain tagged objects (`{ _tag: "Fill", ... }`), so the hot path
 * builds them as literals; the schemas encode them for the journal with decimals as strings.
 */
import * as Schema from "effect/Schema"
import { DecimalFromString, PositiveDecimalFromString } from "./Decimal.js"
import { TradeId, VenueOrderId } from "./Ids.js"

/** Pre-trade risk refused the order; it never reaches a venue. */
export const Deny = Schema.TaggedStruct("Deny", { reason: Schema.String })
/** Pre-trade risk refused the order. */
export type Deny = typeof Deny.Type

/** The order is about to be sent to a venue (journalled before the bytes leave: write before you send). */
export const Submit = Schema.TaggedStruct("Submit", {})
/** The order is about to be sent to a venue. */
export type Submit = typeof Submit.Type

/** The venue acknowledged the order and named it. May arrive after fills, a cancel or an expiry. */
export const Accept = Schema.TaggedStruct("Accept", { venueOrderId: VenueOrderId })
/** The venue acknowledged the order. */
export type Accept = typeof Accept.Type

/** The venue definitely refused the order (a timeout is not a reject: it stays in flight). */
export const Reject = Schema.TaggedStruct("Reject", { reason: Schema.String })
/** The venue definitely refused the order. */
export type Reject = typeof Reject.Type

/** An execution: `quantity` at `price`, identified by the venue's trade id. */
export const Fill = Schema.TaggedStruct("Fill", {
  quantity: PositiveDecimalFromString,
  price: DecimalFromString,
  tradeId: TradeId
})
/** An execution. */
export type Fill = typeof Fill.Type

/** We asked the venue to cancel (or, for a PENDING order never sent, cancelled it locally). */
export const CancelRequest = Schema.TaggedStruct("CancelRequest", {})
/** We asked to cancel. */
export type CancelRequest = typeof CancelRequest.Type

/** The venue cancelled the order, on our request or on its own (self-trade prevention, cancel-on-disconnect). */
export const CancelAck = Schema.TaggedStruct("CancelAck", {})
/** The venue cancelled the order. */
export type CancelAck = typeof CancelAck.Type

/** The venue refused our cancel (usually: the order already filled or is gone). */
export const CancelReject = Schema.TaggedStruct("CancelReject", { reason: Schema.String })
/** The venue refused our cancel. */
export type CancelReject = typeof CancelReject.Type

/** The venue ended the order by its time in force (IOC/FOK remainder, GTD, DAY). */
export const Expire = Schema.TaggedStruct("Expire", {})
/** The venue ended the order by its time in force. */
export type Expire = typeof Expire.Type

/** Any order event, encoded for the journal with decimals as strings. */
export const OrderEvent = Schema.Union(Deny, Submit, Accept, Reject, Fill, CancelRequest, CancelAck, CancelReject, Expire).annotations({
  identifier: "OrderEvent"
})
/** Any order event. */
export type OrderEvent = typeof OrderEvent.Type

/** The event tags, e.g. for metrics labels. */
export type OrderEventTag = OrderEvent["_tag"]
