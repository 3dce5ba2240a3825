/**
 * Timestamps. Orders, fills and positions carry epoch milliseconds (UTC) as integers:
 * every venue we speak reports at least millisecond precision, a number holds them exactly
 * until the year 287396, and they sort and store (BIGINT) without parsing. Market data may
 * use finer units; it converts at its boundary.
 */
import * as Schema from "effect/Schema"

/** Milliseconds since the Unix epoch, UTC, a non-negative integer. */
export const EpochMillis = Schema.NonNegativeInt.annotations({
  identifier: "EpochMillis",
  description: "milliseconds since 1970-01-01T00:00:00Z"
})
/** Milliseconds since the Unix epoch. */
export type EpochMillis = typeof EpochMillis.Type
