/**
 * Random OMS workloads for property tests: creates (some of them children), lifecycle
 * events and fills over small id pools, so duplicates, conflicts, illegal transitions,
 * unknown orders and parent/child limits all occur. Commands are plain data; `request`
 * and `report` turn them into OMS inputs, `runOnManager` plays them on an OrderManager.
 */
import { Decimal, Ids } from "@odum/domain"
import * as fc from "fast-check"
import type { FillReport } from "../src/FillReport.js"
import type { LifecycleEvent } from "../src/OrderJournal.js"
import type * as OrderManager from "../src/OrderManager.js"
import type { OrderRequest } from "../src/OrderRequest.js"
import { BTC_SPOT, d, OKX_BTC, op, strategy, trade, venue, voi } from "./fixtures.js"

/** One step of a workload. Order `n` trades on OKX when `n % 3 === 0`, else on Binance. */
export type Command =
  | {
      readonly kind: "create"
      readonly id: number
      readonly parent: number | undefined
      readonly lots: number
      /** A SELL (children of a BUY parent then break the side rule). */
      readonly sell: boolean
      readonly routed: boolean
      /** Another strategy (children then break the strategy rule). */
      readonly other: boolean
    }
  | { readonly kind: "event"; readonly id: number; readonly event: LifecycleEvent }
  | {
      readonly kind: "fill"
      readonly id: number
      readonly trade: number
      readonly lots: number
      readonly price: number
      /** Report the other venue (a mismatch). */
      readonly wrongVenue: boolean
      readonly ref: "operation" | "client" | "venue"
    }

const LOT = d("0.001")
const ID = fc.nat(9)
const rarely = fc.integer({ min: 0, max: 9 }).map((n) => n === 0)

const event = (id: number): fc.Arbitrary<LifecycleEvent> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant<LifecycleEvent>({ _tag: "Submit" }) },
    {
      weight: 5,
      arbitrary: fc
        .option(fc.nat(11), { nil: undefined, freq: 6 })
        .map((v): LifecycleEvent => ({ _tag: "Accept", venueOrderId: voi(`V${v ?? id}`) }))
    },
    { weight: 1, arbitrary: fc.constant<LifecycleEvent>({ _tag: "Reject", reason: "rejected" }) },
    { weight: 1, arbitrary: fc.constant<LifecycleEvent>({ _tag: "Deny", reason: "risk" }) },
    { weight: 2, arbitrary: fc.constant<LifecycleEvent>({ _tag: "CancelRequest" }) },
    { weight: 2, arbitrary: fc.constant<LifecycleEvent>({ _tag: "CancelAck" }) },
    { weight: 1, arbitrary: fc.constant<LifecycleEvent>({ _tag: "CancelReject", reason: "too late" }) },
    { weight: 1, arbitrary: fc.constant<LifecycleEvent>({ _tag: "Expire" }) }
  )

const create: fc.Arbitrary<Command> = ID.chain((id) =>
      fc.record({
        kind: fc.constant("create" as const),
        id: fc.constant(id),
        // Parents are lower ids, so creates in order build trees (sometimes two levels deep).
        parent: id === 0 ? fc.constant(undefined) : fc.option(fc.nat(id - 1), { nil: undefined, freq: 3 }),
        lots: fc.integer({ min: 1, max: 400 }),
        sell: rarely,
        routed: fc.integer({ min: 0, max: 6 }).map((n) => n !== 0),
        other: rarely
      })
)

/** One random command. */
export const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: create },
  { weight: 8, arbitrary: ID.chain((id) => fc.record({ kind: fc.constant("event" as const), id: fc.constant(id), event: event(id) })) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("fill" as const),
      id: fc.nat(10),
      trade: fc.nat(60),
      lots: fc.integer({ min: 1, max: 120 }),
      price: fc.integer({ min: 60000, max: 70000 }),
      wrongVenue: rarely,
      ref: fc.constantFrom("operation" as const, "client" as const, "venue" as const)
    })
  }
)

/** A random workload: a burst of creates (so later commands find orders), then anything. */
export const workload = (maxLength = 150): fc.Arbitrary<ReadonlyArray<Command>> =>
  fc
    .tuple(fc.array(create, { minLength: 4, maxLength: 14 }), fc.array(command, { minLength: 20, maxLength, size: "max" }))
    .map(([creates, rest]) => [...creates, ...rest])

/** The operation id of order `n`. */
export const idOf = (n: number): string => `o${n}`

const onOkx = (n: number): boolean => n % 3 === 0

/** The request a create command stands for. */
export const request = (c: Extract<Command, { kind: "create" }>): OrderRequest => {
  const inst = onOkx(c.id) ? OKX_BTC : BTC_SPOT
  return {
    operationId: op(idOf(c.id)),
    strategyId: strategy(c.other ? "s1" : "s0"),
    canonicalId: inst.canonicalId,
    ...(c.routed ? { venue: inst.venue } : {}),
    side: c.sell ? "SELL" : "BUY",
    type: "LIMIT",
    timeInForce: "GTC",
    quantity: Decimal.fromUnits(BigInt(c.lots), LOT),
    price: d("65000"),
    ...(c.parent === undefined ? {} : { parentOperationId: op(idOf(c.parent)) })
  }
}

/** The fill report a fill command stands for. */
export const report = (c: Extract<Command, { kind: "fill" }>): FillReport => {
  const id = idOf(c.id)
  return {
    venue: venue(onOkx(c.id) !== c.wrongVenue ? "OKX" : "BINANCE-SPOT"),
    tradeId: trade(`T${c.trade}`),
    ...(c.ref === "operation" ? { operationId: op(id) } : {}),
    ...(c.ref === "client" ? { clientOrderId: Ids.clientOrderIdFor(id) } : {}),
    ...(c.ref === "venue" ? { venueOrderId: voi(`V${c.id}`) } : {}),
    price: Decimal.fromInt(c.price),
    quantity: Decimal.fromUnits(BigInt(c.lots), LOT),
    fee: d("-0.0001"),
    feeCurrency: "USDT",
    liquidity: c.trade % 2 === 0 ? "MAKER" : "TAKER",
    timestamp: 1_700_000_000_000 + c.trade
  }
}

/** Plays a workload on a manager, ignoring refusals (they are part of the workload). */
export const runOnManager = (manager: OrderManager.OrderManager, commands: ReadonlyArray<Command>, start = 1_700_000_000_000): void => {
  let now = start
  for (const c of commands) {
    now += 7
    if (c.kind === "create") manager.create(request(c), now)
    else if (c.kind === "event") manager.apply(idOf(c.id), c.event, now)
    else manager.recordFill(report(c), now)
  }
}
