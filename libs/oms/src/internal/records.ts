/**
 * The one place that turns a journal entry into the next ManagedOrder. The live order
 * manager and the journal replay both build records here, so a rebuilt order is the live
 * one by construction (and the property tests check it).
 */
import { Decimal, Fill, OrderEvent, OrderStateMachine } from "@odum/domain"
import type { Order } from "@odum/domain"
import type { DomainError, Ids, Time } from "@odum/domain"
import { type ManagedOrder, stateTradeId } from "../ManagedOrder.js"
import { JournalCorrupt } from "../OmsError.js"
import type { OrderJournalEntry } from "../OrderJournal.js"

// Bound once (a namespace property read per call is a getter call under some loaders, e.g. tsx).
const { initial, averageFillPrice, transition, isIllegal } = OrderStateMachine
const { isZero } = Decimal

/** The record of a just-created order. */
export const created = (order: Order.UnifiedOrder): ManagedOrder => ({
  order,
  state: initial(order.quantity),
  fills: NO_FILLS,
  version: 1
})

/**
 * `created` for an order whose quantity the manager checked positive (`validate`): the state
 * `initial` makes, built here without its second check, which kept `checkCreate` (into
 * which this is inlined) past TurboFan's inlining budget.
 */
export const createdChecked = (order: Order.UnifiedOrder): ManagedOrder => ({
  order,
  state: {
    status: "PENDING",
    quantity: order.quantity,
    filledQuantity: ZERO,
    filledNotional: ZERO,
    venueOrderId: undefined,
    cancelRequested: false,
    tradeIds: NO_TRADES,
    rejectReason: undefined
  },
  fills: NO_FILLS,
  version: 1
})

/** `initial`'s shared empty trade ids (states never mutate their arrays). */
const NO_TRADES = initial(Decimal.one).tradeIds
const ZERO = Decimal.zero

/** Shared by every order without fills (records never mutate their arrays). */
const NO_FILLS: ReadonlyArray<Fill.Fill> = []

/** The places `OrderStateMachine.averageFillPrice` rounds to by default (what `project` matches). */
const AVERAGE_SCALE = 18

/**
 * `Order.withState`, as one object literal with every key present (one allocation, one
 * hidden class for every order), and the average price recomputed only when a fill changed
 * it. The domain's version copies the order through rest/spread and costs ~1.8 us per event;
 * this one is tested equal to it (test/ManagedOrder.test.ts).
 *
 * `fillPrice` is the price of the fill that made `state`, if any: on an order's first fill
 * the average is that price exactly (q * p / q), so the 18-place division is skipped when
 * the price has at most 18 places (the division would return it unchanged).
 */
export const project = (
  order: Order.UnifiedOrder,
  previous: OrderStateMachine.OrderState,
  state: OrderStateMachine.OrderState,
  now: Time.EpochMillis,
  fillPrice?: Decimal.Decimal
): Order.UnifiedOrder => ({
  operationId: order.operationId,
  clientOrderId: order.clientOrderId,
  parentOperationId: order.parentOperationId,
  strategyId: order.strategyId,
  canonicalId: order.canonicalId,
  venue: order.venue,
  side: order.side,
  type: order.type,
  timeInForce: order.timeInForce,
  quantity: order.quantity,
  price: order.price,
  expireAt: order.expireAt,
  filledQuantity: state.filledQuantity,
  averageFillPrice:
    state.filledNotional === previous.filledNotional && state.filledQuantity === previous.filledQuantity
      ? order.averageFillPrice
      : fillPrice !== undefined && fillPrice.scale <= AVERAGE_SCALE && isZero(previous.filledQuantity)
        ? fillPrice
        : averageFillPrice(state),
  status: state.status,
  venueOrderId: state.venueOrderId,
  reduceOnly: order.reduceOnly,
  postOnly: order.postOnly,
  execAlgorithm: order.execAlgorithm,
  createdAt: order.createdAt,
  updatedAt: now > order.updatedAt ? now : order.updatedAt,
  rejectReason: state.rejectReason
})

/**
 * The record after an accepted state change, stamped `timestamp`; `fills` is `m.fills`, or
 * a copy with the fill that made `state` appended.
 */
