/**
 * The unified order manager: the in-memory book of record for backtest and live. Plain
 * synchronous TypeScript over plain data (no Effect, promise or closure per order or
 * event), indexed by every key the pipeline looks orders up by.
 *
 * Every operation is two steps: `plan*` checks the input and computes the new records and
 * journal entries without touching the manager, `commit` installs them. The synchronous
 * `create`, `apply` and `recordFill` do both at once (the hot path); the durable `Oms`
 * service writes a plan to its store between the two steps, so the store holds every
 * change before the manager (and the venue) acts on it, and a failed write changes nothing.
 */
import { Decimal, Fill, Ids, InstrumentSpec, OrderStateMachine, OrderStatus, Order } from "@odum/domain"
import type { OrderEvent, Time } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { FillReport, UnmatchedFill, UnmatchedReason } from "./FillReport.js"
import { key as reportKey } from "./FillReport.js"
import type { ManagedOrder } from "./ManagedOrder.js"
import {
  ChildOrderRejected,
  DuplicateOperation,
  EventRejected,
  InvalidFillReport,
  InvalidOrderRequest,
  type InvalidOrderRequestReason,
  JournalCorrupt,
  OrderNotFound
} from "./OmsError.js"
import type { JournalEvent, LifecycleEvent, OrderJournalEntry } from "./OrderJournal.js"
import { limitOf, matches, type OrderQuery } from "./OrderQuery.js"
import type { OrderRequest } from "./OrderRequest.js"
import { advance, appendFill, created, fillEvent, replay } from "./internal/records.js"

/** Finds an instrument by canonical id; a `Map<string, InstrumentSpec>` is one. */
export interface InstrumentLookup {
  readonly get: (canonicalId: string) => InstrumentSpec.InstrumentSpec | undefined
}

/** How an order manager is built. */
export interface OrderManagerOptions {
  /** Instruments orders may be placed on; an unknown canonical id is refused. */
  readonly instruments: InstrumentLookup
  /** Receives every journal entry as it is committed, in sequence order (e.g. to persist or stream it). */
  readonly journal?: ((entry: OrderJournalEntry) => void) | undefined
}

/** The result of `create`: the order under the operation id, and whether this call created it. */
export interface CreateResult {
  readonly order: ManagedOrder
  /** False when the operation id already existed with the same request: nothing new to send. */
  readonly created: boolean
}

/** Why `create` refused a request. */
export type CreateError = InvalidOrderRequest | DuplicateOperation | ChildOrderRejected

/** Why `apply` refused an event. */
export type ApplyError = OrderNotFound | EventRejected

/** What became of a fill report. */
export type FillOutcome =
  /** Recorded on its order (and aggregated into its parents); `order` is the order after it. */
  | { readonly _tag: "Applied"; readonly order: ManagedOrder }
  /** The (venue, trade id) pair was seen before: ignored. */
  | { readonly _tag: "Duplicate"; readonly key: string }
  /** Kept for reconciliation (see `unmatched.reason`); no order changed. */
  | { readonly _tag: "Unmatched"; readonly unmatched: UnmatchedFill }

/** One order's record before and after a planned change (`before` is undefined for a new order). */
export interface Change {
  readonly before: ManagedOrder | undefined
  readonly after: ManagedOrder
}

/** A checked, not yet committed, change to the manager. */
export interface Plan<A> {
  /** The manager's sequence the plan was computed against; `commit` refuses any other. */
  readonly baseSequence: number
  /** New records, in the order of `entries`. */
  readonly changes: ReadonlyArray<Change>
  /** Journal entries, sequence numbers from `baseSequence + 1`. */
  readonly entries: ReadonlyArray<OrderJournalEntry>
  /** A fill to keep for reconciliation. */
  readonly unmatched: UnmatchedFill | undefined
  readonly result: A
}

const SUBMIT: OrderEvent.Submit = { _tag: "Submit" }
const LIFECYCLE_TAGS = new Set(["Deny", "Submit", "Accept", "Reject", "CancelRequest", "CancelAck", "CancelReject", "Expire"])
const NON_TERMINAL: ReadonlyArray<OrderStatus.OrderStatus> = OrderStatus.all.filter((s) => !OrderStatus.isTerminal(s))
const SIDES = new Set(["BUY", "SELL"])
const TYPES = new Set(["MARKET", "LIMIT"])
const TIFS = new Set(["GTC", "IOC", "FOK", "GTD", "DAY"])
const LIQUIDITIES = new Set(["MAKER", "TAKER"])

const describe = (u: unknown): string => {
  if (typeof u === "string") return `the string ${JSON.stringify(u.length > 40 ? `${u.slice(0, 40)}...` : u)}`
  if (Decimal.isDecimal(u)) return Decimal.format(u)
  return u === null ? "null" : typeof u === "object" ? "an object" : `${typeof u} ${String(u)}`
}

const encodeAlgorithm = Schema.encodeEither(Order.ExecAlgorithm)
const sameAlgorithm = (a: Order.ExecAlgorithm | undefined, b: unknown): boolean => {
  if (a === undefined || b === undefined) return a === b
  const ea = encodeAlgorithm(a)
  const eb = encodeAlgorithm(b as Order.ExecAlgorithm)
  return Either.isRight(ea) && Either.isRight(eb) && JSON.stringify(ea.right) === JSON.stringify(eb.right)
}
const sameDecimal = (a: Decimal.Decimal | undefined, b: unknown): boolean =>
  a === undefined ? b === undefined : Decimal.isDecimal(b) && Decimal.equals(a, b)

