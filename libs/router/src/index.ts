/** @odum/router: the smart order router. */
/** Scaled-integer order books, best level first. */
export * as OrderBook from "./OrderBook.js"
/** The port onto books and circuit state, and an in-memory implementation. */
export * as MarketState from "./MarketState.js"
/** The configuration schema: venues, listings, equivalences, cost parameters. */
export * as RouterConfig from "./RouterConfig.js"
/** Listings, their fees and latencies, and economic equivalence. */
export * as VenueCatalogue from "./VenueCatalogue.js"
/** The order to route. */
export * as RouteRequest from "./RouteRequest.js"
/** The decision and its explanation. */
export * as RoutingDecision from "./RoutingDecision.js"
/** The pure synchronous router. */
export * as Router from "./Router.js"
/** The router as an Effect service. */
export * as SmartOrderRouter from "./SmartOrderRouter.js"
/** Every error the router raises. */
export * as RouterError from "./RouterError.js"
