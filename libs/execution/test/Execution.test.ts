import { describe, expect, it } from "@effect/vitest"
import { type ExecutionEvent, type VenueAdapter, VenueAdapters, VenueError, type VenueOrderRequest } from "@odum/adapter-kit"
import { Decimal, Ids } from "@odum/domain"
import { OmsError, OrderStore } from "@odum/oms"
import { Positions } from "@odum/positions"
import { InMemoryRiskBook, RiskEngine } from "@odum/risk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { Execution } from "../src/index.js"
import { BINANCE, D, limit, lossyStore, riskConfig, specs } from "./fixtures.js"

type Behaviour = "fill" | "ack" | "timeout" | "reject"

/** A scripted Effect venue adapter (the environment): acks submits and reports fills on its event stream. */
const scriptedAdapter = (venue: string, behaviour: { current: Behaviour }, onSubmit: (order: VenueOrderRequest.VenueOrderRequest) => Effect.Effect<void> = () => Effect.void) =>
  Effect.gen(function* () {
    const events = yield* Queue.unbounded<ExecutionEvent.ExecutionEvent>()
    const sent: Array<VenueOrderRequest.VenueOrderRequest> = []
    const cancels: Array<string> = []
    let trade = 0
    const adapter: VenueAdapter.VenueAdapter = {
      venue: Ids.Venue.make(venue),
      submit: (order) =>
        Effect.gen(function* () {
          yield* onSubmit(order)
          sent.push(order)
          const base = {
            venue: Ids.Venue.make(venue),
            canonicalId: order.canonicalId,
            clientOrderId: order.clientOrderId,
            venueOrderId: `v-${order.clientOrderId}` as Ids.VenueOrderId,
            ts: 1n
          }
          switch (behaviour.current) {
            case "timeout":
              return yield* new VenueError.VenueTransportError({ reason: "Timeout", venue, message: "no answer" })
            case "reject":
              return yield* new VenueError.VenueRejection({ reason: "InsufficientFunds", venue, message: "no money" })
            case "fill":
              yield* Queue.offer(events, {
                _tag: "Filled",
                ...base,
                side: order.side,
                tradeId: `t${++trade}` as Ids.TradeId,
                price: order.price ?? D("50000"),
                quantity: order.quantity,
                fee: Decimal.zero,
                feeCurrency: "USDT",
                liquidity: "TAKER"
              })
              break
            case "ack":
              break
          }
          return { clientOrderId: order.clientOrderId, venueOrderId: base.venueOrderId, ts: 1n }
        }),
      cancel: (clientOrderId) =>
        Effect.gen(function* () {
          cancels.push(clientOrderId)
          yield* Queue.offer(events, {
            _tag: "Cancelled",
            venue: Ids.Venue.make(venue),
            canonicalId: BINANCE,
            clientOrderId,
            venueOrderId: `v-${clientOrderId}` as Ids.VenueOrderId,
            ts: 2n
          })
        }),
      openOrders: () => Effect.succeed([]),
      fills: () => Effect.succeed([]),
      positions: () => Effect.succeed([]),
      balances: () => Effect.succeed([]),
      executionEvents: Stream.fromQueue(events)
    }
    return { adapter, sent, cancels }
  })

