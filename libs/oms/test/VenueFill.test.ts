import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { Decimal, Ids } from "@odum/domain"
import type { ManagedOrder } from "../src/ManagedOrder.js"
import { ofVenueFill, type VenueFill } from "../src/FillReport.js"
import type * as OrderJournal from "../src/OrderJournal.js"
import * as OrderManager from "../src/OrderManager.js"
import { statusIndex } from "../src/internal/status.js"
import { BTC_SPOT, instruments, OKX_BTC, trade, venue, voi } from "./fixtures.js"
import { command, idOf, request, workload, type Command } from "./workload.js"

/**
 * `tryRecordVenueFill(fill, timestamp, now)` must answer and change exactly what
 * `tryRecordFill(FillReport.ofVenueFill(fill, timestamp), now)` does: its own path records the
 * usual fill, and hands any other to `tryRecordFill`. Twin managers play one workload, one
 * through each, with venue fills that agree with their order or break one rule each.
 */

const LOT = Decimal.unsafeFromString("0.001")

/** How a venue fill departs from its order (most agree). */
const fault = fc.oneof(
  { weight: 12, arbitrary: fc.constant("none" as const) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "venue",
      "side",
      "instrument",
      "venueOrderId",
      "unknownClient",
      "noClient",
      "zeroQuantity",
      "negativeQuantity",
      "quantityNotDecimal",
      "priceNotDecimal",
      "feeNotDecimal",
      "emptyTradeId",
      "emptyVenue",
      "emptyFeeCurrency",
      "liquidity",
      "negativeTime",
      "fractionalTime",
      "notAnObject"
    )
  }
)
type Fault = typeof fault extends fc.Arbitrary<infer F> ? F : never

type VenueFillCommand = Extract<Command, { kind: "fill" }> & {
  readonly fault: Fault
  readonly accepted: boolean
  /** For what the order has left to fill (its own quantity object before any fill), not `lots`. */
  readonly rest: boolean
}

const venueFillCommand: fc.Arbitrary<Command | VenueFillCommand> = fc.oneof(
  { weight: 3, arbitrary: command },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("fill" as const),
      id: fc.nat(10),
      trade: fc.nat(40),
      lots: fc.integer({ min: 1, max: 200 }),
      price: fc.integer({ min: 60000, max: 70000 }),
      wrongVenue: fc.constant(false),
      ref: fc.constant("client" as const),
      fault,
      // The venue order id the order's Accept gave (`V<id>`), or one the venue names before its Accept arrived.
      accepted: fc.boolean(),
      rest: fc.boolean()
    })
  }
)

const onOkx = (n: number): boolean => n % 3 === 0

/** The venue's execution event for a command (its order as `request` makes it), with its fault. */
const venueFill = (c: VenueFillCommand, order?: ManagedOrder): VenueFill => {
  const id = idOf(c.id)
  const inst = onOkx(c.id) ? OKX_BTC : BTC_SPOT
  const f: Record<string, unknown> = {
    _tag: "Filled",
    venue: venue(inst.venue),
    canonicalId: inst.canonicalId,
    clientOrderId: Ids.clientOrderIdFor(id),
    venueOrderId: voi(c.accepted ? `V${c.id}` : `W${c.id}`),
    side: "BUY",
    tradeId: trade(`T${c.trade}`),
    price: Decimal.fromInt(c.price),
    quantity:
      c.rest && order !== undefined && !Decimal.isZero(order.state.filledQuantity)
        ? Decimal.sub(order.order.quantity, order.state.filledQuantity)
        : c.rest && order !== undefined
          ? order.order.quantity
          : Decimal.fromUnits(BigInt(c.lots), LOT),
    fee: Decimal.unsafeFromString("-0.0001"),
    feeCurrency: "USDT",
    liquidity: c.trade % 2 === 0 ? "MAKER" : "TAKER",
    ts: 1n
  }
  switch (c.fault) {
    case "none":
      break
    case "venue":
      f["venue"] = venue(onOkx(c.id) ? "BINANCE-SPOT" : "OKX")
      break
    case "side":
      f["side"] = "SELL"
      break
    case "instrument":
      f["canonicalId"] = onOkx(c.id) ? BTC_SPOT.canonicalId : OKX_BTC.canonicalId
      break
    case "venueOrderId":
      f["venueOrderId"] = voi(`X${c.id}`)
      break
    case "unknownClient":
      f["clientOrderId"] = Ids.clientOrderIdFor("nobody")
      break
    case "noClient":
      f["clientOrderId"] = undefined
      break
    case "zeroQuantity":
      f["quantity"] = Decimal.zero
      break
    case "negativeQuantity":
      f["quantity"] = Decimal.neg(f["quantity"] as Decimal.Decimal)
      break
    case "quantityNotDecimal":
      f["quantity"] = "0.1"
      break
    case "priceNotDecimal":
      f["price"] = 65000
      break
    case "feeNotDecimal":
      f["fee"] = undefined
      break
    case "emptyTradeId":
      f["tradeId"] = ""
      break
    case "emptyVenue":
      f["venue"] = ""
      break
    case "emptyFeeCurrency":
      f["feeCurrency"] = ""
      break
    case "liquidity":
      f["liquidity"] = "taker"
      break
    case "negativeTime":
    case "fractionalTime":
    case "notAnObject":
      break
  }
  return f as unknown as VenueFill
}

