/**
 * The one error of @odum/instrument-id: an id (or a venue's own name for an instrument)
 * that is malformed, or an instrument a venue form cannot express. It is a
 * `Schema.TaggedError` because it crosses process boundaries: the services return it to
 * the strategy that sent the id, and the CLI prints its message.
 */
import * as Schema from "effect/Schema"

/** What was wrong, so callers can branch without parsing the message. */
export const Reason = Schema.Literal(
  /** the overall shape: empty, too long, wrong number of `:` parts, empty part */
  "Syntax",
  "UnknownAssetClass",
  "UnknownVenue",
  "UnknownType",
  /** the payload has the wrong number of `-` parts for its type */
  "InvalidPayload",
  /** a base, quote, symbol or exchange has characters outside `A-Z 0-9 .` */
  "InvalidCode",
  "InvalidExpiry",
  "InvalidStrike",
  "InvalidRight",
  "InvalidQualifier",
  /** a valid part the venue does not list (type, settlement, asset class, exchange suffix) */
  "Unsupported",
  /** a valid instrument the target form (ccxt, Deribit, IB) cannot write */
  "NotExpressible",
  /** a ccxt symbol, Deribit name or IB contract that is malformed */
  "InvalidVenueForm"
)

/** What was wrong, so callers can branch without parsing the message. */
export type Reason = typeof Reason.Type

/** An id or venue form that was refused; `message` names the offending part and the input. */
export class InstrumentIdError extends Schema.TaggedError<InstrumentIdError>()("InstrumentIdError", {
  reason: Reason,
  /** The text that was refused (a canonical id, a ccxt symbol, a Deribit name, or an IB contract as JSON). */
  input: Schema.String,
  message: Schema.String
}) {}

/**
 * Builds an error whose message reads `<detail> in "<input>"`, then `; <hint>` when there
 * is a hint (the known values, or the spelling that would have been accepted).
 */
export const make = (reason: Reason, input: string, detail: string, hint?: string): InstrumentIdError =>
  new InstrumentIdError(
    {
      reason,
      input,
      message: hint === undefined ? `${detail} in ${JSON.stringify(input)}` : `${detail} in ${JSON.stringify(input)}; ${hint}`
    },
    // The fields are built here from literals and strings: skip re-validating them.
    true
  )
