/**
 * `summary.json`: what a run did, in one document. Decimals are exact decimal strings;
 * amounts that depend on the currency are objects keyed by currency (keys sorted). Every
 * field is a pure function of the config and the data except `wallTimeMs` and
 * `eventsPerSecond`, which measure the machine.
 */
import * as Schema from "effect/Schema"

/** Decimal amounts by currency, e.g. `{ "USDT": "12.5" }`. */
export const Amounts = Schema.Record({ key: Schema.String, value: Schema.String })
/** Decimal amounts by currency. */
export type Amounts = typeof Amounts.Type

/** PnL in one currency. */
export const Pnl = Schema.Struct({
  /** Closed PnL, net of fees paid in this currency. */
  realized: Schema.String,
  /** Open positions at the last market price minus their cost. */
  unrealized: Schema.String,
  total: Schema.String
})
/** PnL in one currency. */
export type Pnl = typeof Pnl.Type

/** What one venue did. */
export const VenueSummary = Schema.Struct({
  venue: Schema.String,
  /** Orders sent to this venue (children included, parents worked elsewhere not). */
  orderCount: Schema.Int,
  fillCount: Schema.Int,
  /** Filled quantity by instrument. */
  filledQuantity: Schema.Record({ key: Schema.String, value: Schema.String }),
  /** Traded notional by currency. */
  volume: Amounts,
  fees: Amounts,
  /** Volume-weighted average fill price by instrument. */
  averagePrice: Schema.Record({ key: Schema.String, value: Schema.String }),
  /** Filled over ordered quantity of the orders sent here; null without orders. */
  fillRatio: Schema.NullOr(Schema.String)
})
/** What one venue did. */
export type VenueSummary = typeof VenueSummary.Type

/** The summary of a run. */
export const RunSummary = Schema.Struct({
  /** Version of this document's layout. */
  schemaVersion: Schema.Literal(1),
  runId: Schema.String,
  name: Schema.NullOr(Schema.String),
  /** SHA-256 of the config's canonical normal form (see BacktestConfig.hash). */
  configHash: Schema.String,
  dataRange: Schema.Struct({
    /** The configured range [from, to), ISO-8601. */
    from: Schema.String,
    to: Schema.String,
    /** The first and last replayed event; null when nothing was replayed. */
    firstEvent: Schema.NullOr(Schema.String),
    lastEvent: Schema.NullOr(Schema.String)
  }),
  /** Replayed catalog instruments, in merge tie-break order. */
  instruments: Schema.Array(Schema.String),
  venues: Schema.Array(Schema.String),
  /** Market events replayed. */
  eventCount: Schema.Int,
  events: Schema.Struct({ trades: Schema.Int, quotes: Schema.Int, book: Schema.Int }),
  /** Every order recorded: strategy orders, algorithm children, routed slices. */
  orderCount: Schema.Int,
  /** The strategy's own orders. */
  strategyOrderCount: Schema.Int,
  ordersByStatus: Schema.Record({ key: Schema.String, value: Schema.Int }),
  /** Orders denied before reaching a venue (risk, or no route). */
  deniedCount: Schema.Int,
  /** Orders a venue rejected. */
  rejectedCount: Schema.Int,
  fillCount: Schema.Int,
  /** Filled quantity by instrument. */
  filledQuantity: Schema.Record({ key: Schema.String, value: Schema.String }),
  /** Traded notional by currency (the instrument's notional currency). */
  volume: Amounts,
  fees: Amounts,
  /** PnL by currency, at the last market prices. */
  pnl: Schema.Record({ key: Schema.String, value: Pnl }),
  /** Against each strategy order's arrival price (mid when quotes are known, else the last trade). */
  slippage: Schema.Struct({
    /** Strategy orders with fills and an arrival price. */
    orders: Schema.Int,
    /** `sum(side * (average - arrival) * filled) / sum(arrival * filled) * 10^4`, 4 decimals; positive costs. Null without such orders. */
    bps: Schema.NullOr(Schema.String),
    /** `sum(side * (average - arrival) * filled * contractSize)` by quote currency (linear instruments). */
    cost: Amounts
  }),
  /** Filled over ordered quantity of the strategy orders not denied, 6 decimals; null without any. */
  fillRatio: Schema.NullOr(Schema.String),
  byVenue: Schema.Array(VenueSummary),
  /** Events the execution core flagged without failing (refused events, unmatched fills, algorithm ends). */
  anomalies: Schema.Struct({
    count: Schema.Int,
    byKind: Schema.Record({ key: Schema.String, value: Schema.Int }),
    /** The first few, as `kind operationId: message`. */
    first: Schema.Array(Schema.String)
  }),
  /** Wall-clock time of the replay (not deterministic). */
  wallTimeMs: Schema.Number,
  /** Market events per wall-clock second (not deterministic). */
  eventsPerSecond: Schema.Number
}).annotations({ identifier: "RunSummary" })

/** The summary of a run. */
export type RunSummary = typeof RunSummary.Type

/** The fields of a summary that measure the machine rather than the run. */
export const NON_DETERMINISTIC_FIELDS = ["wallTimeMs", "eventsPerSecond"] as const

/** A summary without its machine-dependent fields: equal for every run of the same config and data. */
export const deterministicPart = (s: RunSummary): Omit<RunSummary, (typeof NON_DETERMINISTIC_FIELDS)[number]> => {
  const { wallTimeMs: _w, eventsPerSecond: _e, ...rest } = s
  return rest
}