/** The request fields on which `order` differs from `request` (empty: the same request). */
export const requestDifferences = (order: Order.UnifiedOrder, r: OrderRequest): Array<string> => {
  const d: Array<string> = []
  if (order.strategyId !== r.strategyId) d.push("strategyId")
  if (order.canonicalId !== r.canonicalId) d.push("canonicalId")
  if (order.venue !== r.venue) d.push("venue")
  if (order.side !== r.side) d.push("side")
  if (order.type !== r.type) d.push("type")
  if (order.timeInForce !== r.timeInForce) d.push("timeInForce")
  if (!sameDecimal(order.quantity, r.quantity)) d.push("quantity")
  if (!sameDecimal(order.price, r.price)) d.push("price")
  if (order.expireAt !== r.expireAt) d.push("expireAt")
  if (order.reduceOnly !== (r.reduceOnly ?? false)) d.push("reduceOnly")
  if (order.postOnly !== (r.postOnly ?? false)) d.push("postOnly")
  if (!sameAlgorithm(order.execAlgorithm, r.execAlgorithm)) d.push("execAlgorithm")
  if (order.parentOperationId !== r.parentOperationId) d.push("parentOperationId")
  return d
}

/** The unified order manager; see the module comment. */
export class OrderManager {
  /** Every order, in creation (or load) order; a slot is updated in place as its order changes. */
  private readonly slots = new Map<string, Slot>()
  private readonly byClientOrderId = new Map<string, Slot>()
  /** Venue, then venue order id: venue order ids are unique per venue only. */
  private readonly byVenueOrderId = new Map<string, Map<string, Slot>>()
  // Orders are never removed, so the secondary indices are append-only arrays in creation
  // order: a push per new order instead of a hashed Set insert.
  private readonly byStrategy = new Map<string, Array<Slot>>()
  private readonly byVenue = new Map<string, Array<Slot>>()
  private readonly byInstrument = new Map<string, Array<Slot>>()
  /** Children loaded before their parent (recovery); adopted by the parent's slot when it arrives. */
  private readonly orphans = new Map<string, Array<Slot>>()
  /** One bucket per status; an order moves by swap-remove (see `move`), no hashing per event. */
  private readonly byStatus = new Map<string, Array<Slot>>()
  /** Venue, then trade id, of every fill recorded on an order. */
  private readonly tradeIds = new Map<string, Set<string>>()
  private readonly unmatched = new Map<string, UnmatchedFill>()
  private lastSequence = 0

  constructor(private readonly options: OrderManagerOptions) {}

  // -------------------------------------------------------------------------------------
  // Queries
  // -------------------------------------------------------------------------------------

  /** The sequence number of the last committed journal entry (0 before any). */
  get sequence(): number {
    return this.lastSequence
  }

  /** How many orders the manager holds. */
  get size(): number {
    return this.slots.size
  }

  /** The order recorded under `operationId`. */
  get(operationId: string): ManagedOrder | undefined {
    return this.slots.get(operationId)?.record
  }

  /** The order we gave this client order id. */
  getByClientOrderId(clientOrderId: string): ManagedOrder | undefined {
    return this.byClientOrderId.get(clientOrderId)?.record
  }

  /** The order a venue knows under its own id. */
  getByVenueOrderId(venue: string, venueOrderId: string): ManagedOrder | undefined {
    return this.byVenueOrderId.get(venue)?.get(venueOrderId)?.record
  }

  /** The children of `parentOperationId`, in creation order. */
  children(parentOperationId: string): ReadonlyArray<ManagedOrder> {
    const kids = this.childrenOf(parentOperationId)
    return kids === undefined ? [] : this.collect(kids, matchAll, Number.MAX_SAFE_INTEGER)
  }

  /** Orders matching `query`, in creation order, at most `limitOf(query)`. */
  query(query: OrderQuery): ReadonlyArray<ManagedOrder> {
    const limit = limitOf(query)
    let driver: ReadonlyArray<Slot> | undefined
    if (query.strategyId !== undefined) driver = smaller(driver, this.byStrategy.get(query.strategyId))
    if (query.venue !== undefined) driver = smaller(driver, this.byVenue.get(query.venue))
    if (query.canonicalId !== undefined) driver = smaller(driver, this.byInstrument.get(query.canonicalId))
    if (query.parentOperationId !== undefined) driver = smaller(driver, this.childrenOf(query.parentOperationId))
    if (driver !== undefined) return this.collect(driver, query, limit)
    if (query.statuses === undefined && query.nonTerminal !== true) return this.collect(this.slots.values(), query, limit)
    // Status buckets are reordered as orders move between them: gather, then sort by creation.
    const statuses = query.statuses ?? NON_TERMINAL
    const found: Array<Slot> = []
    for (const status of new Set(statuses)) {
      for (const slot of this.byStatus.get(status) ?? NO_SLOTS) {
        if (matches(query, slot.record)) found.push(slot)
      }
    }
    found.sort((a, b) => a.ordinal - b.ordinal)
    const out: Array<ManagedOrder> = []
    for (let i = 0; i < found.length && i < limit; i++) out.push(found[i]!.record)
    return out
  }

  /** Fills kept for reconciliation, in the order they arrived. */
  unmatchedFills(): ReadonlyArray<UnmatchedFill> {
    return Array.from(this.unmatched.values())
  }

