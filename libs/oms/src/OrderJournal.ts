/**
 * The append-only order event journal. Every accepted change to an order is one entry,
 * and every entry changes exactly one order: a child's fill is one entry for the child and
 * one `ChildFill` entry for each ancestor, an automatic parent Submit is an entry of the
 * parent. Folding the entries in sequence order through the state machine therefore
 * rebuilds every order exactly, with no rule that is not written down in the journal.
 */
import { Fill, Ids, Order, OrderEvent, Time } from "@odum/domain"
import * as Schema from "effect/Schema"

/** The order was recorded, in PENDING: the first entry of every order. */
export const Created = Schema.TaggedStruct("Created", { order: Order.UnifiedOrder })
/** The order was recorded. */
export type Created = typeof Created.Type

/** One of the order's own fills (the full record: venue, fee, time), applied as the state machine's Fill. */
export const FillRecorded = Schema.TaggedStruct("FillRecorded", { fill: Fill.Fill })
/** One of the order's own fills. */
export type FillRecorded = typeof FillRecorded.Type

/** A fill of a child (or deeper descendant), applied to this parent with trade id `venue|tradeId`. */
export const ChildFill = Schema.TaggedStruct("ChildFill", { fill: Fill.Fill })
/** A fill of a descendant. */
export type ChildFill = typeof ChildFill.Type

/** The lifecycle events `apply` takes: every order event except Fill, which needs a full fill record. */
export const LifecycleEvent = Schema.Union(
  OrderEvent.Deny,
  OrderEvent.Submit,
  OrderEvent.Accept,
  OrderEvent.Reject,
  OrderEvent.CancelRequest,
  OrderEvent.CancelAck,
  OrderEvent.CancelReject,
  OrderEvent.Expire
).annotations({ identifier: "LifecycleEvent" })
/** Every order event except Fill. */
export type LifecycleEvent = Exclude<OrderEvent.OrderEvent, OrderEvent.Fill>

/** What a journal entry records. */
export const JournalEvent = Schema.Union(
  Created,
  FillRecorded,
  ChildFill,
  OrderEvent.Deny,
  OrderEvent.Submit,
  OrderEvent.Accept,
  OrderEvent.Reject,
  OrderEvent.CancelRequest,
  OrderEvent.CancelAck,
  OrderEvent.CancelReject,
  OrderEvent.Expire
).annotations({ identifier: "JournalEvent" })
/** What a journal entry records. */
export type JournalEvent = Created | FillRecorded | ChildFill | LifecycleEvent

/** One journal entry, with decimals as strings when encoded (JSON-safe, e.g. for a jsonb column). */
export const OrderJournalEntry = Schema.Struct({
  /** Strictly increasing across the journal of one order manager. */
  sequence: Schema.Int.pipe(Schema.positive()),
  operationId: Ids.OperationId,
  /** The order's version after this entry: 1 for Created, then +1 each; unique with operationId. */
  version: Schema.Int.pipe(Schema.positive()),
  /** When the change was accepted (the caller's clock: simulated in a backtest). */
  timestamp: Time.EpochMillis,
  event: JournalEvent
}).annotations({ identifier: "OrderJournalEntry" })

/** One journal entry. */
export interface OrderJournalEntry {
  readonly sequence: number
  readonly operationId: Ids.OperationId
  readonly version: number
  readonly timestamp: Time.EpochMillis
  readonly event: JournalEvent
}

/** Decodes stored or transmitted entries (e.g. parsed JSON). */
export const decodeEntries = Schema.decodeUnknownEither(Schema.Array(OrderJournalEntry))

/** Encodes entries to JSON-safe values (decimals as strings). */
export const encodeEntries = Schema.encodeSync(Schema.Array(OrderJournalEntry))
