import { describe, expect, it } from "@effect/vitest"
import { Decimal, type Ids, OrderStateMachine } from "@odum/domain"
import fc from "fast-check"
import * as ExecutionEvent from "../src/ExecutionEvent.js"

const d = Decimal.unsafeFromString
const venue = "SIM" as Ids.Venue
const coid = "od-test-1" as Ids.ClientOrderId
const voId = "SIM-O1" as Ids.VenueOrderId
const base = { venue, clientOrderId: coid, ts: 1_700_000_000_123_456_789n }
const onOrder = { ...base, canonicalId: "SIM:PERPETUAL:BTC-USDT" }

const accepted: ExecutionEvent.Accepted = { _tag: "Accepted", ...onOrder, venueOrderId: voId }
const fill = (qty: string, price: string, trade: string): ExecutionEvent.Filled => ({
  _tag: "Filled",
  ...onOrder,
  venueOrderId: voId,
  side: "BUY",
  tradeId: trade as Ids.TradeId,
  price: d(price),
  quantity: d(qty),
  fee: d("0.04"),
  feeCurrency: "USDT",
  liquidity: "TAKER"
})
const rejected: ExecutionEvent.Rejected = { _tag: "Rejected", ...onOrder, reason: "OffTickGrid", message: "price 1.05 is off the tick 0.1" }
const cancelled: ExecutionEvent.Cancelled = { _tag: "Cancelled", ...onOrder, venueOrderId: voId }
const cancelRejected: ExecutionEvent.CancelRejected = { _tag: "CancelRejected", ...base, reason: "OrderNotFound", message: "gone" }
const expired: ExecutionEvent.Expired = { _tag: "Expired", ...onOrder, venueOrderId: voId, message: "IOC remainder" }

/** Applies venue events to a submitted order of `quantity`; throws on an illegal transition. */
const drive = (quantity: string, events: ReadonlyArray<ExecutionEvent.ExecutionEvent>) => {
  let s = OrderStateMachine.transition(OrderStateMachine.initial(d(quantity)), { _tag: "Submit" })
  for (const e of events) {
    if (OrderStateMachine.isIllegal(s)) throw s
    s = OrderStateMachine.transition(s, ExecutionEvent.toOrderEvent(e))
  }
  if (OrderStateMachine.isIllegal(s)) throw s
  return s
}

describe("toOrderEvent", () => {
  it("maps each execution event onto the domain event of the same meaning", () => {
    expect(ExecutionEvent.toOrderEvent(accepted)).toEqual({ _tag: "Accept", venueOrderId: voId })
    expect(ExecutionEvent.toOrderEvent(fill("1.5", "100.1", "t1"))).toEqual({
      _tag: "Fill",
      quantity: d("1.5"),
      price: d("100.1"),
      tradeId: "t1"
    })
    expect(ExecutionEvent.toOrderEvent(cancelled)).toEqual({ _tag: "CancelAck" })
    expect(ExecutionEvent.toOrderEvent(expired)).toEqual({ _tag: "Expire" })
    // The reject reasons keep the venue-independent code in front of the venue's text.
    expect(ExecutionEvent.toOrderEvent(rejected)).toEqual({ _tag: "Reject", reason: "OffTickGrid: price 1.05 is off the tick 0.1" })
    expect(ExecutionEvent.toOrderEvent(cancelRejected)).toEqual({ _tag: "CancelReject", reason: "OrderNotFound: gone" })
  })

  it("drives the order state machine through each venue outcome", () => {
    expect(drive("2", [accepted, fill("2", "100", "t1")]).status).toBe("FILLED")
    expect(drive("2", [accepted, fill("0.5", "100", "t1"), expired]).status).toBe("EXPIRED")
    expect(drive("2", [rejected]).status).toBe("REJECTED")
    expect(drive("2", [accepted, cancelled]).status).toBe("CANCELLED")
    const s = drive("2", [accepted, fill("0.5", "100", "t1"), fill("0.5", "101", "t2")])
    expect(s.status).toBe("PARTIALLY_FILLED")
    expect(s.filledNotional).toEqual(d("100.5"))
    expect(s.venueOrderId).toBe(voId)
  })

  it("property: any well-formed venue sequence is legal and fills add up", () => {
    // Accepted, then fills that never exceed the quantity, then optionally a cancel or an expiry.
    const scenario = fc
      .tuple(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 12 }),
        fc.constantFrom("none", "cancel", "expire")
      )
      .map(([qty, sizes, end]) => {
        let left = qty
        const fills: Array<number> = []
        for (const s of sizes) {
          if (left === 0) break
          const q = Math.min(s, left)
          fills.push(q)
          left -= q
        }
        return { qty, fills, end: left === 0 ? "none" : end }
      })
    fc.assert(
      fc.property(scenario, ({ qty, fills, end }) => {
        const events: Array<ExecutionEvent.ExecutionEvent> = [
          accepted,
          ...fills.map((q, i) => fill(Decimal.format(Decimal.fromScaled(BigInt(q), 3)), "100", `t${i}`))
        ]
        if (end === "cancel") events.push(cancelled)
        if (end === "expire") events.push(expired)
        const s = drive(Decimal.format(Decimal.fromScaled(BigInt(qty), 3)), events)
        const filled = fills.reduce((a, b) => a + b, 0)
        expect(s.filledQuantity).toEqual(Decimal.fromScaled(BigInt(filled), 3))
        expect(s.status).toBe(
          filled === qty ? "FILLED" : end === "cancel" ? "CANCELLED" : end === "expire" ? "EXPIRED" : filled > 0 ? "PARTIALLY_FILLED" : "ACCEPTED"
        )
      })
    )
  })
})

describe("toFill and toEpochMillis", () => {
  it("builds the domain Fill with millisecond time (floored) and the operation id", () => {
    const f = ExecutionEvent.toFill(fill("1", "100", "t9"), "op-1" as Ids.OperationId)
    expect(f).toEqual({
      operationId: "op-1",
      venue,
      canonicalId: onOrder.canonicalId,
      tradeId: "t9",
      venueOrderId: voId,
      side: "BUY",
      price: d("100"),
      quantity: d("1"),
      fee: d("0.04"),
      feeCurrency: "USDT",
      liquidity: "TAKER",
      timestamp: 1_700_000_000_123
    })
    expect(ExecutionEvent.toEpochMillis(1_999_999n)).toBe(1)
  })

  it("toEpochMillis is the floor for every stamp, repeated or not (it keeps the last conversion)", () => {
    const stamps = [0n, 0n, 999_999n, 1_000_000n, 1_000_000n, 1_700_000_000_123_456_789n, 1_700_000_000_123_456_789n, 5n, 1_000_000n]
    expect(stamps.map(ExecutionEvent.toEpochMillis)).toEqual([0, 0, 0, 1, 1, 1_700_000_000_123, 1_700_000_000_123, 0, 1])
  })
})
