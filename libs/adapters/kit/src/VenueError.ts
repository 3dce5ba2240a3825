/**
 * Every error @odum/adapter-kit defines, in one place. Venue errors keep ccxt's split
 * (`NetworkError` vs `ExchangeError`): a transport failure is retriable and leaves the
 * order's fate unknown, a venue answer is definite and final. The registry's own error
 * (no adapter for a venue code) is not a venue error and is kept apart.
 */
import * as Data from "effect/Data"

/** Why a request did not get a definite answer from the venue. */
export type TransportReason =
  /** No answer within the deadline: the request may or may not have been executed. */
  | "Timeout"
  /** The connection failed or dropped while the request was in flight. */
  | "NetworkError"
  /** The venue answered with a maintenance, overload or 5xx status (ccxt ExchangeNotAvailable). */
  | "VenueUnavailable"
  /** The venue throttled us (HTTP 429/418, ccxt RateLimitExceeded / DDoSProtection). */
  | "RateLimited"
  /** The request's nonce or timestamp was refused as stale (ccxt InvalidNonce); a resend with a fresh one may succeed. */
  | "InvalidNonce"

/**
 * The request did not get a definite answer: retriable, and AMBIGUOUS for anything that
 * changes state. A submit that fails this way may have reached the venue; the order stays
 * in flight until reconciliation finds it (or proves it absent). Never turn it into a reject.
 */
export class VenueTransportError extends Data.TaggedError("VenueTransportError")<{
  readonly reason: TransportReason
  readonly venue: string
  readonly message: string
  readonly cause?: unknown
}> {}

/** What a venue definitely refused, as a venue-independent code. */
export type RejectionReason =
  /** No such instrument at the venue (or not tradable there). */
  | "UnknownInstrument"
  /** Quantity is zero, negative or not a number the venue accepts. */
  | "InvalidQuantity"
  /** Price is zero, negative, or present/absent against the order type. */
  | "InvalidPrice"
  /** Price is not a multiple of the tick size. */
  | "OffTickGrid"
  /** Quantity is not a multiple of the lot size. */
  | "OffLotGrid"
  | "BelowMinQuantity"
  | "AboveMaxQuantity"
  | "BelowMinNotional"
  /** A post-only order would have taken liquidity (ccxt OrderImmediatelyFillable). */
  | "PostOnlyWouldCross"
  /** A reduce-only order would open or increase a position. */
  | "ReduceOnlyWouldIncrease"
  /** The venue does not support this order (type, time in force or flag combination). */
  | "UnsupportedOrder"
  /** A working order already uses this client order id. */
  | "DuplicateOrder"
  | "InsufficientFunds"
  /** The order to cancel or query is unknown or already closed (ccxt OrderNotFound). */
  | "OrderNotFound"
  | "AuthenticationFailed"
  | "PermissionDenied"
  /** Invalid for a reason the venue did not classify more precisely (ccxt InvalidOrder). */
  | "InvalidOrder"
  /** Any other definite refusal (ccxt ExchangeError); `message` carries the venue's text. */
  | "Other"

/** The venue gave a definite answer refusing the request: final, never retried as is. */
export class VenueRejection extends Data.TaggedError("VenueRejection")<{
  readonly reason: RejectionReason
  readonly venue: string
  readonly message: string
  readonly cause?: unknown
}> {}

/** Any failure of a venue request. */
export type VenueError = VenueTransportError | VenueRejection

/** True if retrying the same request may succeed (transport errors only; a rejection is final). */
export const isRetriable = (error: VenueError): error is VenueTransportError => error._tag === "VenueTransportError"

/**
 * True if the request's effect at the venue is unknown. For a submit or cancel this means
 * the order must stay in flight until reconciliation; it is exactly the transport errors.
 */
export const isAmbiguous = (error: VenueError): error is VenueTransportError => error._tag === "VenueTransportError"

/** Why the adapter registry refused a lookup or a registration. */
export type VenueRegistryReason = "NotRegistered" | "DuplicateVenue"

/** No adapter is registered for a venue code, or two adapters claim the same code. */
export class VenueRegistryError extends Data.TaggedError("VenueRegistryError")<{
  readonly reason: VenueRegistryReason
  readonly venue: string
  readonly message: string
}> {}
