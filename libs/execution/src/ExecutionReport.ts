/**
 * One change to an order, as the report stream carries it. Every entry of the OMS journal
 * is exactly one report, in journal order, and the report's `sequence` is the entry's
 * sequence: strictly increasing, stable across restarts (the journal is durable), so a
 * client can resume after the last sequence it saw.
 *
 * The shape is field for field `ExecutionReport` of @odum/proto (its protobuf
 * `ExecutionReport`), so an app passes a report straight to its codec; this library does
 * not import the wire contract (a test checks the two stay assignable).
 */
import type { Decimal, Fill, Ids, Order, OrderStatus, Time } from "@odum/domain"
import type { OrderJournal } from "@odum/oms"

/** One change to an order: its status, fills so far and average price after the change. */
export interface ExecutionReport {
  /** The OMS journal sequence of the change: strictly increasing. */
  readonly sequence: number
  readonly operationId: Ids.OperationId
  readonly strategyId: Ids.StrategyId
  readonly canonicalId: string
  /** Status after the change. */
  readonly status: OrderStatus.OrderStatus
  /** Absent before routing, and for orders worked by child orders. */
  readonly venue?: Ids.Venue | undefined
  /** The new fill, when the change is a fill (a parent's report carries its child's fill). */
  readonly fill?: Fill.Fill | undefined
  /** Cumulative filled quantity. */
  readonly filledQuantity: Decimal.Decimal
  /** Volume-weighted average fill price; absent before any fill. */
  readonly averagePrice?: Decimal.Decimal | undefined
  /** Why: the denial (reason code first), rejection or refused cancel; otherwise the order's reject reason. */
  readonly message?: string | undefined
  /** When the change was recorded (the core's clock: simulated in a backtest). */
  readonly timestamp: Time.EpochMillis
}

/** Receives reports as they happen; an object with a method so the core calls it without allocating. */
export interface ReportSink {
  onReport(report: ExecutionReport): void
}

const messageOf = (event: OrderJournal.JournalEvent, order: Order.UnifiedOrder): string | undefined => {
  switch (event._tag) {
    case "Deny":
    case "Reject":
    case "CancelReject":
      return event.reason
    default:
      return order.rejectReason
  }
}

/**
 * The report of one journal entry, given the order as that entry left it. One object
 * literal with every key (absent ones undefined): one allocation and one hidden class for
 * every report, where adding the optional keys one by one made up to 16 shapes.
 */
export const fromEntry = (entry: OrderJournal.OrderJournalEntry, order: Order.UnifiedOrder): ExecutionReport => {
  const event = entry.event
  return {
    sequence: entry.sequence,
    operationId: order.operationId,
    strategyId: order.strategyId,
    canonicalId: order.canonicalId,
    status: order.status,
    venue: order.venue,
    fill: event._tag === "FillRecorded" || event._tag === "ChildFill" ? event.fill : undefined,
    filledQuantity: order.filledQuantity,
    averagePrice: order.averageFillPrice,
    message: messageOf(event, order),
    timestamp: order.updatedAt
  }
}