const timestampOf = (c: VenueFillCommand): number =>
  c.fault === "negativeTime" ? -1 : c.fault === "fractionalTime" ? 1_700_000_000_000.5 : 1_700_000_000_000 + c.trade

const isVenueFill = (c: Command | VenueFillCommand): c is VenueFillCommand => "fault" in c

type Seen = { entry: OrderJournal.OrderJournalEntry; order: ManagedOrder; before: ManagedOrder | undefined }

/** A manager and what its sink and `onEvict` saw. */
const twin = (options: Partial<OrderManager.OrderManagerOptions>) => {
  const seen: Array<Seen> = []
  const evicted: Array<ManagedOrder> = []
  const manager = OrderManager.make({
    instruments,
    journal: (entry, order, before) => seen.push({ entry, order, before }),
    onEvict: (m) => evicted.push(m),
    ...options
  })
  return { manager, seen, evicted }
}

/** Plays the commands; fills through `venue` (the new path) or as reports (the reference). Answers the outcomes. */
const play = (manager: OrderManager.OrderManager, commands: ReadonlyArray<Command | VenueFillCommand>, viaVenue: boolean): Array<unknown> => {
  const outcomes: Array<unknown> = []
  let now = 1_700_000_000_000
  for (const c of commands) {
    now += 7
    if (c.kind === "create") outcomes.push(manager.tryCreateAndSubmit(request(c), now))
    else if (c.kind === "event") {
      // An Accept names the order's venue order id `V<id>` (the venue fills' `accepted` one).
      const event = c.event._tag === "Accept" ? { _tag: "Accept" as const, venueOrderId: voi(`V${c.id}`) } : c.event
      outcomes.push(manager.tryApply(idOf(c.id), event, now))
    } else if (isVenueFill(c)) {
      const fill = c.fault === "notAnObject" ? (null as unknown as VenueFill) : venueFill(c, manager.get(idOf(c.id)))
      const timestamp = timestampOf(c)
      if (viaVenue) outcomes.push(manager.tryRecordVenueFill(fill, timestamp, now))
      else outcomes.push(manager.tryRecordFill(c.fault === "notAnObject" ? (null as never) : ofVenueFill(fill, timestamp), now))
    }
  }
  return outcomes
}

/** An outcome as data: an error by its class and message (a new instance on each side). */
const plain = (o: unknown): unknown => (o instanceof Error ? { error: o.constructor.name, message: o.message } : o)

