import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as D from "../src/Decimal.js"
import { IllegalTransition, InvalidOrder } from "../src/DomainError.js"
import type { TradeId, VenueOrderId } from "../src/Ids.js"
import * as OrderEvent from "../src/OrderEvent.js"
import { isTerminal, type OrderStatus } from "../src/OrderStatus.js"
import * as SM from "../src/OrderStateMachine.js"

const d = D.unsafeFromString
const vid = (s: string) => s as VenueOrderId
const tid = (s: string) => s as TradeId
const fill = (q: string, price: string, trade: string): OrderEvent.OrderEvent => ({
  _tag: "Fill",
  quantity: d(q),
  price: d(price),
  tradeId: tid(trade)
})
const E = {
  Deny: { _tag: "Deny", reason: "max notional" },
  Submit: { _tag: "Submit" },
  Accept: { _tag: "Accept", venueOrderId: vid("v1") },
  Reject: { _tag: "Reject", reason: "insufficient balance" },
  Fill: fill("3", "100", "t-new"),
  CancelRequest: { _tag: "CancelRequest" },
  CancelAck: { _tag: "CancelAck" },
  CancelReject: { _tag: "CancelReject", reason: "unknown order" },
  Expire: { _tag: "Expire" }
} satisfies Record<string, OrderEvent.OrderEvent>
type EventName = keyof typeof E

const run = (events: ReadonlyArray<OrderEvent.OrderEvent>, quantity = "10"): SM.OrderState => {
  const r = SM.replay(d(quantity), events)
  if (SM.isIllegal(r)) throw r
  return r
}

/** A representative order in each status, reached through legal events only. */
const inStatus: Record<OrderStatus, SM.OrderState> = {
  PENDING: run([]),
  SUBMITTED: run([E.Submit]),
  ACCEPTED: run([E.Submit, E.Accept]),
  PARTIALLY_FILLED: run([E.Submit, E.Accept, fill("4", "100", "t1")]),
  FILLED: run([E.Submit, E.Accept, fill("10", "100", "t1")]),
  PENDING_CANCEL: run([E.Submit, E.Accept, E.CancelRequest]),
  CANCELLED: run([E.Submit, E.Accept, E.CancelRequest, E.CancelAck]),
  REJECTED: run([E.Submit, E.Reject]),
  EXPIRED: run([E.Submit, E.Accept, E.Expire]),
  DENIED: run([E.Deny])
}

// The specification: the status each event leads to, or "!" + the refusal reason.
const U = "!UnexpectedEvent"
const T = "!TerminalState"
const table: Record<OrderStatus, Record<EventName, string>> = {
  // prettier-ignore
  PENDING:          { Deny: "DENIED", Submit: "SUBMITTED", Accept: U, Reject: U, Fill: U, CancelRequest: "CANCELLED", CancelAck: U, CancelReject: U, Expire: U },
  SUBMITTED:        { Deny: U, Submit: U, Accept: "ACCEPTED", Reject: "REJECTED", Fill: "PARTIALLY_FILLED", CancelRequest: "PENDING_CANCEL", CancelAck: "CANCELLED", CancelReject: U, Expire: "EXPIRED" },
  ACCEPTED:         { Deny: U, Submit: U, Accept: "ACCEPTED", Reject: U, Fill: "PARTIALLY_FILLED", CancelRequest: "PENDING_CANCEL", CancelAck: "CANCELLED", CancelReject: U, Expire: "EXPIRED" },
  PARTIALLY_FILLED: { Deny: U, Submit: U, Accept: "PARTIALLY_FILLED", Reject: U, Fill: "PARTIALLY_FILLED", CancelRequest: "PENDING_CANCEL", CancelAck: "CANCELLED", CancelReject: U, Expire: "EXPIRED" },
  FILLED:           { Deny: T, Submit: T, Accept: "FILLED", Reject: T, Fill: "!Overfill", CancelRequest: T, CancelAck: T, CancelReject: U, Expire: T },
  PENDING_CANCEL:   { Deny: U, Submit: U, Accept: "PENDING_CANCEL", Reject: U, Fill: "PENDING_CANCEL", CancelRequest: "PENDING_CANCEL", CancelAck: "CANCELLED", CancelReject: "ACCEPTED", Expire: "EXPIRED" },
  CANCELLED:        { Deny: T, Submit: T, Accept: "CANCELLED", Reject: T, Fill: "CANCELLED", CancelRequest: T, CancelAck: T, CancelReject: "CANCELLED", Expire: T },
  REJECTED:         { Deny: T, Submit: T, Accept: T, Reject: T, Fill: T, CancelRequest: T, CancelAck: T, CancelReject: U, Expire: T },
  EXPIRED:          { Deny: T, Submit: T, Accept: "EXPIRED", Reject: T, Fill: "EXPIRED", CancelRequest: T, CancelAck: T, CancelReject: U, Expire: T },
  DENIED:           { Deny: T, Submit: T, Accept: T, Reject: T, Fill: T, CancelRequest: T, CancelAck: T, CancelReject: U, Expire: T }
}

