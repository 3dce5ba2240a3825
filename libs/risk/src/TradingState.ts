/**
 * Whether new orders may trade. ACTIVE: every check applies. REDUCING: only orders that
 * reduce the strategy's position are allowed. HALTED: every new order is denied; cancels
 * are always allowed. States exist globally and per strategy, each set by config and by
 * an operator at runtime; the most restrictive of them applies.
 */
import * as Schema from "effect/Schema"

/** ACTIVE, REDUCING or HALTED. */
export const TradingState = Schema.Literal("ACTIVE", "REDUCING", "HALTED").annotations({ identifier: "TradingState" })
/** ACTIVE, REDUCING or HALTED. */
export type TradingState = typeof TradingState.Type

/** 0 ACTIVE, 1 REDUCING, 2 HALTED: a larger rank restricts more. */
export const rank = (s: TradingState): 0 | 1 | 2 => (s === "ACTIVE" ? 0 : s === "REDUCING" ? 1 : 2)

/** The more restrictive of two states. */
export const mostRestrictive = (a: TradingState, b: TradingState): TradingState => (rank(b) > rank(a) ? b : a)
