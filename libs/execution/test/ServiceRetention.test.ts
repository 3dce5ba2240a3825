/**
 * The live service over a core that keeps few finished orders (`retainFinishedOrders`): the
 * core and the service's persistence bookkeeping stay bounded, every order reaches the store
 * whole (the outbox writes the record each journal entry left, not the core's copy), and an
 * evicted order is answered from the store (submit's idempotency, status, cancel), also when
 * the store failed in the step that finished and evicted it.
 */
import { describe, expect, it } from "@effect/vitest"
import { type ExecutionEvent, type VenueAdapter, VenueAdapters, VenueError, type VenueOrderRequest } from "@odum/adapter-kit"
import { Decimal, Ids } from "@odum/domain"
import { OmsError, type OrderRequest, OrderStore } from "@odum/oms"
import { Positions } from "@odum/positions"
import { InMemoryRiskBook, RiskEngine } from "@odum/risk"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { Execution } from "../src/index.js"
import { BINANCE, D, limit, lossyStore, riskConfig, specs } from "./fixtures.js"

type Behaviour = "fill" | "ack" | "reject"

/** A scripted venue adapter (the environment): acks submits, reports fills and cancels on its event stream. */
const scriptedAdapter = (venue: string) =>
  Effect.gen(function* () {
    const events = yield* Queue.unbounded<ExecutionEvent.ExecutionEvent>()
    const mode: { current: Behaviour } = { current: "fill" }
    const sent: Array<VenueOrderRequest.VenueOrderRequest> = []
    let trade = 0
    const fill = (order: VenueOrderRequest.VenueOrderRequest) =>
      Queue.offer(events, {
        _tag: "Filled",
        venue: Ids.Venue.make(venue),
        canonicalId: order.canonicalId,
        clientOrderId: order.clientOrderId,
        venueOrderId: `v-${order.clientOrderId}` as Ids.VenueOrderId,
        ts: 1n,
        side: order.side,
        tradeId: `t${++trade}` as Ids.TradeId,
        price: order.price ?? D("50000"),
        quantity: order.quantity,
        fee: Decimal.zero,
        feeCurrency: "USDT",
        liquidity: "TAKER"
      })
    const adapter: VenueAdapter.VenueAdapter = {
      venue: Ids.Venue.make(venue),
      submit: (order) =>
        Effect.gen(function* () {
          sent.push(order)
          if (mode.current === "reject") {
            return yield* new VenueError.VenueRejection({ reason: "InsufficientFunds", venue, message: "no money" })
          }
          if (mode.current === "fill") yield* fill(order)
          return { clientOrderId: order.clientOrderId, venueOrderId: `v-${order.clientOrderId}` as Ids.VenueOrderId, ts: 1n }
        }),
      cancel: (clientOrderId) =>
        Queue.offer(events, {
          _tag: "Cancelled",
          venue: Ids.Venue.make(venue),
          canonicalId: BINANCE,
          clientOrderId,
          venueOrderId: `v-${clientOrderId}` as Ids.VenueOrderId,
          ts: 2n
        }).pipe(Effect.asVoid),
      openOrders: () => Effect.succeed([]),
      fills: () => Effect.succeed([]),
      positions: () => Effect.succeed([]),
      balances: () => Effect.succeed([]),
      executionEvents: Stream.fromQueue(events)
    }
    return { adapter, sent, mode, fill }
  })

/** The service with `retainFinishedOrders: retain` over the given store, the real risk engine and positions, and a scripted adapter. */
const setup = (retain: number, store: OrderStore.OrderStoreService) =>
  Effect.gen(function* () {
    const venue = yield* scriptedAdapter("BINANCE-SPOT")
    const book = InMemoryRiskBook.make()
    for (const s of specs) {
      book.addSpec(s)
      book.setReferencePrice(s.canonicalId, D("50000"))
      book.setBalance(s.venue, "USDT", D("10000000"))
      book.setBalance(s.venue, "BTC", D("100"))
    }
    const deps = Layer.mergeAll(
      Layer.succeed(OrderStore.OrderStore, store),
      VenueAdapters.layer([venue.adapter]),
      RiskEngine.layer(riskConfig).pipe(Layer.provide(InMemoryRiskBook.layer(book))),
      Positions.layer({ instruments: specs })
    )
    const context = yield* Layer.build(
      Execution.layer({ instruments: specs, riskBook: book, retainFinishedOrders: retain }).pipe(Layer.provideMerge(deps))
    )
    return { service: Effect.runSync(Effect.provide(Execution.Execution, context)), venue }
  })

