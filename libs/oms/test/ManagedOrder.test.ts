import { Decimal, type Fill, Ids, Order, OrderStateMachine, type OrderEvent } from "@odum/domain"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { advance, advanceAccept, advanceFill, advanceSubmit, appendFill, project } from "../src/internal/records.js"
import * as ManagedOrder from "../src/ManagedOrder.js"
import type { OrderJournalEntry } from "../src/OrderJournal.js"
import * as OrderManager from "../src/OrderManager.js"
import { d, instruments, voi } from "./fixtures.js"
import { runOnManager, workload } from "./workload.js"

/** A new LIMIT order "p" (GTC, BINANCE-SPOT, BTC-USDT) of `quantity`, as the manager records it. */
const createP = (quantity: Decimal.Decimal, side: "BUY" | "SELL" = "BUY"): ManagedOrder.ManagedOrder =>
  Either.getOrThrow(
    OrderManager.make({ instruments }).create(
      {
        operationId: Ids.OperationId.make("p"),
        strategyId: Ids.StrategyId.make("s"),
        canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
        venue: Ids.Venue.make("BINANCE-SPOT"),
        side,
        type: "LIMIT",
        timeInForce: "GTC",
        quantity,
        price: d("65000.01")
      },
      1_000
    )
  ).order

/** A state machine Fill of 1-400 lots of 0.001 at a price of up to 24 places, its units from `minUnits` to 10^24. */
const fillEvents = (minUnits: bigint): fc.Arbitrary<OrderEvent.Fill> =>
  fc
    .tuple(fc.integer({ min: 1, max: 400 }), fc.bigInt({ min: minUnits, max: 10n ** 24n }), fc.nat(24), fc.nat(1000))
    .map(([lots, units, scale, t]): OrderEvent.Fill => ({
      _tag: "Fill",
      quantity: Decimal.fromUnits(BigInt(lots), d("0.001")),
      price: Decimal.fromScaled(units, scale),
      tradeId: Ids.TradeId.make(`t${t}`)
    }))

const live = (commands: Parameters<typeof runOnManager>[1]) => {
  const journal: Array<OrderJournalEntry> = []
  const manager = OrderManager.make({ instruments, journal: (e) => journal.push(e) })
  runOnManager(manager, commands)
  return { manager, journal }
}

describe("projection", () => {
  const event: fc.Arbitrary<OrderEvent.OrderEvent> = fc.oneof(
    fc.constant<OrderEvent.OrderEvent>({ _tag: "Submit" }),
    fc.constant<OrderEvent.OrderEvent>({ _tag: "Accept", venueOrderId: voi("v") }),
    fc.constant<OrderEvent.OrderEvent>({ _tag: "Reject", reason: "no" }),
    fc.constant<OrderEvent.OrderEvent>({ _tag: "CancelRequest" }),
    fc.constant<OrderEvent.OrderEvent>({ _tag: "CancelAck" }),
    fc.constant<OrderEvent.OrderEvent>({ _tag: "Expire" }),
    fc
      .tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 10 ** 9 }), fc.nat(1000))
      .map(([lots, ticks, t]): OrderEvent.OrderEvent => ({
        _tag: "Fill",
        quantity: Decimal.fromUnits(BigInt(lots), d("0.001")),
        price: Decimal.fromUnits(BigInt(ticks), d("0.01")),
        tradeId: Ids.TradeId.make(`t${t}`)
      }))
  )

  it("equals the domain's Order.withState for every reachable state", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(event, fc.integer({ min: -5, max: 1000 })), { minLength: 1, maxLength: 30 }), (steps) => {
        const base = createP(d("0.4"), "SELL").order
        let order: Order.UnifiedOrder = base
        let domainOrder: Order.UnifiedOrder = base
        let state = OrderStateMachine.initial(d("0.4"))
        let now = 1_000
        for (const [e, dt] of steps) {
          const next = OrderStateMachine.transition(state, e)
          if (OrderStateMachine.isIllegal(next)) continue
          now += dt
          order = project(order, state, next, now)
          domainOrder = Order.withState(domainOrder, next, now)
          state = next
          expect(order).toEqual(domainOrder)
        }
      }),
      { numRuns: 500 }
    )
  }, 120_000)

  it("given the fill's price (the first fill's average without a division), still equals Order.withState", () => {
    const fill = fillEvents(-(10n ** 24n))
    fc.assert(
      fc.property(fc.array(fc.oneof(event, fill), { minLength: 1, maxLength: 20 }), (events) => {
        const quantity = d("0.4")
        const base = createP(quantity).order
        let order: Order.UnifiedOrder = base
        let domainOrder: Order.UnifiedOrder = base
        let state = OrderStateMachine.initial(quantity)
        for (const e of events) {
          const next = OrderStateMachine.transition(state, e)
          if (OrderStateMachine.isIllegal(next)) continue
          order = project(order, state, next, 2_000, e._tag === "Fill" ? e.price : undefined)
          domainOrder = Order.withState(domainOrder, next, 2_000)
          state = next
          expect(order).toEqual(domainOrder)
        }
      }),
      { numRuns: 500 }
    )
  }, 120_000)
})

