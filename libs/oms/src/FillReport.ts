/**
 * A fill as a venue reports it, before the OMS has matched it to an order, and the record
 * kept for one it could not match. A venue names the order by whatever it has: our client
 * order id (always, for orders we sent), its own order id, or, from the simulated venue,
 * the operation id itself.
 */
import { Decimal, Fill, Ids, Side, Time } from "@odum/domain"
import * as Schema from "effect/Schema"

/** A venue's report of one execution, with decimals as strings when encoded. */
export const FillReport = Schema.Struct({
  venue: Ids.Venue,
  /** With the venue, identifies the fill: a second report with the same pair is a duplicate. */
  tradeId: Ids.TradeId,
  operationId: Schema.optional(Ids.OperationId),
  clientOrderId: Schema.optional(Ids.ClientOrderId),
  venueOrderId: Schema.optional(Ids.VenueOrderId),
  /** When present, must match the order's side. */
  side: Schema.optional(Side.Side),
  /** When present, must match the order's instrument. */
  canonicalId: Schema.optional(Schema.NonEmptyTrimmedString),
  price: Decimal.DecimalFromString,
  quantity: Decimal.PositiveDecimalFromString,
  fee: Decimal.DecimalFromString,
  feeCurrency: Schema.NonEmptyTrimmedString,
  liquidity: Fill.Liquidity,
  timestamp: Time.EpochMillis
}).annotations({ identifier: "FillReport" })

/** A venue's report of one execution. */
export type FillReport = typeof FillReport.Type

/**
 * A venue's execution event as the OMS's `tryRecordVenueFill` reads it: a report's fields,
 * every id present, without the timestamp (given beside it). The adapter kit's `Filled`
 * event is one, so the execution core hands it over as it is, with no report built per fill.
 */
export interface VenueFill {
  readonly venue: Ids.Venue
  readonly tradeId: Ids.TradeId
  readonly clientOrderId: Ids.ClientOrderId
  readonly venueOrderId: Ids.VenueOrderId
  readonly side: Side.Side
  readonly canonicalId: string
  readonly price: Decimal.Decimal
  readonly quantity: Decimal.Decimal
  readonly fee: Decimal.Decimal
  readonly feeCurrency: string
  readonly liquidity: Fill.Liquidity
}

/** The report of a venue fill at `timestamp`: what `tryRecordVenueFill` records, and keeps when it cannot match it. */
export const ofVenueFill = (e: VenueFill, timestamp: Time.EpochMillis): FillReport => ({
  venue: e.venue,
  tradeId: e.tradeId,
  clientOrderId: e.clientOrderId,
  venueOrderId: e.venueOrderId,
  side: e.side,
  canonicalId: e.canonicalId,
  price: e.price,
  quantity: e.quantity,
  fee: e.fee,
  feeCurrency: e.feeCurrency,
  liquidity: e.liquidity,
  timestamp
})

/** The de-duplication key of a report: the same as `Fill.key` of the fill it becomes. */
export const key = (report: FillReport): string => `${report.venue}|${report.tradeId}`

/** Why a fill was kept for reconciliation instead of being applied. */
export const UnmatchedReason = Schema.Literal(
  /** No order matches any of the report's ids. */
  "UnknownOrder",
  /** An order matches but the report contradicts it (venue, side, instrument, or it names a parent order). */
  "Mismatch",
  /** The state machine refuses the fill on the order or one of its parents (e.g. an overfill). */
  "Refused"
)
/** Why a fill was kept for reconciliation. */
export type UnmatchedReason = typeof UnmatchedReason.Type

/** A fill the OMS could not apply, kept whole for reconciliation: a real trade is never dropped. */
export const UnmatchedFill = Schema.Struct({
  report: FillReport,
  reason: UnmatchedReason,
  message: Schema.String,
  /** The operation id of the matched order, for Mismatch and Refused. */
  operationId: Schema.optional(Ids.OperationId),
  recordedAt: Time.EpochMillis
}).annotations({ identifier: "UnmatchedFill" })

/** A fill the OMS could not apply. */
export type UnmatchedFill = typeof UnmatchedFill.Type