describe("OrderStateMachine transition table", () => {
  for (const [from, row] of Object.entries(table) as Array<[OrderStatus, Record<EventName, string>]>) {
    for (const [name, expected] of Object.entries(row) as Array<[EventName, string]>) {
      it(`${from} + ${name} -> ${expected}`, () => {
        const s = inStatus[from]
        expect(s.status).toBe(from)
        const snapshot = structuredClone(s)
        const r = SM.transition(s, E[name])
        if (expected.startsWith("!")) {
          expect(r).toBeInstanceOf(IllegalTransition)
          const e = r as IllegalTransition
          expect(e.reason).toBe(expected.slice(1))
          expect(e.from).toBe(from)
          expect(e.event).toBe(E[name])
          expect(e.message).toContain(from)
        } else {
          expect(SM.isIllegal(r)).toBe(false)
          expect((r as SM.OrderState).status).toBe(expected)
        }
        expect(s).toEqual(snapshot) // the input state is never modified
      })
    }
  }
})

describe("OrderStateMachine rules for racing venue messages", () => {
  it("a fill before the ack, then the ack, keeps the fill and records the venue id", () => {
    const s = run([E.Submit, fill("2", "100", "t1"), E.Accept])
    expect(s.status).toBe("PARTIALLY_FILLED")
    expect(s.venueOrderId).toBe("v1")
    expect(s.filledQuantity).toEqual(d("2"))
  })

  it("late fills on a cancelled or expired order are recorded; completing makes it FILLED", () => {
    const cancelled = run([E.Submit, E.Accept, fill("4", "100", "t1"), E.CancelRequest, E.CancelAck, fill("1", "101", "t2")])
    expect(cancelled.status).toBe("CANCELLED")
    expect(cancelled.filledQuantity).toEqual(d("5"))
    const completed = run([E.Submit, E.Accept, fill("4", "100", "t1"), E.Expire, fill("6", "101", "t2")])
    expect(completed.status).toBe("FILLED")
    expect(completed.filledQuantity).toEqual(d("10"))
  })

  it("a cancel that loses the race to a fill ends FILLED and its reject changes nothing", () => {
    const filled = run([E.Submit, E.Accept, E.CancelRequest, fill("10", "100", "t1")])
    expect(filled.status).toBe("FILLED")
    expect(SM.transition(filled, E.CancelReject)).toBe(filled)
  })

  it("a refused cancel returns to the working status the fills and ack imply", () => {
    expect(run([E.Submit, E.CancelRequest, E.CancelReject]).status).toBe("SUBMITTED")
    expect(run([E.Submit, E.CancelRequest, fill("1", "1", "t1"), E.CancelReject]).status).toBe("PARTIALLY_FILLED")
    expect(run([E.Submit, E.CancelRequest, E.Accept, E.CancelReject]).status).toBe("ACCEPTED")
  })

  it("a venue reject while our cancel is pending, before any ack, rejects the order", () => {
    const s = run([E.Submit, E.CancelRequest, E.Reject])
    expect(s.status).toBe("REJECTED")
    expect(s.rejectReason).toBe("insufficient balance")
  })

  it("refuses overfill, repeated trades and a second venue id, naming the problem", () => {
    const s = inStatus.PARTIALLY_FILLED // 4 of 10 filled by t1
    const over = SM.transition(s, fill("6.000001", "100", "t9"))
    expect(SM.isIllegal(over) && over.reason).toBe("Overfill")
    expect((over as IllegalTransition).message).toContain("10.000001")
    const dup = SM.transition(s, fill("1", "100", "t1"))
    expect(SM.isIllegal(dup) && dup.reason).toBe("DuplicateTrade")
    const other = SM.transition(s, { _tag: "Accept", venueOrderId: vid("v2") })
    expect(SM.isIllegal(other) && other.reason).toBe("VenueOrderIdMismatch")
    const zero = SM.transition(s, fill("0", "100", "t7"))
    expect(SM.isIllegal(zero) && zero.reason).toBe("InvalidQuantity")
  })

  it("refuses an Accept for the first reason that applies, with its message", () => {
    const accept = (s: SM.OrderState, v: string) => {
      const r = SM.onAccept(s, { _tag: "Accept", venueOrderId: vid(v) })
      return SM.isIllegal(r) ? [r.reason, r.message] : r.status
    }
    expect(accept(inStatus.PENDING, "v9")).toEqual(["UnexpectedEvent", "Accept in PENDING: the order was never submitted"])
    // A REJECTED or DENIED order is final, whatever the id (REJECTED was never accepted: no id).
    expect(accept(inStatus.REJECTED, "v9")).toEqual(["TerminalState", "Accept in REJECTED: the order is final"])
    expect(accept(inStatus.DENIED, "v9")).toEqual(["TerminalState", "Accept in DENIED: the order is final"])
    const rejectedKnown = { ...inStatus.REJECTED, venueOrderId: vid("v1") }
    expect(accept(rejectedKnown, "v9")).toEqual(["TerminalState", "Accept in REJECTED: the order is final"])
    expect(accept(inStatus.CANCELLED, "v9")).toEqual(["VenueOrderIdMismatch", "Accept in CANCELLED: the order is already known as v1, not v9"])
    expect(accept(inStatus.CANCELLED, "v1")).toBe("CANCELLED")
    expect(accept(inStatus.SUBMITTED, "v9")).toBe("ACCEPTED")
  })

  it("a first fill of the whole order, with the order's own quantity object, completes it; a repeat is refused", () => {
    const q = d("10")
    const sent = SM.transition(SM.initial(q), E.Submit) as SM.OrderState
    const whole = SM.transition(sent, { _tag: "Fill", quantity: q, price: d("100"), tradeId: tid("t1") }) as SM.OrderState
    expect(whole.status).toBe("FILLED")
    expect(whole.filledQuantity).toBe(q)
    expect(whole.tradeIds).toEqual(["t1"])
    const part = SM.transition(sent, { _tag: "Fill", quantity: d("4"), price: d("100"), tradeId: tid("t1") }) as SM.OrderState
    expect(part.status).toBe("PARTIALLY_FILLED")
    const again = SM.transition(part, { _tag: "Fill", quantity: d("1"), price: d("100"), tradeId: tid("t1") })
    expect(SM.isIllegal(again) && again.reason).toBe("DuplicateTrade")
    const rest = SM.transition(part, { _tag: "Fill", quantity: d("6"), price: d("100"), tradeId: tid("t2") }) as SM.OrderState
    expect(rest.status).toBe("FILLED")
    expect(rest.tradeIds).toEqual(["t1", "t2"])
  })

  it("apply wraps the result in an Either; a new order needs a positive quantity", () => {
    expect(Either.isRight(SM.apply(inStatus.PENDING, E.Submit))).toBe(true)
    expect(Either.isLeft(SM.apply(inStatus.DENIED, E.Submit))).toBe(true)
    expect(() => SM.initial(D.zero)).toThrow(InvalidOrder)
  })

  it("averages fill prices exactly and rounds only at the end", () => {
    const s = run([E.Submit, fill("1", "100", "t1"), fill("2", "100.5", "t2")], "3")
    expect(s.filledNotional).toEqual(d("301"))
    expect(SM.averageFillPrice(s, 4)).toEqual(d("100.3333"))
    expect(SM.averageFillPrice(inStatus.ACCEPTED)).toBeUndefined()
    expect(SM.remainingQuantity(inStatus.PARTIALLY_FILLED)).toEqual(d("6"))
  })
})

