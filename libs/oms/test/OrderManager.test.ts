import { Decimal, Ids, OrderStateMachine, type OrderEvent } from "@odum/domain"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import type { FillReport } from "../src/FillReport.js"
import { DuplicateOperation, EventRejected, InvalidFillReport, InvalidOrderRequest, OrderNotFound } from "../src/OmsError.js"
import type { LifecycleEvent, OrderJournalEntry } from "../src/OrderJournal.js"
import { advance } from "../src/internal/records.js"
import * as OrderManager from "../src/OrderManager.js"
import type { OrderQuery } from "../src/OrderQuery.js"
import type { OrderRequest } from "../src/OrderRequest.js"
import { BTC_SPOT, clock, d, DERIBIT_PERP, fillOf, instruments, limitBuy, op, strategy, venue, voi } from "./fixtures.js"

const setup = () => {
  const journal: Array<OrderJournalEntry> = []
  const manager = OrderManager.make({ instruments, journal: (e) => journal.push(e) })
  return { manager, journal, now: clock() }
}

const right = <A, E>(e: Either.Either<A, E>): A => {
  if (Either.isLeft(e)) throw new Error(`expected Right, got ${String(e.left)}`)
  return e.right
}
const left = <A, E>(e: Either.Either<A, E>): E => {
  if (Either.isRight(e)) throw new Error("expected Left, got Right")
  return e.left
}

/** Creates, submits and accepts an order; returns its operation id. */
const working = (m: OrderManager.OrderManager, now: () => number, id: string, overrides: Partial<OrderRequest> = {}) => {
  right(m.create(limitBuy(id, overrides), now()))
  right(m.apply(id, { _tag: "Submit" }, now()))
  right(m.apply(id, { _tag: "Accept", venueOrderId: voi(`v-${id}`) }, now()))
  return id
}