  private childrenOf(operationId: string): ReadonlyArray<Slot> | undefined {
    return this.slots.get(operationId)?.children ?? this.orphans.get(operationId)
  }

  private collect(slots: Iterable<Slot>, query: OrderQuery, limit: number): Array<ManagedOrder> {
    const out: Array<ManagedOrder> = []
    for (const slot of slots) {
      if (matches(query, slot.record)) {
        out.push(slot.record)
        if (out.length >= limit) break
      }
    }
    return out
  }

  // -------------------------------------------------------------------------------------
  // The hot path: plan and commit in one call
  // -------------------------------------------------------------------------------------

  /**
   * Records a new order in PENDING (before anything is sent). Idempotent on the operation
   * id: the same request again returns the existing order with `created: false`; a
   * different request under an existing id is a DuplicateOperation.
   */
  create(request: OrderRequest, now: Time.EpochMillis): Either.Either<CreateResult, CreateError> {
    const d = this.take()
    const refused = this.checkCreate(request, now, d)
    return refused === undefined ? Either.right(this.install<CreateResult>(d)) : Either.left(this.drop(d, refused))
  }

  /** Applies a lifecycle event through the state machine; a refusal changes nothing. */
  apply(operationId: string, event: LifecycleEvent, now: Time.EpochMillis): Either.Either<ManagedOrder, ApplyError> {
    const d = this.take()
    const refused = this.checkApply(operationId, event, now, d)
    return refused === undefined ? Either.right(this.install<ManagedOrder>(d)) : Either.left(this.drop(d, refused))
  }

  /** `apply` to the order with this client order id (what venues echo back). */
  applyByClientOrderId(
    clientOrderId: string,
    event: LifecycleEvent,
    now: Time.EpochMillis
  ): Either.Either<ManagedOrder, ApplyError> {
    const slot = this.byClientOrderId.get(clientOrderId)
    if (slot === undefined) return Either.left(notFound(`clientOrderId=${clientOrderId}`))
    return this.apply(slot.record.order.operationId, event, now)
  }

  /**
   * Records a venue's fill on its order and the order's parents. A repeated (venue, trade
   * id) is reported as Duplicate and ignored; a fill that matches no order, contradicts
   * its order or is refused by the state machine is kept as Unmatched for reconciliation.
   * Only a malformed report is an error.
   */
  recordFill(report: FillReport, now: Time.EpochMillis): Either.Either<FillOutcome, InvalidFillReport> {
    const d = this.take()
    const refused = this.checkFill(report, now, d)
    return refused === undefined ? Either.right(this.install<FillOutcome>(d)) : Either.left(this.drop(d, refused))
  }

  // -------------------------------------------------------------------------------------
  // Plans
  // -------------------------------------------------------------------------------------

  /** The checked plan of `create`, without changing the manager. */
  planCreate(request: OrderRequest, now: Time.EpochMillis): Either.Either<Plan<CreateResult>, CreateError> {
    const d = new Draft()
    const refused = this.checkCreate(request, now, d)
    return refused === undefined ? Either.right(this.toPlan<CreateResult>(d)) : Either.left(refused)
  }

  /** The checked plan of `apply`, without changing the manager. */
  planApply(operationId: string, event: LifecycleEvent, now: Time.EpochMillis): Either.Either<Plan<ManagedOrder>, ApplyError> {
    const d = new Draft()
    const refused = this.checkApply(operationId, event, now, d)
    return refused === undefined ? Either.right(this.toPlan<ManagedOrder>(d)) : Either.left(refused)
  }

  /** The checked plan of `recordFill`, without changing the manager. */
  planFill(report: FillReport, now: Time.EpochMillis): Either.Either<Plan<FillOutcome>, InvalidFillReport> {
    const d = new Draft()
    const refused = this.checkFill(report, now, d)
    return refused === undefined ? Either.right(this.toPlan<FillOutcome>(d)) : Either.left(refused)
  }

  // The checks stage their changes and result in a Draft and return only a refusal, so the
  // hot path installs straight from the draft (no Plan, Change or array per call) and the
  // plan* methods copy it into a Plan.

  private checkCreate(request: OrderRequest, now: Time.EpochMillis, d: Draft): CreateError | undefined {
    const operationId = (request as { operationId?: unknown } | null)?.operationId
    if (typeof operationId !== "string" || operationId.length === 0) {
      return invalid("Malformed", undefined, `operationId must be a non-empty string, got ${describe(operationId)}`)
    }
    const existing = this.slots.get(operationId)
    if (existing !== undefined) {
      const differences = requestDifferences(existing.record.order, request)
      if (differences.length === 0) {
        d.result = { order: existing.record, created: false }
        return undefined
      }
      return new DuplicateOperation({
        operationId,
        existing: existing.record,
        differences,
        message: `Operation ${operationId} already exists with a different ${differences.join(", ")}`
      })
    }
    const problem = this.validate(request)
    if (problem !== undefined) return problem

    const clientOrderId = Ids.clientOrderIdFor(operationId)
    const holder = this.byClientOrderId.get(clientOrderId)
    if (holder !== undefined) {
      return invalid(
        "ClientOrderIdCollision",
        operationId,
        `Client order id ${clientOrderId} of ${operationId} already belongs to ${holder.record.order.operationId}`
      )
    }
    if (request.parentOperationId !== undefined) {
      const refused = this.checkChild(request)
      if (refused !== undefined) return refused
    }
    const order: Order.UnifiedOrder = {
      operationId: request.operationId,
      clientOrderId,
      parentOperationId: request.parentOperationId,
      strategyId: request.strategyId,
      canonicalId: request.canonicalId,
      venue: request.venue,
      side: request.side,
      type: request.type,
      timeInForce: request.timeInForce,
      quantity: request.quantity,
      price: request.price,
      expireAt: request.expireAt,
      filledQuantity: Decimal.zero,
      averageFillPrice: undefined,
      status: "PENDING",
      venueOrderId: undefined,
      reduceOnly: request.reduceOnly ?? false,
      postOnly: request.postOnly ?? false,
      execAlgorithm: request.execAlgorithm,
      createdAt: now,
      updatedAt: now,
      rejectReason: undefined
    }
    const after = created(order)
    this.stage(d, undefined, undefined, after, d.journal ? { _tag: "Created", order } : undefined, now)
    d.result = { order: after, created: true }
    return undefined
  }

