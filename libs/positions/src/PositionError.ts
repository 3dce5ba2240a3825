/**
 * Every error @odum/positions raises, in one place. They are in-process failures
 * (`Data.TaggedError` with a small `reason` union): a refused fill, mark or report leaves
 * the tracker exactly as it was, and the message names what was wrong.
 */
import * as Data from "effect/Data"

/** Why an input was refused (or a figure could not be computed). */
export type PositionErrorReason =
  /** The fill or mark names an instrument the tracker has no `InstrumentSpec` for. */
  | "UnknownInstrument"
  /** An instrument was registered twice with different terms. */
  | "InvalidInstrument"
  /** A fill with the same (venue, tradeId) was applied before; the message says whether it is an identical replay. */
  | "DuplicateFill"
  /** A fill is malformed: non-decimal or non-positive quantity, bad price, fee, side, or a venue that is not the instrument's. */
  | "InvalidFill"
  /** A mark price is not a decimal, is negative, or is zero for an inverse contract. */
  | "InvalidMark"
  /** A figure needs a mark price that was never given. */
  | "MissingMark"
  /** An exposure needs a conversion rate that the rate table lacks. */
  | "MissingRate"
  /** A venue's position report is malformed (bad quantity, the same position twice). */
  | "InvalidReport"

/** A fill, mark, instrument or report was refused; nothing was changed. */
export class PositionError extends Data.TaggedError("PositionError")<{
  readonly reason: PositionErrorReason
  readonly message: string
  /** The instrument concerned, when there is one. */
  readonly canonicalId?: string
  /** The decoding failure or exception behind the error, when there is one. */
  readonly cause?: unknown
}> {}

/** Builds a PositionError; the one constructor the library uses so messages stay uniform. */
export const make = (reason: PositionErrorReason, message: string, canonicalId?: string, cause?: unknown): PositionError =>
  new PositionError({
    reason,
    message,
    ...(canonicalId === undefined ? {} : { canonicalId }),
    ...(cause === undefined ? {} : { cause })
  })