describe("create", () => {
  it("records the order in PENDING with the client order id derived from the operation id", () => {
    const { manager, journal, now } = setup()
    const t = now()
    const { order, created } = right(manager.create(limitBuy("op-1"), t))
    expect(created).toBe(true)
    expect(order.order.status).toBe("PENDING")
    expect(order.order.clientOrderId).toBe(Ids.clientOrderIdFor("op-1"))
    expect(order.order.quantity).toEqual(d("0.5"))
    expect(order.order.createdAt).toBe(t)
    expect(order.version).toBe(1)
    expect(manager.get("op-1")).toBe(order)
    expect(journal).toEqual([{ sequence: 1, operationId: "op-1", version: 1, timestamp: t, event: { _tag: "Created", order: order.order } }])
  })

  it("is idempotent: the same request returns the existing order and journals nothing", () => {
    const { manager, journal, now } = setup()
    const first = right(manager.create(limitBuy("op-1"), now()))
    right(manager.apply("op-1", { _tag: "Submit" }, now()))
    const again = right(manager.create(limitBuy("op-1", { quantity: d("0.50000") }), now()))
    expect(again.created).toBe(false)
    expect(again.order).toBe(manager.get("op-1"))
    expect(again.order.order.status).toBe("SUBMITTED")
    expect(first.order.order.operationId).toBe("op-1")
    expect(journal.length).toBe(2)
    expect(manager.size).toBe(1)
  })

  it("refuses a different request under an existing operation id, naming the differences", () => {
    const { manager, journal, now } = setup()
    right(manager.create(limitBuy("op-1"), now()))
    const error = left(manager.create(limitBuy("op-1", { side: "SELL", price: d("65000.2") }), now()))
    expect(error).toBeInstanceOf(DuplicateOperation)
    const dup = error as DuplicateOperation
    expect(dup.differences).toEqual(["side", "price"])
    expect(dup.existing).toBe(manager.get("op-1"))
    expect(journal.length).toBe(1)
  })

  const bad: Array<[string, Partial<OrderRequest> | Record<string, unknown>, InvalidOrderRequest["reason"]]> = [
    ["a quantity given as a string", { quantity: "0.5" }, "InvalidQuantity"],
    ["a quantity given as a number", { quantity: 0.5 }, "InvalidQuantity"],
    ["a zero quantity", { quantity: d("0") }, "InvalidQuantity"],
    ["a negative quantity", { quantity: d("-1") }, "InvalidQuantity"],
    ["a negative quantity past 2^53 units", { quantity: d("-12345678901234567890.1") }, "InvalidQuantity"],
    ["a negative price past 2^53 units", { price: d("-98765432109876543210.01") }, "InvalidPrice"],
    ["a quantity off the lot grid", { quantity: d("0.000001") }, "InvalidQuantity"],
    ["a price off the tick grid", { price: d("65000.001") }, "InvalidPrice"],
    ["a price given as a string", { price: "65000" }, "InvalidPrice"],
    ["a LIMIT order without a price", { price: undefined }, "MissingPrice"],
    ["a MARKET order with a price", { type: "MARKET" }, "UnexpectedPrice"],
    ["a GTD order without expireAt", { timeInForce: "GTD" }, "InvalidExpiry"],
    ["expireAt on a GTC order", { expireAt: 1_800_000_000_000 }, "InvalidExpiry"],
    ["postOnly on an IOC order", { timeInForce: "IOC", postOnly: true }, "InvalidFlags"],
    ["an unknown instrument", { canonicalId: "BINANCE-SPOT:SPOT_PAIR:DOGE-USDT" }, "UnknownInstrument"],
    ["a venue other than the instrument's", { venue: venue("OKX") }, "VenueMismatch"],
    ["an unknown side", { side: "HOLD" }, "Malformed"],
    ["a missing strategy", { strategyId: undefined }, "Malformed"]
  ]
  for (const [what, overrides, reason] of bad) {
    it(`refuses ${what} with ${reason} and records nothing`, () => {
      const { manager, journal, now } = setup()
      const error = left(manager.create(limitBuy("op-bad", overrides as Partial<OrderRequest>), now()))
      expect(error).toBeInstanceOf(InvalidOrderRequest)
      expect((error as InvalidOrderRequest).reason).toBe(reason)
      expect(error.message).toContain("op-bad")
      expect(manager.size).toBe(0)
      expect(manager.sequence).toBe(0)
      expect(journal).toEqual([])
    })
  }

  it("takes a quantity and fills past 2^53 units (no number form: the bigints decide), averaging them exactly", () => {
    // Signs, grid and the first fill's average come from the units' number form when there
    // is one; here there is none.
    const { manager, now } = setup()
    const created = right(manager.create(limitBuy("op-big", { quantity: d("20000000000000000000") }), now()))
    expect(created.order.order.quantity).toEqual(d("20000000000000000000"))
    right(manager.apply("op-big", { _tag: "Submit" }, now()))
    right(manager.apply("op-big", { _tag: "Accept", venueOrderId: voi("v-big") }, now()))
    const first = right(manager.recordFill(fillOf("op-big", "t-1", "10000000000000000000", "100"), now()))
    expect(first._tag === "Applied" && first.order.order.averageFillPrice).toEqual(d("100"))
    const second = right(manager.recordFill(fillOf("op-big", "t-2", "10000000000000000000", "200"), now()))
    expect(second._tag === "Applied" && second.order.order.averageFillPrice).toEqual(d("150"))
    expect(manager.get("op-big")!.order.status).toBe("FILLED")
    expect(left(manager.recordFill(fillOf("op-big", "t-3", "-10000000000000000000", "100"), now()))).toBeInstanceOf(InvalidFillReport)
  })

  it("tryCreate records the caller's venue for a request that names none, checked and compared as the request's own", () => {
    const { manager, journal, now } = setup()
    const bare = limitBuy("op-v", { venue: undefined })
    const r = manager.tryCreate(bare, now(), venue("BINANCE-SPOT"))
    if (r instanceof Error) throw r
    expect(r.created).toBe(true)
    expect(r.order.order.venue).toBe("BINANCE-SPOT")
    expect(journal[0]!.event).toEqual({ _tag: "Created", order: r.order.order })
    // Again with the same venue: the same order; under another venue, or with none: a different request.
    const again = manager.tryCreate(bare, now(), venue("BINANCE-SPOT"))
    if (again instanceof Error) throw again
    expect(again.created).toBe(false)
    expect(again.order).toBe(r.order)
    expect(manager.tryCreate(bare, now())).toBeInstanceOf(DuplicateOperation)
    // A venue the instrument does not trade on is refused as if the request named it; nothing is recorded.
    const wrong = manager.tryCreate(limitBuy("op-w", { venue: undefined }), now(), venue("OKX"))
    expect(wrong).toBeInstanceOf(InvalidOrderRequest)
    expect((wrong as InvalidOrderRequest).reason).toBe("VenueMismatch")
    expect(manager.get("op-w")).toBeUndefined()
    // The request's own venue comes first.
    const own = manager.tryCreate(limitBuy("op-o", { venue: venue("OKX") }), now(), venue("BINANCE-SPOT"))
    expect((own as InvalidOrderRequest).reason).toBe("VenueMismatch")
    expect(manager.size).toBe(1)
    expect(journal.length).toBe(1)
  })

  it("tryCreateAndSubmit's submitted record is the one advance makes from the created one, field for field", () => {
    const t = 1_700_000_000_000
    const requests: Array<[OrderRequest, Ids.Venue | undefined]> = [
      [limitBuy("a"), undefined],
      [limitBuy("b", { venue: undefined }), venue("BINANCE-SPOT")],
      [limitBuy("c", { type: "MARKET", price: undefined, timeInForce: "IOC", side: "SELL" }), undefined],
      [limitBuy("d", { reduceOnly: true, postOnly: true }), undefined],
      [limitBuy("e", { timeInForce: "GTD", expireAt: t + 60_000 }), undefined],
      [limitBuy("f", { execAlgorithm: { name: "TWAP", params: { durationMs: 60_000, sliceCount: 3 } } }), undefined]
    ]
    const manager = OrderManager.make({ instruments })
    for (const [request, at] of requests) {
      const r = manager.tryCreateAndSubmit(request, t, at)
      if (r instanceof Error) throw r
      const state = OrderStateMachine.onSubmit(r.order.state, { _tag: "Submit" })
      if (OrderStateMachine.isIllegal(state)) throw state
      expect(r.submitted, request.operationId).toStrictEqual(advance(r.order, state, r.order.fills, t))
      expect((r.submitted as typeof r.order).state.tradeIds).toBe(r.order.state.tradeIds)
      expect(manager.get(request.operationId)).toBe(r.submitted)
    }
  })

  it("tryCreateAndSubmit answers, records and journals what tryCreate then tryApply(Submit) do", () => {
    // Each case runs on two managers with the same history: one call on one, the two calls on the other.
    type Sunk = { entry: OrderJournalEntry; order: unknown; before: unknown }
    const pair = () => {
      const make = () => {
        const sunk: Array<Sunk> = []
        const evicted: Array<unknown> = []
        const manager = OrderManager.make({
          instruments,
          retainTerminal: 1,
          journal: (entry, order, before) => sunk.push({ entry, order, before }),
          onEvict: (m) => evicted.push(m)
        })
        return { manager, sunk, evicted }
      }
      return { one: make(), two: make() }
    }
    const t = 1_700_000_000_000
    const cases: Array<{ name: string; history: Array<OrderRequest>; request: OrderRequest; venue?: Ids.Venue }> = [
      { name: "a new order", history: [], request: limitBuy("op-1") },
      { name: "the caller's venue", history: [], request: limitBuy("op-1", { venue: undefined }), venue: venue("BINANCE-SPOT") },
      { name: "no venue (Submit refused: NotRouted)", history: [], request: limitBuy("op-1", { venue: undefined }) },
      { name: "an existing order (nothing submitted)", history: [limitBuy("op-1")], request: limitBuy("op-1") },
      { name: "a different request under an existing id", history: [limitBuy("op-1")], request: limitBuy("op-1", { quantity: d("0.7") }) },
      { name: "an invalid request", history: [], request: limitBuy("op-1", { quantity: d("0") }) },
      {
        name: "a child of a PENDING parent (the parent is submitted first)",
        history: [limitBuy("P", { venue: undefined })],
        request: limitBuy("C", { parentOperationId: op("P"), quantity: d("0.2") })
      }
    ]
    for (const c of cases) {
      const { one, two } = pair()
      for (const m of [one.manager, two.manager]) {
        for (const h of c.history) {
          const r = m.tryCreate(h, t)
          if (r instanceof Error) throw r
        }
        // A finished order, so eviction has something to do after the call.
        const f = m.tryCreate(limitBuy("done"), t)
        if (f instanceof Error) throw f
        m.tryApply("done", { _tag: "CancelRequest" }, t)
        m.tryCreate(limitBuy("done2"), t)
        m.tryApply("done2", { _tag: "CancelRequest" }, t)
      }
      const got = one.manager.tryCreateAndSubmit(c.request, t + 1, c.venue)
      const created = two.manager.tryCreate(c.request, t + 1, c.venue)
      const submitted =
        created instanceof Error || !created.created ? undefined : two.manager.tryApply(c.request.operationId, { _tag: "Submit" }, t + 1)
      if (created instanceof Error) {
        expect(got, c.name).toEqual(created)
      } else {
        expect(got, c.name).toEqual({ ...created, submitted })
      }
      expect(one.sunk, c.name).toEqual(two.sunk)
      for (let i = 1; i < one.sunk.length; i++) {
        // The records handed to the sink chain: each entry's `before` is the order's previous record.
        const prev = one.sunk.slice(0, i).reverse().find((s) => s.entry.operationId === one.sunk[i]!.entry.operationId)
        if (prev !== undefined) expect(one.sunk[i]!.before).toBe(prev.order)
      }
      expect(one.evicted, c.name).toEqual(two.evicted)
      expect(one.manager.sequence, c.name).toBe(two.manager.sequence)
      expect(one.manager.query({}), c.name).toEqual(two.manager.query({}))
      expect(one.manager.query({ statuses: ["SUBMITTED"] }), c.name).toEqual(two.manager.query({ statuses: ["SUBMITTED"] }))
      expect(one.manager.query({ statuses: ["PENDING"] }), c.name).toEqual(two.manager.query({ statuses: ["PENDING"] }))
    }
    // The new order's last record is the one the Submit entry handed over.
    const { one } = pair()
    const r = one.manager.tryCreateAndSubmit(limitBuy("op-1"), t)
    if (r instanceof Error || r.submitted === undefined || r.submitted instanceof Error) throw new Error("expected a submitted order")
    expect(r.order.order.status).toBe("PENDING")
    expect(r.submitted.order.status).toBe("SUBMITTED")
    expect(one.manager.get("op-1")).toBe(r.submitted)
    expect(one.sunk.map((s) => [s.entry.event._tag, s.order, s.before])).toEqual([["Created", r.order, undefined], ["Submit", r.submitted, r.order]])
    expect(one.sunk[0]!.order).toBe(r.order)
    expect(one.sunk[1]!.order).toBe(r.submitted)
    expect(one.sunk[1]!.before).toBe(r.order)
  })

  it("tryCreateAndSubmit indexes its order as tryCreate then tryApply(Submit) do: status buckets, lists, adopted orphans, retention", () => {
    // Children loaded before their parent (orphans), from a scratch manager that had the parent.
    const t = 1_700_000_000_000
    const scratch = OrderManager.make({ instruments })
    for (const r of [limitBuy("P", { venue: undefined }), limitBuy("C1", { parentOperationId: op("P"), quantity: d("0.2") })]) {
      if (scratch.tryCreate(r, t) instanceof Error) throw new Error(`scratch ${r.operationId}`)
    }
    scratch.tryApply("C1", { _tag: "Submit" }, t)
    const child = scratch.get("C1")!
    for (const queried of [false, true]) {
      for (const retainTerminal of [undefined, 0, 2]) {
        const make = () => {
          const sunk: Array<unknown> = []
          const evicted: Array<unknown> = []
          const manager = OrderManager.make({
            instruments,
            retainTerminal,
            journal: (entry, order, before) => sunk.push({ entry, order, before }),
            onEvict: (m) => evicted.push(m)
          })
          // Finished orders (something to evict), a loaded orphan child of "P", and (queried) the status
          // buckets and the strategy, venue and instrument lists kept from before the call.
          for (const id of ["done1", "done2"]) {
            if (manager.tryCreate(limitBuy(id), t) instanceof Error) throw new Error(id)
            manager.tryApply(id, { _tag: "CancelRequest" }, t)
          }
          expect(manager.load(child)).toBe(true)
          if (queried) {
            manager.query({ statuses: ["PENDING"] })
            manager.query({ strategyId: strategy("alpha"), venue: venue("BINANCE-SPOT"), canonicalId: BTC_SPOT.canonicalId })
          }
          return { manager, sunk, evicted }
        }
        const one = make()
        const two = make()
        for (const id of ["P", "Q", "R"]) {
          const got = one.manager.tryCreateAndSubmit(limitBuy(id), t + 1)
          const created = two.manager.tryCreate(limitBuy(id), t + 1)
          if (created instanceof Error) throw created
          const submitted = two.manager.tryApply(id, { _tag: "Submit" }, t + 1)
          expect(got).toEqual({ ...created, submitted })
          // Q's cancel finishes a tree after the call (retention's counts of the new order's tree).
          for (const m of [one.manager, two.manager]) m.tryApply("Q", { _tag: "CancelRequest" }, t + 2)
        }
        // The adopted child's fill (its parent's too where the child is linked to it).
        for (const m of [one.manager, two.manager]) {
          m.tryApply("C1", { _tag: "Accept", venueOrderId: voi("v-c1") }, t + 3)
          m.tryRecordFill(fillOf("C1", "t-c1", "0.2", "65000.1"), t + 3)
        }
        const name = `queried ${queried}, retainTerminal ${retainTerminal}`
        expect(one.manager.get("P"), name).toEqual(two.manager.get("P"))
        expect(one.sunk, name).toEqual(two.sunk)
        expect(one.evicted, name).toEqual(two.evicted)
        expect(one.manager.size, name).toBe(two.manager.size)
        expect(one.manager.children("P"), name).toEqual(two.manager.children("P"))
        expect(one.manager.children("P").map((m) => m.order.operationId), name).toEqual(["C1"])
        const queries: Array<OrderQuery> = [
          {},
          { statuses: ["SUBMITTED"] },
          { statuses: ["PENDING_CANCEL", "PENDING"] },
          { nonTerminal: true },
          { parentOperationId: op("P") },
          { strategyId: strategy("alpha") },
          { venue: venue("BINANCE-SPOT") },
          { canonicalId: BTC_SPOT.canonicalId }
        ]
        for (const q of queries) {
          expect(one.manager.query(q), `${name} ${JSON.stringify(q)}`).toEqual(two.manager.query(q))
        }
      }
    }
  })

  it("still finds an existing order after a lookup of its id missed (the miss is remembered only until the next order is added)", () => {
    const { manager, now } = setup()
    // get misses, then the order is created (a plain create, a load): a different request under the id is still a duplicate.
    expect(manager.get("op-1")).toBeUndefined()
    right(manager.create(limitBuy("op-1"), now()))
    expect(left(manager.create(limitBuy("op-1", { side: "SELL" }), now()))).toBeInstanceOf(DuplicateOperation)
    expect(manager.get("op-2")).toBeUndefined()
    const other = OrderManager.make({ instruments })
    const loaded = right(other.create(limitBuy("op-2"), now())).order
    expect(manager.load(loaded)).toBe(true)
    expect(left(manager.create(limitBuy("op-2", { side: "SELL" }), now()))).toBeInstanceOf(DuplicateOperation)
    // A miss on one id does not hide another.
    expect(manager.get("op-3")).toBeUndefined()
    expect(left(manager.create(limitBuy("op-1", { side: "SELL" }), now()))).toBeInstanceOf(DuplicateOperation)
    expect(right(manager.create(limitBuy("op-3"), now())).created).toBe(true)
  })

  it("remembers the last miss only, through the renewals of its holder (every 64 misses)", () => {
    const { manager, now } = setup()
    // Two misses, then the first id created: were the second miss's hash taken for the first
    // id (a holder renewed without the new id), the order would be indexed under another hash.
    for (let i = 0; i < 300; i++) {
      const a = `op-a-${i}`
      const b = `op-b-${i}`
      expect(manager.get(a)).toBeUndefined()
      if (i % 5 !== 0) expect(manager.get(b)).toBeUndefined()
      // Created and submitted in one call: the path that takes the remembered hash.
      const made = manager.tryCreateAndSubmit(limitBuy(a), now())
      expect(made).not.toBeInstanceOf(Error)
      expect((made as OrderManager.CreateSubmitResult).created).toBe(true)
      expect(manager.get(a)?.order.operationId).toBe(a)
      expect(manager.get(b)).toBeUndefined()
      expect((manager.tryCreateAndSubmit(limitBuy(b), now()) as OrderManager.CreateSubmitResult).created).toBe(true)
      expect(manager.get(b)?.order.operationId).toBe(b)
      expect(left(manager.create(limitBuy(a, { side: "SELL" }), now()))).toBeInstanceOf(DuplicateOperation)
    }
    expect(manager.size).toBe(600)
  })

  it("refuses a request without an operation id", () => {
    const { manager } = setup()
    const error = left(manager.create({ ...limitBuy("x"), operationId: undefined } as unknown as OrderRequest, 1))
    expect(error).toBeInstanceOf(InvalidOrderRequest)
    expect((error as InvalidOrderRequest).reason).toBe("Malformed")
  })
})

