/**
 * Every error @odum/algos raises. All are in-process failures (`Data.TaggedError` with a
 * small `reason` union); a host that answers a client converts them to its own wire error.
 */
import * as Data from "effect/Data"

/** One problem with an order's algorithm parameters, named by its path (e.g. `params.displayQuantity`). */
export interface ParamIssue {
  readonly param: string
  readonly message: string
}

/** Why an algorithm could not be built for an order. */
export type InvalidAlgoParamsReason =
  /** The order's `execAlgorithm` params are malformed or out of range. */
  | "InvalidParams"
  /** The host's algorithm options (randomisation, profile, ...) are malformed or out of range. */
  | "InvalidOptions"
  /** The parent order itself cannot be worked (no algorithm, quantity off the lot grid, below the minimum, ...). */
  | "UnsupportedOrder"

/** The algorithm was not built; the message lists every problem found, each naming the parameter and its value. */
export class InvalidAlgoParams extends Data.TaggedError("InvalidAlgoParams")<{
  readonly reason: InvalidAlgoParamsReason
  readonly operationId: string
  readonly issues: ReadonlyArray<ParamIssue>
  readonly message: string
}> {}

/** Why an event given to an algorithm was refused. */
export type InvalidAlgoEventReason =
  /** A fill or end for a child id this algorithm never spawned. */
  | "UnknownChild"
  /** A fill of zero, negative or fractional lots, a negative or fractional trade size, or a bad time. */
  | "InvalidQuantity"
  /** A fill larger than what the child has left. */
  | "Overfill"
  /** A decimal quantity that is not a whole number of lots (in the Effect driver). */
  | "OffGrid"
  /** A time that is not a non-negative whole number of milliseconds. */
  | "InvalidTime"

/**
 * An event the algorithm refuses; its state is unchanged. The pure core throws it (a hot
 * path returns actions, not Eithers); `AlgoDriver` turns it into a typed failure.
 */
export class InvalidAlgoEvent extends Data.TaggedError("InvalidAlgoEvent")<{
  readonly reason: InvalidAlgoEventReason
  readonly message: string
}> {}

/** Why the child-order port failed. */
export type ChildOrderErrorReason =
  /** The venue, risk or the OMS refused the child for certain: it will never trade. */
  | "Rejected"
  /** The outcome is unknown (timeout, dropped connection): the child stays in flight until reconciliation reports it. */
  | "Ambiguous"

/** A child order could not be submitted or cancelled. */
export class ChildOrderError extends Data.TaggedError("ChildOrderError")<{
  readonly reason: ChildOrderErrorReason
  readonly childId: string
  readonly message: string
  readonly cause?: unknown
}> {}
