/**
 * An order as the OMS holds it: the domain's order of record, the state-machine state it
 * projects, its fills and a version. Immutable plain data: every accepted change makes a
 * new value, so a value handed to a caller or a store never changes under it.
 *
 * The stored form (`Stored`) drops the state, which is derived from the order and its
 * fills on the way back (`fromStored`) and checked against them, plus the one flag that is
 * not derivable (`cancelRequested`).
 */
import { Decimal, ExecutionResult, Fill, Ids, Order, OrderStateMachine } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { OrderStoreError } from "./OmsError.js"

/** An order as the OMS holds it. */
export interface ManagedOrder {
  /** The order of record (status, filled quantity, average price follow `state`). */
  readonly order: Order.UnifiedOrder
  /** The state machine's state: exact filled notional, trade ids, cancel flag. */
  readonly state: OrderStateMachine.OrderState
  /**
   * Fills in the order they were recorded. A parent's list holds its children's fills
   * (their `operationId` names the child).
   */
  readonly fills: ReadonlyArray<Fill.Fill>
  /** 1 when created, +1 per accepted change: the journal key and the store's concurrency check. */
  readonly version: number
}

/** The stored form of a ManagedOrder, with decimals as strings when encoded. */
export const Stored = Schema.Struct({
  order: Order.UnifiedOrder,
  fills: Schema.Array(Fill.Fill),
  version: Schema.Int.pipe(Schema.positive()),
  cancelRequested: Schema.Boolean
}).annotations({ identifier: "StoredOrder" })

/** The stored form of a ManagedOrder. */
export type Stored = typeof Stored.Type

/** True if `fill` reached this order through a child (its own fills carry its own operation id). */
export const isChildFill = (m: ManagedOrder, fill: Fill.Fill): boolean => fill.operationId !== m.order.operationId

/**
 * The trade id the state machine records for a fill: the venue's own for a fill of this
 * order, `venue|tradeId` for a child's fill, since children may trade on different venues
 * whose trade ids can coincide.
 */
export const stateTradeId = (operationId: Ids.OperationId, fill: Fill.Fill): Ids.TradeId =>
  fill.operationId === operationId ? fill.tradeId : (Fill.key(fill) as Ids.TradeId)

/** The stored form. */
export const toStored = (m: ManagedOrder): Stored => ({
  order: m.order,
  fills: m.fills,
  version: m.version,
  cancelRequested: m.state.cancelRequested
})

/**
 * The ManagedOrder a stored row describes, with its state derived from the order and the
 * fills. Fails (Corrupt) if the row contradicts itself: fills that do not sum to the
 * filled quantity, or a filled quantity above the order's.
 */
export const fromStored = (s: Stored): Either.Either<ManagedOrder, OrderStoreError> => {
  const { order } = s
  let filled = Decimal.zero
  let notional = Decimal.zero
  const tradeIds: Array<Ids.TradeId> = []
  for (const fill of s.fills) {
    filled = Decimal.add(filled, fill.quantity)
    notional = Decimal.add(notional, Decimal.mul(fill.quantity, fill.price))
    tradeIds.push(stateTradeId(order.operationId, fill))
  }
  if (!Decimal.equals(filled, order.filledQuantity) || Decimal.greaterThan(filled, order.quantity)) {
    return Either.left(
      new OrderStoreError({
        reason: "Corrupt",
        operationId: order.operationId,
        message: `Stored order ${order.operationId}: fills total ${Decimal.format(filled)}, the order says ${Decimal.format(order.filledQuantity)} of ${Decimal.format(order.quantity)}`
      })
    )
  }
  const state: OrderStateMachine.OrderState = {
    status: order.status,
    quantity: order.quantity,
    filledQuantity: filled,
    filledNotional: notional,
    venueOrderId: order.venueOrderId,
    cancelRequested: s.cancelRequested,
    tradeIds,
    rejectReason: order.rejectReason
  }
  return Either.right({ order, state, fills: s.fills, version: s.version })
}

/** The answer to the strategy for this order (its fills included). */
export const toExecutionResult = (m: ManagedOrder): ExecutionResult.ExecutionResult =>
  ExecutionResult.fromOrder(m.order, m.fills)
