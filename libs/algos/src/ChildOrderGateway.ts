/**
 * The port through which `AlgoDriver` sends child orders. The execution core implements
 * it over the OMS (which records each child under its parent) and the router; tests
 * implement it with a simulated venue. Fills and ends come back to the driver's inbox.
 */
import type { Decimal, OrderType, Side } from "@odum/domain"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Spawn } from "./Action.js"
import type { ChildOrderError } from "./AlgoError.js"
import type { ExecutionAlgorithm } from "./ExecutionAlgorithm.js"
import * as Grid from "./Grid.js"

/** A child order as the host records and routes it: the spawn action in exact decimals. */
export interface ChildOrder {
  /** The child's operation id, `${parent}:c${n}`; its client order id derives from it. */
  readonly operationId: string
  readonly parentOperationId: string
  readonly side: Side.Side
  readonly type: OrderType.OrderType
  readonly timeInForce: OrderType.TimeInForce
  readonly quantity: Decimal.Decimal
  /** Present for LIMIT children only. */
  readonly price?: Decimal.Decimal
}

/** Sends and cancels child orders. */
export interface Service {
  /**
   * Records and sends one child. Fails with `Rejected` when it certainly never reached the
   * market (the driver then treats the child as rejected), `Ambiguous` when the outcome is
   * unknown (the child stays working until its fill or end is reported).
   */
  readonly submit: (child: ChildOrder) => Effect.Effect<void, ChildOrderError>
  /** Asks for a child's cancellation; its end (or fill) is reported later. */
  readonly cancel: (childId: string) => Effect.Effect<void, ChildOrderError>
}

/** The child-order port. */
export class ChildOrderGateway extends Context.Tag("@odum/algos/ChildOrderGateway")<ChildOrderGateway, Service>() {}

/** A layer from an implementation. */
export const layer = (service: Service): Layer.Layer<ChildOrderGateway> => Layer.succeed(ChildOrderGateway, service)

/** The child order a spawn action asks for, in decimals on the algorithm's grid. */
export const fromSpawn = (algo: ExecutionAlgorithm, spawn: Spawn): ChildOrder => {
  const base = {
    operationId: spawn.childId,
    parentOperationId: algo.config.operationId,
    side: spawn.side,
    type: spawn.type,
    timeInForce: spawn.timeInForce,
    quantity: Grid.quantityOf(algo.grid, spawn.lots)
  }
  return spawn.priceTicks === undefined ? base : { ...base, price: Grid.priceOf(algo.grid, spawn.priceTicks) }
}
