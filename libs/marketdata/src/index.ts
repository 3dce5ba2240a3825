/** @odum/marketdata: market events, the Parquet tick-data catalog over UCS, importers and replay. */
export * as Catalog from "./Catalog.js"
export * as EventBatch from "./EventBatch.js"
export * as Importers from "./Importers.js"
export * as Instrument from "./Instrument.js"
export * as MarketDataError from "./MarketDataError.js"
export * as MarketEvent from "./MarketEvent.js"
export * as MergedCursor from "./MergedCursor.js"
export * as Timestamp from "./Timestamp.js"
