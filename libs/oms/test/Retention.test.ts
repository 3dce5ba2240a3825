import { Ids, OrderStatus } from "@odum/domain"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as fc from "fast-check"
import type { ManagedOrder } from "../src/ManagedOrder.js"
import * as Oms from "../src/Oms.js"
import { DuplicateOperation, JournalCorrupt, OrderNotFound } from "../src/OmsError.js"
import type { LifecycleEvent, OrderJournalEntry } from "../src/OrderJournal.js"
import * as OrderManager from "../src/OrderManager.js"
import type { OrderQuery } from "../src/OrderQuery.js"
import { matches } from "../src/OrderQuery.js"
import type { OrderRequest } from "../src/OrderRequest.js"
import * as OrderStore from "../src/OrderStore.js"
import { clock, d, fillOf, instruments, limitBuy, op, strategy, venue, voi } from "./fixtures.js"
import { type Command, idOf, report, request, workload } from "./workload.js"

const right = <A, E>(e: Either.Either<A, E>): A => {
  if (Either.isLeft(e)) throw new Error(`expected Right, got ${String(e.left)}`)
  return e.right
}

/** A manager keeping at most `retainTerminal` finished orders; `evicted` collects onEvict's records. */
const setup = (retainTerminal: number) => {
  const evicted: Array<ManagedOrder> = []
  const journal: Array<OrderJournalEntry> = []
  const options: OrderManager.OrderManagerOptions = {
    instruments,
    journal: (e) => journal.push(e),
    retainTerminal,
    onEvict: (m) => evicted.push(m)
  }
  return { manager: OrderManager.make(options), evicted, journal, options, now: clock() }
}

const ids = (xs: ReadonlyArray<ManagedOrder>) => xs.map((x) => x.order.operationId)

/** Submits, accepts (venue order id `v-<id>`) and completely fills (0.5) an order. */
const fill = (m: OrderManager.OrderManager, now: () => number, id: string) => {
  right(m.apply(id, { _tag: "Submit" }, now()))
  right(m.apply(id, { _tag: "Accept", venueOrderId: voi(`v-${id}`) }, now()))
  const r = right(m.recordFill(fillOf(id, `t-${id}`, "0.5", "65000"), now()))
  expect(r._tag).toBe("Applied")
}

/** A local cancel of a PENDING order (PENDING -> CANCELLED). */
const cancel = (m: OrderManager.OrderManager, now: () => number, id: string) => {
  expect(right(m.apply(id, { _tag: "CancelRequest" }, now())).order.status).toBe("CANCELLED")
}

/** A parent worked by children (no venue of its own). */
const parentRequest = (id: string, overrides: Partial<OrderRequest> = {}): OrderRequest =>
  limitBuy(id, { venue: undefined, quantity: d("1"), price: d("66000"), ...overrides })
const child = (id: string, parent: string, quantity: string): OrderRequest =>
  limitBuy(id, { parentOperationId: op(parent), quantity: d(quantity), price: d("66000") })

