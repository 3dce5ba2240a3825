import { Decimal, OrderStateMachine, OrderStatus } from "@odum/domain"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import { ChildOrderRejected, EventRejected } from "../src/OmsError.js"
import type { FillReport } from "../src/FillReport.js"
import type { ManagedOrder } from "../src/ManagedOrder.js"
import type { LifecycleEvent, OrderJournalEntry } from "../src/OrderJournal.js"
import * as OrderManager from "../src/OrderManager.js"
import type { OrderRequest } from "../src/OrderRequest.js"
import { BTC_SPOT, clock, d, fillOf, instruments, limitBuy, op, OKX_BTC, strategy, venue, voi } from "./fixtures.js"

const right = <A, E>(e: Either.Either<A, E>): A => {
  if (Either.isLeft(e)) throw new Error(`expected Right, got ${String(e.left)}`)
  return e.right
}
const left = <A, E>(e: Either.Either<A, E>): E => {
  if (Either.isRight(e)) throw new Error("expected Left, got Right")
  return e.left
}

const setup = () => {
  const journal: Array<OrderJournalEntry> = []
  const manager = OrderManager.make({ instruments, journal: (e) => journal.push(e) })
  return { manager, journal, now: clock() }
}

/** A TWAP parent for 1 BTC, not routed (its children are). */
const parentRequest = (id: string, overrides: Partial<OrderRequest> = {}): OrderRequest =>
  limitBuy(id, {
    venue: undefined,
    quantity: d("1"),
    price: d("66000"),
    execAlgorithm: { name: "TWAP", params: { durationMs: 60_000, sliceCount: 4 } },
    ...overrides
  })

const binanceChild = (id: string, parent: string, quantity: string): OrderRequest =>
  limitBuy(id, { parentOperationId: op(parent), quantity: d(quantity), price: d("66000") })

const okxChild = (id: string, parent: string, quantity: string): OrderRequest =>
  limitBuy(id, { parentOperationId: op(parent), canonicalId: OKX_BTC.canonicalId, venue: venue("OKX"), quantity: d(quantity), price: d("66000") })

const send = (m: OrderManager.OrderManager, now: () => number, id: string) => {
  right(m.apply(id, { _tag: "Submit" }, now()))
  right(m.apply(id, { _tag: "Accept", venueOrderId: voi(`v-${id}`) }, now()))
}

