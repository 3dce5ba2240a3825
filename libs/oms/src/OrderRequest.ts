/**
 * What a caller asks the OMS to record: an order before it has any lifecycle. The schema
 * decodes the wire form (decimals as strings) at the edge; the order manager takes the
 * decoded value and still checks it, so a JavaScript caller passing a number or a string
 * where a Decimal belongs gets a typed refusal, not a crash.
 */
import { Decimal, Ids, Order, OrderType, Side, Time } from "@odum/domain"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidOrderRequest } from "./OmsError.js"

/** An order request, with decimals as strings when encoded. */
export const OrderRequest = Schema.Struct({
  /** The idempotency key: the same request under the same id is recorded once. */
  operationId: Ids.OperationId,
  strategyId: Ids.StrategyId,
  canonicalId: Schema.NonEmptyTrimmedString,
  /** The venue the order is for; must be the instrument's venue. Absent for an order only children will work. */
  venue: Schema.optional(Ids.Venue),
  side: Side.Side,
  type: OrderType.OrderType,
  timeInForce: OrderType.TimeInForce,
  quantity: Decimal.PositiveDecimalFromString,
  price: Schema.optional(Decimal.PositiveDecimalFromString),
  expireAt: Schema.optional(Time.EpochMillis),
  reduceOnly: Schema.optional(Schema.Boolean),
  postOnly: Schema.optional(Schema.Boolean),
  execAlgorithm: Schema.optional(Order.ExecAlgorithm),
  /** Makes this a child order of that (algorithm) order. */
  parentOperationId: Schema.optional(Ids.OperationId)
}).annotations({ identifier: "OrderRequest" })

/** An order request. */
export type OrderRequest = typeof OrderRequest.Type

/** The wire form of an order request (decimals as strings). */
export type OrderRequestEncoded = typeof OrderRequest.Encoded

const decodeEither = Schema.decodeUnknownEither(OrderRequest, { errors: "all", onExcessProperty: "error" })

/** Decodes an untrusted request; the error message names every bad field. */
export const decode = (input: unknown): Either.Either<OrderRequest, InvalidOrderRequest> =>
  Either.mapLeft(
    decodeEither(input),
    (error) =>
      new InvalidOrderRequest({
        reason: "Malformed",
        operationId: operationIdOf(input),
        message: `Invalid order request: ${ParseResult.TreeFormatter.formatErrorSync(error)}`
      })
  )

const operationIdOf = (input: unknown): string | undefined => {
  if (typeof input !== "object" || input === null) return undefined
  const id = (input as { operationId?: unknown }).operationId
  return typeof id === "string" ? id : undefined
}
