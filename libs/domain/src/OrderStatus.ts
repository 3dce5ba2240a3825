/** The lifecycle status of an order; the transitions between them are in OrderStateMachine. */
import * as Schema from "effect/Schema"

/** Every status an order can be in. */
export const OrderStatus = Schema.Literal(
  "PENDING",
  "SUBMITTED",
  "ACCEPTED",
  "PARTIALLY_FILLED",
  "FILLED",
  "PENDING_CANCEL",
  "CANCELLED",
  "REJECTED",
  "EXPIRED",
  "DENIED"
).annotations({ identifier: "OrderStatus" })
/** Every status an order can be in. */
export type OrderStatus = typeof OrderStatus.Type

/** All statuses, in lifecycle order (for tables, tests and UI filters). */
export const all: ReadonlyArray<OrderStatus> = OrderStatus.literals

/**
 * Statuses from which the order can no longer work at the venue. A CANCELLED or EXPIRED
 * order may still record a late fill (see OrderStateMachine), but never works again.
 */
export const isTerminal = (status: OrderStatus): boolean =>
  status === "FILLED" || status === "CANCELLED" || status === "REJECTED" || status === "EXPIRED" || status === "DENIED"

/** Statuses where the order may be working at a venue (or its fate there is still unknown). */
export const isOpen = (status: OrderStatus): boolean => !isTerminal(status) && status !== "PENDING"