  private checkApply(operationId: string, event: LifecycleEvent, now: Time.EpochMillis, d: Draft): ApplyError | undefined {
    const slot = this.slots.get(operationId)
    if (slot === undefined) return notFound(`operationId=${operationId}`)
    const m = slot.record
    const tag = (event as { _tag?: unknown } | null)?._tag
    if (tag === "Fill") {
      return rejected("UseRecordFill", operationId, "A fill goes through recordFill (it needs the venue, fee and time)")
    }
    if (typeof tag !== "string" || !LIFECYCLE_TAGS.has(tag)) {
      return rejected("UnknownEvent", operationId, `Not an order lifecycle event: ${describe(tag)}`)
    }
    if (event._tag === "Accept") {
      if (hasChildren(slot)) return rejected("ParentOrder", operationId, "An order worked by child orders is never accepted by a venue")
      const owner = m.order.venue === undefined ? undefined : this.byVenueOrderId.get(m.order.venue)?.get(event.venueOrderId)
      if (owner !== undefined && owner !== slot) {
        return rejected(
          "VenueOrderIdInUse",
          operationId,
          `${m.order.venue} order ${event.venueOrderId} already belongs to ${owner.record.order.operationId}`
        )
      }
    } else if (event._tag === "Submit" && m.order.venue === undefined && !hasChildren(slot)) {
      return rejected("NotRouted", operationId, "The order has no venue to be sent to")
    }
    const next = OrderStateMachine.transition(m.state, event)
    if (OrderStateMachine.isIllegal(next)) {
      return new EventRejected({ reason: "IllegalTransition", operationId, message: next.message, cause: next })
    }
    if (next === m.state) {
      d.result = m
      return undefined
    }
    if (event._tag === "Submit" && m.order.parentOperationId !== undefined) {
      // Sending a child means its parents are being worked: PENDING ancestors become SUBMITTED
      // (top-most first); a cancelling or final ancestor takes no more venue orders.
      let pending: Array<Slot> | undefined
      let parentId: string | undefined = m.order.parentOperationId
      while (parentId !== undefined) {
        const p = this.slots.get(parentId)
        if (p === undefined) break
        const status = p.record.state.status
        if (status === "PENDING") {
          ;(pending ??= []).push(p)
          parentId = p.record.order.parentOperationId
        } else if (status === "SUBMITTED" || status === "ACCEPTED" || status === "PARTIALLY_FILLED") {
          break
        } else {
          return rejected("ParentClosed", operationId, `Parent ${parentId} is ${status}`)
        }
      }
      if (pending !== undefined) {
        for (let i = pending.length - 1; i >= 0; i--) {
          const p = pending[i]!
          const r = p.record
          const state = OrderStateMachine.transition(r.state, SUBMIT) as OrderStateMachine.OrderState
          this.stage(d, p, r, advance(r, state, r.fills, now), SUBMIT, now)
        }
      }
    }
    const after = advance(m, next, m.fills, now)
    this.stage(d, slot, m, after, event, now)
    d.result = after
    return undefined
  }

