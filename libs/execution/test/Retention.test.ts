/**
 * The core over an OMS that keeps few finished orders (`retainFinishedOrders`): an order's
 * end is still settled (risk book, positions, routed parent, algorithm), `submit` still
 * answers with the final result, and evicted orders reach `onOrderEvicted` whole.
 */
import { describe, expect, it } from "@effect/vitest"
import { Decimal } from "@odum/domain"
import type { ManagedOrder } from "@odum/oms"
import { ExecutionError } from "../src/index.js"
import { BINANCE, D, limit, makeEnv, OKX, book, summary, T0 } from "./fixtures.js"

const ok = <A>(r: A | ExecutionError.ExecutionError): A => {
  if (ExecutionError.isExecutionError(r)) throw new Error(`unexpected ${r.reason}: ${r.message}`)
  return r
}

describe("ExecutionCore with bounded retention", () => {
  it("keeps nothing finished at 0, yet answers, settles and hands over every order", () => {
    const evicted: Array<ManagedOrder.ManagedOrder> = []
    const env = makeEnv({ retain: 0, evicted })
    const a = limit()
    const b = limit({ side: "SELL", quantity: D("0.2") })
    expect(summary(ok(env.core.submit(a)))).toEqual({ status: "FILLED", filled: "0.5", average: "50000", venue: "BINANCE-SPOT", fills: 1 })
    expect(summary(ok(env.core.submit(b)))).toMatchObject({ status: "FILLED", filled: "0.2" })
    expect(evicted.map((m) => [m.order.operationId, m.order.status])).toEqual([
      [a.operationId, "FILLED"],
      [b.operationId, "FILLED"]
    ])
    expect(env.core.orders.size).toBe(0)
    expect(env.core.order(a.operationId)).toBeUndefined()
    const status = env.core.status(a.operationId)
    expect(ExecutionError.isExecutionError(status) && status.reason).toBe("OrderNotFound")
    // The end of each order reached the risk book and positions although it was evicted at once.
    expect(env.riskBook.openOrderCount).toBe(0)
    expect(Decimal.format(env.positions.position(BINANCE, a.strategyId)!.quantity)).toBe("0.3")
    expect(env.reports.map((r) => r.status)).toEqual(["PENDING", "SUBMITTED", "ACCEPTED", "FILLED", "PENDING", "SUBMITTED", "ACCEPTED", "FILLED"])
    expect(env.anomalies).toEqual([])
  })

  it("holds a working order, evicts it once finished, and treats a later venue event as an anomaly", () => {
    const evicted: Array<ManagedOrder.ManagedOrder> = []
    const env = makeEnv({ retain: 0, evicted })
    env.venue.script = () => "ack"
    const a = limit()
    expect(ok(env.core.submit(a)).status).toBe("ACCEPTED")
    expect(env.core.order(a.operationId)?.order.status).toBe("ACCEPTED")
    expect(evicted).toEqual([])
    expect(ok(env.core.cancel(a.operationId)).status).toBe("CANCELLED")
    expect(evicted.map((m) => m.order.status)).toEqual(["CANCELLED"])
    expect(env.riskBook.openOrderCount).toBe(0)
    // A fill the venue reports after the order left memory is kept for reconciliation, never applied twice.
    env.venue.fill(evicted[0]!.order.clientOrderId, D("0.1"), D("50000"))
    expect(env.anomalies.map((x) => x.kind)).toEqual(["UnmatchedFill"])
    expect(env.positions.position(BINANCE, a.strategyId)).toBeUndefined()
  })

  it("evicts a routed order with its slice, after the slice's end settled the parent", () => {
    const evicted: Array<ManagedOrder.ManagedOrder> = []
    const env = makeEnv({ router: true, retain: 0, evicted })
    env.market.setBook(OKX, book("49990", "49995"))
    const { venue: _v, ...request } = limit({ type: "MARKET", price: undefined, timeInForce: "IOC" })
    const result = ok(env.core.submit(request))
    expect(summary(result)).toMatchObject({ status: "FILLED", filled: "0.5", fills: 1 })
    expect(evicted.map((m) => [m.order.operationId, m.order.status])).toEqual([
      [request.operationId, "FILLED"],
      [`${request.operationId}:r1`, "FILLED"]
    ])
    expect(env.riskBook.openOrderCount).toBe(0)
    expect(env.positions.position(OKX, request.strategyId)).toBeDefined()
  })

  it("keeps an algorithm's finished children while the parent works, then evicts the tree", () => {
    const evicted: Array<ManagedOrder.ManagedOrder> = []
    const env = makeEnv({ retain: 0, evicted })
    const request = limit({ quantity: D("2"), execAlgorithm: { name: "TWAP", params: { durationMs: 4_000, sliceCount: 4 } } })
    expect(ok(env.core.submit(request)).status).toBe("PARTIALLY_FILLED")
    env.clock.setMs(T0 + 1_000)
    env.core.onTime()
    // Two children finished, the parent still works: nothing leaves memory.
    expect(evicted).toEqual([])
    expect(env.core.orders.children(request.operationId).map((c) => c.order.status)).toEqual(["FILLED", "FILLED"])
    for (let i = 2; i <= 3; i++) {
      env.clock.setMs(T0 + i * 1_000)
      env.core.onTime()
    }
    expect(evicted.map((m) => m.order.operationId)).toEqual([request.operationId, ...[1, 2, 3, 4].map((i) => `${request.operationId}:c${i}`)])
    expect(Decimal.format(evicted[0]!.order.filledQuantity)).toBe("2")
    expect(env.riskBook.openOrderCount).toBe(0)
    expect(env.core.algorithm(request.operationId)).toBeUndefined()
    expect(env.anomalies).toEqual([])
  })
})