describe("try* forms (the result or the error itself, no Either)", () => {
  it("answer what the Either forms answer, and an error is always an Error, a result never", () => {
    const { manager, journal, now } = setup()
    const created = manager.tryCreate(limitBuy("op-1"), now())
    expect(created).not.toBeInstanceOf(Error)
    expect((created as OrderManager.CreateResult).created).toBe(true)
    expect(manager.tryCreate(limitBuy("op-1"), now())).toEqual({ order: manager.get("op-1"), created: false })
    const dup = manager.tryCreate(limitBuy("op-1", { quantity: d("0.7") }), now())
    expect(dup).toBeInstanceOf(DuplicateOperation)
    expect(dup).toBeInstanceOf(Error)
    const submitted = manager.tryApply("op-1", { _tag: "Submit" }, now())
    expect(submitted).toBe(manager.get("op-1"))
    expect(manager.tryApply("nope", { _tag: "Submit" }, now())).toBeInstanceOf(OrderNotFound)
    const illegal = manager.tryApply("op-1", { _tag: "Deny", reason: "late" }, now())
    expect(illegal).toBeInstanceOf(EventRejected)
    const cid = Ids.clientOrderIdFor("op-1")
    expect(manager.tryApplyByClientOrderId(cid, { _tag: "Accept", venueOrderId: voi("v-1") }, now())).toBe(manager.get("op-1"))
    expect(manager.tryApplyByClientOrderId("od-unknown", { _tag: "Accept", venueOrderId: voi("v-2") }, now())).toBeInstanceOf(OrderNotFound)
    const filled = manager.tryRecordFill(fillOf("op-1", "t1", "0.5", "65000"), now())
    expect(filled).toEqual({ _tag: "Applied", order: manager.get("op-1") })
    expect(manager.tryRecordFill({ ...fillOf("op-1", "t2", "0.5", "65000"), quantity: "0.5" as unknown as Decimal.Decimal }, now())).toBeInstanceOf(
      InvalidFillReport
    )
    // Refusals changed nothing: the journal holds exactly the four accepted changes.
    expect(journal.map((e) => e.event._tag)).toEqual(["Created", "Submit", "Accept", "FillRecorded"])
    expect(manager.get("op-1")!.order.status).toBe("FILLED")
  })
})