  private checkFill(report: FillReport, now: Time.EpochMillis, d: Draft): InvalidFillReport | undefined {
    const malformed = checkReport(report)
    if (malformed !== undefined) return new InvalidFillReport({ message: `Invalid fill report: ${malformed}` })
    if (this.hasTrade(report.venue, report.tradeId) || (this.unmatched.size !== 0 && this.unmatched.has(reportKey(report)))) {
      d.result = { _tag: "Duplicate", key: reportKey(report) }
      return undefined
    }

    let slot: Slot | undefined
    if (report.operationId !== undefined) slot = this.slots.get(report.operationId)
    if (slot === undefined && report.clientOrderId !== undefined) slot = this.byClientOrderId.get(report.clientOrderId)
    if (slot === undefined && report.venueOrderId !== undefined) slot = this.byVenueOrderId.get(report.venue)?.get(report.venueOrderId)
    if (slot === undefined) return this.stageUnmatched(d, report, "UnknownOrder", "No order matches the fill's ids", undefined, now)

    const m = slot.record
    const o = m.order
    const mismatch =
      report.operationId !== undefined && report.operationId !== o.operationId
        ? `operation id ${report.operationId}`
        : report.clientOrderId !== undefined && report.clientOrderId !== o.clientOrderId
          ? `client order id ${report.clientOrderId}`
          : report.venueOrderId !== undefined && o.venueOrderId !== undefined && report.venueOrderId !== o.venueOrderId
            ? `venue order id ${report.venueOrderId}`
            : report.venue !== o.venue
              ? `venue ${report.venue}`
              : report.side !== undefined && report.side !== o.side
                ? `side ${report.side}`
                : report.canonicalId !== undefined && report.canonicalId !== o.canonicalId
                  ? `instrument ${report.canonicalId}`
                  : hasChildren(slot)
                    ? "an order worked by children"
                    : undefined
    if (mismatch !== undefined) {
      return this.stageUnmatched(
        d,
        report,
        "Mismatch",
        `The fill names ${mismatch}, order ${o.operationId} does not match`,
        o.operationId,
        now
      )
    }
    const venueOrderId = report.venueOrderId ?? o.venueOrderId
    const fill: Fill.Fill = {
      operationId: o.operationId,
      venue: report.venue,
      canonicalId: o.canonicalId,
      tradeId: report.tradeId,
      venueOrderId,
      side: o.side,
      price: report.price,
      quantity: report.quantity,
      fee: report.fee,
      feeCurrency: report.feeCurrency,
      liquidity: report.liquidity,
      timestamp: report.timestamp
    }
    let target: Slot | undefined = slot
    let own = true
    let after: ManagedOrder | undefined
    while (target !== undefined) {
      const t: ManagedOrder = target.record
      const state = OrderStateMachine.transition(t.state, fillEvent(t.order.operationId, fill))
      if (OrderStateMachine.isIllegal(state)) {
        d.clear()
        const where = own ? "" : ` on parent ${t.order.operationId}`
        return this.stageUnmatched(d, report, "Refused", `${state.message}${where}`, o.operationId, now)
      }
      const next = advance(t, state, appendFill(t.fills, fill), now)
      const event: JournalEvent | undefined = d.journal ? (own ? { _tag: "FillRecorded", fill } : { _tag: "ChildFill", fill }) : undefined
      this.stage(d, target, t, next, event, now)
      if (after === undefined) after = next
      own = false
      const parentId: string | undefined = t.order.parentOperationId
      target = parentId === undefined ? undefined : this.slots.get(parentId)
    }
    d.result = { _tag: "Applied", order: after! }
    return undefined
  }

  /**
   * Installs a plan made against the current state. Throws if the manager changed since
   * the plan was made: that is a caller bug (plans must be committed in the order made,
   * under one writer), not bad input.
   */
  commit<A>(plan: Plan<A>): A {
    if (plan.baseSequence !== this.lastSequence) {
      throw new Error(`OrderManager.commit: plan made at sequence ${plan.baseSequence}, manager is at ${this.lastSequence}`)
    }
    for (const change of plan.changes) this.put(undefined, change.before, change.after)
    const sink = this.options.journal
    const n = plan.entries.length
    if (n > 0) {
      this.lastSequence = plan.entries[n - 1]!.sequence
      if (sink !== undefined) for (let i = 0; i < n; i++) sink(plan.entries[i]!)
    }
    if (plan.unmatched !== undefined) this.unmatched.set(reportKey(plan.unmatched.report), plan.unmatched)
    return plan.result
  }

  // -------------------------------------------------------------------------------------
  // Restoring state
  // -------------------------------------------------------------------------------------

  /**
   * Adds an order read back from a store (recovery, or a late event for an order not in
   * memory). Load parents before children. Journals nothing: the store already holds its
   * history. Returns false, changing nothing, if the operation id is already present.
   */
  load(order: ManagedOrder): boolean {
    if (this.slots.has(order.order.operationId)) return false
    this.put(undefined, undefined, order)
    return true
  }

  /** Adds a fill kept for reconciliation by an earlier run (from the store). */
  loadUnmatched(unmatched: UnmatchedFill): void {
    this.unmatched.set(reportKey(unmatched.report), unmatched)
  }

  /** Continues the journal after `sequence` (the store's last entry), so sequence numbers never repeat. */
  resumeAfter(sequence: number): void {
    if (sequence > this.lastSequence) this.lastSequence = sequence
  }

  /** @internal replays one journal entry (see `rebuild`). */
  replayEntry(entry: OrderJournalEntry): JournalCorrupt | undefined {
    const slot = this.slots.get(entry.operationId)
    const before = slot?.record
    const after = replay(before, entry)
    if (after instanceof JournalCorrupt) return after
    this.put(slot, before, after)
    this.lastSequence = entry.sequence
    return undefined
  }

  // -------------------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------------------

  /** The hot path's draft: the spare one, or a fresh one if a journal sink re-entered a manager. */
  private take(): Draft {
    const d = spare ?? new Draft()
    spare = undefined
    d.journal = this.options.journal !== undefined
    return d
  }

  private drop<E>(d: Draft, refusal: E): E {
    d.clear()
    spare = d
    return refusal
  }

  /** Commits a draft checked just now (nothing can have changed since: one synchronous call). */
  private install<A>(d: Draft): A {
    const n = d.size
    for (let i = 0; i < n; i++) this.put(d.slots[i], d.befores[i], d.afters[i]!)
    this.lastSequence += n
    if (d.unmatched !== undefined) this.unmatched.set(reportKey(d.unmatched.report), d.unmatched)
    const result = d.result as A
    const sink = this.options.journal
    if (sink !== undefined) {
      const entries = d.entries
      for (let i = 0; i < n; i++) sink(entries[i]!)
    }
    d.clear()
    spare = d
    return result
  }