/** The service over an in-memory store (or the given one), the real risk engine and positions, and a scripted adapter. */
const setup = (
  behaviour: Behaviour,
  options: {
    readonly store?: OrderStore.OrderStoreService
    readonly onSubmit?: (order: VenueOrderRequest.VenueOrderRequest) => Effect.Effect<void>
  } = {}
) =>
  Effect.gen(function* () {
    const mode = { current: behaviour }
    const venue = yield* scriptedAdapter("BINANCE-SPOT", mode, options.onSubmit)
    const book = InMemoryRiskBook.make()
    for (const s of specs) {
      book.addSpec(s)
      book.setReferencePrice(s.canonicalId, D("50000"))
      book.setBalance(s.venue, "USDT", D("10000000"))
      book.setBalance(s.venue, "BTC", D("100"))
    }
    const store = options.store ?? OrderStore.makeMemory()
    const deps = Layer.mergeAll(
      Layer.succeed(OrderStore.OrderStore, store),
      VenueAdapters.layer([venue.adapter]),
      RiskEngine.layer(riskConfig).pipe(Layer.provide(InMemoryRiskBook.layer(book))),
      Positions.layer({ instruments: specs })
    )
    const context = yield* Layer.build(Execution.layer({ instruments: specs, riskBook: book }).pipe(Layer.provideMerge(deps)))
    return { service: Effect.runSync(Effect.provide(Execution.Execution, context)), venue, mode, store, book }
  })

/** Takes reports from a subscription until one for `operationId` has `status`. */
const until = (queue: Queue.Dequeue<{ operationId: string; status: string }>, operationId: string, status: string) =>
  Effect.gen(function* () {
    const seen: Array<string> = []
    for (;;) {
      const r = yield* Queue.take(queue)
      if (r.operationId === operationId) seen.push(r.status)
      if (r.operationId === operationId && r.status === status) return seen
    }
  })

