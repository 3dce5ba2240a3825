/**
 * What a strategy asks for, before the OMS gives it a status, fills and a client order id:
 * the domain form of a protobuf `Order`. Its fields are the same schemas as the matching
 * `UnifiedOrder` fields of @odum/domain, so turning a request into an order of record
 * copies values and never re-parses them.
 */
import { Decimal, Order, Time } from "@odum/domain"
import { InstrumentId } from "@odum/instrument-id"
import * as Schema from "effect/Schema"

const F = Order.UnifiedOrderFields

/** Fields of OrderRequest, for schemas that extend it. */
export const OrderRequestFields = {
  operationId: F.operationId,
  strategyId: F.strategyId,
  /** A valid canonical instrument id, kept as the sender spelled it (`format(parse(s)) === s`). */
  canonicalId: InstrumentId.InstrumentIdString,
  /** Absent: the smart router chooses. */
  venue: F.venue,
  side: F.side,
  type: F.type,
  timeInForce: F.timeInForce,
  /** In the instrument's base unit, > 0 (the proto's `amount`). */
  quantity: F.quantity,
  /** Required for LIMIT, absent for MARKET. */
  price: F.price,
  /** Required for GTD, absent otherwise. */
  expireAt: F.expireAt,
  reduceOnly: F.reduceOnly,
  postOnly: F.postOnly,
  /** Absent: the order is sent as is. */
  execAlgorithm: F.execAlgorithm,
  /** When the strategy created the request, on its own clock. */
  clientTimestamp: Time.EpochMillis
}

/** The cross-field rules of a request, one message per broken rule (empty when it is valid). */
export const crossFieldIssues = (r: Schema.Struct.Type<typeof OrderRequestFields>): Array<string> => {
  const issues: Array<string> = []
  if (r.type === "LIMIT" && r.price === undefined) issues.push("a LIMIT order needs a price")
  if (r.type === "MARKET" && r.price !== undefined) issues.push("a MARKET order has no price")
  if (r.timeInForce === "GTD" && r.expireAt === undefined) issues.push("a GTD order needs expireAt")
  if (r.timeInForce !== "GTD" && r.expireAt !== undefined) issues.push("only a GTD order has expireAt")
  if (r.expireAt !== undefined && r.expireAt <= r.clientTimestamp) issues.push("expireAt is not after clientTimestamp")
  if (r.postOnly && (r.type !== "LIMIT" || r.timeInForce === "IOC" || r.timeInForce === "FOK")) {
    issues.push("postOnly needs a LIMIT order that is not IOC or FOK")
  }
  if (r.execAlgorithm?.name === "ICEBERG" && Decimal.greaterThan(r.execAlgorithm.params.displayQuantity, r.quantity)) {
    issues.push("the iceberg displayQuantity exceeds quantity")
  }
  return issues
}

/** An order request, decimals as strings when encoded; cross-field rules are checked on decode. */
export const OrderRequest = Schema.Struct(OrderRequestFields).pipe(
  Schema.filter((r) => {
    const issues = crossFieldIssues(r)
    return issues.length === 0 || `order request ${r.operationId}: ${issues.join("; ")}`
  }),
  Schema.annotations({ identifier: "OrderRequest" })
)

/** What a strategy asks for. */
export type OrderRequest = typeof OrderRequest.Type
