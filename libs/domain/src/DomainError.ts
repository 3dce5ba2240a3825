/**
 * Every error @odum/domain raises, in one place. These are in-process failures
 * (`Data.TaggedError` with a small `reason` union); boundaries that persist or send
 * them convert them to their own serialisable errors.
 */
import * as Data from "effect/Data"
import type { OrderEvent } from "./OrderEvent.js"
import type { OrderStatus } from "./OrderStatus.js"

/** Why a decimal could not be parsed, converted or computed. */
export type DecimalErrorReason =
  | "InvalidFormat"
  | "TooManyDecimals"
  | "TooManyDigits"
  | "DivisionByZero"
  | "InexactConversion"
  | "OffGrid"
  | "InvalidStep"
  | "InvalidScale"
  | "InvalidInteger"

/** A decimal string was malformed, or an exact operation would have lost digits. */
export class DecimalError extends Data.TaggedError("DecimalError")<{
  readonly reason: DecimalErrorReason
  readonly message: string
}> {}

/** Why an order event was refused by the state machine. */
export type IllegalTransitionReason =
  | "TerminalState"
  | "UnexpectedEvent"
  | "Overfill"
  | "InvalidQuantity"
  | "VenueOrderIdMismatch"
  | "DuplicateTrade"

/**
 * The state machine refused an event. The state it was applied to is unchanged; the
 * caller decides whether the event is a venue anomaly to reconcile or a bug.
 */
export class IllegalTransition extends Data.TaggedError("IllegalTransition")<{
  readonly reason: IllegalTransitionReason
  readonly from: OrderStatus
  readonly event: OrderEvent
  readonly message: string
}> {}

/** Why an order (or an order-shaped value) is not well formed. */
export type InvalidOrderReason = "NonPositiveQuantity" | "MissingPrice" | "UnexpectedPrice" | "OffGrid" | "BelowMinimum" | "AboveMaximum"

/** An order that cannot exist: refused before it reaches the state machine or a venue. */
export class InvalidOrder extends Data.TaggedError("InvalidOrder")<{
  readonly reason: InvalidOrderReason
  readonly message: string
}> {}
