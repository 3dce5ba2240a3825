/**
 * Machine-readable reasons for a denial. One code per check and direction, so a caller
 * (or a dashboard) can react without parsing the message.
 */
import * as Schema from "effect/Schema"

/** Every denial reason, in the order the engine runs the checks. */
export const RiskReason = Schema.Literal(
  "TRADING_HALTED",
  "UNKNOWN_INSTRUMENT",
  "INVALID_QUANTITY",
  "PRICE_MISSING",
  "INVALID_PRICE",
  "QUANTITY_OFF_LOT",
  "PRICE_OFF_TICK",
  "QUANTITY_BELOW_MIN",
  "QUANTITY_ABOVE_MAX",
  "TRADING_REDUCING",
  "REDUCE_ONLY_WOULD_INCREASE",
  "REDUCE_ONLY_WOULD_FLIP",
  "NO_REFERENCE_PRICE",
  "PRICE_TOLERANCE",
  "NOTIONAL_BELOW_MIN",
  "NOTIONAL_ABOVE_MAX",
  "VELOCITY_STRATEGY_PER_SECOND",
  "VELOCITY_STRATEGY_PER_MINUTE",
  "VELOCITY_GLOBAL_PER_SECOND",
  "VELOCITY_GLOBAL_PER_MINUTE",
  "POSITION_LIMIT_STRATEGY",
  "POSITION_LIMIT_INSTRUMENT",
  "POSITION_LIMIT_GLOBAL",
  "EXPOSURE_LIMIT_STRATEGY",
  "EXPOSURE_LIMIT",
  "BALANCE_UNKNOWN",
  "INSUFFICIENT_BALANCE"
).annotations({ identifier: "RiskReason" })
/** A denial reason code. */
export type RiskReason = typeof RiskReason.Type

/** All reason codes, in check order. */
export const all: ReadonlyArray<RiskReason> = RiskReason.literals
