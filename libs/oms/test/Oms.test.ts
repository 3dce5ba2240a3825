import { Ids } from "@odum/domain"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as fc from "fast-check"
import * as Oms from "../src/Oms.js"
import { DuplicateOperation, EventRejected, InvalidOrderRequest, OrderStoreError } from "../src/OmsError.js"
import * as OrderManager from "../src/OrderManager.js"
import * as OrderStore from "../src/OrderStore.js"
import { d, fillOf, instruments, limitBuy, op, voi } from "./fixtures.js"
import { idOf, report, request, workload } from "./workload.js"

const options: Oms.OmsOptions = { instruments }

/** The OMS over `store` (no recovery: the store starts empty or the test recovers itself). */
const omsOver = (store: OrderStore.OrderStoreService, recover = false) =>
  Effect.gen(function* () {
    const oms = yield* Effect.provideService(Oms.make(options), OrderStore.OrderStore, store)
    if (recover) yield* oms.recover
    return oms
  })

const unavailable = (what: string) => new OrderStoreError({ reason: "Unavailable", message: `${what}: connection reset` })

describe("Oms", () => {
  it.effect("writes the PENDING order to the store before submit returns it (write before send)", () =>
    Effect.gen(function* () {
      const inner = OrderStore.makeMemory()
      const gate = yield* Deferred.make<void>()
      const log: Array<string> = []
      const store: OrderStore.OrderStoreService = {
        ...inner,
        insert: (order, journal) =>
          Effect.gen(function* () {
            log.push(`insert ${order.order.operationId} ${order.order.status}`)
            yield* Deferred.await(gate)
            const r = yield* inner.insert(order, journal)
            log.push("insert done")
            return r
          })
      }
      const oms = yield* omsOver(store)
      const fiber = yield* Effect.fork(oms.submit(limitBuy("w1")))
      yield* Effect.yieldNow()
      // The store is writing; the order is not returned, so nothing can have been sent yet.
      expect(log).toEqual(["insert w1 PENDING"])
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      expect(oms.manager().get("w1")).toBeUndefined()
      yield* Deferred.succeed(gate, undefined)
      const result = yield* Fiber.join(fiber)
      expect(log).toEqual(["insert w1 PENDING", "insert done"])
      expect(result.created).toBe(true)
      expect(result.order.order.status).toBe("PENDING")
      expect(Option.getOrThrow(yield* inner.get("w1"))).toEqual(result.order)
      expect((yield* inner.readJournal({ operationId: "w1" })).map((e) => e.event._tag)).toEqual(["Created"])
    })
  )

  it.effect("a failed store write returns the error and leaves nothing to send; a retry then succeeds", () =>
    Effect.gen(function* () {
      const inner = OrderStore.makeMemory()
      let failures = 1
      const store: OrderStore.OrderStoreService = {
        ...inner,
        insert: (order, journal) => (failures-- > 0 ? Effect.fail(unavailable("insert")) : inner.insert(order, journal)),
        update: (updates, journal) => (failures-- > 0 ? Effect.fail(unavailable("update")) : inner.update(updates, journal))
      }
      const oms = yield* omsOver(store)
      const error = yield* Effect.flip(oms.submit(limitBuy("f1")))
      expect(error).toBeInstanceOf(OrderStoreError)
      expect(oms.manager().get("f1")).toBeUndefined()
      expect(oms.manager().sequence).toBe(0)
      expect((yield* oms.submit(limitBuy("f1"))).created).toBe(true)

      // An event whose write fails changes neither the store nor memory.
      failures = 1
      const before = oms.manager().get("f1")
      expect(yield* Effect.flip(oms.apply("f1", { _tag: "Submit" }))).toBeInstanceOf(OrderStoreError)
      expect(oms.manager().get("f1")).toBe(before)
      expect(Option.getOrThrow(yield* inner.get("f1")).order.status).toBe("PENDING")
      expect((yield* oms.apply("f1", { _tag: "Submit" })).order.status).toBe("SUBMITTED")
      expect(Option.getOrThrow(yield* inner.get("f1"))).toEqual(oms.manager().get("f1"))
    })
  )

  it.effect("is idempotent on the operation id, in memory and across a restart", () =>
    Effect.gen(function* () {
      const store = OrderStore.makeMemory()
      const oms = yield* omsOver(store)
      const first = yield* oms.submit(limitBuy("i1"))
      const again = yield* oms.submit(limitBuy("i1"))
      expect(again).toEqual({ order: first.order, created: false })
      const conflict = yield* Effect.flip(oms.submit(limitBuy("i1", { quantity: d("0.6") })))
      expect(conflict).toBeInstanceOf(DuplicateOperation)
      expect((conflict as DuplicateOperation).differences).toEqual(["quantity"])

      // Finish it, restart: the finished order is not in memory, the store still answers.
      yield* oms.apply("i1", { _tag: "Submit" })
      yield* oms.apply("i1", { _tag: "Accept", venueOrderId: voi("v1") })
      yield* oms.recordFill(fillOf("i1", "t1", "0.5", "65000"))
      const restarted = yield* omsOver(store, true)
      expect(restarted.manager().get("i1")).toBeUndefined()
      const replay = yield* restarted.submit(limitBuy("i1"))
      expect(replay.created).toBe(false)
      expect(replay.order.order.status).toBe("FILLED")
      expect(yield* Effect.flip(restarted.submit(limitBuy("i1", { side: "SELL" })))).toBeInstanceOf(DuplicateOperation)
      expect((yield* store.readJournal({ operationId: "i1" })).length).toBe(4)
      // A replayed fill of the finished order is recognised as a duplicate, not kept as unknown.
      expect((yield* restarted.recordFill(fillOf("i1", "t1", "0.5", "65000")))._tag).toBe("Duplicate")
      expect((yield* restarted.recordFill(fillOf("i1", "t1", "0.5", "65000", { operationId: undefined, venueOrderId: voi("v1") })))._tag).toBe(
        "Duplicate"
      )
      // An event for it is checked against its real state.
      const refused = yield* Effect.flip(restarted.apply("i1", { _tag: "CancelAck" }))
      expect(refused).toBeInstanceOf(EventRejected)
      expect(yield* store.listUnmatchedFills).toEqual([])
    })
  )

  it.effect("recovers unfinished orders, the parents they need, unmatched fills and the journal position", () =>
    Effect.gen(function* () {
      const store = OrderStore.makeMemory()
      const oms = yield* omsOver(store)
      yield* oms.submit(limitBuy("P", { venue: undefined, quantity: d("1") }))
      yield* oms.submit(limitBuy("C1", { parentOperationId: op("P"), quantity: d("0.4") }))
      yield* oms.submit(limitBuy("C2", { parentOperationId: op("P"), quantity: d("0.4") }))
      yield* oms.submit(limitBuy("done"))
      yield* oms.apply("C1", { _tag: "Submit" })
      yield* oms.apply("C1", { _tag: "Accept", venueOrderId: voi("c1") })
      yield* oms.recordFill(fillOf("C1", "t1", "0.1", "65000"))
      yield* oms.apply("P", { _tag: "CancelRequest" })
      yield* oms.apply("P", { _tag: "CancelAck" })
      yield* oms.apply("done", { _tag: "Deny", reason: "limit" })
      yield* oms.recordFill(fillOf("ghost", "g1", "1", "1"))

      const restarted = yield* omsOver(store)
      const summary = yield* restarted.recover
      const m = restarted.manager()
      // C1 and C2 are unfinished; their parent P is cancelled but loaded so fills still aggregate.
      expect(m.query({}).map((o) => o.order.operationId)).toEqual(["P", "C1", "C2"])
      expect(summary).toEqual({ orders: 3, unmatched: 1, sequence: oms.manager().sequence })
      for (const id of ["P", "C1", "C2"]) expect(m.get(id)).toEqual(oms.manager().get(id))
      expect(m.unmatchedFills()).toEqual(oms.manager().unmatchedFills())
      // A late fill on the cancelled parent's child is still aggregated; sequences continue.
      const r = yield* restarted.recordFill(fillOf("C1", "t2", "0.1", "65010"))
      expect(r._tag).toBe("Applied")
      expect(m.get("P")!.order.filledQuantity).toEqual(d("0.2"))
      const journal = yield* store.readJournal()
      expect(journal.map((e) => e.sequence)).toEqual(journal.map((_, i) => i + 1))

      // Replaying the whole journal gives every order, finished ones included, as the store has them.
      const fromJournal = yield* restarted.recoverFromJournal
      expect(fromJournal.orders).toBe(4)
      for (const id of ["P", "C1", "C2", "done"]) {
        expect(restarted.manager().get(id)).toEqual(Option.getOrThrow(yield* store.get(id)))
      }
    })
  )

  it.effect("refuses a malformed encoded request with a typed error and stores nothing", () =>
    Effect.gen(function* () {
      const store = OrderStore.makeMemory()
      const oms = yield* omsOver(store)
      const encoded = {
        operationId: "e1",
        strategyId: "alpha",
        canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
        venue: "BINANCE-SPOT",
        side: "BUY",
        type: "LIMIT",
        timeInForce: "GTC",
        quantity: "0.5",
        price: "65000.1"
      }
      for (const bad of [{ quantity: "abc" }, { quantity: 0.5 }, { quantity: "1e3" }, { price: "-1" }, { side: "LONG" }, { extra: 1 }]) {
        const error = yield* Effect.flip(oms.submitEncoded({ ...encoded, ...bad }))
        expect(error).toBeInstanceOf(InvalidOrderRequest)
        expect((error as InvalidOrderRequest).reason).toBe("Malformed")
        expect((error as InvalidOrderRequest).operationId).toBe("e1")
      }
      const unknown = yield* Effect.flip(oms.submitEncoded({ ...encoded, canonicalId: "BINANCE-SPOT:SPOT_PAIR:XYZ-USDT" }))
      expect((unknown as InvalidOrderRequest).reason).toBe("UnknownInstrument")
      expect(Option.isNone(yield* store.get("e1"))).toBe(true)
      const ok = yield* oms.submitEncoded(encoded)
      expect(ok.order.order.quantity).toEqual(d("0.5"))
      expect(ok.order.order.clientOrderId).toBe(Ids.clientOrderIdFor("e1"))
    })
  )

  it.effect("stamps orders and events with the Effect clock (simulated in tests and backtests)", () =>
    Effect.gen(function* () {
      const oms = yield* omsOver(OrderStore.makeMemory())
      yield* TestClock.adjust("1000 millis")
      const created = yield* oms.submit(limitBuy("c1"))
      yield* TestClock.adjust("250 millis")
      const submitted = yield* oms.apply("c1", { _tag: "Submit" })
      expect(created.order.order.createdAt).toBe(1000)
      expect(submitted.order.updatedAt).toBe(1250)
    })
  )

  it.effect("the layer recovers on start", () =>
    Effect.gen(function* () {
      const store = OrderStore.makeMemory()
      const first = yield* omsOver(store)
      yield* first.submit(limitBuy("l1"))
      const oms = yield* Effect.provide(
        Oms.Oms,
        Oms.layer(options).pipe(Layer.provide(Layer.succeed(OrderStore.OrderStore, store)))
      )
      expect(oms.manager().get("l1")).toEqual(first.manager().get("l1"))
      expect((yield* oms.get("l1")).pipe(Option.map((m) => m.order.status))).toEqual(Option.some("PENDING"))
      expect((yield* oms.query({ nonTerminal: true })).orders.map((m) => m.order.operationId)).toEqual(["l1"])
    })
  )

  it("keeps the store and memory identical, and the store's journal rebuilds memory, under random workloads", async () => {
    await fc.assert(
      fc.asyncProperty(workload(100), async (commands) => {
        await Effect.runPromise(
          Effect.gen(function* () {
            const store = OrderStore.makeMemory()
            const oms = yield* omsOver(store)
            for (const c of commands) {
              if (c.kind === "create") yield* Effect.either(oms.submit(request(c)))
              else if (c.kind === "event") yield* Effect.either(oms.apply(idOf(c.id), c.event))
              else yield* Effect.either(oms.recordFill(report(c)))
            }
            const manager = oms.manager()
            const everything = (yield* store.query({})).orders
            expect(everything).toEqual(manager.query({}))
            expect(yield* store.listUnmatchedFills).toEqual(manager.unmatchedFills())
            const journal = yield* store.readJournal()
            const rebuilt = OrderManager.rebuild(journal, options, yield* store.listUnmatchedFills)
            expect(Either.getOrThrow(rebuilt)).toStrictEqual(manager)
          })
        )
      }),
      { numRuns: 60 }
    )
  }, 120_000)
})
