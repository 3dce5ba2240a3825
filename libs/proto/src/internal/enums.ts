/** The domain literal <-> proto enum tables; the compiler checks each covers every literal. */
import type { Fill, OrderStatus, OrderType, Side } from "@odum/domain"
import * as pb from "../ExecutionV1.js"
import { enumTable } from "./fields.js"

/** Side. */
export const side = enumTable<Side.Side, pb.Side>(pb.SideSchema, { BUY: pb.Side.BUY, SELL: pb.Side.SELL })

/** OrderType. */
export const orderType = enumTable<OrderType.OrderType, pb.OrderType>(pb.OrderTypeSchema, {
  MARKET: pb.OrderType.MARKET,
  LIMIT: pb.OrderType.LIMIT
})

/** TimeInForce. */
export const timeInForce = enumTable<OrderType.TimeInForce, pb.TimeInForce>(pb.TimeInForceSchema, {
  GTC: pb.TimeInForce.GTC,
  IOC: pb.TimeInForce.IOC,
  FOK: pb.TimeInForce.FOK,
  GTD: pb.TimeInForce.GTD,
  DAY: pb.TimeInForce.DAY
})

/** OrderStatus: the ten statuses, same names on both sides. */
export const orderStatus = enumTable<OrderStatus.OrderStatus, pb.OrderStatus>(pb.OrderStatusSchema, {
  PENDING: pb.OrderStatus.PENDING,
  SUBMITTED: pb.OrderStatus.SUBMITTED,
  ACCEPTED: pb.OrderStatus.ACCEPTED,
  PARTIALLY_FILLED: pb.OrderStatus.PARTIALLY_FILLED,
  FILLED: pb.OrderStatus.FILLED,
  PENDING_CANCEL: pb.OrderStatus.PENDING_CANCEL,
  CANCELLED: pb.OrderStatus.CANCELLED,
  REJECTED: pb.OrderStatus.REJECTED,
  EXPIRED: pb.OrderStatus.EXPIRED,
  DENIED: pb.OrderStatus.DENIED
})

/** Liquidity. */
export const liquidity = enumTable<Fill.Liquidity, pb.Liquidity>(pb.LiquiditySchema, {
  MAKER: pb.Liquidity.MAKER,
  TAKER: pb.Liquidity.TAKER
})
