/**
 * What an adapter sends to a venue for one order: the unified order reduced to the fields
 * a venue needs, with the client order id already derived (`Ids.clientOrderIdFor`), so a
 * resend after a restart carries the same id and the venue refuses the duplicate.
 */
import { Decimal, Ids, OrderType, Side } from "@odum/domain"
import * as Schema from "effect/Schema"

/** Fields of VenueOrderRequest, for schemas that extend it. */
export const VenueOrderRequestFields = {
  clientOrderId: Ids.ClientOrderId,
  /** Canonical instrument id, e.g. "BINANCE-FUTURES:PERPETUAL:BTC-USDT"; the adapter converts it to the venue's symbol. */
  canonicalId: Schema.NonEmptyTrimmedString,
  side: Side.Side,
  type: OrderType.OrderType,
  timeInForce: OrderType.TimeInForce,
  /** In the instrument's quantity unit (contracts for derivatives), on its lot grid. */
  quantity: Decimal.PositiveDecimalFromString,
  /** Required for LIMIT, absent for MARKET; on the instrument's tick grid. */
  price: Schema.optional(Decimal.PositiveDecimalFromString),
  reduceOnly: Schema.Boolean,
  postOnly: Schema.Boolean
}

/**
 * One order request, with decimals as strings when encoded. Decoding checks the
 * combinations every venue refuses (LIMIT without price, MARKET with one, post-only on
 * anything but a resting LIMIT); grid and size limits are the venue's to check.
 */
export const VenueOrderRequest = Schema.Struct(VenueOrderRequestFields).pipe(
  Schema.filter((r) => {
    if (r.type === "LIMIT" && r.price === undefined) return `${r.clientOrderId}: a LIMIT order needs a price`
    if (r.type === "MARKET" && r.price !== undefined) return `${r.clientOrderId}: a MARKET order has no price`
    if (r.postOnly && (r.type !== "LIMIT" || r.timeInForce === "IOC" || r.timeInForce === "FOK")) {
      return `${r.clientOrderId}: post-only needs a LIMIT order that rests (not IOC or FOK)`
    }
    return true
  }),
  Schema.annotations({ identifier: "VenueOrderRequest" })
)
/** One order request. */
export type VenueOrderRequest = typeof VenueOrderRequest.Type