describe("Execution (Effect service)", () => {
  it.scoped("writes the order to the store before the venue sees it, then reports through to FILLED", () =>
    Effect.gen(function* () {
      const request = limit()
      let storedAtSend: string | undefined
      const store = OrderStore.makeMemory()
      const { service } = yield* setup("fill", {
        store,
        onSubmit: () =>
          Effect.orDie(
            Effect.map(store.get(request.operationId), (m) => {
              storedAtSend = Option.isSome(m) ? m.value.order.status : "absent"
            })
          )
      })
      const reports = yield* service.subscribe
      const result = yield* service.submit(request)
      expect(storedAtSend).toBe("SUBMITTED")
      expect(["ACCEPTED", "FILLED"]).toContain(result.status)
      const seen = yield* until(reports, request.operationId, "FILLED")
      expect(seen).toEqual(["PENDING", "SUBMITTED", "ACCEPTED", "FILLED"])
      const stored = yield* store.get(request.operationId)
      expect(Option.map(stored, (m) => m.order.status)).toEqual(Option.some("FILLED"))
      const journal = yield* store.readJournal({ operationId: request.operationId })
      expect(journal.map((e) => e.event._tag)).toEqual(["Created", "Submit", "Accept", "FillRecorded"])
    })
  )

  it.scoped("sends nothing while the store refuses writes, and sends the queued order once it takes them", () =>
    Effect.gen(function* () {
      const memory = OrderStore.makeMemory()
      let down = true
      const failing: OrderStore.OrderStoreService = {
        ...memory,
        insert: (order, journal) =>
          down
            ? Effect.fail(new OmsError.OrderStoreError({ reason: "Unavailable", message: "connection refused" }))
            : memory.insert(order, journal)
      }
      const { service, venue } = yield* setup("ack", { store: failing })
      const request = limit()
      const error = yield* Effect.flip(service.submit(request))
      expect(error.reason).toBe("StoreUnavailable")
      expect(venue.sent).toEqual([])
      down = false
      // The next call into the service flushes the queue first: the earlier order is written, then sent.
      const other = limit()
      yield* service.submit(other)
      expect(venue.sent.map((o) => o.clientOrderId)).toEqual([
        Ids.clientOrderIdFor(request.operationId),
        Ids.clientOrderIdFor(other.operationId)
      ])
      const stored = yield* memory.get(request.operationId)
      expect(Option.isSome(stored)).toBe(true)
    })
  )

  it.scoped("carries on after a store write that landed but whose answer was lost", () =>
    Effect.gen(function* () {
      const { memory, store: lossy, loseNext } = lossyStore()
      const { service } = yield* setup("ack", { store: lossy })
      const reports = yield* service.subscribe
      const request = limit()
      loseNext() // the Accept's write lands, its answer is lost
      yield* service.submit(request)
      yield* service.cancel(request.operationId)
      yield* until(reports, request.operationId, "CANCELLED")
      const journal = yield* memory.readJournal({ operationId: request.operationId })
      expect(journal.map((e) => [e.version, e.event._tag])).toEqual([
        [1, "Created"],
        [2, "Submit"],
        [3, "Accept"],
        [4, "CancelRequest"],
        [5, "CancelAck"]
      ])
      const stored = yield* memory.get(request.operationId)
      expect(Option.map(stored, (m) => m.order.status)).toEqual(Option.some("CANCELLED"))
    })
  )

  it.scoped("keeps an order in flight after a transport error and rejects only on a venue refusal", () =>
    Effect.gen(function* () {
      const { service, mode } = yield* setup("timeout")
      const ambiguous = yield* service.submit(limit())
      expect(ambiguous.status).toBe("SUBMITTED")
      mode.current = "reject"
      const rejected = yield* service.submit(limit())
      expect(rejected.status).toBe("REJECTED")
      expect(rejected.errorMessage).toBe("InsufficientFunds: no money")
    })
  )

  it.scoped("denies through the real risk engine, and is idempotent across a restart on the same store", () =>
    Effect.gen(function* () {
      const store = OrderStore.makeMemory()
      const first = yield* setup("ack", { store })
      const denied = yield* first.service.submit(limit({ quantity: D("6") }))
      expect(denied.status).toBe("DENIED")
      expect(first.venue.sent).toEqual([])
      const request = limit()
      const accepted = yield* first.service.submit(request)
      expect(accepted.status).toBe("ACCEPTED")
      // A new service on the same store (a restart): the same operation id is not sent again.
      const second = yield* setup("ack", { store })
      const again = yield* second.service.submit(request)
      expect(again.status).toBe("ACCEPTED")
      expect(second.venue.sent).toEqual([])
      const clash = yield* Effect.flip(second.service.submit({ ...request, quantity: D("0.7") }))
      expect(clash.reason).toBe("DuplicateOperation")
      const unknown = yield* Effect.flip(second.service.status("nope"))
      expect(unknown.reason).toBe("OrderNotFound")
    })
  )

  it.scoped("works a TWAP over the Clock: children go out as TestClock advances, and cancel stops the rest", () =>
    Effect.gen(function* () {
      const { service, venue } = yield* setup("fill")
      const reports = yield* service.subscribe
      const request = limit({ quantity: D("2"), execAlgorithm: { name: "TWAP", params: { durationMs: 4_000, sliceCount: 4 } } })
      yield* service.submit(request)
      expect(venue.sent.map((o) => Decimal.format(o.quantity))).toEqual(["0.5"])
      yield* TestClock.adjust("1 second")
      expect(venue.sent).toHaveLength(2)
      yield* TestClock.adjust("1 second")
      expect(venue.sent).toHaveLength(3)
      yield* until(reports, `${request.operationId}:c3`, "FILLED")
      const cancelled = yield* service.cancel(request.operationId)
      expect(cancelled.status).toBe("CANCELLED")
      expect(Decimal.format(cancelled.filledQuantity)).toBe("1.5")
      yield* TestClock.adjust("5 seconds")
      expect(venue.sent).toHaveLength(3)
    })
  )

  it.scoped("cancels at the venue and confirms from the venue's event stream", () =>
    Effect.gen(function* () {
      const { service, venue } = yield* setup("ack")
      const reports = yield* service.subscribe
      const request = limit()
      yield* service.submit(request)
      const pending = yield* service.cancel(request.operationId)
      expect(["PENDING_CANCEL", "CANCELLED"]).toContain(pending.status)
      yield* until(reports, request.operationId, "CANCELLED")
      expect(venue.cancels).toEqual([Ids.clientOrderIdFor(request.operationId)])
      expect((yield* service.status(request.operationId)).status).toBe("CANCELLED")
    })
  )
})
