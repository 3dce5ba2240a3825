/** @odum/adapter-sim: the simulated venue (matching engine), for backtests and paper trading. */
export * as MarketEvent from "./MarketEvent.js"
export * as MatchingEngine from "./MatchingEngine.js"
export * as OrderBook from "./OrderBook.js"
export * as SimError from "./SimError.js"
export * as SimVenue from "./SimVenue.js"
