/**
 * The unified order: one record per order (or child order) across every venue, the row
 * the OMS stores and the UI shows. Its lifecycle fields (status, fills, venue id) are a
 * projection of the OrderStateMachine state; `withState` keeps them in step.
 */
import * as Schema from "effect/Schema"
import * as Decimal from "./Decimal.js"
import { ClientOrderId, OperationId, StrategyId, Venue, VenueOrderId } from "./Ids.js"
import type { OrderState } from "./OrderStateMachine.js"
import { averageFillPrice } from "./OrderStateMachine.js"
import { OrderStatus } from "./OrderStatus.js"
import { OrderType, TimeInForce } from "./OrderType.js"
import { Side } from "./Side.js"
import { EpochMillis } from "./Time.js"

const PositiveInt = Schema.Int.pipe(Schema.positive())

/** TWAP: `sliceCount` equal child orders spread evenly over `durationMs`. */
export const Twap = Schema.Struct({
  name: Schema.Literal("TWAP"),
  params: Schema.Struct({ durationMs: PositiveInt, sliceCount: PositiveInt })
})

/** VWAP: child orders follow the volume profile over `durationMs`, optionally capped at a share of volume. */
export const Vwap = Schema.Struct({
  name: Schema.Literal("VWAP"),
  params: Schema.Struct({
    durationMs: PositiveInt,
    sliceCount: PositiveInt,
    /** Largest share of market volume, in (0, 1]. */
    maxParticipationRate: Schema.optional(
      Decimal.PositiveDecimalFromString.pipe(
        Schema.filter((r) => Decimal.lessThanOrEqual(r, Decimal.one) || "a participation rate is at most 1")
      )
    )
  })
})

/** Iceberg: show `displayQuantity` at a time until the whole quantity is done. */
export const Iceberg = Schema.Struct({
  name: Schema.Literal("ICEBERG"),
  params: Schema.Struct({ displayQuantity: Decimal.PositiveDecimalFromString })
})

/** The execution algorithm working an order, `{ name, params }` discriminated by name (mirrors the proto oneof). */
export const ExecAlgorithm = Schema.Union(Twap, Vwap, Iceberg).annotations({ identifier: "ExecAlgorithm" })
/** The execution algorithm working an order. */
export type ExecAlgorithm = typeof ExecAlgorithm.Type

/** Fields of UnifiedOrder, for schemas that extend it (e.g. a stored row). */
export const UnifiedOrderFields = {
  operationId: OperationId,
  /** `Ids.clientOrderIdFor(operationId)` for our orders. */
  clientOrderId: ClientOrderId,
  /** The algorithm order a child order was spawned by. */
  parentOperationId: Schema.optional(OperationId),
  strategyId: StrategyId,
  canonicalId: Schema.NonEmptyTrimmedString,
  /** Absent until the router picks a venue. */
  venue: Schema.optional(Venue),
  side: Side,
  type: OrderType,
  timeInForce: TimeInForce,
  /** In the instrument's base unit (contracts for derivatives), > 0. */
  quantity: Decimal.PositiveDecimalFromString,
  /** Limit price: required for LIMIT, absent for MARKET. */
  price: Schema.optional(Decimal.PositiveDecimalFromString),
  /** Required for GTD, absent otherwise. */
  expireAt: Schema.optional(EpochMillis),
  filledQuantity: Decimal.NonNegativeDecimalFromString,
  averageFillPrice: Schema.optional(Decimal.DecimalFromString),
  status: OrderStatus,
  venueOrderId: Schema.optional(VenueOrderId),
  reduceOnly: Schema.Boolean,
  postOnly: Schema.Boolean,
  execAlgorithm: Schema.optional(ExecAlgorithm),
  createdAt: EpochMillis,
  updatedAt: EpochMillis,
  /** Why risk denied or the venue rejected it. */
  rejectReason: Schema.optional(Schema.String)
}

/** The cross-field rules of an order; the message lists every broken one. */
const orderIssues = (o: Schema.Struct.Type<typeof UnifiedOrderFields>): Array<string> => {
  const issues: Array<string> = []
  if (o.type === "LIMIT" && o.price === undefined) issues.push("a LIMIT order needs a price")
  if (o.type === "MARKET" && o.price !== undefined) issues.push("a MARKET order has no price")
  if (o.timeInForce === "GTD" && o.expireAt === undefined) issues.push("a GTD order needs expireAt")
  if (o.timeInForce !== "GTD" && o.expireAt !== undefined) issues.push("only a GTD order has expireAt")
  if (o.postOnly && (o.type !== "LIMIT" || o.timeInForce === "IOC" || o.timeInForce === "FOK")) {
    issues.push("postOnly needs a LIMIT order that is not IOC or FOK")
  }
  if (Decimal.greaterThan(o.filledQuantity, o.quantity)) issues.push("filledQuantity exceeds quantity")
  if (o.updatedAt < o.createdAt) issues.push("updatedAt is before createdAt")
  return issues
}

/** An order of record, with decimals as strings when encoded; cross-field rules are checked on decode. */
export const UnifiedOrder = Schema.Struct(UnifiedOrderFields).pipe(
  Schema.filter((o) => {
    const issues = orderIssues(o)
    return issues.length === 0 || `order ${o.operationId}: ${issues.join("; ")}`
  }),
  Schema.annotations({ identifier: "UnifiedOrder" })
)
/** An order of record. */
export type UnifiedOrder = typeof UnifiedOrder.Type

/**
 * The order with its lifecycle fields taken from a state-machine state, stamped `now`
 * (never earlier than its last update, so a clock step back cannot reorder history). The
 * average fill price is rounded once, to 18 places half-even, from the exact notional.
 */
export const withState = (order: UnifiedOrder, state: OrderState, now: EpochMillis): UnifiedOrder => {
  const { averageFillPrice: _a, venueOrderId: _v, rejectReason: _r, ...rest } = order
  const average = averageFillPrice(state)
  return {
    ...rest,
    status: state.status,
    filledQuantity: state.filledQuantity,
    ...(average === undefined ? {} : { averageFillPrice: average }),
    ...(state.venueOrderId === undefined ? {} : { venueOrderId: state.venueOrderId }),
    ...(state.rejectReason === undefined ? {} : { rejectReason: state.rejectReason }),
    updatedAt: Math.max(now, order.updatedAt)
  }
}

/** What is left to fill. */
export const remainingQuantity = (order: UnifiedOrder): Decimal.Decimal => Decimal.sub(order.quantity, order.filledQuantity)
