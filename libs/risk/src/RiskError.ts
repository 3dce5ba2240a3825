/**
 * Every error @odum/risk raises, in one place. In-process failures (`Data.TaggedError`
 * with a small `reason` union); a denial is not an error but a RiskDecision.
 */
import * as Data from "effect/Data"

/** Why a configuration was refused. */
export type RiskConfigErrorReason =
  /** The input does not match the config schema (unknown field, bad decimal, wrong type). */
  | "InvalidConfig"
  /** Fields are valid alone but contradict each other (min above max). */
  | "InconsistentLimits"

/** A configuration was refused; the engine keeps the one it had. */
export class RiskConfigError extends Data.TaggedError("RiskConfigError")<{
  readonly reason: RiskConfigErrorReason
  readonly message: string
  readonly cause?: unknown
}> {}

/** Why the in-memory book refused an update. */
export type RiskBookErrorReason =
  | "UnknownInstrument"
  | "UnknownOrder"
  | "DuplicateOrder"
  | "InvalidQuantity"
  | "InvalidPrice"

/** The in-memory book refused an update; it changed nothing. */
export class RiskBookError extends Data.TaggedError("RiskBookError")<{
  readonly reason: RiskBookErrorReason
  readonly message: string
}> {}