  private toPlan<A>(d: Draft): Plan<A> {
    const changes: Array<Change> = []
    for (let i = 0; i < d.size; i++) changes.push({ before: d.befores[i], after: d.afters[i]! })
    return {
      baseSequence: this.lastSequence,
      changes,
      entries: d.entries.slice(0, d.size) as Array<OrderJournalEntry>,
      unmatched: d.unmatched,
      result: d.result as A
    }
  }

  private stageUnmatched(
    d: Draft,
    report: FillReport,
    reason: UnmatchedReason,
    message: string,
    operationId: Ids.OperationId | undefined,
    now: Time.EpochMillis
  ): undefined {
    const unmatched: UnmatchedFill = {
      report,
      reason,
      message,
      ...(operationId === undefined ? {} : { operationId }),
      recordedAt: now
    }
    d.unmatched = unmatched
    d.result = { _tag: "Unmatched", unmatched }
    return undefined
  }

  /** Adds one change to a draft, with its journal entry when anyone will see it. */
  private stage(
    d: Draft,
    slot: Slot | undefined,
    before: ManagedOrder | undefined,
    after: ManagedOrder,
    event: JournalEvent | undefined,
    now: Time.EpochMillis
  ): void {
    const i = d.size++
    if (d.journal) {
      d.entries[i] = {
        sequence: this.lastSequence + i + 1,
        operationId: after.order.operationId,
        version: after.version,
        timestamp: now,
        event: event!
      }
    }
    d.slots[i] = slot
    d.befores[i] = before
    d.afters[i] = after
  }

  private hasTrade(venue: string, tradeId: string): boolean {
    const ids = this.tradeIds.get(venue)
    return ids !== undefined && ids.has(tradeId)
  }

  private addTrade(fill: Fill.Fill): void {
    const ids = this.tradeIds.get(fill.venue)
    if (ids === undefined) this.tradeIds.set(fill.venue, new Set([fill.tradeId]))
    else ids.add(fill.tradeId)
  }

  private indexVenueOrderId(venue: string, venueOrderId: string, slot: Slot): void {
    const ids = this.byVenueOrderId.get(venue)
    if (ids === undefined) this.byVenueOrderId.set(venue, new Map([[venueOrderId, slot]]))
    else ids.set(venueOrderId, slot)
  }

  /** Moves `slot` between status buckets: the last of its bucket takes its place. */
  private move(slot: Slot, from: string, to: string): void {
    const bucket = this.byStatus.get(from)!
    const last = bucket.pop()!
    if (last !== slot) {
      bucket[slot.statusAt] = last
      last.statusAt = slot.statusAt
    }
    const target = bucketOf(this.byStatus, to)
    slot.statusAt = target.length
    target.push(slot)
  }

  /**
   * Installs a record and keeps every index in step with it. `slot` is the order's slot when
   * the caller has it (undefined: looked up), `before` the record it replaces (undefined: a
   * new order).
   */
  private put(slot: Slot | undefined, before: ManagedOrder | undefined, after: ManagedOrder): void {
    const o = after.order
    const id = o.operationId
    if (before === undefined) {
      this.add(after)
      return
    }
    const s = slot ?? this.slots.get(id)!
    s.record = after
    const b = before.order
    if (b.status !== o.status) this.move(s, b.status, o.status)
    if (b.venueOrderId === undefined && o.venueOrderId !== undefined && o.venue !== undefined) {
      this.indexVenueOrderId(o.venue, o.venueOrderId, s)
    }
    for (let i = before.fills.length; i < after.fills.length; i++) {
      const fill = after.fills[i]!
      if (fill.operationId === id) this.addTrade(fill)
    }
  }

  private add(after: ManagedOrder): void {
    const o = after.order
    const id = o.operationId
    const slot = new Slot(after, this.slots.size)
    this.slots.set(id, slot)
    this.byClientOrderId.set(o.clientOrderId, slot)
    bucketOf(this.byStrategy, o.strategyId).push(slot)
    bucketOf(this.byInstrument, o.canonicalId).push(slot)
    if (o.venue !== undefined) bucketOf(this.byVenue, o.venue).push(slot)
    if (o.parentOperationId !== undefined) {
      const parent = this.slots.get(o.parentOperationId)
      if (parent === undefined) bucketOf(this.orphans, o.parentOperationId).push(slot)
      else if (parent.children === undefined) parent.children = [slot]
      else parent.children.push(slot)
    }
    if (this.orphans.size !== 0) {
      const kids = this.orphans.get(id)
      if (kids !== undefined) {
        slot.children = kids
        this.orphans.delete(id)
      }
    }
    const bucket = bucketOf(this.byStatus, o.status)
    slot.statusAt = bucket.length
    bucket.push(slot)
    if (o.venue !== undefined && o.venueOrderId !== undefined) this.indexVenueOrderId(o.venue, o.venueOrderId, slot)
    for (const fill of after.fills) if (fill.operationId === id) this.addTrade(fill)
  }