// Random histories: small fills (so some complete and some overfill), few trade and venue
// ids (so duplicates and mismatches happen), every event kind.
const arbEvent: fc.Arbitrary<OrderEvent.OrderEvent> = fc.oneof(
  fc.constant(E.Deny),
  fc.constant(E.Submit),
  fc.constantFrom("v1", "v2").map((v): OrderEvent.OrderEvent => ({ _tag: "Accept", venueOrderId: vid(v) })),
  fc.constant(E.Reject),
  fc
    .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 90, max: 110 }), fc.integer({ min: 0, max: 12 }))
    .map(([q, p, t]) => fill(D.format(D.fromScaled(BigInt(q), 1)), String(p), `t${t}`)),
  fc.constant(E.CancelRequest),
  fc.constant(E.CancelAck),
  fc.constant(E.CancelReject),
  fc.constant(E.Expire)
)
const arbHistory = fc.tuple(
  fc.integer({ min: 1, max: 100 }).map((n) => D.fromScaled(BigInt(n), 1)),
  fc.array(arbEvent, { maxLength: 40 })
)

/** Folds events, skipping refusals, checking the invariants after every step. */
const foldChecked = (quantity: D.Decimal, events: ReadonlyArray<OrderEvent.OrderEvent>) => {
  let s = SM.initial(quantity)
  const accepted: Array<OrderEvent.OrderEvent> = []
  let fillSum = D.zero
  for (const e of events) {
    const before = structuredClone(s)
    const r = SM.transition(s, e)
    expect(s).toEqual(before)
    if (SM.isIllegal(r)) {
      expect(r.from).toBe(s.status)
      continue
    }
    if (isTerminal(s.status) && r.status !== s.status) {
      // Terminal stays terminal; the only exit is a late fill that completes the order.
      expect(e._tag).toBe("Fill")
      expect(["CANCELLED", "EXPIRED"]).toContain(s.status)
      expect(r.status).toBe("FILLED")
    }
    if (e._tag === "Fill") fillSum = D.add(fillSum, e.quantity)
    accepted.push(e)
    s = r
    expect(D.lessThanOrEqual(s.filledQuantity, s.quantity)).toBe(true)
    expect(D.isNegative(s.filledQuantity)).toBe(false)
    expect(s.filledQuantity).toEqual(fillSum)
    expect(s.status === "FILLED").toBe(D.equals(s.filledQuantity, s.quantity))
    if (s.status === "PARTIALLY_FILLED") expect(D.isPositive(s.filledQuantity)).toBe(true)
    expect(new Set(s.tradeIds).size).toBe(s.tradeIds.length)
  }
  return { state: s, accepted }
}