describe("tryRecordVenueFill", () => {
  // First in the file, so that it also runs before any quantity was remembered (the check's memo).
  it("trusts a repeated quantity object only once it was found a positive Decimal", () => {
    const manager = OrderManager.make({ instruments })
    const c = { kind: "create" as const, id: 1, parent: undefined, lots: 100_000, sell: false, routed: true, other: false }
    manager.tryCreateAndSubmit(request(c), 1)
    manager.tryApply(idOf(1), { _tag: "Accept", venueOrderId: voi("V1") }, 2)
    const good = { kind: "fill" as const, id: 1, lots: 1, price: 65000, wrongVenue: false, ref: "client" as const, fault: "none" as const, accepted: true, rest: false }
    const withQuantity = (trade: number, quantity: unknown): VenueFill => ({ ...venueFill({ ...good, trade }), quantity }) as unknown as VenueFill
    const refusal = (trade: number, quantity: unknown): string => {
      const r = manager.tryRecordVenueFill(withQuantity(trade, quantity), 1_700_000_000_000, 3)
      expect(r).toBeInstanceOf(Error)
      return (r as Error).message
    }
    const notDecimal = /^Invalid fill report: quantity must be a Decimal/
    const notPositive = /^Invalid fill report: quantity must be positive/
    expect(refusal(1, undefined)).toMatch(notDecimal)
    // One negative object, many times: refused every time, however often it was seen.
    const negative = Decimal.neg(LOT)
    for (let i = 0; i < 300; i++) expect(refusal(i, negative)).toMatch(notPositive)
    const lookAlike = { ...LOT }
    for (let i = 0; i < 300; i++) expect(refusal(i, lookAlike)).toMatch(notDecimal)
    // One positive object, many times: every fill recorded.
    const one = Decimal.fromUnits(1n, LOT)
    for (let i = 0; i < 300; i++) expect(manager.tryRecordVenueFill(withQuantity(i, one), 1_700_000_000_000 + i, 4)._tag).toBe("Applied")
    expect(manager.get(idOf(1))!.state.filledQuantity).toStrictEqual(Decimal.fromUnits(300n, LOT))
    // And still, after it: no quantity, a zero, the negative object, the look-alike.
    expect(refusal(1000, undefined)).toMatch(notDecimal)
    expect(refusal(1001, Decimal.zero)).toMatch(notPositive)
    expect(refusal(1002, negative)).toMatch(notPositive)
    expect(refusal(1003, lookAlike)).toMatch(notDecimal)
    expect(manager.get(idOf(1))!.fills.length).toBe(300)
  })

  it("answers, records and journals every fill exactly as tryRecordFill of its report", () => {
    const kinds: Array<OrderJournal.JournalEvent["_tag"]> = ["Created", "FillRecorded", "ChildFill", "Submit", "Accept", "CancelAck"]
    fc.assert(
      fc.property(
        workload(20),
        fc.array(venueFillCommand, { minLength: 20, maxLength: 160 }),
        fc.option(fc.subarray(kinds), { nil: undefined }),
        fc.option(fc.nat(6), { nil: undefined }),
        fc.boolean(),
        (creates, rest, journalEvents, retainTerminal, bucketed) => {
          const commands = [...creates, ...rest]
          const options = { journalEvents, retainTerminal }
          const reference = twin(options)
          const subject = twin(options)
          // The status buckets are built by the first query by status (then kept in step with every change).
          if (bucketed) {
            reference.manager.query({ statuses: ["FILLED"] })
            subject.manager.query({ statuses: ["FILLED"] })
          }
          const expected = play(reference.manager, commands, false).map(plain)
          const actual = play(subject.manager, commands, true).map(plain)
          expect(actual).toStrictEqual(expected)
          expect(subject.seen).toStrictEqual(reference.seen)
          expect(subject.evicted).toStrictEqual(reference.evicted)
          expect(subject.manager.sequence).toBe(reference.manager.sequence)
          expect(subject.manager.evicted).toBe(reference.manager.evicted)
          expect(subject.manager.query({})).toStrictEqual(reference.manager.query({}))
          for (const status of ["ACCEPTED", "PARTIALLY_FILLED", "FILLED", "SUBMITTED"] as const) {
            expect(subject.manager.query({ statuses: [status] })).toStrictEqual(reference.manager.query({ statuses: [status] }))
          }
          expect(subject.manager.unmatchedFills()).toStrictEqual(reference.manager.unmatchedFills())
        }
      ),
      { numRuns: 400 }
    )
  }, 120_000)

  it("records a whole fill of an accepted order as one FillRecorded entry, with the venue's ids", () => {
    const seen: Array<OrderJournal.OrderJournalEntry> = []
    const manager = OrderManager.make({ instruments, journal: (e) => seen.push(e) })
    const c = { kind: "create" as const, id: 1, parent: undefined, lots: 100, sell: false, routed: true, other: false }
    manager.tryCreateAndSubmit(request(c), 1)
    manager.tryApply(idOf(1), { _tag: "Accept", venueOrderId: voi("V1") }, 2)
    const fill = venueFill({ kind: "fill", id: 1, trade: 7, lots: 100, price: 65000, wrongVenue: false, ref: "client", fault: "none", accepted: true, rest: false })
    const r = manager.tryRecordVenueFill(fill, 1_700_000_000_123, 3)
    expect(r._tag).toBe("Applied")
    const m = manager.get(idOf(1))!
    expect(m.order.status).toBe("FILLED")
    expect(m.fills).toStrictEqual([
      {
        operationId: idOf(1),
        venue: fill.venue,
        canonicalId: BTC_SPOT.canonicalId,
        tradeId: fill.tradeId,
        venueOrderId: voi("V1"),
        side: "BUY",
        price: fill.price,
        quantity: fill.quantity,
        fee: fill.fee,
        feeCurrency: "USDT",
        liquidity: fill.liquidity,
        timestamp: 1_700_000_000_123
      }
    ])
    expect(seen.map((e) => e.event._tag)).toEqual(["Created", "Submit", "Accept", "FillRecorded"])
    // The same trade again: a duplicate, nothing changes.
    expect(manager.tryRecordVenueFill(fill, 1_700_000_000_124, 4)._tag).toBe("Duplicate")
    expect(manager.get(idOf(1))).toBe(m)
    expect(seen.length).toBe(4)
  })

  it("refuses a malformed venue fill with the report's message and changes nothing", () => {
    const manager = OrderManager.make({ instruments })
    const c = { kind: "create" as const, id: 1, parent: undefined, lots: 100, sell: false, routed: true, other: false }
    manager.tryCreateAndSubmit(request(c), 1)
    const before = manager.get(idOf(1))
    const good = { kind: "fill" as const, id: 1, trade: 7, lots: 100, price: 65000, wrongVenue: false, ref: "client" as const, accepted: true, rest: false }
    const cases: Array<[Fault, RegExp]> = [
      ["zeroQuantity", /^Invalid fill report: quantity must be positive/],
      ["quantityNotDecimal", /^Invalid fill report: quantity must be a Decimal/],
      ["emptyTradeId", /^Invalid fill report: tradeId must be a non-empty string/],
      ["emptyVenue", /^Invalid fill report: venue must be a non-empty string/],
      ["liquidity", /^Invalid fill report: liquidity must be MAKER or TAKER/],
      ["negativeTime", /^Invalid fill report: timestamp must be epoch milliseconds/],
      ["fractionalTime", /^Invalid fill report: timestamp must be epoch milliseconds/]
    ]
    for (const [f, message] of cases) {
      const cmd = { ...good, fault: f }
      const r = manager.tryRecordVenueFill(venueFill(cmd), timestampOf(cmd), 2)
      expect(r).toBeInstanceOf(Error)
      expect((r as Error).message).toMatch(message)
    }
    const r = manager.tryRecordVenueFill(null as unknown as VenueFill, 1, 2)
    expect((r as Error).message).toMatch(/^Invalid fill report: expected an object/)
    expect(manager.get(idOf(1))).toBe(before)
    expect(manager.sequence).toBe(2)
    expect(manager.unmatchedFills()).toEqual([])
  })

  it("restatus's FILLED shortcut is FILLED's status index", () => {
    expect(statusIndex("FILLED")).toBe(4)
  })
})
