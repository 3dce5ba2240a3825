import { Decimal, Order } from "@odum/domain"
import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import { RouteRequest } from "../src/index.js"

const order = (fields: Record<string, unknown>) =>
  Schema.decodeUnknownSync(Order.UnifiedOrder)({
    operationId: "op-1",
    clientOrderId: "od0000000000000000000000000000000",
    strategyId: "s1",
    canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
    side: "SELL",
    type: "LIMIT",
    timeInForce: "GTC",
    quantity: "2",
    price: "65000",
    filledQuantity: "0.75",
    status: "PARTIALLY_FILLED",
    reduceOnly: false,
    postOnly: true,
    createdAt: 1,
    updatedAt: 2,
    ...fields
  })

describe("RouteRequest.fromOrder", () => {
  it("routes what is left of the order, with its limit, flags and pinned venue", () => {
    const r = RouteRequest.fromOrder(order({ venue: "OKX" }), Decimal.unsafeFromString("64990"))
    expect(Decimal.format(r.quantity)).toBe("1.25")
    expect(r).toMatchObject({ side: "SELL", type: "LIMIT", timeInForce: "GTC", postOnly: true, venue: "OKX" })
    expect(Decimal.format(r.price!)).toBe("65000")
    expect(Decimal.format(r.referencePrice!)).toBe("64990")
  })

  it("leaves the venue open when the order has none", () => {
    expect(RouteRequest.fromOrder(order({})).venue).toBeUndefined()
  })
})