describe("parent and child orders", () => {
  it("aggregates children's fills into the parent, across venues whose trade ids coincide", () => {
    const { manager, journal, now } = setup()
    right(manager.create(parentRequest("P"), now()))
    right(manager.create(binanceChild("C1", "P", "0.4"), now()))
    right(manager.create(okxChild("C2", "P", "0.3"), now()))
    expect(manager.get("P")!.order.status).toBe("PENDING")

    const n = journal.length
    right(manager.apply("C1", { _tag: "Submit" }, now()))
    // Sending the first child puts the parent to work, journalled as the parent's own entry, first.
    expect(journal.slice(n).map((e) => [e.operationId, e.event._tag])).toEqual([
      ["P", "Submit"],
      ["C1", "Submit"]
    ])
    expect(manager.get("P")!.order.status).toBe("SUBMITTED")
    right(manager.apply("C1", { _tag: "Accept", venueOrderId: voi("b-1") }, now()))
    send(manager, now, "C2")

    right(manager.recordFill(fillOf("C1", "t1", "0.4", "65900"), now()))
    right(manager.recordFill(fillOf("C2", "t1", "0.1", "66000", { venue: venue("OKX") }), now()))
    const p = manager.get("P")!
    expect(p.order.status).toBe("PARTIALLY_FILLED")
    expect(p.order.filledQuantity).toEqual(d("0.5"))
    // (0.4 * 65900 + 0.1 * 66000) / 0.5 = 65920, exactly
    expect(p.order.averageFillPrice).toEqual(d("65920"))
    expect(p.fills.map((f) => [f.operationId, f.venue, f.tradeId])).toEqual([
      ["C1", "BINANCE-SPOT", "t1"],
      ["C2", "OKX", "t1"]
    ])
    expect(p.state.tradeIds).toEqual(["BINANCE-SPOT|t1", "OKX|t1"])
    expect(manager.get("C1")!.order.status).toBe("FILLED")
    expect(manager.children("P").map((c) => c.order.operationId)).toEqual(["C1", "C2"])
    expect(manager.query({ parentOperationId: op("P"), nonTerminal: true }).map((c) => c.order.operationId)).toEqual(["C2"])
  })

  it("never lets the children commit more than the parent; a finished child releases its unfilled rest", () => {
    const { manager, now } = setup()
    right(manager.create(parentRequest("P"), now()))
    right(manager.create(binanceChild("C1", "P", "0.6"), now()))
    right(manager.create(binanceChild("C2", "P", "0.3"), now()))
    const error = left(manager.create(binanceChild("C3", "P", "0.2"), now()))
    expect(error).toBeInstanceOf(ChildOrderRejected)
    expect((error as ChildOrderRejected).reason).toBe("ExceedsParent")
    expect(manager.get("C3")).toBeUndefined()
    right(manager.create(binanceChild("C3", "P", "0.1"), now()))

    // C1 fills 0.25 then is cancelled: 0.35 comes back.
    send(manager, now, "C1")
    right(manager.recordFill(fillOf("C1", "t1", "0.25", "66000"), now()))
    right(manager.apply("C1", { _tag: "CancelRequest" }, now()))
    right(manager.apply("C1", { _tag: "CancelAck" }, now()))
    expect((left(manager.create(binanceChild("C4", "P", "0.36"), now())) as ChildOrderRejected).reason).toBe("ExceedsParent")
    right(manager.create(binanceChild("C4", "P", "0.35"), now()))
  })

  it("refuses children that break the parent's terms", () => {
    const { manager, now } = setup()
    right(manager.create(parentRequest("P"), now()))
    const reason = (r: OrderRequest) => (left(manager.create(r, now())) as ChildOrderRejected).reason
    expect(reason(binanceChild("C", "nobody", "0.1"))).toBe("UnknownParent")
    expect(reason({ ...binanceChild("C", "P", "0.1"), side: "SELL" })).toBe("SideMismatch")
    expect(reason({ ...binanceChild("C", "P", "0.1"), strategyId: strategy("beta") })).toBe("StrategyMismatch")

    right(manager.create(limitBuy("direct"), now()))
    send(manager, now, "direct")
    expect(reason(binanceChild("C", "direct", "0.1"))).toBe("ParentSentToVenue")

    right(manager.apply("P", { _tag: "CancelRequest" }, now()))
    expect(reason(binanceChild("C", "P", "0.1"))).toBe("ParentClosed")
    expect(manager.size).toBe(2)
  })

  it("refuses venue events on a parent and keeps fills naming it for reconciliation", () => {
    const { manager, now } = setup()
    right(manager.create(parentRequest("P"), now()))
    right(manager.create(binanceChild("C1", "P", "0.5"), now()))
    send(manager, now, "C1")
    expect((left(manager.apply("P", { _tag: "Accept", venueOrderId: voi("x") }, now())) as EventRejected).reason).toBe("ParentOrder")
    const r = right(manager.recordFill(fillOf("P", "t1", "0.1", "66000"), now()))
    expect(r._tag === "Unmatched" && r.unmatched.reason).toBe("Mismatch")
    expect(manager.get("P")!.order.filledQuantity).toEqual(Decimal.zero)
  })

  it("does not send a child of a parent that is being cancelled", () => {
    const { manager, now } = setup()
    right(manager.create(parentRequest("P"), now()))
    right(manager.create(binanceChild("C1", "P", "0.5"), now()))
    right(manager.create(binanceChild("C2", "P", "0.5"), now()))
    send(manager, now, "C1")
    right(manager.apply("P", { _tag: "CancelRequest" }, now()))
    const error = left(manager.apply("C2", { _tag: "Submit" }, now()))
    expect((error as EventRejected).reason).toBe("ParentClosed")
    expect(manager.get("C2")!.order.status).toBe("PENDING")
    // The parent is cancelled by its worker once the children are done; a late child fill still counts.
    right(manager.apply("C2", { _tag: "CancelRequest" }, now()))
    right(manager.apply("C1", { _tag: "CancelRequest" }, now()))
    right(manager.apply("C1", { _tag: "CancelAck" }, now()))
    right(manager.apply("P", { _tag: "CancelAck" }, now()))
    right(manager.recordFill(fillOf("C1", "late", "0.2", "66000"), now()))
    expect(manager.get("P")!.order.status).toBe("CANCELLED")
    expect(manager.get("P")!.order.filledQuantity).toEqual(d("0.2"))
  })

  it("propagates through nested parents (algorithm -> router split -> venue order)", () => {
    const { manager, journal, now } = setup()
    right(manager.create(parentRequest("G"), now()))
    right(manager.create(parentRequest("P", { parentOperationId: op("G"), quantity: d("0.5"), execAlgorithm: undefined }), now()))
    right(manager.create(binanceChild("C", "P", "0.5"), now()))
    const n = journal.length
    send(manager, now, "C")
    expect(journal.slice(n, n + 3).map((e) => e.operationId)).toEqual(["G", "P", "C"])
    right(manager.recordFill(fillOf("C", "t1", "0.5", "65000"), now()))
    expect(["C", "P", "G"].map((id) => manager.get(id)!.order.filledQuantity)).toEqual([d("0.5"), d("0.5"), d("0.5")])
    expect(["C", "P", "G"].map((id) => manager.get(id)!.order.status)).toEqual(["FILLED", "FILLED", "PARTIALLY_FILLED"])
    expect(journal.slice(-3).map((e) => [e.operationId, e.event._tag])).toEqual([
      ["C", "FillRecorded"],
      ["P", "ChildFill"],
      ["G", "ChildFill"]
    ])
  })

  it("keeps a late child fill that would overfill the parent for reconciliation, changing nothing", () => {
    const { manager, now } = setup()
    right(manager.create(parentRequest("P"), now()))
    right(manager.create(binanceChild("C1", "P", "1"), now()))
    send(manager, now, "C1")
    right(manager.apply("C1", { _tag: "CancelRequest" }, now()))
    right(manager.apply("C1", { _tag: "CancelAck" }, now()))
    right(manager.create(binanceChild("C2", "P", "1"), now()))
    send(manager, now, "C2")
    right(manager.recordFill(fillOf("C2", "t2", "1", "66000"), now()))
    const c1 = manager.get("C1")
    // The cancel lost a race at the venue: C1 traded after all, but the parent is complete.
    const r = right(manager.recordFill(fillOf("C1", "t1", "0.5", "66000"), now()))
    expect(r._tag === "Unmatched" && r.unmatched.reason).toBe("Refused")
    expect(r._tag === "Unmatched" && r.unmatched.message).toContain("parent P")
    expect(manager.get("C1")).toBe(c1)
    expect(manager.get("P")!.order.filledQuantity).toEqual(d("1"))
  })

  it("keeps parent = sum of children and children within the parent under random workloads", () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("create" as const), lots: fc.integer({ min: 1, max: 60 }), okx: fc.boolean() }),
      fc.record({ kind: fc.constant("send" as const), child: fc.nat(12) }),
      fc.record({ kind: fc.constant("fill" as const), child: fc.nat(12), lots: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ kind: fc.constant("cancel" as const), child: fc.nat(12) })
    )
    fc.assert(
      fc.property(fc.array(step, { minLength: 20, maxLength: 80 }), (steps) => {
        const { manager, now } = setup()
        right(manager.create(parentRequest("P"), now()))
        const lot = d("0.01")
        let created = 0
        let trade = 0
        for (const s of steps) {
          const childId = `C${"child" in s ? s.child : created}`
          const child = manager.get(childId)
          if (s.kind === "create") {
            const q = Decimal.format(Decimal.fromUnits(BigInt(s.lots), lot))
            const r = manager.create(s.okx ? okxChild(`C${created}`, "P", q) : binanceChild(`C${created}`, "P", q), now())
            if (Either.isRight(r)) {
              created++
              // At creation the children's open quantity plus what is filled fits in the parent. (Late
              // fills on cancelled children can exceed it later: the parent then refuses the overfill.)
              const p = manager.get("P")!
              const open = manager.children("P").filter((c) => !OrderStatus.isTerminal(c.order.status))
              const committed = Decimal.add(p.order.filledQuantity, Decimal.sum(open.map((c) => OrderStateMachine.remainingQuantity(c.state))))
              expect(Decimal.lessThanOrEqual(committed, p.order.quantity)).toBe(true)
            } else {
              expect(left(r)).toBeInstanceOf(ChildOrderRejected)
            }
          } else if (child !== undefined && s.kind === "send") {
            manager.apply(childId, { _tag: "Submit" }, now())
            manager.apply(childId, { _tag: "Accept", venueOrderId: voi(`v-${childId}`) }, now())
          } else if (child !== undefined && s.kind === "fill") {
            const q = Decimal.format(Decimal.fromUnits(BigInt(s.lots), lot))
            manager.recordFill(fillOf(childId, `t${trade++}`, q, `${65000 + trade}`, { venue: child.order.venue! }), now())
          } else if (child !== undefined && s.kind === "cancel") {
            manager.apply(childId, { _tag: "CancelRequest" }, now())
            manager.apply(childId, { _tag: "CancelAck" }, now())
          }
          const p = manager.get("P")!
          const children = manager.children("P")
          const filled = Decimal.sum(children.map((c) => c.order.filledQuantity))
          const notional = Decimal.sum(children.flatMap((c) => c.fills.map((f) => Decimal.mul(f.quantity, f.price))))
          expect(p.order.filledQuantity).toEqual(filled)
          expect(p.state.filledNotional).toEqual(notional)
          expect(p.order.averageFillPrice).toEqual(OrderStateMachine.averageFillPrice(p.state))
          expect(Decimal.lessThanOrEqual(p.order.filledQuantity, p.order.quantity)).toBe(true)
          expect(children.every((c) => c.order.canonicalId === BTC_SPOT.canonicalId || c.order.canonicalId === OKX_BTC.canonicalId)).toBe(true)
        }
      }),
      { numRuns: 200 }
    )
  }, 120_000)
})

