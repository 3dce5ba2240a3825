/**
 * Every error @odum/router raises, in one place. In-process failures (`Data.TaggedError`
 * with a small `reason` union). `NoRoute` carries the evaluated candidates, which are
 * JSON-serialisable, so a caller that must send the refusal across a process boundary can
 * copy them into its own serialisable error.
 */
import * as Data from "effect/Data"
import type { Candidate } from "./RoutingDecision.js"

/** Why a router configuration was refused. */
export type RouterConfigErrorReason =
  /** The input does not match the config schema (unknown field, bad decimal, wrong type). */
  | "InvalidConfig"
  /** A listing's canonical id does not parse, or contradicts its spec (venue, base, quote). */
  | "InvalidListing"
  /** The same canonical id is listed twice, or a venue profile is given twice. */
  | "Duplicate"
  /** A listing names a venue that has no profile. */
  | "UnknownVenue"
  /** An explicit equivalence names an unlisted id or joins listings that are not interchangeable. */
  | "InvalidEquivalence"

/** A configuration was refused; nothing was built. */
export class RouterConfigError extends Data.TaggedError("RouterConfigError")<{
  readonly reason: RouterConfigErrorReason
  readonly message: string
  readonly cause?: unknown
}> {}

/** Why a routing request is malformed (as opposed to well formed but unroutable). */
export type InvalidRouteRequestReason =
  | "InvalidInstrumentId"
  | "NonPositiveQuantity"
  | "MissingPrice"
  | "UnexpectedPrice"
  | "NonPositivePrice"
  | "InvalidPostOnly"

/** A request that can never be routed as written; the router changed nothing. */
export class InvalidRouteRequest extends Data.TaggedError("InvalidRouteRequest")<{
  readonly reason: InvalidRouteRequestReason
  readonly message: string
}> {}

/** Why no route exists for a well-formed request. */
export type NoRouteReason =
  /** The instrument is not in the venue catalogue. */
  | "NotListed"
  /** The order names a venue that does not list the instrument (or an equivalent). */
  | "ExplicitVenueNotListed"
  /** The order names a venue that is listed but cannot take it now (circuit open, depth, limits). */
  | "ExplicitVenueUnavailable"
  /** No candidate venue, alone or in a split, can take the order. */
  | "NoFeasibleVenue"

/**
 * No venue can take the order. `candidates` says why for each venue considered (empty
 * for `NotListed`); the order is never silently sent elsewhere.
 */
export class NoRoute extends Data.TaggedError("NoRoute")<{
  readonly reason: NoRouteReason
  readonly message: string
  readonly canonicalId: string
  readonly candidates: ReadonlyArray<Candidate>
}> {}

/** An order book that breaks the ordering or sign rules; refused before the router reads it. */
export class InvalidOrderBook extends Data.TaggedError("InvalidOrderBook")<{
  readonly message: string
}> {}

/** Any failure of `Router.route`. */
export type RouteError = InvalidRouteRequest | NoRoute