describe("OrderStateMachine properties over random histories", () => {
  it("never overfills, keeps terminal states terminal except late fills, never changes the input", () => {
    fc.assert(fc.property(arbHistory, ([q, events]) => void foldChecked(q, events)), { numRuns: 500 })
  })

  it("the state is a function of the accepted events: replaying the journal reproduces it", () => {
    const encodeJournal = Schema.encodeSync(Schema.Array(OrderEvent.OrderEvent))
    const decodeJournal = Schema.decodeUnknownSync(Schema.Array(OrderEvent.OrderEvent))
    fc.assert(
      fc.property(arbHistory, ([q, events]) => {
        const { accepted, state } = foldChecked(q, events)
        expect(SM.replay(q, accepted)).toEqual(state)
        // Through the journal's wire form (JSON with decimal strings) and back.
        const wire = JSON.parse(JSON.stringify(encodeJournal(accepted)))
        expect(SM.replay(q, decodeJournal(wire))).toEqual(state)
      }),
      { numRuns: 300 }
    )
  })
})

describe("OrderStateMachine per-event entry points", () => {
  it("onSubmit, onAccept and onFill answer what transition answers, in every state a random history reaches", () => {
    const answer = (r: SM.OrderState | IllegalTransition) =>
      SM.isIllegal(r) ? { refused: r.reason, from: r.from, message: r.message, event: r.event } : { state: r }
    fc.assert(
      fc.property(arbHistory, fc.array(arbEvent, { minLength: 1, maxLength: 6 }), ([q, events], probes) => {
        let s = SM.initial(q)
        const states = [s]
        for (const e of events) {
          const r = SM.transition(s, e)
          if (!SM.isIllegal(r)) states.push((s = r))
        }
        for (const st of states) {
          for (const e of probes) {
            const direct =
              e._tag === "Submit" ? SM.onSubmit(st, e) : e._tag === "Accept" ? SM.onAccept(st, e) : e._tag === "Fill" ? SM.onFill(st, e) : undefined
            if (direct === undefined) continue
            const r = SM.transition(st, e)
            expect(answer(direct)).toEqual(answer(r))
            // A no-op answers the same state object either way.
            if (!SM.isIllegal(r) && r === st) expect(direct).toBe(st)
          }
        }
      }),
      { numRuns: 300 }
    )
    expect(() => SM.initial(D.zero)).toThrow(InvalidOrder)
    expect(() => SM.initial(d("-1"))).toThrow(/must be positive, got -1/)
  })
})

