import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import { OrderStatus } from "@odum/domain"
import type { ManagedOrder } from "../src/ManagedOrder.js"
import { JournalCorrupt } from "../src/OmsError.js"
import * as OrderJournal from "../src/OrderJournal.js"
import * as OrderManager from "../src/OrderManager.js"
import { instruments } from "./fixtures.js"
import { Ids } from "@odum/domain"
import { idOf, report, request, runOnManager, workload, type Command } from "./workload.js"

const { isTerminal } = OrderStatus

const live = (commands: Parameters<typeof runOnManager>[1]) => {
  const journal: Array<OrderJournal.OrderJournalEntry> = []
  const options: OrderManager.OrderManagerOptions = { instruments, journal: (e) => journal.push(e) }
  const manager = OrderManager.make(options)
  runOnManager(manager, commands)
  return { manager, journal, options }
}

const corruptReason = (r: Either.Either<OrderManager.OrderManager, JournalCorrupt>) => {
  if (Either.isRight(r)) throw new Error("expected the rebuild to fail")
  expect(r.left).toBeInstanceOf(JournalCorrupt)
  return r.left.reason
}

describe("journal", () => {
  it("rebuilds exactly the live manager (orders, every index, fill keys, sequence) from random workloads", () => {
    fc.assert(
      fc.property(workload(), (commands) => {
        const { manager, journal, options } = live(commands)
        const rebuilt = OrderManager.rebuild(journal, options, manager.unmatchedFills())
        expect(Either.isRight(rebuilt)).toBe(true)
        expect(Either.getOrThrow(rebuilt)).toStrictEqual(manager)
      }),
      { numRuns: 400 }
    )
  }, 120_000)

  it("survives encoding to JSON and back (the stored format), still rebuilding the same orders", () => {
    fc.assert(
      fc.property(workload(80), (commands) => {
        const { manager, journal, options } = live(commands)
        const json = JSON.parse(JSON.stringify(OrderJournal.encodeEntries(journal)))
        const decoded = Either.getOrThrow(OrderJournal.decodeEntries(json))
        const rebuilt = Either.getOrThrow(OrderManager.rebuild(decoded, options, manager.unmatchedFills()))
        // toEqual, not toStrictEqual: JSON drops keys whose value is undefined.
        expect(rebuilt).toEqual(manager)
        expect(rebuilt.query({}).map((m) => m.order)).toEqual(manager.query({}).map((m) => m.order))
      }),
      { numRuns: 100 }
    )
  }, 120_000)

  it("hands the sink each entry's record and the record it replaced; an order ends at one entry at most", () => {
    fc.assert(
      fc.property(workload(), (commands) => {
        const last = new Map<string, ManagedOrder>()
        const ends = new Map<string, number>()
        const manager = OrderManager.make({
          instruments,
          journal: (e, order, before) => {
            // `before` is the record the previous entry of the same order left (the same object), none for Created.
            expect(before).toBe(last.get(e.operationId))
            expect(before === undefined).toBe(e.event._tag === "Created")
            expect(order.version).toBe(e.version)
            last.set(e.operationId, order)
            if (before !== undefined && isTerminal(order.order.status) && !isTerminal(before.order.status)) {
              ends.set(e.operationId, (ends.get(e.operationId) ?? 0) + 1)
            }
          }
        })
        runOnManager(manager, commands)
        for (const m of manager.query({})) {
          expect(ends.get(m.order.operationId) ?? 0).toBe(isTerminal(m.order.status) ? 1 : 0)
        }
      }),
      { numRuns: 200 }
    )
  }, 120_000)

  it("numbers entries 1..N and each order's versions 1..n, one order per entry", () => {
    fc.assert(
      fc.property(workload(), (commands) => {
        const { manager, journal } = live(commands)
        expect(journal.map((e) => e.sequence)).toEqual(journal.map((_, i) => i + 1))
        const versions = new Map<string, number>()
        for (const e of journal) {
          const v = (versions.get(e.operationId) ?? 0) + 1
          expect(e.version).toBe(v)
          versions.set(e.operationId, v)
        }
        for (const [id, v] of versions) expect(manager.get(id)!.version).toBe(v)
        expect(manager.sequence).toBe(journal.length)
      }),
      { numRuns: 200 }
    )
  }, 120_000)

  it("calls the sink only with the kinds of entry named in journalEvents, as a sink of every entry saw them", () => {
    const kinds: Array<OrderJournal.JournalEvent["_tag"]> = [
      "Created",
      "FillRecorded",
      "ChildFill",
      "Deny",
      "Submit",
      "Accept",
      "Reject",
      "CancelRequest",
      "CancelAck",
      "CancelReject",
      "Expire"
    ]
    // Each command through one of the manager's paths, by its position (the same on both managers):
    // the Either forms, the `try*` forms (create-and-submit, an Accept by client order id: the
    // hot path's), and plans committed at once.
    const run = (manager: OrderManager.OrderManager, commands: ReadonlyArray<Command>) => {
      let now = 1_700_000_000_000
      commands.forEach((c, i) => {
        now += 7
        const path = i % 3
        if (c.kind === "create") {
          if (path === 0) manager.create(request(c), now)
          else if (path === 1) manager.tryCreateAndSubmit(request(c), now)
          else Either.map(manager.planCreate(request(c), now), (plan) => manager.commit(plan))
        } else if (c.kind === "event") {
          if (path === 0) manager.apply(idOf(c.id), c.event, now)
          else if (path === 1) manager.tryApplyByClientOrderId(Ids.clientOrderIdFor(idOf(c.id)), c.event, now)
          else Either.map(manager.planApply(idOf(c.id), c.event, now), (plan) => manager.commit(plan))
        } else if (path === 0) manager.recordFill(report(c), now)
        else if (path === 1) manager.tryRecordFill(report(c), now)
        else Either.map(manager.planFill(report(c), now), (plan) => manager.commit(plan))
      })
    }
    type Seen = { entry: OrderJournal.OrderJournalEntry; order: ManagedOrder; before: ManagedOrder | undefined }
    fc.assert(
      fc.property(workload(), fc.subarray(kinds), (commands, named) => {
        const all: Array<Seen> = []
        const some: Array<Seen> = []
        const full = OrderManager.make({ instruments, journal: (entry, order, before) => all.push({ entry, order, before }) })
        const filtered = OrderManager.make({
          instruments,
          journal: (entry, order, before) => some.push({ entry, order, before }),
          journalEvents: named
        })
        run(full, commands)
        run(filtered, commands)
        // Every kind occurs in some runs (a wrong bit for one kind fails those).
        expect(some).toEqual(all.filter((s) => named.includes(s.entry.event._tag)))
        // The skipped entries still took their sequence numbers; the orders are the same.
        expect(filtered.sequence).toBe(full.sequence)
        expect(filtered.query({})).toStrictEqual(full.query({}))
        expect(filtered.unmatchedFills()).toStrictEqual(full.unmatchedFills())
      }),
      { numRuns: 300 }
    )
  }, 120_000)

  it("refuses a journalEvents name that is no kind of entry, naming it", () => {
    const sink = () => {}
    for (const bad of ["Fill", "created", ""]) {
      expect(() =>
        OrderManager.make({
          instruments,
          journal: sink,
          journalEvents: ["Created", bad] as unknown as Array<OrderJournal.JournalEvent["_tag"]>
        })
      ).toThrow(new RangeError(`OrderManager: journalEvents names the string "${bad}", which is not a kind of journal entry`))
    }
    // Every kind is accepted.
    expect(() => OrderManager.make({ instruments, journal: sink, journalEvents: ["Created", "FillRecorded", "Expire"] })).not.toThrow()
  })

  it("refuses a journal that does not replay, naming why", () => {
    // A workload rich enough to have fills and several entries per order.
    const { journal, options } = live([
      { kind: "create", id: 1, parent: undefined, lots: 100, sell: false, routed: true, other: false },
      { kind: "event", id: 1, event: { _tag: "Submit" } },
      { kind: "fill", id: 1, trade: 1, lots: 60, price: 65000, wrongVenue: false, ref: "operation" },
      { kind: "fill", id: 1, trade: 2, lots: 40, price: 65001, wrongVenue: false, ref: "operation" }
    ])
    expect(journal.map((e) => e.event._tag)).toEqual(["Created", "Submit", "FillRecorded", "FillRecorded"])
    const [created, submit, fill1, fill2] = journal as [
      OrderJournal.OrderJournalEntry,
      OrderJournal.OrderJournalEntry,
      OrderJournal.OrderJournalEntry,
      OrderJournal.OrderJournalEntry
    ]
    expect(corruptReason(OrderManager.rebuild([created, { ...submit, sequence: 1 }], options))).toBe("OutOfOrder")
    expect(corruptReason(OrderManager.rebuild([created, fill1, fill2], options))).toBe("VersionGap")
    expect(corruptReason(OrderManager.rebuild([submit, fill1], options))).toBe("UnknownOrder")
    expect(corruptReason(OrderManager.rebuild([created, { ...created, sequence: 2 }], options))).toBe("DuplicateCreate")
    // The same trade twice: the state machine refuses it, the rebuild fails rather than skip it.
    expect(corruptReason(OrderManager.rebuild([created, submit, fill1, { ...fill1, sequence: 4, version: 4 }], options))).toBe(
      "IllegalTransition"
    )
    expect(Either.isRight(OrderManager.rebuild(journal, options))).toBe(true)
  })
})
