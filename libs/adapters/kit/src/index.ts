/** @odum/adapter-kit: the contract every venue adapter implements. */
export * as ExecutionEvent from "./ExecutionEvent.js"
export * as SyncVenue from "./SyncVenue.js"
export * as VenueAdapter from "./VenueAdapter.js"
export * as VenueAdapters from "./VenueAdapters.js"
export * as VenueError from "./VenueError.js"
export * as VenueOrderRequest from "./VenueOrderRequest.js"
