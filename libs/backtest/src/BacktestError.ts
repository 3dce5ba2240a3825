/**
 * Every error @odum/backtest raises. A run's failure crosses process boundaries (the CLI
 * prints it, the backtest HTTP service answers with it), so it is one
 * `Schema.TaggedError` with a `reason`; the message names what is wrong (for a config,
 * every bad field by its path).
 */
import * as Schema from "effect/Schema"

/** Why a run failed. */
export const BacktestErrorReason = Schema.Literal(
  /** The configuration is malformed or inconsistent (with itself or with the catalog); nothing ran. */
  "InvalidConfig",
  /** The market data could not be read (missing, corrupt, unreachable). */
  "Data",
  /** The results could not be written. */
  "Storage",
  /** A component refused to start (a simulated venue, the router, the risk engine) or broke during the run. */
  "Engine",
  /** The run was cancelled (its AbortSignal fired); nothing was written. */
  "Cancelled"
)
/** Why a run failed. */
export type BacktestErrorReason = typeof BacktestErrorReason.Type

/** A run that failed; see `reason` and `message`. */
export class BacktestError extends Schema.TaggedError<BacktestError>()("BacktestError", {
  reason: BacktestErrorReason,
  message: Schema.String,
  /** The run id, once known. */
  runId: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect)
}) {}

/** True for a BacktestError. */
export const isBacktestError = (u: unknown): u is BacktestError => u instanceof BacktestError

/** An InvalidConfig error listing `issues` (each `path: what is wrong`). */
export const invalidConfig = (issues: ReadonlyArray<string>): BacktestError =>
  new BacktestError({
    reason: "InvalidConfig",
    message: issues.length === 1 ? `Invalid backtest config: ${issues[0]}` : `Invalid backtest config:\n- ${issues.join("\n- ")}`
  })