export const advance = (
  m: ManagedOrder,
  state: OrderStateMachine.OrderState,
  fills: ReadonlyArray<Fill.Fill>,
  timestamp: Time.EpochMillis
): ManagedOrder => ({
  order: project(m.order, m.state, state, timestamp, fills === m.fills ? undefined : fills[fills.length - 1]!.price),
  state,
  fills,
  version: m.version + 1
})

/**
 * `advance` for an Accept: `state` is `onAccept`'s, which changes only the status and the
 * venue order id, so the order's filled quantity and average price stay (`project` keeps
 * the average when the filled quantity and notional are the same objects, as they are
 * here) and the fills are `m.fills`. The same record as `advance(m, state, m.fills,
 * timestamp)` (tested), in one function without `project`'s tests: `applyAccept` could not
 * inline `project` and the venue order id's hash both (TurboFan's cumulative budget).
 */
export const advanceAccept = (m: ManagedOrder, state: OrderStateMachine.OrderState, timestamp: Time.EpochMillis): ManagedOrder => {
  const order = m.order
  return {
    order: {
      operationId: order.operationId,
      clientOrderId: order.clientOrderId,
      parentOperationId: order.parentOperationId,
      strategyId: order.strategyId,
      canonicalId: order.canonicalId,
      venue: order.venue,
      side: order.side,
      type: order.type,
      timeInForce: order.timeInForce,
      quantity: order.quantity,
      price: order.price,
      expireAt: order.expireAt,
      filledQuantity: state.filledQuantity,
      averageFillPrice: order.averageFillPrice,
      status: state.status,
      venueOrderId: state.venueOrderId,
      reduceOnly: order.reduceOnly,
      postOnly: order.postOnly,
      execAlgorithm: order.execAlgorithm,
      createdAt: order.createdAt,
      updatedAt: timestamp > order.updatedAt ? timestamp : order.updatedAt,
      rejectReason: state.rejectReason
    },
    state,
    fills: m.fills,
    version: m.version + 1
  }
}

/**
 * `advance(m, transition(m.state, Submit), m.fills, timestamp)` for a PENDING record `m`
 * (tested): the state with the status SUBMITTED, built here, and the order's average price
 * kept (a Submit changes no filled quantity or notional, the test `project` makes). For
 * `tryCreateAndSubmit`, which submits the record it just created: `project`'s tests and
 * bytecode (a share of TurboFan's inlining budget) left `checkCreate`. (Session 23, backtest:
 * `checkCreate` 689 -> 676 self a tick; 12,296 / 12,323 -> 12,298 / 12,296 a tick, every
 * total 23M lower.)
 */
export const advanceSubmit = (m: ManagedOrder, timestamp: Time.EpochMillis): ManagedOrder => {
  const order = m.order
  const s = m.state
  const state: OrderStateMachine.OrderState = {
    status: "SUBMITTED",
    quantity: s.quantity,
    filledQuantity: s.filledQuantity,
    filledNotional: s.filledNotional,
    venueOrderId: s.venueOrderId,
    cancelRequested: s.cancelRequested,
    tradeIds: s.tradeIds,
    rejectReason: s.rejectReason
  }
  return {
    order: {
      operationId: order.operationId,
      clientOrderId: order.clientOrderId,
      parentOperationId: order.parentOperationId,
      strategyId: order.strategyId,
      canonicalId: order.canonicalId,
      venue: order.venue,
      side: order.side,
      type: order.type,
      timeInForce: order.timeInForce,
      quantity: order.quantity,
      price: order.price,
      expireAt: order.expireAt,
      filledQuantity: s.filledQuantity,
      averageFillPrice: order.averageFillPrice,
      status: "SUBMITTED",
      venueOrderId: s.venueOrderId,
      reduceOnly: order.reduceOnly,
      postOnly: order.postOnly,
      execAlgorithm: order.execAlgorithm,
      createdAt: order.createdAt,
      updatedAt: timestamp > order.updatedAt ? timestamp : order.updatedAt,
      rejectReason: s.rejectReason
    },
    state,
    fills: m.fills,
    version: m.version + 1
  }
}

