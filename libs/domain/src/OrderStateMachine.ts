/**
 * The order lifecycle as a pure function: `transition(state, event)` returns the next
 * state or an `IllegalTransition`, never mutates, never throws. The OMS journals every
 * accepted event, so folding the journal from `initial` reproduces the order exactly.
 *
 * Rules where reality is messy (the README has the full table):
 * - Venue messages race: an Accept may follow Fills, a CancelAck or an Expire; it records
 *   the venue order id and leaves the status alone. A Fill may precede the Accept.
 * - Late fills: a CANCELLED or EXPIRED order that receives a Fill records it (the venue
 *   did trade). It stays CANCELLED/EXPIRED with a larger filledQuantity, or becomes FILLED
 *   if the fill completes it; a completed order is FILLED whatever ended it.
 * - Overfill, a repeated trade id, and anything else that contradicts the history is
 *   refused, with the state unchanged, for reconciliation to settle.
 * - A cancel of a PENDING order (never sent) is local: PENDING -> CANCELLED.
 */
import * as Either from "effect/Either"
import * as Decimal from "./Decimal.js"
import { IllegalTransition, InvalidOrder, type IllegalTransitionReason } from "./DomainError.js"
import type { TradeId, VenueOrderId } from "./Ids.js"
import type { Accept, Fill, OrderEvent, Submit } from "./OrderEvent.js"
import { isTerminal, type OrderStatus } from "./OrderStatus.js"

/** An order's lifecycle state: plain data, every field always present so the shape stays monomorphic. */
export interface OrderState {
  readonly status: OrderStatus
  /** What was ordered (> 0). */
  readonly quantity: Decimal.Decimal
  /** Sum of recorded fills, `0 <= filledQuantity <= quantity`. */
  readonly filledQuantity: Decimal.Decimal
  /** Sum of fill quantity x price, exact, so the average price needs no running rounding. */
  readonly filledNotional: Decimal.Decimal
  readonly venueOrderId: VenueOrderId | undefined
  /** True once a CancelRequest was applied: a later CancelReject is then expected, not an anomaly. */
  readonly cancelRequested: boolean
  /** Trade ids of the recorded fills, in order; a repeat is refused so a replayed fill never counts twice. */
  readonly tradeIds: ReadonlyArray<TradeId>
  /** Why risk denied or the venue rejected the order. */
  readonly rejectReason: string | undefined
}

/** Shared by every state before its first fill (states never mutate their arrays). */
const NO_TRADES: ReadonlyArray<TradeId> = Object.freeze([])

/** A new order for `quantity`, in PENDING. Throws InvalidOrder if `quantity <= 0`. */
export const initial = (quantity: Decimal.Decimal): OrderState => {
  // (The refusal in a function of its own: this one stays small enough to inline.)
  if (!Decimal.isPositive(quantity)) throw nonPositive(quantity)
  return {
    status: "PENDING",
    quantity,
    filledQuantity: Decimal.zero,
    filledNotional: Decimal.zero,
    venueOrderId: undefined,
    cancelRequested: false,
    tradeIds: NO_TRADES,
    rejectReason: undefined
  }
}

const nonPositive = (quantity: Decimal.Decimal): InvalidOrder =>
  new InvalidOrder({
    reason: "NonPositiveQuantity",
    message: `An order quantity must be positive, got ${Decimal.format(quantity)}`
  })

/** The next state as one literal with every key (no spread: one allocation, one hidden class). */
const nextState = (
  s: OrderState,
  status: OrderStatus,
  cancelRequested: boolean,
  venueOrderId: VenueOrderId | undefined,
  rejectReason: string | undefined
): OrderState => ({
  status,
  quantity: s.quantity,
  filledQuantity: s.filledQuantity,
  filledNotional: s.filledNotional,
  venueOrderId,
  cancelRequested,
  tradeIds: s.tradeIds,
  rejectReason
})

const withStatus = (s: OrderState, status: OrderStatus, cancelRequested: boolean): OrderState =>
  nextState(s, status, cancelRequested, s.venueOrderId, s.rejectReason)

/** `[...ids, id]` without the spread's iteration: fills arrive one at a time, so this runs per fill. */
const appended = (ids: ReadonlyArray<TradeId>, id: TradeId): ReadonlyArray<TradeId> => {
  if (ids.length === 0) return [id]
  const out = ids.slice()
  out.push(id)
  return out
}

const illegal = (
  s: OrderState,
  event: OrderEvent,
  reason: IllegalTransitionReason,
  message: string
): IllegalTransition => new IllegalTransition({ from: s.status, event, reason, message: `${event._tag} in ${s.status}: ${message}` })

const refused = (s: OrderState, event: OrderEvent): IllegalTransition =>
  isTerminal(s.status)
    ? illegal(s, event, "TerminalState", "the order is final")
    : illegal(s, event, "UnexpectedEvent", "the event does not apply to this status")

