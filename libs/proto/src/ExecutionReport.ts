/**
 * One change to an order as the report stream carries it: the domain form of a protobuf
 * `ExecutionReport`. @odum/domain has no such type (it is a wire concept: a numbered
 * snapshot of an order after one event), so it lives with the contract.
 */
import { Decimal, Fill, Ids, OrderStatus, Time, type Order } from "@odum/domain"
import * as Schema from "effect/Schema"

/** Fields of ExecutionReport, for schemas that extend it. */
export const ExecutionReportFields = {
  /** Position in the stream, strictly increasing; a safe integer so it is a plain number. */
  sequence: Schema.NonNegativeInt,
  operationId: Ids.OperationId,
  strategyId: Ids.StrategyId,
  canonicalId: Schema.NonEmptyTrimmedString,
  /** Status after the change. */
  status: OrderStatus.OrderStatus,
  /** Absent before routing. */
  venue: Schema.optional(Ids.Venue),
  /** The new fill, when the change is a fill. */
  fill: Schema.optional(Fill.Fill),
  filledQuantity: Decimal.NonNegativeDecimalFromString,
  /** Absent before any fill. */
  averagePrice: Schema.optional(Decimal.DecimalFromString),
  /** Why (deny, reject, expiry or cancel reason). */
  message: Schema.optional(Schema.String),
  /** When the change happened (service clock; simulated in a backtest). */
  timestamp: Time.EpochMillis
}

/** A report, decimals as strings when encoded. */
export const ExecutionReport = Schema.Struct(ExecutionReportFields).annotations({ identifier: "ExecutionReport" })

/** One change to an order. */
export type ExecutionReport = typeof ExecutionReport.Type

/** The report of an order of record after a change (the fill that caused it, if any). */
export const fromOrder = (
  order: Order.UnifiedOrder,
  sequence: number,
  fill?: Fill.Fill
): ExecutionReport => ({
  sequence,
  operationId: order.operationId,
  strategyId: order.strategyId,
  canonicalId: order.canonicalId,
  status: order.status,
  ...(order.venue === undefined ? {} : { venue: order.venue }),
  ...(fill === undefined ? {} : { fill }),
  filledQuantity: order.filledQuantity,
  ...(order.averageFillPrice === undefined ? {} : { averagePrice: order.averageFillPrice }),
  ...(order.rejectReason === undefined ? {} : { message: order.rejectReason }),
  timestamp: order.updatedAt
})
