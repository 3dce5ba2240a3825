/**
 * A row of the `unified_positions` table: one instrument aggregated across venues and
 * strategies (`AggregatePosition.byInstrument`), with the design's column names.
 * `canonical_id` holds the instrument key (the canonical id without its venue, e.g.
 * `PERPETUAL:BTC-USDT`), because a full canonical id names one venue and this row spans
 * several; quantities are sizes (contracts times contract size), so listings with
 * different contract sizes add up. `pnl_currency` is an extra column: a PnL figure
 * without its currency would be ambiguous (inverse contracts settle in the coin).
 */
import { Decimal, Time } from "@odum/domain"
import * as Schema from "effect/Schema"
import type { AggregatePosition } from "./AggregatePosition.js"

/** The row, with decimals as strings when encoded (NUMERIC in PostgreSQL, JSON for `venue_positions`). */
export const UnifiedPositionRow = Schema.Struct({
  canonical_id: Schema.NonEmptyTrimmedString,
  base_asset: Schema.NonEmptyTrimmedString,
  /** Net size in the instrument's size unit (base units; USD for inverse). */
  aggregated_quantity: Decimal.DecimalFromString,
  /** Net size per venue. */
  venue_positions: Schema.Record({ key: Schema.String, value: Decimal.DecimalFromString }),
  /** Instrument kind per venue (SPOT, PERPETUAL, FUTURE, OPTION). */
  venue_types: Schema.Record({ key: Schema.String, value: Schema.String }),
  average_entry_price: Schema.NullOr(Decimal.DecimalFromString),
  current_price: Schema.NullOr(Decimal.DecimalFromString),
  unrealized_pnl: Schema.NullOr(Decimal.DecimalFromString),
  realized_pnl: Decimal.DecimalFromString,
  pnl_currency: Schema.NonEmptyTrimmedString,
  updated_at: Time.EpochMillis
}).annotations({ identifier: "UnifiedPositionRow" })

/** A `unified_positions` row. */
export type UnifiedPositionRow = typeof UnifiedPositionRow.Type

/** The row of one `byInstrument` aggregate; absent figures (no mark, flat) are null. */
export const toUnifiedRow = (aggregate: AggregatePosition): UnifiedPositionRow => ({
  canonical_id: aggregate.instrumentKey,
  base_asset: aggregate.baseAsset,
  aggregated_quantity: aggregate.size,
  venue_positions: aggregate.venuePositions,
  venue_types: aggregate.venueTypes,
  average_entry_price: aggregate.averageEntryPrice ?? null,
  current_price: aggregate.currentPrice ?? null,
  unrealized_pnl: aggregate.unrealizedPnl ?? null,
  realized_pnl: aggregate.realizedPnl,
  pnl_currency: aggregate.pnlAsset,
  updated_at: aggregate.updatedAt
})

/** Encodes a row for storage or JSON (decimals as canonical strings). */
export const encode = Schema.encodeSync(UnifiedPositionRow)
