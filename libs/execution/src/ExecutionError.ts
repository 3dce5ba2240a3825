/**
 * Every error @odum/execution raises, in one place. A denial, a venue rejection or an
 * order in doubt is not an error: it is a result (DENIED, REJECTED, SUBMITTED). Errors
 * are for requests that cannot become an order at all, for lookups of unknown orders and
 * for a store that did not take a write. They cross the API boundary (the live app answers
 * with them), so the error is a `Schema.TaggedError`.
 */
import * as Schema from "effect/Schema"

/** Why a call failed. */
export const ExecutionErrorReason = Schema.Literal(
  /** The request is malformed or names an unknown instrument; nothing was recorded. */
  "InvalidRequest",
  /** The operation id exists with a different request; the first order stands, nothing was sent. */
  "DuplicateOperation",
  /** The order's execution algorithm parameters are invalid; nothing was recorded. */
  "InvalidAlgorithm",
  /** No order has this operation id. */
  "OrderNotFound",
  /**
   * The order store did not take a write. What the call changed is kept in memory and
   * retried with the next write; nothing is sent to a venue before its order is durable.
   */
  "StoreUnavailable"
)
/** Why a call failed. */
export type ExecutionErrorReason = typeof ExecutionErrorReason.Type

/** A call that failed; see `reason`. */
export class ExecutionError extends Schema.TaggedError<ExecutionError>()("ExecutionError", {
  reason: ExecutionErrorReason,
  message: Schema.String,
  operationId: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect)
}) {}

/** True for an ExecutionError (the synchronous core returns errors as values). */
export const isExecutionError = (u: unknown): u is ExecutionError => u instanceof ExecutionError