describe("retainTerminal", () => {
  it("evicts the oldest-finished orders first, handing each final record to onEvict", () => {
    const { manager, evicted, now } = setup(2)
    for (const id of ["a", "b", "c", "d"]) right(manager.create(limitBuy(id), now()))
    fill(manager, now, "c")
    cancel(manager, now, "a")
    expect(manager.size).toBe(4)
    expect(evicted).toEqual([])
    const c = manager.get("c")!
    const a = manager.get("a")!

    fill(manager, now, "d") // three finished: c, the first to finish, goes
    expect(evicted).toEqual([c])
    expect(evicted[0]).toBe(c)
    expect(c.order.status).toBe("FILLED")
    expect(c.fills.map((f) => f.tradeId)).toEqual(["t-c"])
    expect(manager.get("c")).toBeUndefined()
    expect(ids(manager.query({}))).toEqual(["a", "b", "d"])
    expect(manager.size).toBe(3)
    expect(manager.evicted).toBe(1)

    cancel(manager, now, "b")
    expect(evicted).toEqual([c, a])
    expect(ids(manager.query({}))).toEqual(["b", "d"])
    expect(manager.evicted).toBe(2)
  })

  it("never evicts an unfinished order, even with nothing retained", () => {
    const { manager, evicted, now } = setup(0)
    right(manager.create(limitBuy("open"), now()))
    right(manager.create(limitBuy("done"), now()))
    right(manager.apply("open", { _tag: "Submit" }, now()))
    cancel(manager, now, "done")
    expect(ids(evicted)).toEqual(["done"])
    expect(ids(manager.query({}))).toEqual(["open"])
    // The order a call finishes is gone after it with a bound of 0, but the journal sink saw it in memory.
    const seen: Array<string | undefined> = []
    const watched = OrderManager.make({
      instruments,
      retainTerminal: 0,
      journal: (e) => seen.push(watched.get(e.operationId)?.order.status)
    })
    right(watched.create(limitBuy("x"), 1))
    right(watched.apply("x", { _tag: "CancelRequest" }, 2))
    expect(seen).toEqual(["PENDING", "CANCELLED"])
    expect(watched.get("x")).toBeUndefined()
  })

  it("evicts an order tree only once the root and every descendant are finished, root first", () => {
    const { manager, evicted, now } = setup(0)
    right(manager.create(parentRequest("P"), now()))
    right(manager.create(child("C1", "P", "0.6"), now()))
    right(manager.create(child("C2", "P", "0.4"), now()))
    right(manager.apply("C1", { _tag: "Submit" }, now()))
    right(manager.apply("C1", { _tag: "Accept", venueOrderId: voi("c1") }, now()))
    right(manager.recordFill(fillOf("C1", "t1", "0.6", "66000"), now()))
    // C1 is finished but its root is not: the whole tree stays.
    expect(manager.get("C1")!.order.status).toBe("FILLED")
    cancel(manager, now, "C2")
    expect(manager.get("P")!.order.status).toBe("PARTIALLY_FILLED")
    expect(evicted).toEqual([])
    expect(ids(manager.children("P"))).toEqual(["C1", "C2"])

    right(manager.apply("P", { _tag: "CancelRequest" }, now()))
    expect(evicted).toEqual([])
    right(manager.apply("P", { _tag: "CancelAck" }, now()))
    expect(ids(evicted)).toEqual(["P", "C1", "C2"])
    expect(manager.size).toBe(0)
    expect(manager.children("P")).toEqual([])
    expect(manager.query({ parentOperationId: op("P") })).toEqual([])
  })

  it("keeps a finished root while a descendant is still working, at any depth", () => {
    const { manager, evicted, now } = setup(0)
    right(manager.create(parentRequest("G"), now()))
    right(manager.create(parentRequest("P", { parentOperationId: op("G"), quantity: d("0.5") }), now()))
    right(manager.create(child("C", "P", "0.5"), now()))
    right(manager.create(child("D", "G", "0.5"), now()))
    right(manager.apply("C", { _tag: "Submit" }, now()))
    right(manager.apply("C", { _tag: "Accept", venueOrderId: voi("c") }, now()))
    // The root is cancelled while its grandchild still works at the venue.
    right(manager.apply("G", { _tag: "CancelRequest" }, now()))
    right(manager.apply("G", { _tag: "CancelAck" }, now()))
    cancel(manager, now, "D")
    expect(manager.get("G")!.order.status).toBe("CANCELLED")
    expect(evicted).toEqual([])
    right(manager.recordFill(fillOf("C", "t1", "0.5", "66000"), now()))
    expect(ids(evicted)).toEqual(["G", "P", "C", "D"])
    expect(evicted.every((m) => OrderStatus.isTerminal(m.order.status))).toBe(true)
  })

  it("removes an evicted order from every index", () => {
    const { manager, now } = setup(0)
    right(manager.create(limitBuy("o1"), now()))
    right(manager.create(limitBuy("o2"), now()))
    fill(manager, now, "o1")
    expect(manager.get("o1")).toBeUndefined()
    expect(manager.getByClientOrderId(Ids.clientOrderIdFor("o1"))).toBeUndefined()
    expect(manager.getByVenueOrderId("BINANCE-SPOT", "v-o1")).toBeUndefined()
    expect(manager.query({ statuses: ["FILLED"] })).toEqual([])
    expect(ids(manager.query({ strategyId: strategy("alpha") }))).toEqual(["o2"])
    expect(ids(manager.query({ venue: venue("BINANCE-SPOT") }))).toEqual(["o2"])
    expect(ids(manager.query({ canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT" }))).toEqual(["o2"])
    // The venue order id is free again (the venue would not reuse it, but nothing in memory holds it).
    right(manager.apply("o2", { _tag: "Submit" }, now()))
    expect(right(manager.apply("o2", { _tag: "Accept", venueOrderId: voi("v-o1") }, now())).order.venueOrderId).toBe("v-o1")
  })

  it("keeps a late fill for an evicted order as Unmatched UnknownOrder, once, and changes no order", () => {
    const { manager, evicted, journal, now } = setup(0)
    right(manager.create(limitBuy("o1"), now()))
    right(manager.apply("o1", { _tag: "Submit" }, now()))
    right(manager.apply("o1", { _tag: "Accept", venueOrderId: voi("v-o1") }, now()))
    right(manager.apply("o1", { _tag: "CancelRequest" }, now()))
    right(manager.apply("o1", { _tag: "CancelAck" }, now()))
    expect(ids(evicted)).toEqual(["o1"])
    const entries = journal.length
    const refs = [
      {},
      { operationId: undefined, clientOrderId: Ids.clientOrderIdFor("o1") },
      { operationId: undefined, venueOrderId: voi("v-o1") }
    ]
    for (const [i, ref] of refs.entries()) {
      const late = fillOf("o1", `late-${i}`, "0.2", "65000", ref)
      const r = right(manager.recordFill(late, now()))
      expect(r._tag === "Unmatched" && r.unmatched.reason).toBe("UnknownOrder")
      expect(right(manager.recordFill(late, now()))._tag).toBe("Duplicate")
    }
    expect(manager.unmatchedFills().length).toBe(3)
    expect(journal.length).toBe(entries)
    expect(manager.size).toBe(0)
    expect(evicted[0]!.order.filledQuantity).toEqual(d("0"))
  })

  it("creates an evicted operation id anew (only the durable Oms, through its store, knows it)", () => {
    const { manager, now } = setup(0)
    right(manager.create(limitBuy("o1"), now()))
    cancel(manager, now, "o1")
    const again = right(manager.create(limitBuy("o1", { side: "SELL" }), now()))
    expect(again.created).toBe(true)
    expect(again.order.version).toBe(1)
  })

  it("evicts a loaded finished order no earlier than the next change, and never a child loaded without its parent", () => {
    const source = setup(1_000)
    right(source.manager.create(parentRequest("P"), source.now()))
    right(source.manager.create(child("C", "P", "0.5"), source.now()))
    right(source.manager.create(limitBuy("solo"), source.now()))
    cancel(source.manager, source.now, "C")
    cancel(source.manager, source.now, "P")
    cancel(source.manager, source.now, "solo")
    const [p, c, solo] = ["P", "C", "solo"].map((id) => source.manager.get(id)!)

    const { manager, evicted, now } = setup(0)
    expect(manager.load(solo!)).toBe(true)
    expect(manager.load(c!)).toBe(true) // before its parent: waits as an orphan
    expect(manager.get("solo")).toBe(solo)
    right(manager.create(limitBuy("next"), now()))
    expect(ids(evicted)).toEqual(["solo"])
    expect(manager.get("C")).toBe(c)
    right(manager.create(limitBuy("next2"), now()))
    expect(manager.get("C")).toBe(c)
    expect(manager.load(p!)).toBe(true) // adopts C: the tree is finished
    expect(ids(manager.children("P"))).toEqual(["C"])
    right(manager.create(limitBuy("next3"), now()))
    expect(ids(evicted)).toEqual(["solo", "P", "C"])
    expect(ids(manager.query({}))).toEqual(["next", "next2", "next3"])
  })

  it("keeps a loaded finished parent whose child, loaded before it, still works", () => {
    const source = setup(1_000)
    right(source.manager.create(parentRequest("P"), source.now()))
    right(source.manager.create(child("C", "P", "0.5"), source.now()))
    right(source.manager.apply("C", { _tag: "Submit" }, source.now()))
    right(source.manager.apply("C", { _tag: "Accept", venueOrderId: voi("c") }, source.now()))
    right(source.manager.apply("P", { _tag: "CancelRequest" }, source.now()))
    right(source.manager.apply("P", { _tag: "CancelAck" }, source.now()))
    const [p, c] = ["P", "C"].map((id) => source.manager.get(id)!)
    expect([p!.order.status, c!.order.status]).toEqual(["CANCELLED", "ACCEPTED"])

    const { manager, evicted, now } = setup(0)
    manager.load(c!)
    manager.load(p!)
    right(manager.create(limitBuy("next"), now()))
    expect(evicted).toEqual([])
    right(manager.recordFill(fillOf("C", "t1", "0.5", "66000"), now()))
    expect(ids(evicted)).toEqual(["P", "C"])
  })

  it("keeps at most working + N orders, and sweeps the index lists' tombstones (bounded memory)", () => {
    const { manager, evicted, now } = setup(10)
    // The index lists are kept from the first query that names a key (`buildLists`) on.
    expect(manager.query({ strategyId: strategy("beta") })).toEqual([])
    let working = 0
    for (let i = 0; i < 3_000; i++) {
      const id = `o${i}`
      right(manager.create(limitBuy(id, i % 3 === 0 ? { strategyId: strategy("beta") } : {}), now()))
      working++
      if (i % 7 !== 6) {
        fill(manager, now, id)
        working--
      }
      expect(manager.size).toBeLessThanOrEqual(working + 10)
    }
    expect(manager.evicted).toBe(evicted.length)
    expect(manager.size).toBe(working + 10)
    // Internal lists: tombstones are swept once they outnumber the held orders twice and
    // 1,024, so no list keeps more dead entries than that.
    const internals = manager as unknown as {
      byStrategy: Map<string, { items: Array<unknown> }>
      byOperationId: { size: number }
      byVenueOrderId: { size: number }
    }
    for (const [key, list] of internals.byStrategy) {
      const held = manager.query({ strategyId: strategy(key), limit: 100_000 }).length
      expect(list.items.length - held).toBeLessThanOrEqual(Math.max(1_024, 2 * manager.size) + 1)
    }
    // Evicted orders' keys leave the key indexes at once: they hold exactly the held orders.
    expect(internals.byOperationId.size).toBe(manager.size)
    expect(internals.byVenueOrderId.size).toBe(manager.query({ limit: 100_000 }).filter((m) => m.order.venueOrderId !== undefined).length)
    // Queries still come in creation order.
    const all = ids(manager.query({}))
    expect(all).toEqual([...all].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))))
    expect(ids(manager.query({ strategyId: strategy("beta") }))).toEqual(all.filter((id) => Number(id.slice(1)) % 3 === 0))
  })

  it("builds the index lists and status buckets on the first query that needs them: the same answers as kept ones, across evictions and reused handles", () => {
    const { manager, now } = setup(3)
    const internals = manager as unknown as {
      byStrategy: Map<string, unknown>
      byVenue: Map<string, unknown>
      byStatus: Array<Array<number>>
    }
    const OKX = "OKX:SPOT_PAIR:BTC-USDT"
    const make = (i: number) =>
      limitBuy(`q${i}`, {
        strategyId: strategy(i % 3 === 0 ? "beta" : "alpha"),
        ...(i % 4 === 0 ? { canonicalId: OKX, venue: venue("OKX"), price: d("65000.1") } : {}),
        ...(i % 5 === 0 ? { venue: undefined } : {})
      })
    // Every query that names keys, against the held orders (in creation order) filtered.
    const queries: ReadonlyArray<OrderQuery> = [
      { strategyId: strategy("alpha") },
      { strategyId: strategy("beta"), limit: 2 },
      { venue: venue("OKX") },
      { venue: venue("BINANCE-SPOT"), strategyId: strategy("beta") },
      { canonicalId: OKX },
      { canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT", statuses: ["PENDING"] },
      { strategyId: strategy("gamma") },
      { statuses: ["PENDING", "CANCELLED"] },
      { statuses: ["CANCELLED"], limit: 2 },
      { nonTerminal: true }
    ]
    const check = () => {
      const all = manager.query({ limit: 100_000 })
      for (const q of queries) {
        const expected = all.filter((m) => matches(q, m)).slice(0, q.limit ?? 100_000)
        expect(ids(manager.query(q))).toEqual(ids(expected))
      }
    }
    let i = 0
    const step = (n: number) => {
      for (const end = i + n; i < end; i++) {
        right(manager.create(make(i), now()))
        // Most orders end at once (a local cancel) and are evicted past 3: their handles are reused,
        // so the slot table's order is not the creation order.
        if (i % 7 !== 3) cancel(manager, now, `q${i}`)
      }
    }
    step(40)
    expect(internals.byStrategy.size).toBe(0) // no lists kept before a query names a key
    expect(ids(manager.query({}))).toHaveLength(manager.size) // (a query naming none builds nothing)
    expect(internals.byStrategy.size).toBe(0)
    expect(internals.byStatus.flat()).toEqual([]) // nor status buckets before a query by status
    check()
    expect(internals.byStatus.flat().length).toBe(manager.size)
    expect(internals.byStrategy.size).toBe(2)
    expect([...internals.byVenue.keys()].sort()).toEqual(["BINANCE-SPOT", "OKX"])
    // Kept from then on: new orders, ends and evictions (and the lists' sweeps) after the build.
    for (let round = 0; round < 6; round++) {
      step(700)
      check()
    }
  })

  it("finds every held order by each of its keys, and no evicted one, across key-index compactions", () => {
    const { manager, now } = setup(5)
    const working: Array<string> = []
    for (let i = 0; i < 4_000; i++) {
      const id = `k${i}`
      right(manager.create(limitBuy(id), now()))
      right(manager.apply(id, { _tag: "Submit" }, now()))
      right(manager.apply(id, { _tag: "Accept", venueOrderId: voi(`v-${id}`) }, now()))
      if (i % 11 === 0) working.push(id)
      else {
        const r = right(manager.recordFill(fillOf(id, `t-${id}`, "0.5", "65000"), now()))
        expect(r._tag).toBe("Applied")
      }
    }
    expect(manager.evicted).toBe(4_000 - working.length - 5)
    for (const id of working) {
      const m = manager.get(id)!
      expect(m.order.status).toBe("ACCEPTED")
      expect(manager.getByClientOrderId(Ids.clientOrderIdFor(id))).toBe(m)
      expect(manager.getByVenueOrderId("BINANCE-SPOT", `v-${id}`)).toBe(m)
    }
    for (const id of ["k1", "k2", "k1000", "k2500"]) {
      expect(manager.get(id)).toBeUndefined()
      expect(manager.getByClientOrderId(Ids.clientOrderIdFor(id))).toBeUndefined()
      expect(manager.getByVenueOrderId("BINANCE-SPOT", `v-${id}`)).toBeUndefined()
      // A late fill of an evicted order matches nothing, by any of its ids.
      const late = right(manager.recordFill(fillOf(id, `late-${id}`, "0.1", "65000", { operationId: undefined, clientOrderId: Ids.clientOrderIdFor(id) }), now()))
      expect(late._tag === "Unmatched" && late.unmatched.reason).toBe("UnknownOrder")
    }
    // Working orders still fill through the indexes after the compactions.
    const last = working[working.length - 1]!
    const r = right(manager.recordFill(fillOf(last, `t-${last}`, "0.5", "65000", { operationId: undefined, venueOrderId: voi(`v-${last}`) }), now()))
    expect(r._tag === "Applied" && r.order.order.status).toBe("FILLED")
  })

  it("keeps the key indexes of an order working while thousands pass, and only the held orders' keys", () => {
    const { manager, now } = setup(2)
    const internals = manager as unknown as { byOperationId: { size: number }; byVenueOrderId: { size: number } }
    // An order accepted first and left working while 2,500 others pass (the slot table is
    // copied young twice meanwhile, and its handles reused).
    right(manager.create(limitBuy("long"), now()))
    right(manager.apply("long", { _tag: "Submit" }, now()))
    for (let i = 0; i < 2_500; i++) {
      right(manager.create(limitBuy(`g${i}`), now()))
      fill(manager, now, `g${i}`)
      if (i === 700) right(manager.apply("long", { _tag: "Accept", venueOrderId: voi("v-long") }, now()))
    }
    expect(internals.byOperationId.size).toBe(3)
    expect(internals.byVenueOrderId.size).toBe(3)
    const long = manager.get("long")!
    expect(manager.getByClientOrderId(Ids.clientOrderIdFor("long"))).toBe(long)
    expect(manager.getByVenueOrderId("BINANCE-SPOT", "v-long")).toBe(long)
    expect(ids(manager.query({}))).toEqual(["long", "g2498", "g2499"])
    // An evicted order's id made anew: found, and last in creation order.
    expect(manager.get("g5")).toBeUndefined()
    expect(manager.getByVenueOrderId("BINANCE-SPOT", "v-g5")).toBeUndefined()
    right(manager.create(limitBuy("g5"), now()))
    expect(manager.get("g5")!.order.status).toBe("PENDING")
    expect(ids(manager.query({}))).toEqual(["long", "g2498", "g2499", "g5"])
    cancel(manager, now, "g5")
    right(manager.recordFill(fillOf("long", "t-long", "0.5", "65000"), now()))
    for (const id of ["last1", "last2"]) {
      right(manager.create(limitBuy(id), now()))
      cancel(manager, now, id)
    }
    // Once "long" is evicted, its keys are gone from the indexes.
    expect(manager.get("long")).toBeUndefined()
    expect(manager.getByVenueOrderId("BINANCE-SPOT", "v-long")).toBeUndefined()
    expect(internals.byOperationId.size).toBe(2)
    expect(internals.byVenueOrderId.size).toBe(0)
    expect(ids(manager.query({}))).toEqual(["last1", "last2"])
    expect(manager.getByClientOrderId(Ids.clientOrderIdFor("last1"))!.order.status).toBe("CANCELLED")
  })

  it("answers and indexes an order's first Accept on the hot path as a checked plan does, as orders pass", () => {
    // The try* path commits a first Accept at once; planApply stages it in a plan. One script
    // through both: fresh ids, ids of working orders (one working since the start), of
    // evicted orders, and Accepts the state machine refuses (never submitted, rejected), with
    // ids in use or not.
    const a = setup(2)
    const b = setup(2)
    // Every index and table alike (the options differ: each has its own sinks).
    const state = (m: OrderManager.OrderManager) => ({ ...m, options: undefined })
    const both = (f: (m: OrderManager.OrderManager, now: () => number) => void) => {
      f(a.manager, a.now)
      f(b.manager, b.now)
    }
    const answer = (r: unknown) =>
      r instanceof Error ? { error: r.constructor.name, reason: (r as { reason?: unknown }).reason, message: r.message } : { order: r }
    const accept = (id: string, v: string) => {
      const event = { _tag: "Accept", venueOrderId: voi(v) } as const
      const viaTry = a.manager.tryApply(id, event, a.now())
      const plan = b.manager.planApply(id, event, b.now())
      const viaPlan = Either.isRight(plan) ? b.manager.commit(plan.right) : plan.left
      expect(answer(viaTry)).toEqual(answer(viaPlan))
      expect(a.manager.getByVenueOrderId("BINANCE-SPOT", v)?.order.operationId).toBe(b.manager.getByVenueOrderId("BINANCE-SPOT", v)?.order.operationId)
      return viaTry
    }
    const submit = (id: string) => both((m, now) => right(m.apply(id, { _tag: "Submit" }, now())))
    const create = (id: string) => both((m, now) => right(m.create(limitBuy(id), now())))
    const finish = (id: string) => both((m, now) => right(m.recordFill(fillOf(id, `t-${id}`, "0.5", "65000"), now())))
    // Working since the start, and accepted there: its venue order id stays held throughout.
    create("long")
    submit("long")
    expect(accept("long", "v-long")).not.toBeInstanceOf(Error)
    let refused = 0
    let heldReuses = 0
    for (let i = 0; i < 2_600; i++) {
      const id = `g${i}`
      create(id)
      if (i % 97 === 5) {
        // Never submitted: the state machine refuses, whether or not the id is in use.
        expect(accept(id, i % 2 === 0 ? "v-long" : `v-fresh-${i}`)).toBeInstanceOf(Error)
        refused++
        both((m, now) => right(m.apply(id, { _tag: "CancelRequest" }, now())))
        continue
      }
      submit(id)
      if (i % 89 === 7) {
        both((m, now) => right(m.apply(id, { _tag: "Reject", reason: "no" }, now())))
        expect(accept(id, `v-g${i - 1}`)).toBeInstanceOf(Error)
        refused++
        continue
      }
      // An Accept with the venue order id of the order working since the start: refused, and
      // the index unchanged by it.
      const indexed = (m: OrderManager.OrderManager) => (m as unknown as { byVenueOrderId: { size: number } }).byVenueOrderId.size
      if (i % 1_000 === 500 && a.manager.get("long") !== undefined) {
        const before = indexed(a.manager)
        expect(accept(id, "v-long")).toBeInstanceOf(Error)
        refused++
        expect(indexed(a.manager)).toBe(before)
        expect(state(a.manager)).toStrictEqual(state(b.manager))
        heldReuses++
      }
      // Every 13th reuses an id: the long-working order's, a working neighbour's, or an evicted one's.
      const reuse = i % 13 === 0 ? ["v-long", `v-g${i - 1}`, `v-g${i - 400}`][(i / 13) % 3]! : undefined
      if (reuse !== undefined && accept(id, reuse) instanceof Error) refused++
      if (a.manager.get(id)?.order.venueOrderId === undefined) expect(accept(id, `v-g${i}`)).not.toBeInstanceOf(Error)
      // Leave the previous order working one more step, so its id is held when the next one reuses it.
      if (i > 0 && a.manager.get(`g${i - 1}`)?.order.status === "ACCEPTED") finish(`g${i - 1}`)
    }
    expect(refused).toBeGreaterThan(150)
    expect(heldReuses).toBe(3)
    expect(a.manager.evicted).toBeGreaterThan(2_000)
    expect(a.journal).toEqual(b.journal)
    expect(a.evicted).toEqual(b.evicted)
    expect(state(a.manager)).toStrictEqual(state(b.manager))
    expect(a.manager.getByVenueOrderId("BINANCE-SPOT", "v-long")?.order.operationId).toBe("long")
  })

  it("finds a new order by strategy, instrument and venue after a compaction dropped their emptied lists", () => {
    const { manager, now } = setup(0)
    // Every order finishes and is evicted: the compaction (past 1,024 stale entries) leaves
    // the strategy's, instrument's and venue's lists empty and drops them.
    for (let i = 0; i < 1_100; i++) {
      right(manager.create(limitBuy(`c${i}`), now()))
      cancel(manager, now, `c${i}`)
    }
    expect(manager.size).toBe(0)
    right(manager.create(limitBuy("again"), now()))
    const m = limitBuy("again")
    expect(ids(manager.query({ strategyId: m.strategyId }))).toEqual(["again"])
    expect(ids(manager.query({ canonicalId: m.canonicalId }))).toEqual(["again"])
    expect(ids(manager.query({ venue: m.venue! }))).toEqual(["again"])
  })

  it("answers status queries right while new orders take the slots of evicted ones", () => {
    const { manager, now } = setup(2)
    // Orders left in every kind of bucket, between others that finish and are evicted.
    right(manager.create(limitBuy("pending"), now()))
    for (let i = 0; i < 6; i++) {
      right(manager.create(limitBuy(`f${i}`), now()))
      fill(manager, now, `f${i}`)
    }
    right(manager.create(limitBuy("submitted"), now()))
    right(manager.apply("submitted", { _tag: "Submit" }, now()))
    for (let i = 6; i < 12; i++) {
      right(manager.create(limitBuy(`f${i}`), now()))
      cancel(manager, now, `f${i}`)
    }
    right(manager.create(limitBuy("accepted"), now()))
    right(manager.apply("accepted", { _tag: "Submit" }, now()))
    right(manager.apply("accepted", { _tag: "Accept", venueOrderId: voi("v-accepted") }, now()))
    // Its parts move between buckets after the evicted orders' slots were reused.
    right(manager.apply("pending", { _tag: "Submit" }, now()))
    right(manager.apply("submitted", { _tag: "CancelRequest" }, now()))
    expect(manager.evicted).toBe(10)
    expect(ids(manager.query({ statuses: ["SUBMITTED"] }))).toEqual(["pending"])
    expect(ids(manager.query({ statuses: ["PENDING_CANCEL", "ACCEPTED"] }))).toEqual(["submitted", "accepted"])
    expect(ids(manager.query({ nonTerminal: true }))).toEqual(["pending", "submitted", "accepted"])
    expect(ids(manager.query({ statuses: ["FILLED", "CANCELLED"] }))).toEqual(["f10", "f11"])
    expect(ids(manager.query({}))).toEqual(["pending", "submitted", "f10", "f11", "accepted"])
  })

  it("puts an evicted operation id created anew after the orders created before it", () => {
    const { manager, now } = setup(0)
    right(manager.create(limitBuy("o1"), now()))
    right(manager.create(limitBuy("o2"), now()))
    cancel(manager, now, "o1")
    right(manager.create(limitBuy("o1", { side: "SELL" }), now()))
    expect(ids(manager.query({}))).toEqual(["o2", "o1"])
    expect(manager.size).toBe(2)
    expect(manager.get("o1")!.order.side).toBe("SELL")
  })

  it("refuses a retainTerminal that is not a count", () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(() => OrderManager.make({ instruments, retainTerminal: bad })).toThrow(RangeError)
    }
    expect(OrderManager.make({ instruments, retainTerminal: Number.POSITIVE_INFINITY }).size).toBe(0)
  })

  it("under random workloads: held orders in creation order, finished trees within the bound, whole finished trees evicted", () => {
    fc.assert(
      fc.property(workload(), fc.integer({ min: 0, max: 4 }), (commands, retain) => {
        const { manager, evicted, now } = setup(retain)
        // The model: every order created and not evicted, in the order created.
        const held: Array<string> = []
        for (const c of commands) {
          const before = evicted.length
          const t = now()
          if (c.kind === "create") {
            const r = manager.create(request(c), t)
            if (Either.isRight(r) && r.right.created) held.push(idOf(c.id))
          } else if (c.kind === "event") {
            manager.apply(idOf(c.id), c.event, t)
          } else {
            manager.recordFill(report(c), t)
          }
          const batch = evicted.slice(before)
          for (const m of batch) {
            expect(OrderStatus.isTerminal(m.order.status)).toBe(true)
            // A child leaves with its parent, after it in the same batch.
            const parent = m.order.parentOperationId
            if (parent !== undefined) {
              expect(ids(batch).indexOf(parent)).toBeGreaterThanOrEqual(0)
              expect(ids(batch).indexOf(parent)).toBeLessThan(ids(batch).indexOf(m.order.operationId))
            }
            held.splice(held.indexOf(m.order.operationId), 1)
          }
          checkHeld(manager, held, retain)
        }
      }),
      { numRuns: 150 }
    )
  }, 120_000)

  it("rebuild holds what the live manager held, and hands the rest to onEvict in the same order", () => {
    fc.assert(
      fc.property(workload(), fc.integer({ min: 0, max: 4 }), (commands, retain) => {
        const live = setup(retain)
        const run = (m: OrderManager.OrderManager, cs: ReadonlyArray<Command>) => {
          let t = 1_700_000_000_000
          for (const c of cs) {
            t += 7
            if (c.kind === "create") m.create(request(c), t)
            else if (c.kind === "event") m.apply(idOf(c.id), c.event, t)
            else m.recordFill(report(c), t)
          }
        }
        run(live.manager, commands)
        const replayed: Array<ManagedOrder> = []
        const options = { ...live.options, journal: undefined, onEvict: (m: ManagedOrder) => replayed.push(m) }
        const rebuilt = OrderManager.rebuild(live.journal, options, live.manager.unmatchedFills())
        const created = live.journal.filter((e) => e.event._tag === "Created").map((e) => e.operationId)
        if (new Set(created).size !== created.length) {
          // An evicted operation id created again: the journal names it twice, which a replay refuses.
          expect(Either.isLeft(rebuilt) && rebuilt.left).toBeInstanceOf(JournalCorrupt)
          return
        }
        const m = Either.getOrThrow(rebuilt)
        expect(m.query({})).toEqual(live.manager.query({}))
        expect(replayed).toEqual(live.evicted)
        expect(m.evicted).toBe(live.manager.evicted)
        expect(m.unmatchedFills()).toEqual(live.manager.unmatchedFills())
      }),
      { numRuns: 400 }
    )
  }, 120_000)

  it("finds the order a venue's event names by client order id, whichever order was added last", () => {
    // The try* paths by client order id first look at the order added last (by its handle);
    // a twin manager is driven by operation id, found through getByClientOrderId (the index
    // itself). Events go to orders created earlier, evicted ones (whose handles are reused)
    // and ids never created; the two must answer and end the same.
    const EVENTS: ReadonlyArray<(n: number) => LifecycleEvent> = [
      (n) => ({ _tag: "Accept", venueOrderId: voi(`v-${n}`) }),
      () => ({ _tag: "CancelRequest" }),
      () => ({ _tag: "CancelAck" }),
      () => ({ _tag: "Expire" })
    ]
    const step = fc.oneof(
      fc.record({ kind: fc.constant("create" as const), k: fc.nat(5) }),
      fc.record({ kind: fc.constant("event" as const), k: fc.nat(6), e: fc.nat(EVENTS.length - 1) }),
      fc.record({ kind: fc.constant("fill" as const), k: fc.nat(6), q: fc.constantFrom("0.1", "0.5") })
    )
    // Both managers are queried by status once, at a random step (their status buckets kept
    // from then on), and compared by status, venue order id and open orders at the end: the
    // Accept by client order id commits on a path of its own (`commitAccept`).
    const byStatus = (m: OrderManager.OrderManager) =>
      [["SUBMITTED"], ["ACCEPTED"], ["PARTIALLY_FILLED", "PENDING_CANCEL"], ["FILLED", "CANCELLED", "EXPIRED"]].map((statuses) =>
        m.query({ statuses: statuses as Array<OrderStatus.OrderStatus> })
      )
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 0, max: 2 }), fc.nat(70), (steps, retain, queryAt) => {
        const byClient = setup(retain)
        const byId = setup(retain)
        let t = 1_700_000_000_000
        let n = 0
        for (const s of steps) {
          if (n === queryAt) expect(byStatus(byClient.manager)).toEqual(byStatus(byId.manager))
          t += 3
          n++
          const id = `e-${s.k}`
          const cid = Ids.clientOrderIdFor(id)
          const held = byId.manager.getByClientOrderId(cid)
          if (s.kind === "create") {
            const a = byClient.manager.tryCreateAndSubmit(limitBuy(id), t)
            const b = byId.manager.tryCreateAndSubmit(limitBuy(id), t)
            expect(a).toEqual(b)
          } else if (s.kind === "event") {
            const event = EVENTS[s.e]!(n)
            const a = byClient.manager.tryApplyByClientOrderId(cid, event, t)
            if (held === undefined) expect(a).toBeInstanceOf(OrderNotFound)
            else expect(a).toEqual(byId.manager.tryApply(held.order.operationId, event, t))
          } else {
            const { operationId: _, ...rest } = fillOf(id, `t-${n}`, s.q, "65000")
            const a = byClient.manager.tryRecordFill({ ...rest, clientOrderId: cid as Ids.ClientOrderId }, t)
            if (held === undefined) {
              expect(a._tag).toBe("Unmatched")
              expect(byId.manager.tryRecordFill({ ...rest, clientOrderId: cid as Ids.ClientOrderId }, t)._tag).toBe("Unmatched")
            } else {
              const b = byId.manager.tryRecordFill(fillOf(held.order.operationId, `t-${n}`, s.q, "65000"), t)
              expect(a._tag).toBe(b._tag)
              if (a._tag === "Applied" && b._tag === "Applied") expect(a.order).toEqual(b.order)
            }
          }
        }
        expect(byClient.manager.query({})).toEqual(byId.manager.query({}))
        expect(byStatus(byClient.manager)).toEqual(byStatus(byId.manager))
        expect(byClient.manager.query({ nonTerminal: true })).toEqual(byId.manager.query({ nonTerminal: true }))
        for (let k = 1; k <= steps.length; k++) {
          const found = byId.manager.getByVenueOrderId(venue("BINANCE-SPOT"), voi(`v-${k}`))
          expect(byClient.manager.getByVenueOrderId(venue("BINANCE-SPOT"), voi(`v-${k}`))).toEqual(found)
        }
        expect(byClient.journal).toEqual(byId.journal)
        expect(byClient.evicted).toEqual(byId.evicted)
      }),
      { numRuns: 300 }
    )
  }, 120_000)
})