  private validate(r: OrderRequest): InvalidOrderRequest | undefined {
    const id = r.operationId
    if (typeof r.strategyId !== "string" || r.strategyId.length === 0) {
      return invalid("Malformed", id, `strategyId must be a non-empty string, got ${describe(r.strategyId)}`)
    }
    if (typeof r.canonicalId !== "string" || r.canonicalId.length === 0) {
      return invalid("Malformed", id, `canonicalId must be a non-empty string, got ${describe(r.canonicalId)}`)
    }
    if (!SIDES.has(r.side)) return invalid("Malformed", id, `side must be BUY or SELL, got ${describe(r.side)}`)
    if (!TYPES.has(r.type)) return invalid("Malformed", id, `type must be MARKET or LIMIT, got ${describe(r.type)}`)
    if (!TIFS.has(r.timeInForce)) return invalid("Malformed", id, `timeInForce is not one of GTC IOC FOK GTD DAY: ${describe(r.timeInForce)}`)
    if (!Decimal.isDecimal(r.quantity)) return invalid("InvalidQuantity", id, `quantity must be a Decimal, got ${describe(r.quantity)}`)
    if (!Decimal.isPositive(r.quantity)) return invalid("InvalidQuantity", id, `quantity must be positive, got ${Decimal.format(r.quantity)}`)
    if (r.price !== undefined) {
      if (!Decimal.isDecimal(r.price)) return invalid("InvalidPrice", id, `price must be a Decimal, got ${describe(r.price)}`)
      if (!Decimal.isPositive(r.price)) return invalid("InvalidPrice", id, `price must be positive, got ${Decimal.format(r.price)}`)
      if (r.type === "MARKET") return invalid("UnexpectedPrice", id, "a MARKET order has no price")
    } else if (r.type === "LIMIT") {
      return invalid("MissingPrice", id, "a LIMIT order needs a price")
    }
    if ((r.timeInForce === "GTD") !== (r.expireAt !== undefined)) {
      return invalid("InvalidExpiry", id, r.timeInForce === "GTD" ? "a GTD order needs expireAt" : "only a GTD order has expireAt")
    }
    if (r.expireAt !== undefined && !(Number.isSafeInteger(r.expireAt) && r.expireAt >= 0)) {
      return invalid("InvalidExpiry", id, `expireAt must be epoch milliseconds, got ${describe(r.expireAt)}`)
    }
    if (r.postOnly === true && (r.type !== "LIMIT" || r.timeInForce === "IOC" || r.timeInForce === "FOK")) {
      return invalid("InvalidFlags", id, "postOnly needs a LIMIT order that is not IOC or FOK")
    }
    const spec = this.options.instruments.get(r.canonicalId)
    if (spec === undefined) return invalid("UnknownInstrument", id, `Unknown instrument ${r.canonicalId}`)
    if (r.venue !== undefined && r.venue !== spec.venue) {
      return invalid("VenueMismatch", id, `${r.canonicalId} trades on ${spec.venue}, not ${r.venue}`)
    }
    if (!InstrumentSpec.isQuantityOnGrid(spec, r.quantity)) {
      return invalid(
        "InvalidQuantity",
        id,
        `quantity ${Decimal.format(r.quantity)} is not a multiple of the lot size ${Decimal.format(spec.lotSize)}`
      )
    }
    if (r.price !== undefined && !InstrumentSpec.isPriceOnGrid(spec, r.price)) {
      return invalid(
        "InvalidPrice",
        id,
        `price ${Decimal.format(r.price)} is not a multiple of the tick size ${Decimal.format(spec.tickSize)}`
      )
    }
    return undefined
  }

  private checkChild(r: OrderRequest): ChildOrderRejected | undefined {
    const parentId = r.parentOperationId!
    const refuse = (reason: ChildOrderRejected["reason"], message: string) =>
      new ChildOrderRejected({ reason, parentOperationId: parentId, message: `Child ${r.operationId} of ${parentId}: ${message}` })
    const slot = this.slots.get(parentId)
    if (slot === undefined) return refuse("UnknownParent", "no such parent order")
    const parent = slot.record
    const p = parent.order
    if (p.side !== r.side) return refuse("SideMismatch", `the parent is a ${p.side}`)
    if (p.strategyId !== r.strategyId) return refuse("StrategyMismatch", `the parent belongs to ${p.strategyId}`)
    const status = parent.state.status
    if (status !== "PENDING" && status !== "SUBMITTED" && status !== "ACCEPTED" && status !== "PARTIALLY_FILLED") {
      return refuse("ParentClosed", `the parent is ${status}`)
    }
    const siblings = slot.children
    if (parent.state.venueOrderId !== undefined || (siblings === undefined && status !== "PENDING")) {
      return refuse("ParentSentToVenue", "the parent was sent to a venue itself")
    }
    // Filled quantity is spent for good; an open child holds its unfilled rest; a finished
    // child releases it (its fills are already in the parent's filled quantity).
    let used = parent.state.filledQuantity
    if (siblings !== undefined) {
      for (const sibling of siblings) {
        const c = sibling.record.state
        if (!OrderStatus.isTerminal(c.status)) used = Decimal.add(used, OrderStateMachine.remainingQuantity(c))
      }
    }
    const total = Decimal.add(used, r.quantity)
    if (Decimal.greaterThan(total, p.quantity)) {
      return refuse(
        "ExceedsParent",
        `${Decimal.format(r.quantity)} more would commit ${Decimal.format(total)} of the parent's ${Decimal.format(p.quantity)}`
      )
    }
    return undefined
  }
}

/** Where the manager keeps an order: its current record, creation rank and index positions. */
class Slot {
  /** Index in its status bucket. */
  statusAt = 0
  /** Child slots in creation order; undefined until the first child (an empty array never appears). */
  children: Array<Slot> | undefined = undefined
  constructor(
    public record: ManagedOrder,
    readonly ordinal: number
  ) {}
}

