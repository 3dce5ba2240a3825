/**
 * Every error @odum/oms raises, in one place. The order manager's refusals are in-process
 * (`Data.TaggedError` with a small `reason` union): the caller learns what was wrong and
 * nothing changed. The store's error is a `Schema.TaggedError` because a store may live in
 * another process (PostgreSQL) and its failures are reported across that boundary.
 */
import * as Data from "effect/Data"
import * as Schema from "effect/Schema"
import type { DomainError } from "@odum/domain"
import type { ManagedOrder } from "./ManagedOrder.js"

/** Why an order request was refused before anything was recorded. */
export type InvalidOrderRequestReason =
  /** The request does not decode (a missing field, a quantity that is not a decimal string, ...). */
  | "Malformed"
  /** The quantity is not a Decimal, not positive, or off the instrument's lot grid. */
  | "InvalidQuantity"
  /** The price is not a Decimal, not positive, or off the instrument's tick grid. */
  | "InvalidPrice"
  /** A LIMIT order without a price. */
  | "MissingPrice"
  /** A MARKET order with a price. */
  | "UnexpectedPrice"
  /** GTD without expireAt, or expireAt on anything else. */
  | "InvalidExpiry"
  /** postOnly on an order that cannot rest on the book. */
  | "InvalidFlags"
  /** The instrument lookup does not know the canonical id. */
  | "UnknownInstrument"
  /** The request names a venue other than the instrument's. */
  | "VenueMismatch"
  /** Another operation already owns the derived client order id (a hash collision: never expected). */
  | "ClientOrderIdCollision"

/** An order request that cannot become an order; nothing was recorded. */
export class InvalidOrderRequest extends Data.TaggedError("InvalidOrderRequest")<{
  readonly reason: InvalidOrderRequestReason
  readonly operationId: string | undefined
  readonly message: string
}> {}

/**
 * The operation id exists with a different request. Idempotency returns the first order
 * only for the same request; a different one under the same key is a caller bug that must
 * not be papered over (the venue would never see the second intent).
 */
export class DuplicateOperation extends Data.TaggedError("DuplicateOperation")<{
  readonly operationId: string
  /** The order already recorded under this operation id. */
  readonly existing: ManagedOrder
  /** The request fields that differ from the existing order. */
  readonly differences: ReadonlyArray<string>
  readonly message: string
}> {}

/** Why a child order was refused. */
export type ChildOrderRejectedReason =
  /** No order with the parent operation id. */
  | "UnknownParent"
  /** The child's side differs from its parent's. */
  | "SideMismatch"
  /** The child belongs to another strategy than its parent. */
  | "StrategyMismatch"
  /** The parent is cancelling or final, so it takes no new children. */
  | "ParentClosed"
  /** The parent was itself sent to a venue; an order is either worked by children or sent, never both. */
  | "ParentSentToVenue"
  /** The children's open quantity would exceed what the parent has left. */
  | "ExceedsParent"

/** A child order that would break the parent/child rules; nothing was recorded. */
export class ChildOrderRejected extends Data.TaggedError("ChildOrderRejected")<{
  readonly reason: ChildOrderRejectedReason
  readonly parentOperationId: string
  readonly message: string
}> {}

/** No order is known under the given reference. */
export class OrderNotFound extends Data.TaggedError("OrderNotFound")<{
  /** The reference looked up, e.g. `operationId=abc`. */
  readonly ref: string
  readonly message: string
}> {}

/** Why the OMS refused an event before (or besides) the state machine. */
export type EventRejectedReason =
  /** Fills carry a venue, fee and time: they go through `recordFill`, not `apply`. */
  | "UseRecordFill"
  /** The value is not one of the lifecycle events. */
  | "UnknownEvent"
  /** Submit on an order that has no venue and no children: there is nowhere to send it. */
  | "NotRouted"
  /** Accept on an order worked by children: only its children exist at a venue. */
  | "ParentOrder"
  /** Submit of a child whose parent is cancelling or final. */
  | "ParentClosed"
  /** Accept with a venue order id another order already holds at that venue. */
  | "VenueOrderIdInUse"
  /** The state machine refused the event (see `cause`). */
  | "IllegalTransition"

/** An event the OMS refused; the order is unchanged. */
export class EventRejected extends Data.TaggedError("EventRejected")<{
  readonly reason: EventRejectedReason
  readonly operationId: string
  readonly message: string
  /** The state machine's refusal when reason is "IllegalTransition". */
  readonly cause: DomainError.IllegalTransition | undefined
}> {}

/** A fill report that is not well formed (not a decimal, no trade id, ...); nothing was recorded. */
export class InvalidFillReport extends Data.TaggedError("InvalidFillReport")<{
  readonly message: string
}> {}

/** Why a journal cannot be replayed. */
export type JournalCorruptReason =
  /** Sequence numbers do not strictly increase. */
  | "OutOfOrder"
  /** An order's versions skip or repeat. */
  | "VersionGap"
  /** An entry for an order the journal never created. */
  | "UnknownOrder"
  /** A second Created entry for the same operation id. */
  | "DuplicateCreate"
  /** The state machine refuses an entry (a journal only holds accepted events). */
  | "IllegalTransition"

/** A journal that does not replay: returned, never skipped, so a rebuild is exact or fails. */
export class JournalCorrupt extends Data.TaggedError("JournalCorrupt")<{
  readonly reason: JournalCorruptReason
  readonly sequence: number
  readonly message: string
}> {}

/** Why a store operation failed. */
export const OrderStoreErrorReason = Schema.Literal(
  /** `update` found another version than expected: someone else changed the order. */
  "VersionConflict",
  /** `update` of an order the store does not hold. */
  "NotFound",
  /** A journal entry's (operationId, version) is already stored. */
  "JournalConflict",
  /** A query cursor this store did not issue. */
  "InvalidCursor",
  /** A stored row does not decode or contradicts itself. */
  "Corrupt",
  /** The store cannot be reached (connection, timeout): the write may or may not have happened. */
  "Unavailable"
)
/** Why a store operation failed. */
export type OrderStoreErrorReason = typeof OrderStoreErrorReason.Type

/** A store operation failed; with every reason except "Unavailable", nothing was written. */
export class OrderStoreError extends Schema.TaggedError<OrderStoreError>()("OrderStoreError", {
  reason: OrderStoreErrorReason,
  message: Schema.String,
  operationId: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect)
}) {}