describe("queries", () => {
  it("finds orders by every index, in creation order, and keeps the status index current", () => {
    const { manager, now } = setup()
    right(manager.create(limitBuy("a1"), now()))
    right(manager.create(limitBuy("a2", { strategyId: strategy("beta") }), now()))
    right(
      manager.create(
        limitBuy("a3", { canonicalId: DERIBIT_PERP.canonicalId, venue: venue("DERIBIT"), quantity: d("100"), price: d("60000.5") }),
        now()
      )
    )
    right(manager.create(limitBuy("a4"), now()))
    right(manager.apply("a1", { _tag: "Submit" }, now()))
    right(manager.apply("a1", { _tag: "Accept", venueOrderId: voi("111") }, now()))
    right(manager.apply("a4", { _tag: "CancelRequest" }, now()))

    const ids = (xs: ReadonlyArray<{ order: { operationId: string } }>) => xs.map((x) => x.order.operationId)
    expect(manager.getByClientOrderId(Ids.clientOrderIdFor("a2"))?.order.operationId).toBe("a2")
    expect(manager.getByVenueOrderId("BINANCE-SPOT", "111")?.order.operationId).toBe("a1")
    expect(manager.getByVenueOrderId("DERIBIT", "111")).toBeUndefined()
    expect(ids(manager.query({ strategyId: strategy("alpha") }))).toEqual(["a1", "a3", "a4"])
    expect(ids(manager.query({ venue: venue("DERIBIT") }))).toEqual(["a3"])
    expect(ids(manager.query({ canonicalId: BTC_SPOT.canonicalId }))).toEqual(["a1", "a2", "a4"])
    expect(ids(manager.query({ statuses: ["PENDING"] }))).toEqual(["a2", "a3"])
    expect(ids(manager.query({ statuses: ["CANCELLED", "ACCEPTED"] }))).toEqual(["a1", "a4"])
    expect(ids(manager.query({ nonTerminal: true }))).toEqual(["a1", "a2", "a3"])
    expect(ids(manager.query({ strategyId: strategy("alpha"), nonTerminal: true, canonicalId: BTC_SPOT.canonicalId }))).toEqual(["a1"])
    expect(ids(manager.query({ limit: 2 }))).toEqual(["a1", "a2"])
    expect(ids(manager.query({ statuses: [] }))).toEqual([])
    expect(ids(manager.query({ strategyId: strategy("nobody") }))).toEqual([])
  })
})