/** The manager holds exactly `held` (in that order) and keeps within the bound; every query agrees. */
const checkHeld = (manager: OrderManager.OrderManager, held: ReadonlyArray<string>, retain: number) => {
  const all = manager.query({})
  expect(ids(all)).toEqual(held)
  expect(manager.size).toBe(held.length)
  for (const m of all) {
    expect(manager.get(m.order.operationId)).toBe(m)
    expect(manager.getByClientOrderId(m.order.clientOrderId)).toBe(m)
    if (m.order.venue !== undefined && m.order.venueOrderId !== undefined) {
      expect(manager.getByVenueOrderId(m.order.venue, m.order.venueOrderId)).toBe(m)
    }
  }
  const queries: Array<OrderQuery> = [
    { strategyId: strategy("s0") },
    { strategyId: strategy("s1"), nonTerminal: true },
    { venue: venue("OKX") },
    { canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT", statuses: ["FILLED", "CANCELLED"] },
    { statuses: ["PENDING", "FILLED"] },
    { nonTerminal: true },
    { parentOperationId: op("o0") }
  ]
  for (const q of queries) expect(manager.query(q)).toEqual(all.filter((m) => matches(q, m)))
  // Finished trees (every member terminal, root held) hold at most `retain` orders.
  const byId = new Map(all.map((m) => [m.order.operationId as string, m]))
  const rootOf = (m: ManagedOrder): ManagedOrder | undefined => {
    let node: ManagedOrder | undefined = m
    while (node?.order.parentOperationId !== undefined) node = byId.get(node.order.parentOperationId)
    return node
  }
  const openRoots = new Set(all.filter((m) => !OrderStatus.isTerminal(m.order.status)).map((m) => rootOf(m)))
  const finished = all.filter((m) => !openRoots.has(rootOf(m)))
  expect(finished.length).toBeLessThanOrEqual(retain)
}

describe("Oms with retainTerminal", () => {
  it.effect("evicts after the store holds the final record; a late fill, event or submit goes back to the store", () =>
    Effect.gen(function* () {
      const store = OrderStore.makeMemory()
      const evicted: Array<string> = []
      const oms = yield* Effect.provideService(
        Oms.make({ instruments, retainTerminal: 0, onEvict: (m) => evicted.push(`${m.order.operationId} v${m.version}`) }),
        OrderStore.OrderStore,
        store
      )
      yield* oms.submit(limitBuy("o1"))
      yield* oms.apply("o1", { _tag: "Submit" })
      yield* oms.apply("o1", { _tag: "Accept", venueOrderId: voi("v1") })
      yield* oms.apply("o1", { _tag: "CancelRequest" })
      yield* oms.apply("o1", { _tag: "CancelAck" })
      expect(evicted).toEqual(["o1 v5"])
      expect(oms.manager().size).toBe(0)
      // The store held the final record before the manager let it go.
      expect(Option.getOrThrow(yield* store.get("o1")).version).toBe(5)
      expect(Option.getOrThrow(yield* oms.get("o1")).order.status).toBe("CANCELLED")

      // The cancel lost the race: a late fill finds the order in the store and counts once.
      const late = fillOf("o1", "t1", "0.2", "65000", { operationId: undefined, venueOrderId: voi("v1") })
      const r = yield* oms.recordFill(late)
      expect(r._tag === "Applied" && r.order.order.filledQuantity).toEqual(d("0.2"))
      expect(evicted).toEqual(["o1 v5", "o1 v6"])
      // Judged on the record reloaded from the store, which stays until the next change.
      expect((yield* oms.recordFill(late))._tag).toBe("Duplicate")
      expect(Option.getOrThrow(yield* store.get("o1")).order.filledQuantity).toEqual(d("0.2"))
      expect(yield* store.listUnmatchedFills).toEqual([])
      expect(oms.manager().size).toBe(1)
      yield* oms.submit(limitBuy("o2"))
      expect(evicted).toEqual(["o1 v5", "o1 v6", "o1 v6"])
      expect(oms.manager().get("o1")).toBeUndefined()

      // The store still refuses a second intent under the operation id, and returns the first.
      const again = yield* oms.submit(limitBuy("o1"))
      expect(again.created).toBe(false)
      expect(again.order.version).toBe(6)
      expect(yield* Effect.flip(oms.submit(limitBuy("o1", { side: "SELL" })))).toBeInstanceOf(DuplicateOperation)
      expect(oms.manager().get("o1")).toBeUndefined()
      expect((yield* store.readJournal({ operationId: "o1" })).map((e) => e.event._tag)).toEqual([
        "Created",
        "Submit",
        "Accept",
        "CancelRequest",
        "CancelAck",
        "FillRecorded"
      ])
    })
  )
})
