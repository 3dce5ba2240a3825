/**
 * The contract every OrderStore keeps, as one test suite: `orderStoreContract(name, layer)`
 * registers it for a store layer. The in-memory store runs it (MemoryOrderStore.test.ts);
 * the PostgreSQL store must run the same suite unchanged.
 *
 * Store-agnostic by construction: the layer is built once and shared by every case (as a
 * database would be), so each case uses ids, strategies and journal sequences no other
 * case uses, and asserts only about its own rows. Records and journal entries come from a
 * real OrderManager, so they are exactly what the OMS writes.
 */
import { Ids } from "@odum/domain"
import { expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { FillReport, UnmatchedFill } from "../src/FillReport.js"
import type { ManagedOrder } from "../src/ManagedOrder.js"
import type { OrderStoreError } from "../src/OmsError.js"
import type { LifecycleEvent, OrderJournalEntry } from "../src/OrderJournal.js"
import * as OrderManager from "../src/OrderManager.js"
import type { OrderRequest } from "../src/OrderRequest.js"
import { OrderStore, type OrderStoreService } from "../src/OrderStore.js"
import { BTC_SPOT, d, fillOf, instruments, limitBuy, OKX_BTC, op, strategy, venue, voi, WEI_TOKEN } from "./fixtures.js"

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`
let counter = 0
/** A prefix no other case (or earlier run against the same database) uses. */
const unique = (): string => `${RUN}-${++counter}`

const right = <A, E>(e: Either.Either<A, E>): A => {
  if (Either.isLeft(e)) throw new Error(`expected Right, got ${String(e.left)}`)
  return e.right
}

/** An order manager whose every change is written to the store, as the OMS does. */
const book = (store: OrderStoreService) =>
  Effect.gen(function* () {
    const manager = OrderManager.make({ instruments })
    manager.resumeAfter(yield* store.lastSequence)
    let now = 1_700_000_000_000
    const write = <A>(plan: OrderManager.Plan<A>) =>
      Effect.gen(function* () {
        if (plan.changes.length > 0) {
          yield* store.update(
            plan.changes.map((c) => ({ order: c.after, expectedVersion: c.before!.version })),
            plan.entries
          )
        }
        return manager.commit(plan)
      })
    return {
      manager,
      create: (request: OrderRequest) =>
        Effect.gen(function* () {
          const plan = right(manager.planCreate(request, ++now))
          const r = yield* store.insert(plan.result.order, plan.entries)
          expect(r.inserted).toBe(true)
          return manager.commit(plan).order
        }),
      apply: (id: string, event: LifecycleEvent) => write(right(manager.planApply(id, event, ++now))),
      fill: (report: FillReport) => write(right(manager.planFill(report, ++now))),
      /** The plan of an event, not written (to write it by hand). */
      plan: (id: string, event: LifecycleEvent) => right(manager.planApply(id, event, ++now))
    }
  })

const ids = (orders: ReadonlyArray<ManagedOrder>) => orders.map((m) => m.order.operationId)
const reasonOf = (e: OrderStoreError) => e.reason

/** Registers the store contract for `storeLayer` under `name`. */
export const orderStoreContract = (name: string, storeLayer: Layer.Layer<OrderStore, unknown>): void => {
  layer(storeLayer)(`OrderStore contract: ${name}`, (it) => {
    it.effect("insert stores a new order; get, getByClientOrderId return it exactly", () =>
      Effect.gen(function* () {
        const store = yield* OrderStore
        const b = yield* book(store)
        const id = `${unique()}-a`
        const order = yield* b.create(limitBuy(id))
        expect(Option.getOrThrow(yield* store.get(id))).toEqual(order)
        expect(Option.getOrThrow(yield* store.getByClientOrderId(Ids.clientOrderIdFor(id)))).toEqual(order)
        expect(Option.isNone(yield* store.get(`${unique()}-missing`))).toBe(true)
        expect(Option.isNone(yield* store.getByClientOrderId(Ids.clientOrderIdFor(`${unique()}-missing`)))).toBe(true)
        expect(yield* store.readJournal({ operationId: id })).toEqual([
          { sequence: b.manager.sequence, operationId: id, version: 1, timestamp: order.order.createdAt, event: { _tag: "Created", order: order.order } }
        ])
      })
    )

    it.effect("insert is idempotent: an existing operation id returns the stored order, overwrites nothing, journals nothing", () =>
      Effect.gen(function* () {
        const store = yield* OrderStore
        const b = yield* book(store)
        const id = `${unique()}-a`
        const first = yield* b.create(limitBuy(id))
        const other = OrderManager.make({ instruments })
        other.resumeAfter(yield* store.lastSequence)
        const plan = right(other.planCreate(limitBuy(id, { side: "SELL", quantity: d("2") }), 1_800_000_000_000))
        const again = yield* store.insert(plan.result.order, plan.entries)
        expect(again.inserted).toBe(false)
        expect(again.order).toEqual(first)
        expect(Option.getOrThrow(yield* store.get(id))).toEqual(first)
        expect((yield* store.readJournal({ operationId: id })).length).toBe(1)
      })
    )

    it.effect("update writes a batch and its journal when every version matches; lookups by venue order id see it", () =>
      Effect.gen(function* () {
        const store = yield* OrderStore
        const b = yield* book(store)
        const id = `${unique()}-a`
        const venueOrderId = `${unique()}-venue`
        yield* b.create(limitBuy(id))
        yield* b.apply(id, { _tag: "Submit" })
        yield* b.apply(id, { _tag: "Accept", venueOrderId: voi(venueOrderId) })
        yield* b.fill(fillOf(id, `${unique()}-t`, "0.2", "65000.1"))
        const live = b.manager.get(id)!
        expect(live.version).toBe(4)
        expect(Option.getOrThrow(yield* store.get(id))).toEqual(live)
        expect(Option.getOrThrow(yield* store.getByVenueOrderId("BINANCE-SPOT", venueOrderId))).toEqual(live)
        expect(Option.isNone(yield* store.getByVenueOrderId("OKX", venueOrderId))).toBe(true)
        const journal = yield* store.readJournal({ operationId: id })
        expect(journal.map((e) => [e.version, e.event._tag])).toEqual([
          [1, "Created"],
          [2, "Submit"],
          [3, "Accept"],
          [4, "FillRecorded"]
        ])
      })
    )

    it.effect("update with a stale version fails with VersionConflict and writes nothing of the batch", () =>
      Effect.gen(function* () {
        const store = yield* OrderStore
        const b = yield* book(store)
        const p = `${unique()}-parent`
        const c = `${unique()}-child`
        yield* b.create(limitBuy(p, { venue: undefined }))
        yield* b.create(limitBuy(c, { parentOperationId: op(p), quantity: d("0.1") }))
        // Submitting the child also submits the parent: a two-row batch.
        const plan = b.plan(c, { _tag: "Submit" })
        expect(plan.changes.length).toBe(2)
        const journalBefore = yield* store.readJournal({ fromSequence: plan.entries[0]!.sequence })
        const stale = plan.changes.map((ch, i) => ({ order: ch.after, expectedVersion: i === 1 ? ch.before!.version + 1 : ch.before!.version }))
        const error = yield* Effect.flip(store.update(stale, plan.entries))
        expect(reasonOf(error)).toBe("VersionConflict")
        expect(error.operationId).toBe(c)
        expect(Option.getOrThrow(yield* store.get(p))).toEqual(b.manager.get(p))
        expect(Option.getOrThrow(yield* store.get(c))).toEqual(b.manager.get(c))
        expect(yield* store.readJournal({ fromSequence: plan.entries[0]!.sequence })).toEqual(journalBefore)
        // The same batch with the right versions goes through.
        yield* store.update(plan.changes.map((ch) => ({ order: ch.after, expectedVersion: ch.before!.version })), plan.entries)
        b.manager.commit(plan)
        expect(Option.getOrThrow(yield* store.get(p)).order.status).toBe("SUBMITTED")
        // Replaying an applied batch is a conflict, not a second write.
        const replayed = yield* Effect.flip(
          store.update(plan.changes.map((ch) => ({ order: ch.after, expectedVersion: ch.before!.version })), plan.entries)
        )
        expect(reasonOf(replayed)).toBe("VersionConflict")
      })
    )

    it.effect("update of an order the store does not hold fails with NotFound", () =>
      Effect.gen(function* () {
        const store = yield* OrderStore
        const m = OrderManager.make({ instruments })
        const id = `${unique()}-never-stored`
        right(m.create(limitBuy(id), 1_700_000_000_000))
        const plan = right(m.planApply(id, { _tag: "Submit" }, 1_700_000_000_001))
        const error = yield* Effect.flip(store.update([{ order: plan.changes[0]!.after, expectedVersion: 1 }], plan.entries))
        expect(reasonOf(error)).toBe("NotFound")
        expect(Option.isNone(yield* store.get(id))).toBe(true)
        expect(yield* store.readJournal({ operationId: id })).toEqual([])
      })
    )

    it.effect("a journal entry already stored is a JournalConflict, and nothing of that write happens", () =>
      Effect.gen(function* () {
        const store = yield* OrderStore
        const b = yield* book(store)
        const id = `${unique()}-a`
        const first = yield* b.create(limitBuy(id))
        const plan = b.plan(id, { _tag: "Submit" })
        const created = (yield* store.readJournal({ operationId: id }))[0]!
        const error = yield* Effect.flip(
          store.update([{ order: plan.changes[0]!.after, expectedVersion: 1 }], [...plan.entries, created])
        )
        expect(reasonOf(error)).toBe("JournalConflict")
        expect(Option.getOrThrow(yield* store.get(id))).toEqual(first)
        expect((yield* store.readJournal({ operationId: id })).length).toBe(1)
        // A new order whose Created entry collides is not inserted either.
        const other = OrderManager.make({ instruments })
        const otherId = `${unique()}-b`
        const insertPlan = right(other.planCreate(limitBuy(otherId), 1_700_000_000_000))
        const insertError = yield* Effect.flip(store.insert(insertPlan.result.order, [...insertPlan.entries, created]))
        expect(reasonOf(insertError)).toBe("JournalConflict")
        expect(Option.isNone(yield* store.get(otherId))).toBe(true)
      })
    )

    it.effect("query filters by strategy, venue, instrument, statuses, parent and nonTerminal, in creation order", () =>
      Effect.gen(function* () {
        const store = yield* OrderStore
        const b = yield* book(store)
        const u = unique()
        const s = strategy(`${u}-s`)
        const [a, parent, child, okx, other] = ["a", "parent", "child", "okx", "other"].map((x) => `${u}-${x}`) as [string, string, string, string, string]
        yield* b.create(limitBuy(a, { strategyId: s }))
        yield* b.create(limitBuy(parent, { strategyId: s, venue: undefined }))
        yield* b.create(limitBuy(child, { strategyId: s, parentOperationId: op(parent), quantity: d("0.2") }))
        yield* b.create(limitBuy(okx, { strategyId: s, canonicalId: OKX_BTC.canonicalId, venue: venue("OKX") }))
        yield* b.create(limitBuy(other, { strategyId: strategy(`${u}-t`) }))
        yield* b.apply(a, { _tag: "Submit" })
        yield* b.apply(okx, { _tag: "CancelRequest" })
        const q = (query: Parameters<OrderStoreService["query"]>[0]) => Effect.map(store.query({ strategyId: s, ...query }), (page) => ids(page.orders))
        expect(yield* q({})).toEqual([a, parent, child, okx])
        expect(yield* q({ venue: venue("OKX") })).toEqual([okx])
        expect(yield* q({ venue: venue("BINANCE-SPOT") })).toEqual([a, child])
        expect(yield* q({ canonicalId: BTC_SPOT.canonicalId })).toEqual([a, parent, child])
        expect(yield* q({ statuses: ["SUBMITTED", "CANCELLED"] })).toEqual([a, okx])
        expect(yield* q({ statuses: [] })).toEqual([])
        expect(yield* q({ parentOperationId: op(parent) })).toEqual([child])
        expect(yield* q({ nonTerminal: true })).toEqual([a, parent, child])
        expect(yield* q({ nonTerminal: true, statuses: ["PENDING", "CANCELLED"] })).toEqual([parent, child])
        expect(ids((yield* store.query({ strategyId: strategy(`${u}-t`) })).orders)).toEqual([other])
        // Rows come back whole, in their current state.
        expect((yield* store.query({ strategyId: s, statuses: ["SUBMITTED"] })).orders).toEqual([b.manager.get(a)])
      })
    )

    it.effect("query pages with limit and cursor: every order exactly once, in creation order", () =>
      Effect.gen(function* () {
        const store = yield* OrderStore
        const b = yield* book(store)
        const u = unique()
        const s = strategy(`${u}-s`)
        const created: Array<string> = []
        for (let i = 0; i < 7; i++) {
          created.push(`${u}-${i}`)
          yield* b.create(limitBuy(`${u}-${i}`, { strategyId: s }))
        }
        const seen: Array<string> = []
        let cursor: string | undefined
        let pages = 0
        do {
          const page = yield* store.query({ strategyId: s, limit: 3 }, cursor)
          expect(page.orders.length).toBeLessThanOrEqual(3)
          seen.push(...ids(page.orders))
          cursor = page.cursor
          pages++
        } while (cursor !== undefined)
        expect(seen).toEqual(created)
        expect(pages).toBe(3)
        const exact = yield* store.query({ strategyId: s, limit: 7 })
        expect(exact.cursor).toBeUndefined()
        const error = yield* Effect.flip(store.query({ strategyId: s }, "not a cursor"))
        expect(reasonOf(error)).toBe("InvalidCursor")
      })
    )

    it.effect("readJournal returns entries in sequence order, by operation id and from a sequence; lastSequence is the highest", () =>
      Effect.gen(function* () {
        const store = yield* OrderStore
        const b = yield* book(store)
        const u = unique()
        const [x, y] = [`${u}-x`, `${u}-y`]
        yield* b.create(limitBuy(x))
        yield* b.create(limitBuy(y))
        yield* b.apply(x, { _tag: "Submit" })
        yield* b.apply(y, { _tag: "Deny", reason: "limit" })
        yield* b.apply(x, { _tag: "Accept", venueOrderId: voi(`${u}-v`) })
        const mine = (entries: ReadonlyArray<OrderJournalEntry>) => entries.filter((e) => e.operationId === x || e.operationId === y)
        const all = mine(yield* store.readJournal({ fromSequence: 1 }))
        expect(all.map((e) => [e.operationId, e.version])).toEqual([
          [x, 1],
          [y, 1],
          [x, 2],
          [y, 2],
          [x, 3]
        ])
        const sequences = all.map((e) => e.sequence)
        expect(sequences).toEqual([...sequences].sort((a, b) => a - b))
        expect(yield* store.lastSequence).toBeGreaterThanOrEqual(sequences[4]!)
        expect((yield* store.readJournal({ operationId: x })).map((e) => e.version)).toEqual([1, 2, 3])
        expect(mine(yield* store.readJournal({ fromSequence: sequences[2]! }))).toEqual(all.slice(2))
        expect((yield* store.readJournal({ fromSequence: sequences[0]!, limit: 2 })).length).toBe(2)
        // The stored journal replays to the stored orders.
        const rebuilt = right(OrderManager.rebuild(all, { instruments }))
        expect(rebuilt.get(x)).toEqual(Option.getOrThrow(yield* store.get(x)))
        expect(rebuilt.get(y)).toEqual(Option.getOrThrow(yield* store.get(y)))
      })
    )

    it.effect("exact decimals, fills, parents, reasons and flags come back exactly as written", () =>
      Effect.gen(function* () {
        const store = yield* OrderStore
        const b = yield* book(store)
        const u = unique()
        const parent = `${u}-parent`
        const child = `${u}-child`
        const tiny = `${u}-wei`
        yield* b.create(
          limitBuy(parent, {
            venue: undefined,
            quantity: d("12345678901234567890.12345"),
            execAlgorithm: { name: "VWAP", params: { durationMs: 3_600_000, sliceCount: 12, maxParticipationRate: d("0.125") } },
            reduceOnly: true,
            postOnly: true
          })
        )
        yield* b.create(limitBuy(child, { parentOperationId: op(parent), quantity: d("1.5"), price: d("65000.01") }))
        yield* b.apply(child, { _tag: "Submit" })
        yield* b.apply(child, { _tag: "Accept", venueOrderId: voi(`${u}-v`) })
        yield* b.fill(fillOf(child, `${u}-t1`, "0.00001", "65000.01", { fee: d("-0.000000012345678901"), liquidity: "MAKER" }))
        yield* b.fill(fillOf(child, `${u}-t2`, "1.49999", "64999.99"))
        yield* b.create(
          limitBuy(tiny, {
            canonicalId: WEI_TOKEN.canonicalId,
            quantity: d("0.000000000000000001"),
            price: d("123456789.000000000000000001"),
            timeInForce: "GTD",
            expireAt: 4_102_444_800_000
          })
        )
        yield* b.apply(tiny, { _tag: "Submit" })
        yield* b.apply(tiny, { _tag: "Reject", reason: "price out of band: ü€ \"quoted\"" })
        for (const id of [parent, child, tiny]) {
          expect(Option.getOrThrow(yield* store.get(id))).toEqual(b.manager.get(id))
        }
        const p = Option.getOrThrow(yield* store.get(parent))
        expect(p.order.filledQuantity).toEqual(d("1.5"))
        expect(p.order.averageFillPrice).toEqual(b.manager.get(parent)!.order.averageFillPrice)
        expect(p.state.tradeIds).toEqual([`BINANCE-SPOT|${u}-t1`, `BINANCE-SPOT|${u}-t2`])
        expect(Option.getOrThrow(yield* store.get(tiny)).order.rejectReason).toBe('price out of band: ü€ "quoted"')
      })
    )

    it.effect("unmatched fills are kept whole, once per (venue, trade id), in the order recorded", () =>
      Effect.gen(function* () {
        const store = yield* OrderStore
        const u = unique()
        const kept = (tradeId: string, v: string, reason: UnmatchedFill["reason"]): UnmatchedFill => ({
          report: fillOf(`${u}-ghost`, tradeId, "0.123456789012345678", "65000.5", { venue: venue(v), clientOrderId: Ids.clientOrderIdFor(`${u}-ghost`) }),
          reason,
          message: `no order for ${tradeId}`,
          recordedAt: 1_700_000_000_123
        })
        const a = kept(`${u}-1`, "BINANCE-SPOT", "UnknownOrder")
        const bFill = { ...kept(`${u}-2`, "OKX", "Refused"), operationId: op(`${u}-ghost`) }
        expect(yield* store.recordUnmatchedFill(a)).toEqual({ recorded: true })
        expect(yield* store.recordUnmatchedFill(bFill)).toEqual({ recorded: true })
        expect(yield* store.recordUnmatchedFill({ ...a, message: "again" })).toEqual({ recorded: false })
        // Same trade id on another venue is another fill.
        const c = kept(`${u}-1`, "OKX", "Mismatch")
        expect(yield* store.recordUnmatchedFill(c)).toEqual({ recorded: true })
        const mine = (yield* store.listUnmatchedFills).filter((f) => f.report.tradeId.startsWith(u))
        expect(mine).toEqual([a, bFill, c])
      })
    )
  })
}
