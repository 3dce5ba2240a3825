/**
 * Order type and time in force. `postOnly` and `reduceOnly` are flags on the order, not
 * types, because venues combine them freely with LIMIT (and reduceOnly with MARKET).
 */
import * as Schema from "effect/Schema"

/** MARKET (no price) or LIMIT (price required). */
export const OrderType = Schema.Literal("MARKET", "LIMIT").annotations({ identifier: "OrderType" })
/** MARKET or LIMIT. */
export type OrderType = typeof OrderType.Type

/**
 * How long an order stays working: GTC until cancelled, IOC fill what you can now, FOK
 * all now or nothing, GTD until an expiry time, DAY until the venue's session ends.
 */
export const TimeInForce = Schema.Literal("GTC", "IOC", "FOK", "GTD", "DAY").annotations({ identifier: "TimeInForce" })
/** GTC, IOC, FOK, GTD or DAY. */
export type TimeInForce = typeof TimeInForce.Type

/** True if the order type needs a limit price. */
export const requiresPrice = (type: OrderType): boolean => type === "LIMIT"
