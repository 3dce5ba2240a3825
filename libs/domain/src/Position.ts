/**
 * A position in one instrument at one venue. Plain data: the positions library owns the
 * arithmetic (netting fills, PnL); this is the shape every library exchanges and stores.
 */
import * as Schema from "effect/Schema"
import * as Decimal from "./Decimal.js"
import { Venue } from "./Ids.js"
import { EpochMillis } from "./Time.js"

/** Fields of Position, for schemas that extend it. */
export const PositionFields = {
  canonicalId: Schema.NonEmptyTrimmedString,
  venue: Venue,
  /** Signed: positive long, negative short, in the instrument's base unit (contracts for derivatives). */
  quantity: Decimal.DecimalFromString,
  /** Zero when flat. */
  averageEntryPrice: Decimal.NonNegativeDecimalFromString,
  realizedPnl: Decimal.DecimalFromString,
  unrealizedPnl: Decimal.DecimalFromString,
  /** Fees paid (negative: net rebates received). */
  fees: Decimal.DecimalFromString,
  updatedAt: EpochMillis
}

/** A venue position, with decimals as strings when encoded. */
export const Position = Schema.Struct(PositionFields).annotations({ identifier: "Position" })
/** A venue position. */
export type Position = typeof Position.Type

/** An empty position: the starting point before any fill. */
export const flat = (canonicalId: string, venue: Venue, updatedAt: EpochMillis): Position => ({
  canonicalId,
  venue,
  quantity: Decimal.zero,
  averageEntryPrice: Decimal.zero,
  realizedPnl: Decimal.zero,
  unrealizedPnl: Decimal.zero,
  fees: Decimal.zero,
  updatedAt
})

/** True if the position holds nothing. */
export const isFlat = (p: Position): boolean => Decimal.isZero(p.quantity)
