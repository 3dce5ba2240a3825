/**
 * What the router is asked: an instrument, a side, a quantity, how the order executes
 * (market, limit, time in force, post-only) and optionally a venue the order is pinned to.
 */
import { Decimal, type Order, type OrderType, type Side } from "@odum/domain"

/** One order (or child order) to route. */
export interface RouteRequest {
  /**
   * The listing that defines the instrument and the quantity's unit (contracts of this
   * listing for derivatives). The router may send the order to any equivalent listing
   * unless `venue` pins it.
   */
  readonly canonicalId: string
  readonly side: Side.Side
  readonly type: OrderType.OrderType
  /** > 0, in the unit of `canonicalId`'s listing. */
  readonly quantity: Decimal.Decimal
  /** The limit price: required for LIMIT, absent for MARKET. Never walked beyond. */
  readonly price?: Decimal.Decimal | undefined
  /** Defaults to IOC for MARKET and GTC for LIMIT. IOC and FOK never rest; FOK is never split. */
  readonly timeInForce?: OrderType.TimeInForce | undefined
  /** Rest only: never take liquidity (LIMIT, not IOC or FOK). */
  readonly postOnly?: boolean | undefined
  /** Pins the order to this venue: routed there or refused, never elsewhere. */
  readonly venue?: string | undefined
  /** Price reference for listings without a book when no book is known anywhere (e.g. last or mark price). */
  readonly referencePrice?: Decimal.Decimal | undefined
}

/**
 * The request for what is left of an order of record. `order.venue`, when set, pins the
 * order (an order carries a venue only when the strategy chose one or the router already did).
 */
export const fromOrder = (order: Order.UnifiedOrder, referencePrice?: Decimal.Decimal): RouteRequest => ({
  canonicalId: order.canonicalId,
  side: order.side,
  type: order.type,
  quantity: Decimal.sub(order.quantity, order.filledQuantity),
  price: order.price,
  timeInForce: order.timeInForce,
  postOnly: order.postOnly,
  venue: order.venue,
  referencePrice
})
