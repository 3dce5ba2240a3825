/**
 * Errors of @odum/adapter-sim, in one place. Order-level problems are not errors here:
 * the simulated venue answers them the way a venue does, with a Rejected event (and a
 * VenueRejection at the Effect edge). What remains is configuration a venue cannot run with.
 */
import * as Data from "effect/Data"

/** Why a simulated venue or matching engine could not be built. */
export type SimConfigReason =
  /** A price or size scale cannot represent the tick or lot size, or is out of range. */
  | "InvalidScale"
  /** An instrument's spec names another venue. */
  | "VenueMismatch"
  /** Two instruments share a canonical id. */
  | "DuplicateInstrument"
  /** Latency is negative or not an integer number of ns. */
  | "InvalidLatency"
  /** Slippage ticks or bps are negative or not integers. */
  | "InvalidSlippage"
  /** An initial balance is not a decimal. */
  | "InvalidBalance"
  /** The venue code is not a venue code. */
  | "InvalidVenue"

/** A simulated venue or engine was configured with something it cannot run with; nothing was built. */
export class SimConfigError extends Data.TaggedError("SimConfigError")<{
  readonly reason: SimConfigReason
  readonly message: string
}> {}
