/**
 * The order filter shared by the in-memory manager and every store: fields combine with
 * AND, an absent field does not filter. Results come in creation order.
 */
import { OrderStatus } from "@odum/domain"
import type { Ids } from "@odum/domain"
import type { ManagedOrder } from "./ManagedOrder.js"

/** Which orders to return. */
export interface OrderQuery {
  readonly strategyId?: Ids.StrategyId | undefined
  readonly venue?: Ids.Venue | undefined
  readonly canonicalId?: string | undefined
  /** Any of these statuses (an empty list matches nothing). */
  readonly statuses?: ReadonlyArray<OrderStatus.OrderStatus> | undefined
  /** Children of this order. */
  readonly parentOperationId?: Ids.OperationId | undefined
  /**
   * Only orders that are not final. PENDING counts: after a crash a PENDING order may have
   * been sent, so recovery must see it (unlike the domain's `isOpen`, which excludes PENDING).
   */
  readonly nonTerminal?: boolean | undefined
  /** At most this many orders (default and maximum: `MAX_LIMIT`). */
  readonly limit?: number | undefined
}

/** Largest page a query returns. */
export const MAX_LIMIT = 10_000

/** The effective limit of a query. */
export const limitOf = (q: OrderQuery): number =>
  q.limit === undefined || !Number.isInteger(q.limit) || q.limit <= 0 ? MAX_LIMIT : Math.min(q.limit, MAX_LIMIT)

/** True if the order passes every filter of the query (the limit aside). */
export const matches = (q: OrderQuery, m: ManagedOrder): boolean => {
  const o = m.order
  return (
    (q.strategyId === undefined || o.strategyId === q.strategyId) &&
    (q.venue === undefined || o.venue === q.venue) &&
    (q.canonicalId === undefined || o.canonicalId === q.canonicalId) &&
    (q.statuses === undefined || q.statuses.includes(o.status)) &&
    (q.parentOperationId === undefined || o.parentOperationId === q.parentOperationId) &&
    (q.nonTerminal !== true || !OrderStatus.isTerminal(o.status))
  )
}