describe("OrderStateMachine fill notional", () => {
  // The notional of a fill is remembered for its quantity and price objects: a pool of a few
  // objects per value (equal values in different objects among them) makes repeats, misses
  // and renewals of the memo's holder (every 64 misses) happen in every order.
  const quantities = ["1", "0.5", "0.25", "2", "0.5", "1"].map(d)
  const prices = ["100", "100.5", "0.2", "100", "43250.1", "0.2", "99999999.99"].map(d)
  const arbFills = fc.array(
    fc.tuple(fc.integer({ min: 0, max: quantities.length - 1 }), fc.integer({ min: 0, max: prices.length - 1 }), fc.boolean()),
    { minLength: 1, maxLength: 300 }
  )

  it("is quantity x price for each fill, whatever fills came before, on first and later fills", () => {
    fc.assert(
      fc.property(arbFills, (fills) => {
        let n = 0
        for (const [qi, pi, more] of fills) {
          const q = quantities[qi]!
          // An order for exactly this quantity (one whole fill), or for twice it (two fills, at
          // this price and the next one in the pool).
          let s = SM.onSubmit(SM.initial(more ? D.add(q, q) : q), { _tag: "Submit" }) as SM.OrderState
          for (const p of more ? [prices[pi]!, prices[(pi + 1) % prices.length]!] : [prices[pi]!]) {
            const next = SM.onFill(s, { _tag: "Fill", quantity: q, price: p, tradeId: tid(`t${n++}`) })
            if (SM.isIllegal(next)) throw next
            expect(next.filledNotional).toEqual(D.add(s.filledNotional, D.mul(q, p)))
            s = next
          }
          expect(s.status).toBe("FILLED")
        }
      }),
      { numRuns: 300 }
    )
  })

  it("tells operands apart by identity: the same quantity at another price, the same price for another quantity", () => {
    const q = d("2")
    const order = () => SM.onSubmit(SM.initial(q), { _tag: "Submit" }) as SM.OrderState
    const at = (quantity: D.Decimal, price: D.Decimal) =>
      (SM.onFill(SM.onSubmit(SM.initial(quantity), { _tag: "Submit" }) as SM.OrderState, { _tag: "Fill", quantity, price, tradeId: tid("t") }) as SM.OrderState)
        .filledNotional
    const p1 = d("100")
    const p2 = d("101")
    expect((SM.onFill(order(), { _tag: "Fill", quantity: q, price: p1, tradeId: tid("a") }) as SM.OrderState).filledNotional).toEqual(d("200"))
    expect((SM.onFill(order(), { _tag: "Fill", quantity: q, price: p2, tradeId: tid("b") }) as SM.OrderState).filledNotional).toEqual(d("202"))
    expect(at(q, p2)).toEqual(d("202"))
    expect(at(d("3"), p2)).toEqual(d("303"))
    expect(at(q, p2)).toEqual(d("202"))
    for (let i = 0; i < 200; i++) expect(at(D.fromInt(i + 1), p1)).toEqual(D.fromInt(100 * (i + 1)))
  })
})