describe("apply", () => {
  it("runs the domain state machine: submit, accept, cancel", () => {
    const { manager, now } = setup()
    working(manager, now, "o1")
    const pc = right(manager.apply("o1", { _tag: "CancelRequest" }, now()))
    expect(pc.order.status).toBe("PENDING_CANCEL")
    const done = right(manager.apply("o1", { _tag: "CancelAck" }, now()))
    expect(done.order.status).toBe("CANCELLED")
    expect(done.order.venueOrderId).toBe("v-o1")
    expect(done.version).toBe(5)
  })

  it("refuses an illegal transition with a typed error and changes nothing", () => {
    const { manager, journal, now } = setup()
    right(manager.create(limitBuy("o1"), now()))
    const before = manager.get("o1")
    const error = left(manager.apply("o1", { _tag: "Accept", venueOrderId: voi("1") }, now()))
    expect(error).toBeInstanceOf(EventRejected)
    expect((error as EventRejected).reason).toBe("IllegalTransition")
    expect((error as EventRejected).cause?.reason).toBe("UnexpectedEvent")
    expect(manager.get("o1")).toBe(before)
    expect(manager.getByVenueOrderId("BINANCE-SPOT", "1")).toBeUndefined()
    expect(journal.length).toBe(1)
  })

  it("journals nothing for an event that changes nothing (a repeated Accept)", () => {
    const { manager, journal, now } = setup()
    working(manager, now, "o1")
    const n = journal.length
    const same = right(manager.apply("o1", { _tag: "Accept", venueOrderId: voi("v-o1") }, now()))
    expect(same).toBe(manager.get("o1"))
    expect(journal.length).toBe(n)
  })

  it("refuses a venue order id held on the same venue, whichever venue was indexed last", () => {
    const { manager, now } = setup()
    const accept = (id: string, v: string) => manager.apply(id, { _tag: "Accept", venueOrderId: voi(v) }, now())
    const perp = { canonicalId: DERIBIT_PERP.canonicalId, venue: DERIBIT_PERP.venue, quantity: d("10"), price: d("65000.5") }
    for (const id of ["s1", "s2", "p1", "p2"]) {
      right(manager.create(limitBuy(id, id.startsWith("p") ? perp : {}), now()))
      right(manager.apply(id, { _tag: "Submit" }, now()))
    }
    right(accept("s1", "v-1"))
    right(accept("p1", "v-p"))
    // The last venue indexed is Deribit: a Binance id is looked up among Binance's ids...
    expect((left(accept("s2", "v-1")) as EventRejected).reason).toBe("VenueOrderIdInUse")
    right(accept("s2", "v-p")) // (Deribit's id, free on Binance)
    // ...and, Binance indexed last, a Deribit id among Deribit's.
    right(accept("p2", "v-1"))
    expect(manager.getByVenueOrderId(venue("BINANCE-SPOT"), "v-1")?.order.operationId).toBe("s1")
    expect(manager.getByVenueOrderId(venue("BINANCE-SPOT"), "v-p")?.order.operationId).toBe("s2")
    expect(manager.getByVenueOrderId(DERIBIT_PERP.venue, "v-p")?.order.operationId).toBe("p1")
    expect(manager.getByVenueOrderId(DERIBIT_PERP.venue, "v-1")?.order.operationId).toBe("p2")
  })

  it("answers an Accept by client order id as by operation id: refusals, repeats and the index", () => {
    // The Accept by client order id has a path of its own (`applyAccept`): a twin manager
    // driven by operation id must answer and journal the same.
    const twins = [setup(), setup()]
    const answers = twins.map(({ manager, journal, now }, k) => {
      const accept = (id: string, v: string) => {
        const event: LifecycleEvent = { _tag: "Accept", venueOrderId: voi(v) }
        return k === 0 ? manager.tryApplyByClientOrderId(Ids.clientOrderIdFor(id), event, now()) : manager.tryApply(id, event, now())
      }
      working(manager, now, "holder")
      right(manager.create(limitBuy("pending"), now()))
      right(manager.create(limitBuy("sent"), now()))
      right(manager.apply("sent", { _tag: "Submit" }, now()))
      right(manager.create(limitBuy("P", { venue: undefined, execAlgorithm: undefined }), now()))
      right(manager.create(limitBuy("C", { parentOperationId: op("P"), quantity: d("0.1") }), now()))
      const out = [
        accept("sent", "v-holder"), // VenueOrderIdInUse
        accept("pending", "v-9"), // IllegalTransition: never submitted
        accept("P", "v-p"), // ParentOrder
        accept("sent", "v-sent"),
        accept("sent", "v-sent"), // a repeat: the same record, no entry
        accept("sent", "v-other") // IllegalTransition: already known as v-sent
      ]
      return { out, journal, byVenue: manager.getByVenueOrderId(venue("BINANCE-SPOT"), "v-sent"), sent: manager.get("sent") }
    })
    const [byClient, byId] = answers
    expect(byClient!.out).toEqual(byId!.out)
    expect(byClient!.out.map((a) => (a instanceof EventRejected ? a.reason : "ok"))).toEqual([
      "VenueOrderIdInUse",
      "IllegalTransition",
      "ParentOrder",
      "ok",
      "ok",
      "IllegalTransition"
    ])
    expect(byClient!.out.map((a) => (a instanceof Error ? a.message : ""))).toEqual(byId!.out.map((a) => (a instanceof Error ? a.message : "")))
    expect(byClient!.out[4]).toBe(byClient!.out[3])
    expect(byClient!.sent?.order.status).toBe("ACCEPTED")
    expect(byClient!.byVenue).toBe(byClient!.sent)
    expect(byClient!.journal).toEqual(byId!.journal)
  })

  it("refuses what the OMS itself forbids", () => {
    const { manager, now } = setup()
    right(manager.create(limitBuy("routed"), now()))
    right(manager.create(limitBuy("unrouted", { venue: undefined }), now()))
    working(manager, now, "holder")
    right(manager.apply("routed", { _tag: "Submit" }, now()))
    const reason = (e: Either.Either<unknown, OrderManager.ApplyError>) => (left(e) as EventRejected).reason
    expect(reason(manager.apply("routed", { _tag: "Fill", quantity: d("1"), price: d("1"), tradeId: Ids.TradeId.make("t") } as unknown as LifecycleEvent, now()))).toBe("UseRecordFill")
    expect(reason(manager.apply("routed", { _tag: "Explode" } as unknown as LifecycleEvent, now()))).toBe("UnknownEvent")
    expect(reason(manager.apply("routed", null as unknown as LifecycleEvent, now()))).toBe("UnknownEvent")
    expect(reason(manager.apply("unrouted", { _tag: "Submit" }, now()))).toBe("NotRouted")
    expect(reason(manager.apply("routed", { _tag: "Accept", venueOrderId: voi("v-holder") }, now()))).toBe("VenueOrderIdInUse")
    expect(manager.get("routed")?.order.status).toBe("SUBMITTED")
    expect(left(manager.apply("nope", { _tag: "Submit" }, now()))).toBeInstanceOf(OrderNotFound)
    expect(left(manager.applyByClientOrderId("nope", { _tag: "Submit" }, now()))).toBeInstanceOf(OrderNotFound)
    const byClient = right(manager.applyByClientOrderId(Ids.clientOrderIdFor("routed"), { _tag: "Reject", reason: "insufficient balance" }, now()))
    expect(byClient.order.status).toBe("REJECTED")
    expect(byClient.order.rejectReason).toBe("insufficient balance")
  })

  const lifecycle: fc.Arbitrary<LifecycleEvent | "fill"> = fc.oneof(
    fc.constant<LifecycleEvent>({ _tag: "Submit" }),
    fc.constantFrom("A", "B").map((v): LifecycleEvent => ({ _tag: "Accept", venueOrderId: voi(v) })),
    fc.constant<LifecycleEvent>({ _tag: "Reject", reason: "no" }),
    fc.constant<LifecycleEvent>({ _tag: "Deny", reason: "risk" }),
    fc.constant<LifecycleEvent>({ _tag: "CancelRequest" }),
    fc.constant<LifecycleEvent>({ _tag: "CancelAck" }),
    fc.constant<LifecycleEvent>({ _tag: "CancelReject", reason: "too late" }),
    fc.constant<LifecycleEvent>({ _tag: "Expire" }),
    fc.constant("fill" as const)
  )

  it("the order's state is the domain state machine's fold of the accepted events; refusals change nothing", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(lifecycle, fc.integer({ min: 1, max: 30000 })), { minLength: 5, maxLength: 25 }), (steps) => {
        const { manager, journal, now } = setup()
        right(manager.create(limitBuy("p", { quantity: d("0.5") }), now()))
        let state = OrderStateMachine.initial(d("0.5"))
        steps.forEach(([step, lots], i) => {
          const before = manager.get("p")
          const journalled = journal.length
          const quantity = Decimal.fromUnits(BigInt(lots), d("0.00001"))
          const event: OrderEvent.OrderEvent =
            step === "fill" ? { _tag: "Fill", quantity, price: d("65000"), tradeId: Ids.TradeId.make(`t${i}`) } : step
          const expected = OrderStateMachine.transition(state, event)
          if (step === "fill") {
            const outcome = right(manager.recordFill(fillOf("p", `t${i}`, Decimal.format(quantity), "65000"), now()))
            expect(outcome._tag).toBe(OrderStateMachine.isIllegal(expected) ? "Unmatched" : "Applied")
          } else {
            const r = manager.apply("p", step, now())
            expect(Either.isLeft(r)).toBe(OrderStateMachine.isIllegal(expected))
          }
          if (OrderStateMachine.isIllegal(expected)) {
            expect(manager.get("p")).toBe(before)
            expect(journal.length).toBe(journalled)
          } else {
            state = expected
          }
          expect(manager.get("p")!.state).toEqual(state)
          expect(manager.get("p")!.order.status).toBe(state.status)
          expect(manager.get("p")!.order.filledQuantity).toEqual(state.filledQuantity)
        })
      }),
      { numRuns: 300 }
    )
  }, 120_000)
})

