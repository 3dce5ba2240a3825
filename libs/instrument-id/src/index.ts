/** Canonical ids: parse, format, Schema. */
export * as InstrumentId from "./InstrumentId.js"
/** The structured key, its literal types and helpers. */
export * as InstrumentKey from "./InstrumentKey.js"
/** The error every parse and conversion fails with. */
export * as InstrumentIdError from "./InstrumentIdError.js"
/** Venue codes and what each venue lists. */
export * as Venue from "./Venue.js"
/** ccxt exchange ids and unified symbols. */
export * as Ccxt from "./Ccxt.js"
/** Deribit instrument names. */
export * as Deribit from "./Deribit.js"
/** Interactive Brokers contracts. */
export * as Ib from "./Ib.js"