/**
 * `advance` for a fill of `m` itself: `state` is `onFill`'s for `fill`. A fill's quantity is
 * positive, so the filled quantity always changes and `project`'s test for an unchanged
 * average is left out; the average is the fill's price on the first fill (as `project`
 * takes it) or the rounded division. The same record as `advance(m, state,
 * appendFill(m.fills, fill), timestamp)` (tested), in one function that `checkFill` inlines
 * (`project` was a call there).
 */
export const advanceFill = (
  m: ManagedOrder,
  state: OrderStateMachine.OrderState,
  fill: Fill.Fill,
  timestamp: Time.EpochMillis
): ManagedOrder => {
  const order = m.order
  const price = fill.price
  return {
    order: {
      operationId: order.operationId,
      clientOrderId: order.clientOrderId,
      parentOperationId: order.parentOperationId,
      strategyId: order.strategyId,
      canonicalId: order.canonicalId,
      venue: order.venue,
      side: order.side,
      type: order.type,
      timeInForce: order.timeInForce,
      quantity: order.quantity,
      price: order.price,
      expireAt: order.expireAt,
      filledQuantity: state.filledQuantity,
      // (18: AVERAGE_SCALE, written as a literal: a bundler makes a module constant a `var`.)
      averageFillPrice: price.scale <= 18 && isZero(m.state.filledQuantity) ? price : averageFillPrice(state),
      status: state.status,
      venueOrderId: state.venueOrderId,
      reduceOnly: order.reduceOnly,
      postOnly: order.postOnly,
      execAlgorithm: order.execAlgorithm,
      createdAt: order.createdAt,
      updatedAt: timestamp > order.updatedAt ? timestamp : order.updatedAt,
      rejectReason: state.rejectReason
    },
    state,
    fills: appendFill(m.fills, fill),
    version: m.version + 1
  }
}

/** The state machine's Fill for a fill of `m` itself or of one of its descendants. */
export const fillEvent = (operationId: Ids.OperationId, fill: Fill.Fill): OrderEvent.Fill => ({
  _tag: "Fill",
  quantity: fill.quantity,
  price: fill.price,
  tradeId: stateTradeId(operationId, fill)
})

/** Appends without mutating (records are shared with callers and stores). */
export const appendFill = (fills: ReadonlyArray<Fill.Fill>, fill: Fill.Fill): ReadonlyArray<Fill.Fill> => {
  if (fills.length === 0) return [fill]
  const next = fills.slice()
  next.push(fill)
  return next
}

const corrupt = (entry: OrderJournalEntry, reason: JournalCorrupt["reason"], message: string): JournalCorrupt =>
  new JournalCorrupt({ reason, sequence: entry.sequence, message: `Journal entry ${entry.sequence} (${entry.operationId}): ${message}` })

/** Replays one entry onto the order it names (undefined before its Created entry). */
export const replay = (m: ManagedOrder | undefined, entry: OrderJournalEntry): ManagedOrder | JournalCorrupt => {
  const event = entry.event
  if (event._tag === "Created") {
    if (m !== undefined) return corrupt(entry, "DuplicateCreate", "the order was already created")
    if (entry.version !== 1) return corrupt(entry, "VersionGap", `Created has version ${entry.version}, expected 1`)
    if (event.order.operationId !== entry.operationId || event.order.status !== "PENDING") {
      return corrupt(entry, "IllegalTransition", "Created must hold a PENDING order with the entry's operation id")
    }
    return created(event.order)
  }
  if (m === undefined) return corrupt(entry, "UnknownOrder", "no Created entry precedes it")
  if (entry.version !== m.version + 1) {
    return corrupt(entry, "VersionGap", `version ${entry.version} follows version ${m.version}`)
  }
  let smEvent: OrderEvent.OrderEvent
  let fills = m.fills
  if (event._tag === "FillRecorded" || event._tag === "ChildFill") {
    const own = event.fill.operationId === entry.operationId
    if (own !== (event._tag === "FillRecorded")) {
      return corrupt(entry, "IllegalTransition", `${event._tag} holds a fill of ${event.fill.operationId}`)
    }
    smEvent = fillEvent(entry.operationId, event.fill)
    fills = appendFill(fills, event.fill)
  } else {
    smEvent = event
  }
  const next = transition(m.state, smEvent)
  if (isIllegal(next)) return corrupt(entry, "IllegalTransition", (next as DomainError.IllegalTransition).message)
  return advance(m, next, fills, entry.timestamp)
}