describe("records for one kind of event", () => {
  const fill = fillEvents(1n)
  /** The OMS's fill for the state machine's Fill of order "p". */
  const fillOf = (e: OrderEvent.Fill): Fill.Fill => ({
    operationId: Ids.OperationId.make("p"),
    venue: Ids.Venue.make("BINANCE-SPOT"),
    canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
    tradeId: e.tradeId,
    venueOrderId: undefined,
    side: "BUY",
    price: e.price,
    quantity: e.quantity,
    fee: Decimal.zero,
    feeCurrency: "USDT",
    liquidity: "TAKER",
    timestamp: 1_000
  })
  /** `m` after the event `e` at `now` as the manager records it (unchanged if `e` is illegal or changes nothing). */
  const step = (m: ManagedOrder.ManagedOrder, e: OrderEvent.OrderEvent, now: number): ManagedOrder.ManagedOrder => {
    const next = OrderStateMachine.transition(m.state, e)
    if (OrderStateMachine.isIllegal(next) || next === m.state) return m
    return advance(m, next, e._tag === "Fill" ? [...m.fills, fillOf(e)] : m.fills, now)
  }
  const event: fc.Arbitrary<OrderEvent.OrderEvent> = fc.oneof(
    fc.constant<OrderEvent.OrderEvent>({ _tag: "Submit" }),
    fc.constantFrom("v1", "v2").map((v): OrderEvent.OrderEvent => ({ _tag: "Accept", venueOrderId: voi(v) })),
    fc.constant<OrderEvent.OrderEvent>({ _tag: "Reject", reason: "no" }),
    fc.constant<OrderEvent.OrderEvent>({ _tag: "CancelRequest" }),
    fc.constant<OrderEvent.OrderEvent>({ _tag: "CancelReject", reason: "no" }),
    fc.constant<OrderEvent.OrderEvent>({ _tag: "CancelAck" }),
    fc.constant<OrderEvent.OrderEvent>({ _tag: "Expire" }),
    fill
  )

  it("advanceAccept makes the record advance makes, in every state an Accept is legal in", () => {
    let tried = 0
    fc.assert(
      fc.property(
        fc.array(fc.tuple(event, fc.integer({ min: -5, max: 1000 })), { minLength: 1, maxLength: 25 }),
        fc.constantFrom("v1", "v2"),
        (steps, venueOrderId) => {
          let m = createP(d("0.4"))
          let now = 1_000
          let accepts = 0
          for (const [e, dt] of steps) {
            now += dt
            const accept = OrderStateMachine.onAccept(m.state, { _tag: "Accept", venueOrderId: voi(venueOrderId) })
            if (!OrderStateMachine.isIllegal(accept) && accept !== m.state) {
              const expected = advance(m, accept, m.fills, now)
              const actual = advanceAccept(m, accept, now)
              expect(actual).toStrictEqual(expected)
              expect(actual.order).toEqual(Order.withState(m.order, accept, now))
              accepts++
            }
            m = step(m, e, now)
          }
          tried += accepts
        }
      ),
      { numRuns: 500 }
    )
    expect(tried).toBeGreaterThan(500)
  }, 120_000)

  it("advanceSubmit makes the record advance makes for a Submit of a PENDING order, at any time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom<"BUY" | "SELL">("BUY", "SELL"),
        fc.integer({ min: -2_000, max: 2_000 }),
        (lots, side, dt) => {
          const m = createP(Decimal.fromUnits(BigInt(lots), d("0.001")), side)
          expect(m.order.status).toBe("PENDING")
          const submitted = OrderStateMachine.transition(m.state, { _tag: "Submit" })
          if (OrderStateMachine.isIllegal(submitted)) throw submitted
          const now = 1_000 + dt
          const actual = advanceSubmit(m, now)
          expect(actual).toStrictEqual(advance(m, submitted, m.fills, now))
          expect(actual.order).toEqual(Order.withState(m.order, submitted, now))
          expect(actual.state).toStrictEqual(submitted)
          expect(actual.fills).toBe(m.fills)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("advanceFill makes the record advance makes, for every legal fill in every state", () => {
    let tried = 0
    fc.assert(
      fc.property(fc.array(fc.tuple(event, fill, fc.integer({ min: -5, max: 1000 })), { minLength: 1, maxLength: 25 }), (steps) => {
        let m = createP(d("0.4"))
        let now = 1_000
        for (const [e, f, dt] of steps) {
          now += dt
          const filled = OrderStateMachine.onFill(m.state, f)
          if (!OrderStateMachine.isIllegal(filled)) {
            const record = fillOf(f)
            const expected = advance(m, filled, appendFill(m.fills, record), now)
            const actual = advanceFill(m, filled, record, now)
            expect(actual).toStrictEqual(expected)
            expect(actual.order).toEqual(Order.withState(m.order, filled, now))
            tried++
          }
          m = step(m, e, now)
        }
      }),
      { numRuns: 500 }
    )
    expect(tried).toBeGreaterThan(500)
  }, 120_000)
})

describe("stored orders", () => {
  const encode = Schema.encodeSync(ManagedOrder.Stored)
  const decode = Schema.decodeUnknownSync(ManagedOrder.Stored)

  it("round-trip through the stored form (JSON, decimals as strings), state derived exactly", () => {
    fc.assert(
      fc.property(workload(), (commands) => {
        const { manager } = live(commands)
        for (const m of manager.query({})) {
          const row = JSON.parse(JSON.stringify(encode(ManagedOrder.toStored(m))))
          const back = Either.getOrThrow(ManagedOrder.fromStored(decode(row)))
          expect(back).toEqual(m)
        }
      }),
      { numRuns: 100 }
    )
  }, 120_000)

  it("refuses a stored row whose fills contradict its filled quantity", () => {
    const { manager } = live([
      { kind: "create", id: 1, parent: undefined, lots: 100, sell: false, routed: true, other: false },
      { kind: "event", id: 1, event: { _tag: "Submit" } },
      { kind: "fill", id: 1, trade: 1, lots: 60, price: 65000, wrongVenue: false, ref: "operation" }
    ])
    const stored = ManagedOrder.toStored(manager.get("o1")!)
    const r = ManagedOrder.fromStored({ ...stored, fills: [] })
    expect(Either.isLeft(r) && r.left.reason).toBe("Corrupt")
  })
})