describe("the try* forms and plan + commit", () => {
  // The try* forms commit a single change at once and stage several (a child's pending
  // ancestors, a fill's parents) in a draft; plan + commit always stages. Both must make the
  // same records, journal entries, results, kept fills and evictions.
  type Step =
    | { readonly kind: "create"; readonly request: OrderRequest }
    | { readonly kind: "apply"; readonly id: string; readonly event: LifecycleEvent }
    | { readonly kind: "fill"; readonly report: FillReport }
  const script: ReadonlyArray<Step> = [
    { kind: "create", request: parentRequest("G") },
    { kind: "create", request: parentRequest("G") },
    { kind: "create", request: parentRequest("P", { parentOperationId: op("G"), quantity: d("0.75"), execAlgorithm: undefined }) },
    { kind: "create", request: binanceChild("C1", "P", "0.5") },
    { kind: "create", request: limitBuy("S", { quantity: d("0.5") }) },
    // A child's Submit with two PENDING ancestors: three changes.
    { kind: "apply", id: "C1", event: { _tag: "Submit" } },
    { kind: "apply", id: "S", event: { _tag: "Submit" } },
    { kind: "apply", id: "S", event: { _tag: "Accept", venueOrderId: voi("v-S") } },
    { kind: "apply", id: "S", event: { _tag: "Accept", venueOrderId: voi("v-S") } },
    { kind: "apply", id: "C1", event: { _tag: "Accept", venueOrderId: voi("v-C1") } },
    // A fill of an order without parents (one change), then an overfill of it (kept, Refused).
    { kind: "fill", report: fillOf("S", "t1", "0.5", "65000") },
    { kind: "fill", report: fillOf("S", "t2", "0.5", "65000") },
    { kind: "fill", report: fillOf("S", "t1", "0.5", "65000") },
    { kind: "fill", report: fillOf("nobody", "t3", "0.5", "65000") },
    // A child's fill: the child and both parents.
    { kind: "fill", report: fillOf("C1", "t4", "0.25", "66000") },
    { kind: "apply", id: "C1", event: { _tag: "CancelRequest" } },
    { kind: "apply", id: "C1", event: { _tag: "CancelAck" } },
    { kind: "create", request: binanceChild("C2", "P", "0.5") },
    { kind: "apply", id: "C2", event: { _tag: "Submit" } },
    { kind: "fill", report: fillOf("C2", "t5", "0.5", "66000") },
    // A late fill of the cancelled child that would overfill P: refused on the parent, kept.
    { kind: "fill", report: fillOf("C1", "t6", "0.25", "66000") },
    { kind: "apply", id: "G", event: { _tag: "CancelRequest" } },
    { kind: "apply", id: "G", event: { _tag: "Deny", reason: "late" } },
    { kind: "create", request: limitBuy("S2", { quantity: d("0.5") }) },
    { kind: "apply", id: "S2", event: { _tag: "Deny", reason: "risk" } }
  ]
  const run = (viaPlans: boolean) => {
    const journal: Array<[OrderJournalEntry, ManagedOrder | undefined, ManagedOrder | undefined]> = []
    const evicted: Array<string> = []
    const manager = OrderManager.make({
      instruments,
      journal: (e, after, before) => journal.push([e, after, before]),
      retainTerminal: 1,
      onEvict: (m) => evicted.push(m.order.operationId)
    })
    const now = clock()
    const results: Array<unknown> = []
    for (const step of script) {
      const t = now()
      if (viaPlans) {
        const plan: Either.Either<OrderManager.Plan<unknown>, Error> =
          step.kind === "create"
            ? manager.planCreate(step.request, t)
            : step.kind === "apply"
              ? manager.planApply(step.id, step.event, t)
              : manager.planFill(step.report, t)
        results.push(Either.isLeft(plan) ? plan.left : manager.commit<unknown>(plan.right))
      } else {
        results.push(
          step.kind === "create"
            ? manager.tryCreate(step.request, t)
            : step.kind === "apply"
              ? manager.tryApply(step.id, step.event, t)
              : manager.tryRecordFill(step.report, t)
        )
      }
    }
    const orders = ["G", "P", "C1", "C2", "S", "S2"].map((id) => manager.get(id))
    return { journal, evicted, results, orders, unmatched: manager.unmatchedFills(), sequence: manager.sequence }
  }

  it("make the same changes, journal entries, results, kept fills and evictions", () => {
    const hot = run(false)
    const planned = run(true)
    expect(hot).toEqual(planned)
    // The script reaches every path: several changes per call, single ones, no-ops, refusals, kept fills, evictions.
    expect(hot.journal.map(([e]) => `${e.operationId}:${e.event._tag}`).slice(4, 7)).toEqual(["G:Submit", "P:Submit", "C1:Submit"])
    expect(hot.results.filter((r) => (r as { _tag?: string })._tag === "Unmatched").length).toBe(3)
    expect(hot.results.filter((r) => (r as { _tag?: string })._tag === "Duplicate").length).toBe(1)
    expect(hot.results.some((r) => r instanceof Error)).toBe(true)
    expect(hot.evicted.length).toBeGreaterThan(0)
  })
})
