/** The answer to a strategy's order: where it stands and what filled, as sent back over the API. */
import * as Schema from "effect/Schema"
import * as Decimal from "./Decimal.js"
import { Fill } from "./Fill.js"
import { OperationId, Venue } from "./Ids.js"
import type { UnifiedOrder } from "./Order.js"
import { OrderStatus } from "./OrderStatus.js"

/** Fields of ExecutionResult, for schemas that extend it. */
export const ExecutionResultFields = {
  operationId: OperationId,
  status: OrderStatus,
  /** Absent when the order never reached a venue (denied, or not yet routed). */
  venue: Schema.optional(Venue),
  fills: Schema.Array(Fill),
  errorMessage: Schema.optional(Schema.String),
  filledQuantity: Decimal.NonNegativeDecimalFromString,
  /** Volume-weighted average fill price; absent before any fill. */
  averagePrice: Schema.optional(Decimal.DecimalFromString)
}

/** The result of an order, with decimals as strings when encoded. */
export const ExecutionResult = Schema.Struct(ExecutionResultFields).annotations({ identifier: "ExecutionResult" })
/** The result of an order. */
export type ExecutionResult = typeof ExecutionResult.Type

/** The result for an order of record and its fills; the reject reason becomes the error message. */
export const fromOrder = (order: UnifiedOrder, fills: ReadonlyArray<Fill>): ExecutionResult => ({
  operationId: order.operationId,
  status: order.status,
  ...(order.venue === undefined ? {} : { venue: order.venue }),
  fills,
  ...(order.rejectReason === undefined ? {} : { errorMessage: order.rejectReason }),
  filledQuantity: order.filledQuantity,
  ...(order.averageFillPrice === undefined ? {} : { averagePrice: order.averageFillPrice })
})