/**
 * What a check stages: `size` changes (parallel arrays, overwritten in place from index 0 on
 * reuse: truncating an array is a runtime call), their journal entries when `journal`, an
 * unmatched fill, the result.
 */
class Draft {
  size = 0
  journal = true
  readonly slots: Array<Slot | undefined> = []
  readonly befores: Array<ManagedOrder | undefined> = []
  readonly afters: Array<ManagedOrder | undefined> = []
  readonly entries: Array<OrderJournalEntry | undefined> = []
  unmatched: UnmatchedFill | undefined = undefined
  result: unknown = undefined
  /** Forgets the staged changes (and drops the references, so a spare draft keeps nothing alive). */
  clear(): void {
    for (let i = 0; i < this.size; i++) {
      this.slots[i] = undefined
      this.befores[i] = undefined
      this.afters[i] = undefined
      this.entries[i] = undefined
    }
    this.size = 0
    this.unmatched = undefined
    this.result = undefined
  }
}

/**
 * The one draft the hot path reuses, across managers (all synchronous, on one thread). Taken
 * while in use, so a journal sink that calls back into a manager gets a fresh one.
 */
let spare: Draft | undefined = new Draft()

const NO_SLOTS: ReadonlyArray<Slot> = []
const matchAll: OrderQuery = {}

const hasChildren = (slot: Slot): boolean => slot.children !== undefined

/** The index list under `key`, created empty on first use. */
const bucketOf = (index: Map<string, Array<Slot>>, key: string): Array<Slot> => {
  let list = index.get(key)
  if (list === undefined) {
    list = []
    index.set(key, list)
  }
  return list
}

/** The shorter candidate (an absent index entry is the empty list); `a` on a tie. */
const smaller = (a: ReadonlyArray<Slot> | undefined, b: ReadonlyArray<Slot> | undefined): ReadonlyArray<Slot> => {
  const list = b ?? NO_SLOTS
  return a === undefined || list.length < a.length ? list : a
}

const invalid = (reason: InvalidOrderRequestReason, operationId: string | undefined, message: string): InvalidOrderRequest =>
  new InvalidOrderRequest({
    reason,
    operationId,
    message: operationId === undefined ? `Invalid order request: ${message}` : `Order ${operationId}: ${message}`
  })

const rejected = (reason: EventRejected["reason"], operationId: string, message: string): EventRejected =>
  new EventRejected({ reason, operationId, message: `Order ${operationId}: ${message}`, cause: undefined })

const notFound = (ref: string): OrderNotFound => new OrderNotFound({ ref, message: `No order with ${ref}` })

const isText = (u: unknown): u is string => typeof u === "string" && u.length > 0

/** What is wrong with a report, or undefined. Cheap checks only: the hot path calls it per fill. */
const checkReport = (r: FillReport): string | undefined => {
  if (typeof r !== "object" || r === null) return `expected an object, got ${describe(r)}`
  if (!isText(r.venue)) return `venue must be a non-empty string, got ${describe(r.venue)}`
  if (!isText(r.tradeId)) return `tradeId must be a non-empty string, got ${describe(r.tradeId)}`
  if (r.operationId === undefined && r.clientOrderId === undefined && r.venueOrderId === undefined) {
    return "it names no order (operationId, clientOrderId or venueOrderId)"
  }
  if (!Decimal.isDecimal(r.quantity)) return `quantity must be a Decimal, got ${describe(r.quantity)}`
  if (!Decimal.isPositive(r.quantity)) return `quantity must be positive, got ${Decimal.format(r.quantity)}`
  if (!Decimal.isDecimal(r.price)) return `price must be a Decimal, got ${describe(r.price)}`
  if (!Decimal.isDecimal(r.fee)) return `fee must be a Decimal, got ${describe(r.fee)}`
  if (!isText(r.feeCurrency)) return `feeCurrency must be a non-empty string, got ${describe(r.feeCurrency)}`
  if (!LIQUIDITIES.has(r.liquidity)) return `liquidity must be MAKER or TAKER, got ${describe(r.liquidity)}`
  if (!(Number.isSafeInteger(r.timestamp) && r.timestamp >= 0)) return `timestamp must be epoch milliseconds, got ${describe(r.timestamp)}`
  return undefined
}

/** A new, empty order manager. */
export const make = (options: OrderManagerOptions): OrderManager => new OrderManager(options)

/**
 * The manager a journal describes: every entry replayed in sequence order, exactly as the
 * live manager committed it. `unmatched` restores the reconciliation queue, which is kept
 * beside the journal, not in it (no order changed). Fails on a journal that does not replay.
 */
export const rebuild = (
  entries: Iterable<OrderJournalEntry>,
  options: OrderManagerOptions,
  unmatched: Iterable<UnmatchedFill> = []
): Either.Either<OrderManager, JournalCorrupt> => {
  const manager = new OrderManager(options)
  let last = 0
  for (const entry of entries) {
    if (entry.sequence <= last) {
      return Either.left(
        new JournalCorrupt({
          reason: "OutOfOrder",
          sequence: entry.sequence,
          message: `Journal entry ${entry.sequence} follows entry ${last}`
        })
      )
    }
    const problem = manager.replayEntry(entry)
    if (problem !== undefined) return Either.left(problem)
    last = entry.sequence
  }
  for (const u of unmatched) manager.loadUnmatched(u)
  return Either.right(manager)
}