/** The status an order returns to when a cancel is refused or cannot apply. */
const workingStatus = (s: OrderState): OrderStatus =>
  Decimal.isPositive(s.filledQuantity) ? "PARTIALLY_FILLED" : s.venueOrderId !== undefined ? "ACCEPTED" : "SUBMITTED"

/** `transition(s, event)` for a Submit (the same answer, without the dispatch on the event's tag). */
export const onSubmit = (s: OrderState, event: Submit): OrderState | IllegalTransition =>
  s.status !== "PENDING" ? refused(s, event) : withStatus(s, "SUBMITTED", s.cancelRequested)

/** `transition(s, event)` for an Accept (the same answer, without the dispatch on the event's tag). */
export const onAccept = (s: OrderState, event: Accept): OrderState | IllegalTransition => {
  const status = s.status
  // The refusals in a function of their own: this one stays small enough for the OMS to inline.
  if (status === "PENDING" || status === "REJECTED" || status === "DENIED" || (s.venueOrderId !== undefined && s.venueOrderId !== event.venueOrderId)) {
    return acceptRefused(s, event)
  }
  const to = status === "SUBMITTED" ? "ACCEPTED" : status
  if (to === status && s.venueOrderId === event.venueOrderId) return s
  return nextState(s, to, s.cancelRequested, event.venueOrderId, s.rejectReason)
}

/** Why `onAccept` refuses an Accept (the first that applies, in this order). */
const acceptRefused = (s: OrderState, event: Accept): IllegalTransition => {
  const status = s.status
  if (status === "PENDING") return illegal(s, event, "UnexpectedEvent", "the order was never submitted")
  if (status === "REJECTED" || status === "DENIED") return refused(s, event)
  return illegal(s, event, "VenueOrderIdMismatch", `the order is already known as ${s.venueOrderId}, not ${event.venueOrderId}`)
}

/**
 * The last fill's `quantity * price` with its operands: decimals are immutable, so the same two
 * objects always make the same product, and a strategy's fills repeat the same quantity object
 * (its order's) at the same price object (a venue's cached price) again and again. A repeat is
 * two identity tests instead of a bigint product and a normalisation. The three are held in a
 * young array renewed every 64 misses: stored into a long-lived holder, each new
 * product (a young object) took V8's write barrier slow path.
 */
let notionalMemo: Array<Decimal.Decimal> = [Decimal.zero, Decimal.zero, Decimal.zero]
let notionalMisses = 0

/**
 * `Decimal.mul(quantity, price)` past the memo, remembered (`onFill` tests the memo inline: as
 * a function of its own the test was optimised apart, with this inlined, and then too large
 * for `onFill`'s inlining budget).
 */
const newNotional = (quantity: Decimal.Decimal, price: Decimal.Decimal): Decimal.Decimal => {
  const r = Decimal.mul(quantity, price)
  if (++notionalMisses >= 64) {
    notionalMisses = 0
    notionalMemo = [quantity, price, r]
  } else {
    const m = notionalMemo
    m[0] = quantity
    m[1] = price
    m[2] = r
  }
  return r
}

/** `transition(s, event)` for a Fill (the same answer, without the dispatch on the event's tag). */
export const onFill = (s: OrderState, event: Fill): OrderState | IllegalTransition => {
  const status = s.status
  if (status === "PENDING" || status === "REJECTED" || status === "DENIED") return refused(s, event)
  if (status === "FILLED") return illegal(s, event, "Overfill", "the order is already completely filled")
  if (!Decimal.isPositive(event.quantity)) {
    return illegal(s, event, "InvalidQuantity", `fill quantity must be positive, got ${Decimal.format(event.quantity)}`)
  }
  // (No call into `includes` for an order's first fill.)
  if (s.tradeIds.length !== 0 && s.tradeIds.includes(event.tradeId)) {
    return illegal(s, event, "DuplicateTrade", `trade ${event.tradeId} is already recorded`)
  }
  const filled = Decimal.add(s.filledQuantity, event.quantity)
  // A fill of the whole order often is the ordered quantity's own object: no bigint comparison then.
  const c = filled === s.quantity ? 0 : Decimal.compare(filled, s.quantity)
  if (c > 0) {
    return illegal(
      s,
      event,
      "Overfill",
      `fills would total ${Decimal.format(filled)} of an order for ${Decimal.format(s.quantity)}`
    )
  }
  const to: OrderStatus = c === 0 ? "FILLED" : status === "SUBMITTED" || status === "ACCEPTED" ? "PARTIALLY_FILLED" : status
  const m = notionalMemo
  const notional = m[0] === event.quantity && m[1] === event.price ? m[2]! : newNotional(event.quantity, event.price)
  return {
    status: to,
    quantity: s.quantity,
    filledQuantity: filled,
    filledNotional: Decimal.add(s.filledNotional, notional),
    venueOrderId: s.venueOrderId,
    cancelRequested: s.cancelRequested,
    tradeIds: appended(s.tradeIds, event.tradeId),
    rejectReason: s.rejectReason
  }
}