const unavailable = (message: string) => new OmsError.OrderStoreError({ reason: "Unavailable", message })

/** Lets forked fibers (the venue event stream) run until `done` holds; fails after `max` turns. */
const eventually = (done: () => boolean, max = 200) =>
  Effect.gen(function* () {
    for (let i = 0; i < max && !done(); i++) yield* Effect.yieldNow()
    if (!done()) throw new Error("condition not reached")
  })

const terminal = new Set(["FILLED", "CANCELLED", "REJECTED", "DENIED", "EXPIRED"])

/** Takes reports from a subscription until `operationId` reports a final status. */
const untilFinal = (queue: Queue.Dequeue<{ operationId: string; status: string }>, operationId: string) =>
  Effect.gen(function* () {
    for (;;) {
      const r = yield* Queue.take(queue)
      if (r.operationId === operationId && terminal.has(r.status)) return r.status
    }
  })

const journalOf = (store: OrderStore.OrderStoreService, operationId: string) =>
  Effect.map(store.readJournal({ operationId }), (entries) => entries.map((e) => `${e.version}:${e.event._tag}`))

describe("Execution (Effect service) with bounded retention", () => {
  it.scoped("holds at most the bound of finished orders and stores every order whole, answering evicted ones from the store", () =>
    Effect.gen(function* () {
      const store = OrderStore.makeMemory()
      const { service, venue } = yield* setup(2, store)
      const reports = yield* service.subscribe
      const orders: Array<{ request: OrderRequest.OrderRequest; status: string; journal: Array<string> }> = []
      let maxHeld = 0
      let maxTracked = 0
      for (let i = 0; i < 40; i++) {
        // Fills, venue rejections, risk denials and cancels, so every kind of end is evicted.
        const kind = i % 5 === 4 ? "deny" : i % 5 === 3 ? "cancel" : i % 5 === 2 ? "reject" : "fill"
        const request = limit({ side: i % 2 === 0 ? "BUY" : "SELL", quantity: D(kind === "deny" ? "6" : "0.01") })
        venue.mode.current = kind === "cancel" ? "ack" : kind === "reject" ? "reject" : "fill"
        yield* service.submit(request)
        if (kind === "cancel") yield* service.cancel(request.operationId)
        const status = yield* untilFinal(reports, request.operationId)
        orders.push({
          request,
          status,
          journal:
            kind === "fill"
              ? ["1:Created", "2:Submit", "3:Accept", "4:FillRecorded"]
              : kind === "reject"
                ? ["1:Created", "2:Submit", "3:Reject"]
                : kind === "deny"
                  ? ["1:Created", "2:Deny"]
                  : ["1:Created", "2:Submit", "3:Accept", "4:CancelRequest", "5:CancelAck"]
        })
        // The order's final report is published once its step is durable: nothing is queued then.
        const p = service.persistence()
        expect(p.queuedEntries).toBe(0)
        expect(p.queuedOrders).toBe(0)
        maxHeld = Math.max(maxHeld, service.core.orders.size)
        maxTracked = Math.max(maxTracked, p.storedVersions)
      }
      expect(orders.map((o) => o.status)).toEqual(
        Array.from({ length: 40 }, (_, i) => ["FILLED", "FILLED", "REJECTED", "CANCELLED", "DENIED"][i % 5])
      )
      // Nothing works any more: the core holds the 2 most recently finished orders, and the
      // service tracks the stored version of those only.
      expect(maxHeld).toBe(2)
      expect(maxTracked).toBe(2)
      expect(service.core.orders.size).toBe(2)
      expect(service.core.orders.evicted).toBe(38)
      expect(service.persistence()).toEqual({ storedVersions: 2, queuedOrders: 0, queuedEntries: 0 })
      // Every order is in the store at its final version, with its whole journal.
      for (const o of orders) {
        const stored = yield* store.get(o.request.operationId)
        expect(Option.map(stored, (m) => [m.order.status, m.version])).toEqual(Option.some([o.status, o.journal.length]))
        expect(yield* journalOf(store, o.request.operationId)).toEqual(o.journal)
      }
      // An evicted order answers from the store: submit (same rule, nothing sent), status, cancel.
      const first = orders[0]!.request
      expect(service.core.order(first.operationId)).toBeUndefined()
      const sent = venue.sent.length
      const again = yield* service.submit(first)
      expect([again.status, Decimal.format(again.filledQuantity), again.fills.length]).toEqual(["FILLED", "0.01", 1])
      const clash = yield* Effect.flip(service.submit({ ...first, quantity: D("0.02") }))
      expect(clash.reason).toBe("DuplicateOperation")
      expect((yield* service.status(first.operationId)).status).toBe("FILLED")
      expect((yield* service.cancel(orders[3]!.request.operationId)).status).toBe("CANCELLED")
      expect(venue.sent.length).toBe(sent)
      expect(yield* journalOf(store, first.operationId)).toEqual(orders[0]!.journal)
      const unknown = yield* Effect.flip(service.status("nope"))
      expect(unknown.reason).toBe("OrderNotFound")
    })
  )

  it.scoped("writes an order evicted in the step that failed to store it on the next step, from the version the store holds", () =>
    Effect.gen(function* () {
      const memory = OrderStore.makeMemory()
      let down = false
      const expected: Array<[string, number]> = []
      const store: OrderStore.OrderStoreService = {
        ...memory,
        insert: (order, journal) => (down ? Effect.fail(unavailable("connection refused")) : memory.insert(order, journal)),
        update: (updates, journal) => {
          if (down) return Effect.fail(unavailable("connection refused"))
          for (const u of updates) expected.push([u.order.order.operationId, u.expectedVersion])
          return memory.update(updates, journal)
        }
      }
      const { service, venue } = yield* setup(0, store)
      const a = limit()
      venue.mode.current = "ack"
      expect((yield* service.submit(a)).status).toBe("ACCEPTED")
      expect(service.persistence()).toEqual({ storedVersions: 1, queuedOrders: 0, queuedEntries: 0 })
      // The fill finishes the order, and the core (keeping no finished order) evicts it in the
      // same step; the store refuses that step's write.
      down = true
      yield* venue.fill(venue.sent[0]!)
      yield* eventually(() => service.core.order(a.operationId) === undefined)
      expect(service.persistence()).toEqual({ storedVersions: 1, queuedOrders: 1, queuedEntries: 1 })
      expect(Option.map(yield* memory.get(a.operationId), (m) => [m.order.status, m.version])).toEqual(Option.some(["ACCEPTED", 3]))
      // Answered from the outbox; a repeated submit must first make it durable, so it fails too.
      expect((yield* service.status(a.operationId)).status).toBe("FILLED")
      expect((yield* Effect.flip(service.submit(a))).reason).toBe("StoreUnavailable")
      // A new order evicted in the step that created it (a risk denial), while the store is down.
      const denied = limit({ quantity: D("6") })
      expect((yield* Effect.flip(service.submit(denied))).reason).toBe("StoreUnavailable")
      expect(service.core.order(denied.operationId)).toBeUndefined()
      expect((yield* service.status(denied.operationId)).status).toBe("DENIED")
      expect(service.persistence()).toEqual({ storedVersions: 1, queuedOrders: 2, queuedEntries: 3 })
      // The store is back: the repeated submit writes the queue, then answers from the store.
      down = false
      const again = yield* service.submit(a)
      expect([again.status, Decimal.format(again.filledQuantity)]).toEqual(["FILLED", "0.5"])
      expect(expected).toEqual([
        [a.operationId, 2],
        [a.operationId, 3]
      ])
      expect(Option.map(yield* memory.get(a.operationId), (m) => [m.order.status, m.version])).toEqual(Option.some(["FILLED", 4]))
      expect(yield* journalOf(memory, a.operationId)).toEqual(["1:Created", "2:Submit", "3:Accept", "4:FillRecorded"])
      expect(Option.map(yield* memory.get(denied.operationId), (m) => [m.order.status, m.version])).toEqual(Option.some(["DENIED", 2]))
      expect(yield* journalOf(memory, denied.operationId)).toEqual(["1:Created", "2:Deny"])
      expect((yield* service.submit(denied)).status).toBe("DENIED")
      expect(venue.sent).toHaveLength(1)
      expect(service.persistence()).toEqual({ storedVersions: 0, queuedOrders: 0, queuedEntries: 0 })
    })
  )

  it.scoped("carries on after the finishing write of an evicted order landed but its answer was lost", () =>
    Effect.gen(function* () {
      const { memory, store, loseNext } = lossyStore()
      const { service, venue } = yield* setup(0, store)
      const a = limit()
      venue.mode.current = "ack"
      yield* service.submit(a)
      loseNext()
      yield* venue.fill(venue.sent[0]!)
      yield* eventually(() => service.core.order(a.operationId) === undefined)
      expect(service.persistence()).toEqual({ storedVersions: 1, queuedOrders: 1, queuedEntries: 1 })
      // The next step finds the entry stored (a journal conflict from version 3), reads version 4 and goes on.
      venue.mode.current = "fill"
      const b = limit({ side: "SELL" })
      expect((yield* service.submit(b)).status).toBe("ACCEPTED")
      expect(yield* journalOf(memory, a.operationId)).toEqual(["1:Created", "2:Submit", "3:Accept", "4:FillRecorded"])
      expect((yield* service.submit(a)).status).toBe("FILLED")
      yield* eventually(() => service.core.order(b.operationId) === undefined)
      expect(service.persistence()).toEqual({ storedVersions: 0, queuedOrders: 0, queuedEntries: 0 })
    })
  )

  it.scoped("does not create again an order evicted while a repeated submit of it waited for its turn", () =>
    Effect.gen(function* () {
      const memory = OrderStore.makeMemory()
      const gate = yield* Deferred.make<void>()
      const slow = limit({ side: "SELL" })
      const store: OrderStore.OrderStoreService = {
        ...memory,
        // The slow order's first write holds the service's permit until the gate opens.
        insert: (order, journal) =>
          order.order.operationId === slow.operationId
            ? Effect.zipRight(Deferred.await(gate), memory.insert(order, journal))
            : memory.insert(order, journal)
      }
      const { service, venue } = yield* setup(0, store)
      const a = limit()
      venue.mode.current = "ack"
      expect((yield* service.submit(a)).status).toBe("ACCEPTED")
      const blocker = yield* Effect.fork(service.submit(slow))
      yield* eventually(() => service.core.order(slow.operationId) !== undefined)
      // Queued for the permit, in this order: the fill that finishes (and evicts) `a`, then a
      // repeated submit of `a` that found it in the core before the fill took it away.
      yield* venue.fill(venue.sent[0]!)
      for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
      expect(service.core.order(a.operationId)?.order.status).toBe("ACCEPTED")
      const repeated = yield* Effect.fork(service.submit(a))
      for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      const result = yield* Fiber.join(repeated)
      yield* Fiber.join(blocker)
      expect(result.status).toBe("FILLED")
      // Sent once, one order of record: the repeated submit answered from the store.
      expect(venue.sent.map((o) => o.clientOrderId)).toEqual([
        Ids.clientOrderIdFor(a.operationId),
        Ids.clientOrderIdFor(slow.operationId)
      ])
      expect(yield* journalOf(memory, a.operationId)).toEqual(["1:Created", "2:Submit", "3:Accept", "4:FillRecorded"])
      expect(service.core.order(a.operationId)).toBeUndefined()
    })
  )

  it.scoped("refuses a retainFinishedOrders that is not a count", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(setup(-1, OrderStore.makeMemory()))
      expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toContain(
        "Execution: retainFinishedOrders must be a non-negative integer or Infinity, got -1"
      )
    })
  )
})
