import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import * as D from "../src/Decimal.js"
import * as ExecutionResult from "../src/ExecutionResult.js"
import * as Fill from "../src/Fill.js"
import * as Ids from "../src/Ids.js"
import * as Order from "../src/Order.js"
import * as SM from "../src/OrderStateMachine.js"
import * as Position from "../src/Position.js"

const d = D.unsafeFromString

const wireOrder = {
  operationId: "op-1",
  clientOrderId: Ids.clientOrderIdFor("op-1"),
  strategyId: "momentum-1",
  canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
  venue: "BINANCE-SPOT",
  side: "BUY",
  type: "LIMIT",
  timeInForce: "GTC",
  quantity: "0.5",
  price: "65000.10",
  filledQuantity: "0",
  status: "PENDING",
  reduceOnly: false,
  postOnly: true,
  execAlgorithm: { name: "TWAP", params: { durationMs: 600000, sliceCount: 10 } },
  createdAt: 1717200000000,
  updatedAt: 1717200000000
}
const decodeOrder = Schema.decodeUnknownEither(Order.UnifiedOrder)
const order = Schema.decodeUnknownSync(Order.UnifiedOrder)(wireOrder)

const wireFill = (tradeId: string, quantity: string, price: string) => ({
  operationId: "op-1",
  venue: "BINANCE-SPOT",
  canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
  tradeId,
  side: "BUY",
  price,
  quantity,
  fee: "0.00001",
  feeCurrency: "BTC",
  liquidity: "MAKER",
  timestamp: 1717200001000
})

describe("UnifiedOrder", () => {
  it("round-trips through its wire form with canonical decimal strings", () => {
    expect(order.price).toEqual(d("65000.1"))
    const encoded = Schema.encodeSync(Order.UnifiedOrder)(order)
    expect(encoded.price).toBe("65000.1")
    expect(JSON.parse(JSON.stringify(encoded))).toEqual({ ...wireOrder, price: "65000.1" })
  })

  it("refuses orders that break cross-field rules, listing each", () => {
    const market = decodeOrder({ ...wireOrder, type: "MARKET" })
    expect(Either.isLeft(market) && market.left.message).toMatch(/MARKET order has no price/)
    expect(Either.isLeft(market) && market.left.message).toMatch(/postOnly needs a LIMIT/)
    const { price: _p, ...noPrice } = wireOrder
    expect(Either.isLeft(decodeOrder(noPrice))).toBe(true)
    expect(Either.isLeft(decodeOrder({ ...wireOrder, timeInForce: "GTD" }))).toBe(true)
    expect(Either.isRight(decodeOrder({ ...wireOrder, timeInForce: "GTD", expireAt: 1717300000000 }))).toBe(true)
    expect(Either.isLeft(decodeOrder({ ...wireOrder, filledQuantity: "0.6" }))).toBe(true)
    expect(Either.isLeft(decodeOrder({ ...wireOrder, quantity: "0" }))).toBe(true)
    const algo = decodeOrder({ ...wireOrder, execAlgorithm: { name: "VWAP", params: { durationMs: 1, sliceCount: 1, maxParticipationRate: "1.5" } } })
    expect(Either.isLeft(algo) && algo.left.message).toMatch(/at most 1/)
  })

  it("withState projects the state machine onto the order and the result", () => {
    const fills = [Schema.decodeUnknownSync(Fill.Fill)(wireFill("t1", "0.2", "65000")), Schema.decodeUnknownSync(Fill.Fill)(wireFill("t2", "0.3", "64999.9"))]
    let state = SM.initial(order.quantity)
    for (const e of [{ _tag: "Submit" } as const, { _tag: "Accept", venueOrderId: "123" as Ids.VenueOrderId } as const, ...fills.map(Fill.toOrderEvent)]) {
      const r = SM.transition(state, e)
      if (SM.isIllegal(r)) throw r
      state = r
    }
    const updated = Order.withState(order, state, order.createdAt + 5)
    expect(updated.status).toBe("FILLED")
    expect(updated.venueOrderId).toBe("123")
    expect(updated.filledQuantity).toEqual(d("0.5"))
    expect(updated.averageFillPrice).toEqual(d("64999.94"))
    expect(Order.remainingQuantity(updated)).toEqual(D.zero)
    expect(Order.withState(updated, state, order.createdAt).updatedAt).toBe(order.createdAt + 5)
    expect(Either.isRight(Schema.validateEither(Order.UnifiedOrder)(updated))).toBe(true)

    const result = ExecutionResult.fromOrder(updated, fills)
    const wire = JSON.parse(JSON.stringify(Schema.encodeSync(ExecutionResult.ExecutionResult)(result)))
    expect(wire.averagePrice).toBe("64999.94")
    expect(wire.fills[1].price).toBe("64999.9")
    expect(Schema.decodeUnknownSync(ExecutionResult.ExecutionResult)(wire)).toEqual(result)
  })
})

describe("Fill and Position", () => {
  it("fills decode with positive quantities and a de-duplication key", () => {
    const f = Schema.decodeUnknownSync(Fill.Fill)(wireFill("t1", "0.2", "65000"))
    expect(Fill.key(f)).toBe("BINANCE-SPOT|t1")
    expect(Fill.value(f)).toEqual(d("13000"))
    expect(() => Schema.decodeUnknownSync(Fill.Fill)(wireFill("t1", "-0.2", "65000"))).toThrow(/positive/)
  })

  it("a flat position round-trips and reads as flat", () => {
    const p = Position.flat("DERIBIT:PERPETUAL:BTC-USD@INV", Ids.Venue.make("DERIBIT"), 1)
    expect(Position.isFlat(p)).toBe(true)
    const wire = Schema.encodeSync(Position.Position)(p)
    expect(wire.quantity).toBe("0")
    expect(Schema.decodeUnknownSync(Position.Position)({ ...wire, quantity: "-3" }).quantity).toEqual(d("-3"))
  })
})