/**
 * The state after `event`, or the IllegalTransition that refuses it (the input state is
 * untouched either way). Allocation: one state object per accepted event, none for a
 * no-op (the same state is returned); the hot-path form of `apply`. A caller that knows
 * the event's kind may call `onSubmit`, `onAccept` or `onFill` itself: the same answers.
 */
export const transition = (s: OrderState, event: OrderEvent): OrderState | IllegalTransition => {
  const status = s.status
  switch (event._tag) {
    case "Deny":
      if (status !== "PENDING") return refused(s, event)
      return nextState(s, "DENIED", s.cancelRequested, s.venueOrderId, event.reason)

    case "Submit":
      return onSubmit(s, event)

    case "Accept":
      return onAccept(s, event)

    case "Reject":
      if (
        status === "SUBMITTED" ||
        (status === "PENDING_CANCEL" && s.venueOrderId === undefined && Decimal.isZero(s.filledQuantity))
      ) {
        return nextState(s, "REJECTED", s.cancelRequested, s.venueOrderId, event.reason)
      }
      if (status === "ACCEPTED" || status === "PARTIALLY_FILLED" || status === "PENDING_CANCEL") {
        return illegal(s, event, "UnexpectedEvent", "the venue already accepted or filled the order")
      }
      return refused(s, event)

    case "Fill":
      return onFill(s, event)

    case "CancelRequest":
      if (status === "PENDING") return withStatus(s, "CANCELLED", true)
      if (status === "PENDING_CANCEL") return s
      if (status === "SUBMITTED" || status === "ACCEPTED" || status === "PARTIALLY_FILLED") {
        return withStatus(s, "PENDING_CANCEL", true)
      }
      return refused(s, event)

    case "CancelAck":
      if (status === "PENDING_CANCEL" || status === "SUBMITTED" || status === "ACCEPTED" || status === "PARTIALLY_FILLED") {
        return withStatus(s, "CANCELLED", s.cancelRequested)
      }
      return refused(s, event)

    case "CancelReject":
      if (status === "PENDING_CANCEL") return withStatus(s, workingStatus(s), true)
      // A cancel that lost a race (the order filled, expired or was rejected meanwhile),
      // or the answer to a retried request: expected, nothing to change.
      if (s.cancelRequested && status !== "DENIED" && status !== "PENDING") return s
      return illegal(s, event, "UnexpectedEvent", "no cancel was requested")

    case "Expire":
      if (status === "SUBMITTED" || status === "ACCEPTED" || status === "PARTIALLY_FILLED" || status === "PENDING_CANCEL") {
        return withStatus(s, "EXPIRED", s.cancelRequested)
      }
      return refused(s, event)
  }
}

/** True if `transition` refused the event. */
export const isIllegal = (r: OrderState | IllegalTransition): r is IllegalTransition => r instanceof IllegalTransition

/** `transition` as an Either, for Effect code at the edges. */
export const apply = (s: OrderState, event: OrderEvent): Either.Either<OrderState, IllegalTransition> => {
  const r = transition(s, event)
  return r instanceof IllegalTransition ? Either.left(r) : Either.right(r)
}

/**
 * Folds a journal of events over `initial(quantity)`. A journal holds only accepted
 * events, so a refusal here means the journal is corrupt: it is returned, not skipped.
 */
export const replay = (quantity: Decimal.Decimal, events: Iterable<OrderEvent>): OrderState | IllegalTransition => {
  let s = initial(quantity)
  for (const e of events) {
    const r = transition(s, e)
    if (r instanceof IllegalTransition) return r
    s = r
  }
  return s
}

/** What is left to fill. */
export const remainingQuantity = (s: OrderState): Decimal.Decimal => Decimal.sub(s.quantity, s.filledQuantity)

/**
 * Volume-weighted average fill price, or undefined before any fill. Exact fills make an
 * exact notional; only this final division rounds (default: 18 places, half-even).
 */
export const averageFillPrice = (
  s: OrderState,
  scale = 18,
  rounding: Decimal.Rounding = "half-even"
): Decimal.Decimal | undefined =>
  Decimal.isZero(s.filledQuantity) ? undefined : Decimal.div(s.filledNotional, s.filledQuantity, scale, rounding)

/** True if the order can still trade at a venue (or might be, while its fate is unknown). */
export const isWorking = (s: OrderState): boolean =>
  s.status === "SUBMITTED" || s.status === "ACCEPTED" || s.status === "PARTIALLY_FILLED" || s.status === "PENDING_CANCEL"
