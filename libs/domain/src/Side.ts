/** Order and fill direction. */
import * as Schema from "effect/Schema"

/** "BUY" or "SELL", as on the wire and in storage. */
export const Side = Schema.Literal("BUY", "SELL").annotations({ identifier: "Side" })
/** "BUY" or "SELL". */
export type Side = typeof Side.Type

/** The other side: what closes a position opened by `side`. */
export const opposite = (side: Side): Side => (side === "BUY" ? "SELL" : "BUY")

/** +1 for a buy, -1 for a sell: the sign a fill adds to a position. */
export const sign = (side: Side): 1 | -1 => (side === "BUY" ? 1 : -1)

/** The side whose sign is `n`: "BUY" for +1, "SELL" for -1. */
export const fromSign = (n: 1 | -1): Side => (n > 0 ? "BUY" : "SELL")