describe("recordFill", () => {
  it("records a fill: filled quantity, exact average price, status, fills list", () => {
    const { manager, now } = setup()
    working(manager, now, "o1")
    right(manager.recordFill(fillOf("o1", "t1", "0.2", "65000.1"), now()))
    const r = right(manager.recordFill(fillOf("o1", "t2", "0.1", "64999.9", { operationId: undefined, clientOrderId: Ids.clientOrderIdFor("o1") }), now()))
    expect(r._tag).toBe("Applied")
    const o = manager.get("o1")!
    expect(o.order.status).toBe("PARTIALLY_FILLED")
    expect(o.order.filledQuantity).toEqual(d("0.3"))
    // (0.2 * 65000.1 + 0.1 * 64999.9) / 0.3 = 65000.0333...
    expect(o.order.averageFillPrice).toEqual(Decimal.div(d("19500.01"), d("0.3"), 18, "half-even"))
    expect(o.fills.map((f) => [f.tradeId, f.operationId, f.venueOrderId, f.side, f.canonicalId])).toEqual([
      ["t1", "o1", "v-o1", "BUY", BTC_SPOT.canonicalId],
      ["t2", "o1", "v-o1", "BUY", BTC_SPOT.canonicalId]
    ])
    right(manager.recordFill(fillOf("o1", "t3", "0.2", "65000", { operationId: undefined, venueOrderId: voi("v-o1") }), now()))
    expect(manager.get("o1")!.order.status).toBe("FILLED")
  })

  it("ignores a duplicate (venue, trade id) and reports it", () => {
    const { manager, journal, now } = setup()
    working(manager, now, "o1")
    right(manager.recordFill(fillOf("o1", "t1", "0.2", "65000"), now()))
    const before = manager.get("o1")
    const n = journal.length
    const dup = right(manager.recordFill(fillOf("o1", "t1", "0.2", "65000"), now()))
    expect(dup).toEqual({ _tag: "Duplicate", key: "BINANCE-SPOT|t1" })
    expect(manager.get("o1")).toBe(before)
    expect(journal.length).toBe(n)
  })

  it("judges a repeated trade id on the order it names: the same (venue, trade id) on two orders is two trades", () => {
    // Binance numbers trades per symbol, and a self-trade reports one trade id to both sides.
    const { manager, now } = setup()
    working(manager, now, "buy")
    working(manager, now, "sell", { side: "SELL" })
    expect(right(manager.recordFill(fillOf("buy", "t1", "0.2", "65000"), now()))._tag).toBe("Applied")
    expect(right(manager.recordFill(fillOf("sell", "t1", "0.2", "65000", { side: "SELL" }), now()))._tag).toBe("Applied")
    // A repeat for either order, however it names the order, is a duplicate.
    expect(right(manager.recordFill(fillOf("buy", "t1", "0.2", "65000", { operationId: undefined, venueOrderId: voi("v-buy") }), now()))).toEqual({
      _tag: "Duplicate",
      key: "BINANCE-SPOT|t1"
    })
    expect(right(manager.recordFill(fillOf("sell", "t1", "0.2", "65000"), now()))._tag).toBe("Duplicate")
    expect(manager.get("buy")!.order.filledQuantity).toEqual(d("0.2"))
    expect(manager.get("sell")!.order.filledQuantity).toEqual(d("0.2"))
  })

  it("keeps a fill for an unknown order for reconciliation, once", () => {
    const { manager, journal, now } = setup()
    const report = fillOf("ghost", "t9", "1", "65000")
    const t = now()
    const r = right(manager.recordFill(report, t))
    expect(r).toEqual({ _tag: "Unmatched", unmatched: { report, reason: "UnknownOrder", message: "No order matches the fill's ids", recordedAt: t } })
    expect(manager.unmatchedFills()).toEqual([{ report, reason: "UnknownOrder", message: "No order matches the fill's ids", recordedAt: t }])
    expect(right(manager.recordFill(report, now()))._tag).toBe("Duplicate")
    expect(manager.unmatchedFills().length).toBe(1)
    expect(journal).toEqual([])
  })

  it("keeps a fill that contradicts its order (venue, side, instrument, ids) instead of applying it", () => {
    const { manager, now } = setup()
    working(manager, now, "o1")
    const cases: Array<Partial<FillReport>> = [
      { venue: venue("OKX") },
      { side: "SELL" },
      { canonicalId: DERIBIT_PERP.canonicalId },
      { clientOrderId: Ids.clientOrderIdFor("other") },
      { venueOrderId: voi("not-it") }
    ]
    cases.forEach((overrides, i) => {
      const r = right(manager.recordFill(fillOf("o1", `m${i}`, "0.1", "65000", overrides), now()))
      expect(r._tag).toBe("Unmatched")
      if (r._tag === "Unmatched") {
        expect(r.unmatched.reason).toBe("Mismatch")
        expect(r.unmatched.operationId).toBe("o1")
      }
    })
    expect(manager.get("o1")!.order.filledQuantity).toEqual(Decimal.zero)
    expect(manager.unmatchedFills().length).toBe(cases.length)
    // Found by its client order id (a copy of the string, as a venue's report carries): the
    // other ids are still checked, the client order id needs no second look.
    const cid = [...Ids.clientOrderIdFor("o1")].join("") as Ids.ClientOrderId
    const { operationId: _, ...byClient } = fillOf("o1", "c1", "0.1", "65000", { clientOrderId: cid })
    const wrong = right(manager.recordFill({ ...byClient, venueOrderId: voi("not-it") }, now()))
    expect(wrong._tag === "Unmatched" && wrong.unmatched.message).toBe("The fill names venue order id not-it, order o1 does not match")
    const applied = right(manager.recordFill({ ...byClient, tradeId: Ids.TradeId.make("c2"), venueOrderId: voi("v-o1") }, now()))
    expect(applied._tag === "Applied" && applied.order.order.filledQuantity).toEqual(d("0.1"))
  })

  it("keeps an overfill as Refused, with the order unchanged", () => {
    const { manager, now } = setup()
    working(manager, now, "o1")
    const before = manager.get("o1")
    const r = right(manager.recordFill(fillOf("o1", "big", "0.6", "65000"), now()))
    expect(r._tag === "Unmatched" && r.unmatched.reason).toBe("Refused")
    expect(r._tag === "Unmatched" && r.unmatched.message).toContain("would total 0.6")
    expect(manager.get("o1")).toBe(before)
  })

  const malformed: Array<[string, Record<string, unknown>]> = [
    ["a quantity that is a string", { quantity: "0.1" }],
    ["a quantity that is a number", { quantity: 0.1 }],
    ["a negative quantity", { quantity: d("-0.1") }],
    ["a price that is not a decimal", { price: "abc" }],
    ["no trade id", { tradeId: "" }],
    ["no order reference", { operationId: undefined }],
    ["a fractional timestamp", { timestamp: 1.5 }],
    ["an unknown liquidity", { liquidity: "BOTH" }]
  ]
  for (const [what, overrides] of malformed) {
    it(`refuses a report with ${what} and records nothing`, () => {
      const { manager, journal, now } = setup()
      working(manager, now, "o1")
      const n = journal.length
      const error = left(manager.recordFill({ ...fillOf("o1", "t1", "0.1", "65000"), ...overrides } as FillReport, now()))
      expect(error).toBeInstanceOf(InvalidFillReport)
      expect(journal.length).toBe(n)
      expect(manager.unmatchedFills()).toEqual([])
      expect(manager.get("o1")!.fills).toEqual([])
    })
  }
  // Every check of a report with its message, and the first failing check winning when
  // several fail (the hot path tests a report without the messages and builds one only for a
  // bad report: the two must agree).
  const messages: Array<[Record<string, unknown>, string]> = [
    [{ venue: "" }, 'venue must be a non-empty string, got the string ""'],
    [{ venue: 7, tradeId: "" }, "venue must be a non-empty string, got number 7"],
    [{ tradeId: undefined }, "tradeId must be a non-empty string, got undefined undefined"],
    [{ operationId: undefined, quantity: "x" }, "it names no order (operationId, clientOrderId or venueOrderId)"],
    [{ quantity: 0.1, price: "x" }, "quantity must be a Decimal, got number 0.1"],
    [{ quantity: d("0"), price: "x" }, "quantity must be positive, got 0"],
    [{ quantity: d("-0.1") }, "quantity must be positive, got -0.1"],
    [{ price: "1", fee: "x" }, 'price must be a Decimal, got the string "1"'],
    [{ fee: null, feeCurrency: "" }, "fee must be a Decimal, got null"],
    [{ feeCurrency: "", liquidity: "BOTH" }, 'feeCurrency must be a non-empty string, got the string ""'],
    [{ liquidity: "BOTH", timestamp: -1 }, 'liquidity must be MAKER or TAKER, got the string "BOTH"'],
    [{ timestamp: -1 }, "timestamp must be epoch milliseconds, got number -1"],
    [{ timestamp: 2 ** 53 }, `timestamp must be epoch milliseconds, got number ${2 ** 53}`],
    [{ timestamp: "1" }, 'timestamp must be epoch milliseconds, got the string "1"'],
    // One fault each (above, most follow a first fault).
    [{ operationId: undefined }, "it names no order (operationId, clientOrderId or venueOrderId)"],
    [{ quantity: 0.1 }, "quantity must be a Decimal, got number 0.1"],
    [{ quantity: d("0") }, "quantity must be positive, got 0"],
    [{ price: "1" }, 'price must be a Decimal, got the string "1"'],
    [{ fee: null }, "fee must be a Decimal, got null"],
    [{ feeCurrency: "" }, 'feeCurrency must be a non-empty string, got the string ""'],
    [{ liquidity: "BOTH" }, 'liquidity must be MAKER or TAKER, got the string "BOTH"'],
    [{ timestamp: 1.5 }, "timestamp must be epoch milliseconds, got number 1.5"]
  ]
  for (const [overrides, message] of messages) {
    it(`refuses a report with ${Object.keys(overrides).join(" and ")}: ${message}`, () => {
      const { manager, journal, now } = setup()
      working(manager, now, "o1")
      const n = journal.length
      const error = manager.tryRecordFill({ ...fillOf("o1", "t1", "0.1", "65000"), ...overrides } as FillReport, now())
      expect(error).toBeInstanceOf(InvalidFillReport)
      expect((error as InvalidFillReport).message).toBe(`Invalid fill report: ${message}`)
      expect(journal.length).toBe(n)
      expect(manager.get("o1")!.fills).toEqual([])
    })
  }
  it("takes a report naming its order by client or venue order id only", () => {
    const { manager, now } = setup()
    working(manager, now, "o1")
    const byClient = manager.tryRecordFill(fillOf("o1", "t1", "0.1", "65000", { operationId: undefined, clientOrderId: Ids.clientOrderIdFor("o1") }), now())
    expect(byClient).toEqual({ _tag: "Applied", order: manager.get("o1") })
    const venueOrderId = manager.get("o1")!.order.venueOrderId
    expect(venueOrderId).toBeDefined()
    const byVenue = manager.tryRecordFill(fillOf("o1", "t2", "0.1", "65000", { operationId: undefined, venueOrderId, liquidity: "MAKER", timestamp: 0 }), now())
    expect(byVenue).toEqual({ _tag: "Applied", order: manager.get("o1") })
  })
  it("refuses a report that is not an object", () => {
    const { manager } = setup()
    expect(left(manager.recordFill(null as unknown as FillReport, 1))).toBeInstanceOf(InvalidFillReport)
  })
})
