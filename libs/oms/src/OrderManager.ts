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
 *
 * Memory: by default the manager keeps every order. With `retainTerminal: n` it keeps every
 * unfinished order and at most n finished ones: whole finished order trees (a root and all
 * its descendants) are evicted, oldest-finished first, after each committed change.
 */
import { Decimal, Fill, Ids, InstrumentSpec, OrderStateMachine, OrderStatus, Order } from "@odum/domain"
import type { DomainError, OrderEvent, Time } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { FillReport, UnmatchedFill, UnmatchedReason, VenueFill } from "./FillReport.js"
import { key as reportKey, ofVenueFill } from "./FillReport.js"
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
import { ClientIndex } from "./internal/ClientIndex.js"
import { KeyIndex } from "./internal/KeyIndex.js"
import { advance, advanceAccept, advanceFill, advanceSubmit, appendFill, createdChecked, replay } from "./internal/records.js"
import { isTerminalIndex, statusIndex } from "./internal/status.js"

/** Finds an instrument by canonical id; a `Map<string, InstrumentSpec>` is one. */
export interface InstrumentLookup {
  readonly get: (canonicalId: string) => InstrumentSpec.InstrumentSpec | undefined
}

/** How an order manager is built. */
export interface OrderManagerOptions {
  /** Instruments orders may be placed on; an unknown canonical id is refused. */
  readonly instruments: InstrumentLookup
  /**
   * Receives every journal entry as it is committed, in sequence order (e.g. to persist or
   * stream it), with the order's record as that entry left it and the record it replaced
   * (undefined for `Created`): no lookup needed, and a sink sees which entry ended an order
   * (a terminal `order` after a non-terminal `before`).
   */
  readonly journal?: ((entry: OrderJournalEntry, order: ManagedOrder, before: ManagedOrder | undefined) => void) | undefined
  /**
   * The kinds of entry (`entry.event._tag`) the journal sink is called with; default: every
   * kind. The others are still journalled (they take their sequence numbers, a plan holds
   * them); only the call, and the entry object for it, are skipped. For a sink that reads a
   * few kinds: the backtest's reads Created and FillRecorded of the four entries per order.
   * (`before` is still the record the entry replaced, whether its own entry was skipped or not.)
   */
  readonly journalEvents?: ReadonlyArray<JournalEvent["_tag"]> | undefined
  /**
   * How many finished (terminal) orders to keep in memory; default: all of them. Once more
   * are held, whole finished trees (a root order and all its descendants, each terminal) are
   * evicted, oldest-finished first, until at most this many remain; so `size` never exceeds
   * the unfinished trees' orders plus this. Eviction runs at the end of each call that
   * commits a change, after the journal sink has seen it: an order a call finishes is still
   * readable from the sink, and after the call unless the bound is smaller than what
   * finished since. An unfinished order, and any order of a tree with an unfinished member,
   * is never evicted. Evicted orders are forgotten: see the README ("Bounded memory") for
   * what a late fill or a repeated create then does.
   */
  readonly retainTerminal?: number | undefined
  /**
   * Called with the final record of every evicted order, in eviction order (a tree's root
   * first, then depth-first, children in creation order), after the tree left every index: e.g. to
   * collect a backtest's finished orders, or to know the store holds them. Must not throw.
   */
  readonly onEvict?: ((order: ManagedOrder) => void) | undefined
}

/** The result of `create`: the order under the operation id, and whether this call created it. */
export interface CreateResult {
  readonly order: ManagedOrder
  /** False when the operation id already existed with the same request: nothing new to send. */
  readonly created: boolean
}

/**
 * The result of `tryCreateAndSubmit`: `tryCreate`'s, and what the Submit that followed a
 * creation answered.
 */
export interface CreateSubmitResult extends CreateResult {
  /**
   * The order after its Submit, or why it was refused (the order then stays PENDING, as
   * created); undefined when the call created nothing (`created` false: nothing submitted).
   */
  readonly submitted: ManagedOrder | ApplyError | undefined
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

// The domain functions the hot path calls, bound once: a namespace property read per call
// is a getter call under some module loaders (tsx, CommonJS interop).
const { isDecimal, isPositive, format: formatDecimal, add: addDecimal, greaterThan, equals: decimalEquals, zero: ZERO } = Decimal
const { transition, onAccept, onFill, isIllegal, remainingQuantity } = OrderStateMachine
const { isTerminal } = OrderStatus
const { clientOrderIdFor } = Ids
const { key: fillKey } = Fill
const { isQuantityOnGrid, isPriceOnGrid } = InstrumentSpec
const { right, left } = Either

const SUBMIT: OrderEvent.Submit = { _tag: "Submit" }

/**
 * A kind of journal entry as one bit of `journalMask` (the kinds the hot path journals first).
 * A switch: an object keyed by the tag was a megamorphic keyed load per entry.
 */
const journalBit = (tag: JournalEvent["_tag"]): number => {
  switch (tag) {
    case "FillRecorded":
      return JOURNAL_FILL
    case "Accept":
      return JOURNAL_ACCEPT
    case "Created":
      return JOURNAL_CREATED
    case "Submit":
      return JOURNAL_SUBMIT
    case "ChildFill":
      return 16
    case "Deny":
      return 32
    case "Reject":
      return 64
    case "CancelRequest":
      return 128
    case "CancelAck":
      return 256
    case "CancelReject":
      return 512
    case "Expire":
      return 1024
  }
}
const JOURNAL_FILL = 1
const JOURNAL_ACCEPT = 2
const JOURNAL_CREATED = 4
const JOURNAL_SUBMIT = 8
const JOURNAL_ALL = 2047

/**
 * The kinds of entry the options' journal sink is called with (see `OrderManagerOptions.journalEvents`).
 * Throws a RangeError for a name that is no kind of entry (a sink would silently miss it).
 */
const journalMaskOf = (options: OrderManagerOptions): number => {
  if (options.journal === undefined) return 0
  if (options.journalEvents === undefined) return JOURNAL_ALL
  let mask = 0
  for (const tag of options.journalEvents) {
    // (The switch answers undefined for a name outside the type: an untyped caller's.)
    const bit: number | undefined = journalBit(tag)
    if (bit === undefined) {
      throw new RangeError(`OrderManager: journalEvents names ${describe(tag)}, which is not a kind of journal entry`)
    }
    mask |= bit
  }
  return mask
}
const NON_TERMINAL: ReadonlyArray<OrderStatus.OrderStatus> = OrderStatus.all.filter((s) => !isTerminal(s))

const describe = (u: unknown): string => {
  if (typeof u === "string") return `the string ${JSON.stringify(u.length > 40 ? `${u.slice(0, 40)}...` : u)}`
  if (isDecimal(u)) return formatDecimal(u)
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
  a === undefined ? b === undefined : isDecimal(b) && decimalEquals(a, b)

/**
 * The request fields on which `order` differs from `request` (empty: the same request);
 * `venue` is the request's venue, or the one a caller gave with a request that names none
 * (see `tryCreate`).
 */
export const requestDifferences = (order: Order.UnifiedOrder, r: OrderRequest, venue: string | undefined = r.venue): Array<string> => {
  const d: Array<string> = []
  if (order.strategyId !== r.strategyId) d.push("strategyId")
  if (order.canonicalId !== r.canonicalId) d.push("canonicalId")
  if (order.venue !== venue) d.push("venue")
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

/** Index-list tombstones allowed per held order before a sweep (see `sweepIfDue`). */
const STALE_FACTOR = 2

/** The fewest orders added between two young copies of the slot table (see `add`). */
const COPY_EVERY = 1024

/** Orders added between two young copies of the slot table for `live` held orders: at least 1.5 times them. */
const copyInterval = (live: number): number => {
  let n = COPY_EVERY
  while (n < live + (live >> 1)) n *= 2
  return n
}

/** The unified order manager; see the module comment. */
export class OrderManager {
  // The key indexes: tables of the manager's own of hashes and handles (see `KeyIndex` and
  // `ClientIndex`), from which an evicted order is removed at once, from the hash each keeps
  // by handle: no string is read, so eviction touches nothing but the order's slot.
  /** Held orders by operation id. */
  private readonly byOperationId = new KeyIndex(false)
  /**
   * Held orders by client order id: a table of the manager's own of hashes and handles (see
   * `ClientIndex`), from which an evicted order is removed at once (no string read).
   */
  private readonly byClientOrderId = new ClientIndex()
  /** Held orders by venue and venue order id (venue order ids are unique per venue only). */
  private readonly byVenueOrderId = new KeyIndex(true)
  /** Orders added since the slot table was last copied, and how many the next copy waits for (see `add`). */
  private sinceCopy = 0
  private copyEvery = COPY_EVERY
  /** Orders held (the key indexes' live entries), and evicted ones still tombstones in the index lists (reset when `buildLists` builds them). */
  private live = 0
  private stale = 0
  /**
   * The last operation id `get` found no order for (`missIds[0]`), and `nextOrdinal` then: a
   * lookup cache, not state (non-enumerable, set in the constructor, so two managers holding
   * the same orders still compare equal).
   */
  private declare missIds: Array<string | undefined>
  /** Misses since `missIds` was renewed: it holds the id in `[0]`, a young array renewed every 64 misses (see `get`). */
  private declare missSince: number
  private declare missAt: number
  /** The missed id's hash in the operation id index (hashed once for the lookup and the order's `add`). */
  private declare missHash: number
  /**
   * The handle of the order added last (a lookup cache, non-enumerable as `missIds`): a
   * venue's Accept and Fill mostly answer the order just sent. A small integer, so storing
   * it takes no write barrier (a slot remembered here did, and cost more than it saved).
   */
  private declare lastHandle: number
  /**
   * The kinds of entry the journal sink is called with (`journalBit`'s bits; 0 without a sink),
   * from the options (non-enumerable as `missIds`: two managers holding the same orders still
   * compare equal whatever their sinks).
   */
  private declare journalMask: number
  // Secondary indices in creation order: a push per new order instead of a hashed Set
  // insert; an evicted order stays as a tombstone (eviction touches no list), swept from all
  // three lists in one pass (`sweep`), so each evicted slot is read back once. Built by the
  // first query that names a strategy, venue or instrument (`buildLists`), kept from then on:
  // a manager never queried so (the execution core's, the backtest's) keeps no lists. Caches,
  // not state (non-enumerable, set in the constructor, as `missIds`): a manager queried and one
  // not still compare equal.
  private declare byStrategy: Map<string, SlotList>
  private declare byVenue: Map<string, SlotList>
  private declare byInstrument: Map<string, SlotList>
  /** Whether the three lists above are kept (see `buildLists`). */
  private declare listed: boolean
  /**
   * The index lists last written, by key (a cache, not state:
   * non-enumerable, set in the constructor, as `missIds`). Not `#private` fields: V8 read them
   * slower here than the rest of the manager cost (the OMS benchmark lost a quarter).
   */
  private declare memo: IndexMemo
  /** Children loaded before their parent (recovery); adopted by the parent's slot when it arrives. */
  private readonly orphans = new Map<string, Array<Slot>>()
  /**
   * Every held order's slot under a small integer (`Slot.handle`), reused once the order is
   * evicted. The status buckets and the finished queue hold handles, not slots: a young slot
   * stored into their long-lived arrays took V8's write barrier slow path (~58 instructions)
   * on every status move and every finished tree, where a small integer takes none; the
   * table takes one such store per order, while it is old: `add` replaces it with a copy
   * (a young array) every `copyEvery` orders, so in a bounded workload it seldom is.
   */
  private table: Array<Slot | undefined> = []
  private readonly freeHandles: Array<number> = []
  /** One bucket of handles per status, in `OrderStatus.all` order; an order moves by swap-remove (see `move`). */
  private declare byStatus: Array<Array<number>>
  /**
   * Whether the status buckets (and each slot's `statusAt`) are kept: from the first query by
   * status (`buildBuckets`) on, as the index lists are (a manager never queried by status keeps
   * none: ~a push, two moves and a removal per order in the backtest's replay). Non-enumerable
   * caches, as the lists.
   */
  private declare bucketed: boolean
  /** Fills kept for reconciliation, in arrival order, and their (venue, trade id) pairs. */
  private readonly unmatched: Array<UnmatchedFill> = []
  private readonly unmatchedTrades = new Map<string, Set<string>>()
  private lastSequence = 0
  private nextOrdinal = 0
  /** The most finished orders held; Infinity: no eviction, and none of its bookkeeping. */
  private readonly limit: number
  private readonly bounded: boolean
  /** Finished trees in the order they finished (their roots' handles; -1 where one was withdrawn). */
  private readonly finished: Array<number> = []
  private finishedHead = 0
  /** Queue position of `finished[0]` (positions are absolute, so a sweep renumbers nothing). */
  private finishedBase = 0
  /** Orders in queued (finished) trees. */
  private retained = 0
  private evictedCount = 0
  private evicting = false

  constructor(private readonly options: OrderManagerOptions) {
    const n = options.retainTerminal
    if (n !== undefined && n !== Number.POSITIVE_INFINITY && !(Number.isSafeInteger(n) && n >= 0)) {
      throw new RangeError(`OrderManager: retainTerminal must be a non-negative integer or Infinity, got ${String(n)}`)
    }
    this.limit = n ?? Number.POSITIVE_INFINITY
    this.bounded = this.limit !== Number.POSITIVE_INFINITY
    Object.defineProperty(this, "missIds", { value: [undefined], writable: true, enumerable: false })
    Object.defineProperty(this, "missSince", { value: 0, writable: true, enumerable: false })
    Object.defineProperty(this, "missAt", { value: -1, writable: true, enumerable: false })
    Object.defineProperty(this, "missHash", { value: -1, writable: true, enumerable: false })
    Object.defineProperty(this, "lastHandle", { value: 0, writable: true, enumerable: false })
    Object.defineProperty(this, "journalMask", { value: journalMaskOf(options), writable: false, enumerable: false })
    Object.defineProperty(this, "memo", { value: new IndexMemo(), writable: false, enumerable: false })
    Object.defineProperty(this, "byStrategy", { value: new Map(), writable: false, enumerable: false })
    Object.defineProperty(this, "byVenue", { value: new Map(), writable: false, enumerable: false })
    Object.defineProperty(this, "byInstrument", { value: new Map(), writable: false, enumerable: false })
    Object.defineProperty(this, "listed", { value: false, writable: true, enumerable: false })
    Object.defineProperty(this, "byStatus", { value: OrderStatus.all.map((): Array<number> => []), writable: false, enumerable: false })
    Object.defineProperty(this, "bucketed", { value: false, writable: true, enumerable: false })
  }

  // -------------------------------------------------------------------------------------
  // Queries (held orders only: evicted ones are in the store, or were handed to onEvict)
  // -------------------------------------------------------------------------------------

  /** The sequence number of the last committed journal entry (0 before any). */
  get sequence(): number {
    return this.lastSequence
  }

  /** How many orders the manager holds (evicted ones excluded). */
  get size(): number {
    return this.live
  }

  /** How many orders were evicted so far (see `OrderManagerOptions.retainTerminal`). */
  get evicted(): number {
    return this.evictedCount
  }

  /** The held order recorded under `operationId`. */
  get(operationId: string): ManagedOrder | undefined {
    const h = this.byOperationId.hash(operationId)
    const s = this.slotHashed(operationId, h)
    if (s === undefined) this.remember(operationId, h)
    return s?.record
  }

  /**
   * Remembers a miss of `get`. In a method of its own: `get` stays small (V8 makes a function
   * hot, and optimises it, after a number of bytecodes run in proportion to its size).
   */
  private remember(operationId: string, h: number): void {
    // The id (a young string) kept in a young array, renewed every 64 misses: stored into the
    // long-lived manager, each new id took V8's write barrier slow path (~52 instructions).
    if (++this.missSince >= 64) {
      this.missSince = 0
      this.missIds = [operationId]
    } else this.missIds[0] = operationId
    this.missAt = this.nextOrdinal
    this.missHash = h
  }

  /** The held order we gave this client order id. */
  getByClientOrderId(clientOrderId: string): ManagedOrder | undefined {
    return this.byClient(clientOrderId)?.record
  }

  /** The held order a venue knows under its own id. */
  getByVenueOrderId(venue: string, venueOrderId: string): ManagedOrder | undefined {
    return this.byVenueOrder(venue, venueOrderId)?.record
  }

  /** The children of `parentOperationId`, in creation order. */
  children(parentOperationId: string): ReadonlyArray<ManagedOrder> {
    const kids = this.childrenOf(parentOperationId)
    return kids === undefined ? [] : this.collect(kids, matchAll, Number.MAX_SAFE_INTEGER)
  }

  /** Held orders matching `query`, in creation order, at most `limitOf(query)`. */
  query(query: OrderQuery): ReadonlyArray<ManagedOrder> {
    const limit = limitOf(query)
    // The shortest index list the query names drives the scan (tombstones counted too: at most
    // about three times the held orders plus 1,024, see `sweepIfDue`).
    let driver: ReadonlyArray<Slot> | undefined
    let live = Number.MAX_SAFE_INTEGER
    if (this.listed !== true && (query.strategyId !== undefined || query.venue !== undefined || query.canonicalId !== undefined)) {
      this.buildLists()
    }
    const candidates = [
      query.strategyId === undefined ? undefined : (this.byStrategy.get(query.strategyId) ?? EMPTY_LIST),
      query.venue === undefined ? undefined : (this.byVenue.get(query.venue) ?? EMPTY_LIST),
      query.canonicalId === undefined ? undefined : (this.byInstrument.get(query.canonicalId) ?? EMPTY_LIST)
    ]
    for (const list of candidates) {
      if (list !== undefined && list.items.length < live) {
        driver = list.items
        live = list.items.length
      }
    }
    if (query.parentOperationId !== undefined) {
      const kids = this.childrenOf(query.parentOperationId) ?? NO_SLOTS
      if (kids.length < live) driver = kids
    }
    if (driver !== undefined) return this.collect(driver, query, limit)
    if (query.statuses === undefined && query.nonTerminal !== true) {
      // Every held order, in creation order (the slot table reuses evicted orders' handles).
      const all: Array<Slot> = []
      for (const s of this.table) if (s !== undefined) all.push(s)
      all.sort((a, b) => a.ordinal - b.ordinal)
      return this.collect(all, query, limit)
    }
    // Status buckets are reordered as orders move between them: gather, then sort by creation.
    if (this.bucketed !== true) this.buildBuckets()
    const statuses = query.statuses ?? NON_TERMINAL
    const found: Array<Slot> = []
    for (const status of new Set(statuses)) {
      const i = statusIndex(status)
      if (i < 0) continue
      for (const handle of this.byStatus[i]!) {
        const slot = this.table[handle]!
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
    return this.unmatched.slice()
  }

  private childrenOf(operationId: string): ReadonlyArray<Slot> | undefined {
    return this.slot(operationId)?.children ?? this.orphans.get(operationId)
  }

  /** The held order's slot under an operation id. */
  private slot(operationId: string): Slot | undefined {
    return this.slotHashed(operationId, this.byOperationId.hash(operationId))
  }

  /** `slot` with the id's hash (`KeyIndex.hash`) at hand. */
  private slotHashed(operationId: string, h: number): Slot | undefined {
    return this.byOperationId.get(operationId, undefined, h, this.table)
  }

  private byClient(clientOrderId: string): Slot | undefined {
    return this.byClientHashed(clientOrderId, this.byClientOrderId.hash(clientOrderId))
  }

  /** `byClient` with the id's hash (`ClientIndex.hash`) at hand. */
  private byClientHashed(clientOrderId: string, h: number): Slot | undefined {
    const s = this.byClientOrderId.get(clientOrderId, h, this.table)
    return s !== undefined && s.held === true ? s : undefined
  }

  /**
   * `byClient` for a venue's event: the order added last first, found by its handle and
   * client order id without an index lookup (two per order in a backtest). The same answer:
   * the order added last is the one its client order id's entry names (a later `set` of the
   * same id replaces the entry, and a newer order becomes the one added last); an evicted
   * order's handle holds undefined, or a newer order with another id.
   */
  private eventSlot(clientOrderId: string): Slot | undefined {
    const last = this.table[this.lastHandle]
    if (last !== undefined && last.record.order.clientOrderId === clientOrderId) return last
    return this.byClient(clientOrderId)
  }

  private byVenueOrder(venue: string, venueOrderId: string): Slot | undefined {
    const index = this.byVenueOrderId
    return index.get(venueOrderId, venue, index.hashVenue(venue, venueOrderId), this.table)
  }

  private collect(slots: Iterable<Slot>, query: OrderQuery, limit: number): Array<ManagedOrder> {
    const out: Array<ManagedOrder> = []
    for (const slot of slots) {
      if (slot.held === true && matches(query, slot.record)) {
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
   * different request under an existing id is a DuplicateOperation. Only held orders are
   * known: an operation id whose order was evicted is a new order to this manager.
   */
  create(request: OrderRequest, now: Time.EpochMillis): Either.Either<CreateResult, CreateError> {
    return either<CreateResult, CreateError>(this.tryCreate(request, now))
  }

  /** Applies a lifecycle event through the state machine; a refusal changes nothing. */
  apply(operationId: string, event: LifecycleEvent, now: Time.EpochMillis): Either.Either<ManagedOrder, ApplyError> {
    return either<ManagedOrder, ApplyError>(this.tryApply(operationId, event, now))
  }

  /** `apply` to the order with this client order id (what venues echo back). */
  applyByClientOrderId(
    clientOrderId: string,
    event: LifecycleEvent,
    now: Time.EpochMillis
  ): Either.Either<ManagedOrder, ApplyError> {
    return either<ManagedOrder, ApplyError>(this.tryApplyByClientOrderId(clientOrderId, event, now))
  }

  /**
   * Records a venue's fill on its order and the order's parents. A (venue, trade id) already
   * recorded on the order it names, or already kept unmatched, is reported as Duplicate and
   * ignored; a fill that matches no held order, contradicts its order or is refused by the
   * state machine is kept as Unmatched for reconciliation. Only a malformed report is an
   * error.
   */
  recordFill(report: FillReport, now: Time.EpochMillis): Either.Either<FillOutcome, InvalidFillReport> {
    return either<FillOutcome, InvalidFillReport>(this.tryRecordFill(report, now))
  }

  // The same four without the Either: the result, or the error (every error is an `Error`,
  // no result is). For a caller on the hot path (the execution core): an Either is one more
  // object per call, four per order.

  /**
   * `create`, answering the result or the error itself. `venue` is recorded for a request
   * that names none (the venue a caller chose for it, as the execution core does after its
   * risk check): the same as creating a copy of the request with that venue, without the
   * copy. A request's own venue comes first.
   */
  tryCreate(request: OrderRequest, now: Time.EpochMillis, venue?: Ids.Venue): CreateResult | CreateError {
    return this.checkCreate(request, now, undefined, venue, false) as CreateResult | CreateError
  }

  /**
   * `tryCreate`, then, if it created the order, `tryApply` of a Submit to it, in one call:
   * the same records, journal entries (Created, then Submit, in sequence) and answers as
   * the two calls. For a caller that sends an order as soon as it is recorded (the execution
   * core). The two changes are installed together, as a call that changes several orders
   * installs them: the journal sink sees both entries after both are installed, and
   * eviction runs once, after the sink.
   */
  tryCreateAndSubmit(request: OrderRequest, now: Time.EpochMillis, venue?: Ids.Venue): CreateSubmitResult | CreateError {
    return this.checkCreate(request, now, undefined, venue, true) as CreateSubmitResult | CreateError
  }

  /** `apply`, answering the order or the error itself. */
  tryApply(operationId: string, event: LifecycleEvent, now: Time.EpochMillis): ManagedOrder | ApplyError {
    return this.checkApply(this.slot(operationId), operationId, event, now, undefined)
  }

  /** `applyByClientOrderId`, answering the order or the error itself. */
  tryApplyByClientOrderId(clientOrderId: string, event: LifecycleEvent, now: Time.EpochMillis): ManagedOrder | ApplyError {
    const slot = this.eventSlot(clientOrderId)
    if (slot === undefined) return notFound(`clientOrderId=${clientOrderId}`)
    if ((event as { _tag?: unknown } | null)?._tag === "Accept") return this.applyAccept(slot, event as OrderEvent.Accept, now)
    return this.checkApply(slot, slot.record.order.operationId, event, now, undefined)
  }

  /**
   * `checkApply` of an Accept without a draft (a venue's answer to every order): the same
   * answer and commit. A method of its own: `checkApply` is past TurboFan's inlining
   * budget, so the venue order id's hash was a call there.
   */
  private applyAccept(slot: Slot, event: OrderEvent.Accept, now: Time.EpochMillis): ManagedOrder | ApplyError {
    const m = slot.record
    const venueHash = this.acceptHash(slot, event)
    if (venueHash < -1) return this.acceptRefusal(slot, event)
    const next = onAccept(m.state, event)
    if (isIllegal(next)) return illegalTransition(m.order.operationId, next)
    if (next === m.state) return m
    const after = advanceAccept(m, next, now)
    this.commitAccept(slot, m, after, event, now, venueHash)
    return after
  }

  /**
   * `commitOne` of an Accept (`applyAccept`'s): `put` without its new-order and lookup cases,
   * SUBMITTED -> ACCEPTED (the usual change: neither status terminal, so no tree settles)
   * without `statusIndex`'s switch, the venue order id indexed under the hash `applyAccept`
   * computed (-1: the order has no venue), and the entry's kind known (no `journalBit`).
   */
  private commitAccept(slot: Slot, before: ManagedOrder, after: ManagedOrder, event: OrderEvent.Accept, now: Time.EpochMillis, venueHash: number): void {
    slot.record = after
    const o = after.order
    if (before.order.status !== o.status) {
      // (2 is ACCEPTED's index, 1 SUBMITTED's: `statusIndex`.)
      if (o.status === "ACCEPTED" && slot.status === 1 && this.bucketed !== true) slot.status = 2
      else this.restatus(slot, o.status)
    }
    if (venueHash >= 0 && before.order.venueOrderId === undefined && o.venueOrderId !== undefined) {
      this.byVenueOrderId.set(slot, o.venueOrderId, o.venue, venueHash, this.table)
    }
    const sequence = ++this.lastSequence
    const sink = this.options.journal
    if (sink !== undefined && (this.journalMask & JOURNAL_ACCEPT) !== 0) {
      sink({ sequence, operationId: o.operationId, version: after.version, timestamp: now, event }, after, before)
    }
    if (this.retained > this.limit) this.evict()
  }

  /**
   * An Accept's (venue, venue order id) hash in the venue order id index (-1: the order has
   * no venue), or -2 when the Accept is refused (see `acceptRefusal`).
   */
  private acceptHash(slot: Slot, event: OrderEvent.Accept): number {
    if (slot.children !== undefined) return -2
    const venue = slot.record.order.venue
    if (venue === undefined) return -1
    const venueOrderId = event.venueOrderId
    // Hashed once for the check and the index (`commitOne`).
    const index = this.byVenueOrderId
    const h = index.hashVenue(venue, venueOrderId)
    const owner = index.get(venueOrderId, venue, h, this.table)
    return owner !== undefined && owner !== slot ? -2 : h
  }

  /** Why `acceptHash` refused an Accept. */
  private acceptRefusal(slot: Slot, event: OrderEvent.Accept): EventRejected {
    const o = slot.record.order
    if (slot.children !== undefined) {
      return rejected("ParentOrder", o.operationId, "An order worked by child orders is never accepted by a venue")
    }
    const owner = this.byVenueOrder(o.venue!, event.venueOrderId)!
    return rejected(
      "VenueOrderIdInUse",
      o.operationId,
      `${o.venue} order ${event.venueOrderId} already belongs to ${owner.record.order.operationId}`
    )
  }

  /** `recordFill`, answering the outcome or the error itself. */
  tryRecordFill(report: FillReport, now: Time.EpochMillis): FillOutcome | InvalidFillReport {
    return this.checkFill(report, now, undefined)
  }

  /**
   * `tryRecordFill` of a venue's execution event (the adapter kit's `Filled` is one) at
   * `timestamp`: the same outcome, records, journal and errors as `tryRecordFill` of
   * `FillReport.ofVenueFill(fill, timestamp)`, without that report (a 12-field object per
   * fill, which `tryRecordFill` then copies into the order's `Fill`). The usual fill (well
   * formed, of a held order without parents or children found by its client order id,
   * nothing kept unmatched, every id agreeing, accepted by the state machine) is recorded
   * here; any other goes through `tryRecordFill` with the report, so every refusal, duplicate
   * and unmatched fill is answered, and kept, exactly as there. (The execution core's fills:
   * 13,157 / 13,193 -> 12,612 / 12,632 instructions per backtest tick, counted alternately.
   * TurboFan inlines this into the core's `handleFill`, with the check (since the check
   * remembers a quantity: see `positiveQuantity`), and calls `advanceFill` and `commitFill`: as
   * one function with `commitOne` inlined, `put`, `journalBit` and the core's journal sink did
   * not fit the inlining budget, 12,958.)
   */
  tryRecordVenueFill(fill: VenueFill, timestamp: Time.EpochMillis, now: Time.EpochMillis): FillOutcome | InvalidFillReport {
    const slot = this.unmatched.length === 0 && isWellFormedVenueFill(fill, timestamp) ? this.eventSlot(fill.clientOrderId) : undefined
    if (slot === undefined || slot.parent !== undefined || slot.children !== undefined) return this.recordVenueFillAsReport(fill, timestamp, now)
    const m = slot.record
    const o = m.order
    const venueOrderId = fill.venueOrderId
    // `checkFill`'s mismatch chain, for a report that names no operation id and the client order
    // id its order was found by (every other id present). No duplicate test: the state machine
    // refuses a trade id the order has recorded, and a refused fill goes to `tryRecordFill`,
    // which answers Duplicate.
    if (
      (o.venueOrderId !== undefined && venueOrderId !== o.venueOrderId) ||
      fill.venue !== o.venue ||
      fill.side !== o.side ||
      fill.canonicalId !== o.canonicalId
    ) {
      return this.recordVenueFillAsReport(fill, timestamp, now)
    }
    const f: Fill.Fill = {
      operationId: o.operationId,
      venue: fill.venue,
      canonicalId: o.canonicalId,
      tradeId: fill.tradeId,
      venueOrderId,
      side: o.side,
      price: fill.price,
      quantity: fill.quantity,
      fee: fill.fee,
      feeCurrency: fill.feeCurrency,
      liquidity: fill.liquidity,
      timestamp
    }
    const state = onFill(m.state, { _tag: "Fill", quantity: f.quantity, price: f.price, tradeId: f.tradeId })
    if (isIllegal(state)) return this.recordVenueFillAsReport(fill, timestamp, now)
    const next = advanceFill(m, state, f, now)
    this.commitFill(slot, m, next, f, now)
    return { _tag: "Applied", order: next }
  }

  /**
   * `commitOne` of a fill recorded on an order without parents: `put` without its venue order
   * id test (a fill never changes the venue order id) and the entry's kind known (no
   * `journalBit`). Small so that `tryRecordVenueFill` inlines it whole: with `commitOne`
   * inlined there, `put` and `journalBit` no longer fitted TurboFan's inlining budget.
   */
  private commitFill(slot: Slot, before: ManagedOrder, after: ManagedOrder, fill: Fill.Fill, now: Time.EpochMillis): void {
    slot.record = after
    if (before.order.status !== after.order.status) this.restatus(slot, after.order.status)
    const sequence = ++this.lastSequence
    const sink = this.options.journal
    if (sink !== undefined && (this.journalMask & JOURNAL_FILL) !== 0) {
      sink({ sequence, operationId: after.order.operationId, version: after.version, timestamp: now, event: { _tag: "FillRecorded", fill } }, after, before)
    }
    if (this.retained > this.limit) this.evict()
  }

  /**
   * `put`'s change of status: the bucket, and an order that ends or reopens on its root. (`put`
   * keeps its own copy: calling this from `put` counted 12,315 / 12,323 a backtest tick against
   * 12,310 / 12,282, every total 10M higher.)
   */
  private restatus(s: Slot, status: OrderStatus.OrderStatus): void {
    // (A fill that completes its order, the usual one, without `statusIndex`'s switch: 4 is FILLED's index.)
    const to = status === "FILLED" ? 4 : statusIndex(status)
    const from = s.status
    if (this.bucketed === true) this.move(s, to)
    else s.status = to
    if (this.bounded === true) {
      const done = isTerminalIndex(to)
      if (done !== isTerminalIndex(from)) {
        const root = s.root
        root.open += done ? -1 : 1
        this.settle(root)
      }
    }
  }

  /** `tryRecordVenueFill` of any other fill: `tryRecordFill` of its report (a non-object as it is, refused as such). */
  private recordVenueFillAsReport(fill: VenueFill, timestamp: Time.EpochMillis, now: Time.EpochMillis): FillOutcome | InvalidFillReport {
    const report = typeof fill === "object" && fill !== null ? ofVenueFill(fill, timestamp) : (fill as unknown as FillReport)
    return this.checkFill(report, now, undefined)
  }

  // -------------------------------------------------------------------------------------
  // Plans
  // -------------------------------------------------------------------------------------

  /** The checked plan of `create`, without changing the manager. */
  planCreate(request: OrderRequest, now: Time.EpochMillis): Either.Either<Plan<CreateResult>, CreateError> {
    const d = new Draft(true)
    const r = this.checkCreate(request, now, d, undefined, false)
    if (r instanceof Error) return left(r)
    d.result = r
    return right(this.toPlan<CreateResult>(d))
  }

  /** The checked plan of `apply`, without changing the manager. */
  planApply(operationId: string, event: LifecycleEvent, now: Time.EpochMillis): Either.Either<Plan<ManagedOrder>, ApplyError> {
    const d = new Draft(true)
    const r = this.checkApply(this.slot(operationId), operationId, event, now, d)
    if (r instanceof Error) return left(r)
    d.result = r
    return right(this.toPlan<ManagedOrder>(d))
  }

  /** The checked plan of `recordFill`, without changing the manager. */
  planFill(report: FillReport, now: Time.EpochMillis): Either.Either<Plan<FillOutcome>, InvalidFillReport> {
    const d = new Draft(true)
    const r = this.checkFill(report, now, d)
    if (r instanceof Error) return left(r)
    d.result = r
    return right(this.toPlan<FillOutcome>(d))
  }

  // The checks answer the result or the refusal. Given a Draft (the plan* methods) they
  // stage their changes in it, touching nothing, and the caller copies it into a Plan.
  // Without one (the try* hot path) a single change is committed at once by `commitOne`
  // (no draft object per call); several (a fill's parents, a child's pending ancestors) are
  // staged in a draft of the call's own and installed from it. A journal sink that calls back
  // into a manager runs after the change is installed, as with a plan.

  private checkCreate(
    request: OrderRequest,
    now: Time.EpochMillis,
    d: Draft | undefined,
    defaultVenue: Ids.Venue | undefined,
    submit: boolean
  ): CreateResult | CreateSubmitResult | CreateError {
    const operationId = (request as { operationId?: unknown } | null)?.operationId
    if (typeof operationId !== "string" || operationId.length === 0) {
      return invalid("Malformed", undefined, `operationId must be a non-empty string, got ${describe(operationId)}`)
    }
    // A caller that just looked the id up and found nothing (the core does, before its risk
    // check) is not charged a second lookup: no order was added since (`nextOrdinal` counts adds).
    const missed = operationId === this.missIds[0] && this.missAt === this.nextOrdinal
    const opHash = missed ? this.missHash : this.byOperationId.hash(operationId)
    const existing = missed ? undefined : this.slotHashed(operationId, opHash)
    // (Read after the operation id's check: a malformed request may be anything.)
    const venue = request.venue ?? defaultVenue
    if (existing !== undefined) {
      const differences = requestDifferences(existing.record.order, request, venue)
      if (differences.length === 0) {
        return submit ? { order: existing.record, created: false, submitted: undefined } : { order: existing.record, created: false }
      }
      return new DuplicateOperation({
        operationId,
        existing: existing.record,
        differences,
        message: `Operation ${operationId} already exists with a different ${differences.join(", ")}`
      })
    }
    const problem = this.validate(request, venue)
    if (problem !== undefined) return problem

    const clientOrderId = clientOrderIdFor(operationId)
    // Hashed once for the check and the index (`add`).
    const clientHash = this.byClientOrderId.hash(clientOrderId)
    const holder = this.byClientHashed(clientOrderId, clientHash)
    if (holder !== undefined) {
      return invalid(
        "ClientOrderIdCollision",
        operationId,
        `Client order id ${clientOrderId} of ${operationId} already belongs to ${holder.record.order.operationId}`
      )
    }
    let parent: Slot | undefined
    if (request.parentOperationId !== undefined) {
      parent = this.slot(request.parentOperationId)
      const refused = checkChild(request, parent)
      if (refused !== undefined) return refused
    }
    const order: Order.UnifiedOrder = {
      operationId: request.operationId,
      clientOrderId,
      parentOperationId: request.parentOperationId,
      strategyId: request.strategyId,
      canonicalId: request.canonicalId,
      venue,
      side: request.side,
      type: request.type,
      timeInForce: request.timeInForce,
      quantity: request.quantity,
      price: request.price,
      expireAt: request.expireAt,
      filledQuantity: ZERO,
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
    const after = createdChecked(order)
    if (d !== undefined) {
      this.stage(d, parent, undefined, after, d.journal === true ? { _tag: "Created", order } : undefined, now)
      return { order: after, created: true }
    }
    const journal = this.options.journal
    if (!submit || venue === undefined || parent !== undefined) {
      // A new order's slot is given as its parent's, so installing it needs no second lookup.
      this.commitOne(parent, undefined, after, journal !== undefined ? { _tag: "Created", order } : undefined, now)
      if (!submit) return { order: after, created: true }
      // A Submit refused for want of a venue, or a child's (which may submit its ancestors): as a call of its own.
      return { order: after, created: true, submitted: this.checkApply(this.slot(operationId), operationId, SUBMIT, now, undefined) }
    }
    // Created and submitted: the order is installed once, as the Submit left it (PENDING -> SUBMITTED
    // is always legal), and the sink sees both entries. (`advanceSubmit`: `onSubmit` and
    // `advance` written out for a PENDING record, tested equal; `checkCreate` is at TurboFan's
    // cumulative inlining budget, where the state machine's `nextState` was a call.)
    const submitted = advanceSubmit(after, now)
    this.add(submitted, undefined, clientHash, opHash)
    const sequence = this.lastSequence + 1
    this.lastSequence += 2
    if (journal !== undefined) {
      const mask = this.journalMask
      if ((mask & JOURNAL_CREATED) !== 0) {
        journal({ sequence, operationId: order.operationId, version: after.version, timestamp: now, event: { _tag: "Created", order } }, after, undefined)
      }
      if ((mask & JOURNAL_SUBMIT) !== 0) {
        journal({ sequence: sequence + 1, operationId: order.operationId, version: submitted.version, timestamp: now, event: SUBMIT }, submitted, after)
      }
    }
    if (this.retained > this.limit) this.evict()
    return { order: after, created: true, submitted }
  }

  private checkApply(
    slot: Slot | undefined,
    operationId: string,
    event: LifecycleEvent,
    now: Time.EpochMillis,
    d: Draft | undefined
  ): ManagedOrder | ApplyError {
    if (slot === undefined) return notFound(`operationId=${operationId}`)
    const m = slot.record
    const tag = (event as { _tag?: unknown } | null)?._tag
    /** An Accept's (venue, venue order id) hash in the venue order id index (-1: none). */
    let venueHash = -1
    switch (tag) {
      case "Accept":
        venueHash = this.acceptHash(slot, event as OrderEvent.Accept)
        if (venueHash < -1) return this.acceptRefusal(slot, event as OrderEvent.Accept)
        break
      case "Submit":
        if (m.order.venue === undefined && slot.children === undefined) {
          return rejected("NotRouted", operationId, "The order has no venue to be sent to")
        }
        break
      case "Deny":
      case "Reject":
      case "CancelRequest":
      case "CancelAck":
      case "CancelReject":
      case "Expire":
        break
      case "Fill":
        return rejected("UseRecordFill", operationId, "A fill goes through recordFill (it needs the venue, fee and time)")
      default:
        return rejected("UnknownEvent", operationId, `Not an order lifecycle event: ${describe(tag)}`)
    }
    // An Accept (a venue's answer to every order) without `transition`'s dispatch: the same answer.
    const next = tag === "Accept" ? onAccept(m.state, event as OrderEvent.Accept) : transition(m.state, event)
    if (isIllegal(next)) return illegalTransition(operationId, next)
    if (next === m.state) return m
    const after = advance(m, next, m.fills, now)
    if (tag === "Submit" && slot.parent !== undefined) {
      // Sending a child means its parents are being worked: PENDING ancestors become SUBMITTED
      // (top-most first); a cancelling or final ancestor takes no more venue orders.
      let pending: Array<Slot> | undefined
      let p: Slot | undefined = slot.parent
      while (p !== undefined) {
        const status = p.record.state.status
        if (status === "PENDING") {
          ;(pending ??= []).push(p)
          p = p.parent
        } else if (status === "SUBMITTED" || status === "ACCEPTED" || status === "PARTIALLY_FILLED") {
          break
        } else {
          return rejected("ParentClosed", operationId, `Parent ${p.record.order.operationId} is ${status}`)
        }
      }
      if (pending !== undefined) {
        const own = d ?? this.take()
        for (let i = pending.length - 1; i >= 0; i--) {
          const q = pending[i]!
          const r = q.record
          const state = transition(r.state, SUBMIT) as OrderStateMachine.OrderState
          this.stage(own, q, r, advance(r, state, r.fills, now), SUBMIT, now)
        }
        this.stage(own, slot, m, after, event, now)
        if (d === undefined) {
          own.result = after
          return this.install<ManagedOrder>(own)
        }
        return after
      }
    }
    if (d === undefined) this.commitOne(slot, m, after, event, now, venueHash)
    else this.stage(d, slot, m, after, event, now)
    return after
  }

  private checkFill(report: FillReport, now: Time.EpochMillis, d: Draft | undefined): FillOutcome | InvalidFillReport {
    if (!isWellFormed(report)) return new InvalidFillReport({ message: `Invalid fill report: ${checkReport(report)}` })
    if (this.unmatched.length !== 0 && this.isUnmatched(report.venue, report.tradeId)) {
      return { _tag: "Duplicate", key: reportKey(report) }
    }

    let slot: Slot | undefined
    if (report.operationId !== undefined) slot = this.slot(report.operationId)
    /** True when the order was found by the report's client order id (so the two are equal). */
    let byClientId = false
    if (slot === undefined && report.clientOrderId !== undefined) {
      slot = this.eventSlot(report.clientOrderId)
      byClientId = slot !== undefined
    }
    if (slot === undefined && report.venueOrderId !== undefined) slot = this.byVenueOrder(report.venue, report.venueOrderId)
    if (slot === undefined) return this.stageUnmatched(d, report, "UnknownOrder", "No order matches the fill's ids", undefined, now)

    const m = slot.record
    const o = m.order
    // A repeat is judged on the order the report names: an order trades one instrument on
    // one venue, so its own trade ids (all of `state.tradeIds` for an order without children)
    // are unique, while a venue's trade ids need not be across instruments (Binance numbers
    // them per symbol) or across the two sides of a self-trade.
    const tradeIds = m.state.tradeIds
    if (report.venue === o.venue && slot.children === undefined && tradeIds.length !== 0 && tradeIds.includes(report.tradeId)) {
      return { _tag: "Duplicate", key: reportKey(report) }
    }
    // (A client order id the order was found by is not compared again: the venue's report
    // carries its own copy of the string, so each comparison is a call of V8's StringEqual.)
    const mismatch =
      report.operationId !== undefined && report.operationId !== o.operationId
        ? `operation id ${report.operationId}`
        : report.clientOrderId !== undefined && !byClientId && report.clientOrderId !== o.clientOrderId
          ? `client order id ${report.clientOrderId}`
          : report.venueOrderId !== undefined && o.venueOrderId !== undefined && report.venueOrderId !== o.venueOrderId
            ? `venue order id ${report.venueOrderId}`
            : report.venue !== o.venue
              ? `venue ${report.venue}`
              : report.side !== undefined && report.side !== o.side
                ? `side ${report.side}`
                : report.canonicalId !== undefined && report.canonicalId !== o.canonicalId
                  ? `instrument ${report.canonicalId}`
                  : slot.children !== undefined
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
    const fill: Fill.Fill = {
      operationId: o.operationId,
      venue: report.venue,
      canonicalId: o.canonicalId,
      tradeId: report.tradeId,
      venueOrderId: report.venueOrderId ?? o.venueOrderId,
      side: o.side,
      price: report.price,
      quantity: report.quantity,
      fee: report.fee,
      feeCurrency: report.feeCurrency,
      liquidity: report.liquidity,
      timestamp: report.timestamp
    }
    // The state machine's Fill event, reused up the chain (only the trade id differs: a
    // parent records `venue|tradeId`). A fresh young object: a module-level one reused for
    // every fill took V8's write barrier slow path on each of its three stores.
    const event: { -readonly [K in keyof OrderEvent.Fill]: OrderEvent.Fill[K] } = {
      _tag: "Fill",
      quantity: fill.quantity,
      price: fill.price,
      tradeId: fill.tradeId
    }
    if (d === undefined && slot.parent === undefined) {
      // The hot path's fill of an order without parents: one change, committed at once.
      const state = onFill(m.state, event)
      if (isIllegal(state)) return this.stageUnmatched(undefined, report, "Refused", state.message, o.operationId, now)
      const next = advanceFill(m, state, fill, now)
      this.commitOne(slot, m, next, this.options.journal !== undefined ? { _tag: "FillRecorded", fill } : undefined, now)
      return { _tag: "Applied", order: next }
    }
    const own = d ?? this.take()
    let target: Slot | undefined = slot
    let after: ManagedOrder | undefined
    let outcome: FillOutcome | undefined
    while (target !== undefined) {
      const t: ManagedOrder = target.record
      const state = transition(t.state, event)
      if (isIllegal(state)) {
        own.clear()
        const where = target === slot ? "" : ` on parent ${t.order.operationId}`
        outcome = this.stageUnmatched(own, report, "Refused", `${state.message}${where}`, o.operationId, now)
        break
      }
      const next = advance(t, state, appendFill(t.fills, fill), now)
      const journalEvent: JournalEvent | undefined = own.journal === true
        ? target === slot
          ? { _tag: "FillRecorded", fill }
          : { _tag: "ChildFill", fill }
        : undefined
      this.stage(own, target, t, next, journalEvent, now)
      target = target.parent
      if (after === undefined) {
        after = next
        // Parents record the child's fill as `venue|tradeId` (built only when there is one).
        if (target !== undefined) event.tradeId = fillKey(fill) as Ids.TradeId
      }
    }
    outcome ??= { _tag: "Applied", order: after! }
    if (d !== undefined) return outcome
    own.result = outcome
    return this.install<FillOutcome>(own)
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
      if (sink !== undefined) {
        for (let i = 0; i < n; i++) {
          const entry = plan.entries[i]!
          if ((this.journalMask & journalBit(entry.event._tag)) !== 0) sink(entry, plan.changes[i]!.after, plan.changes[i]!.before)
        }
      }
    }
    if (plan.unmatched !== undefined) this.keepUnmatched(plan.unmatched)
    // Eviction only with a change: it then also moves the sequence, so a plan made before it
    // (which may name an evicted order) can never be committed after it.
    if (plan.changes.length > 0 && this.retained > this.limit) this.evict()
    return plan.result
  }

  // -------------------------------------------------------------------------------------
  // Restoring state
  // -------------------------------------------------------------------------------------

  /**
   * Adds an order read back from a store (recovery, or a late event for an order not in
   * memory). Load parents before children. Journals nothing: the store already holds its
   * history. Returns false, changing nothing, if the operation id is already present. A
   * loaded finished tree counts towards `retainTerminal` as finished now, but is evicted no
   * earlier than the next committed change, so the caller can act on it first.
   */
  load(order: ManagedOrder): boolean {
    if (this.slot(order.order.operationId) !== undefined) return false
    this.add(order)
    return true
  }

  /** Adds a fill kept for reconciliation by an earlier run (from the store). */
  loadUnmatched(unmatched: UnmatchedFill): void {
    this.keepUnmatched(unmatched)
  }

  /** Continues the journal after `sequence` (the store's last entry), so sequence numbers never repeat. */
  resumeAfter(sequence: number): void {
    if (sequence > this.lastSequence) this.lastSequence = sequence
  }

  /** @internal replays one journal entry (see `rebuild`); evicts nothing (see `evictExcess`). */
  replayEntry(entry: OrderJournalEntry): JournalCorrupt | undefined {
    const slot = this.slot(entry.operationId)
    const before = slot?.record
    const after = replay(before, entry)
    if (after instanceof JournalCorrupt) return after
    this.put(slot, before, after)
    this.lastSequence = entry.sequence
    return undefined
  }

  /** @internal evicts finished trees beyond `retainTerminal` (the end of `rebuild`). */
  evictExcess(): void {
    if (this.retained > this.limit) this.evict()
  }

  // -------------------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------------------

  /**
   * The hot path's draft: a fresh one per call. A draft reused across calls lives in the old
   * generation, and every young record, entry and result stored into it took V8's write
   * barrier slow path (~15 per order, ~800 instructions); a fresh one is a small young object.
   */
  private take(): Draft {
    return new Draft(this.options.journal !== undefined)
  }

  /** Commits a draft checked just now (nothing can have changed since: one synchronous call). */
  private install<A>(d: Draft): A {
    const n = d.size
    // The first change read from its fields directly (here and for the sink): through the
    // accessors it cost ~75 instructions more per routed order (`npm run count`), nearly
    // every call has just it.
    if (n > 0) this.put(d.slot0, d.before0, d.after0!)
    for (let i = 1; i < n; i++) this.put(d.slotAt(i), d.beforeAt(i), d.afterAt(i))
    this.lastSequence += n
    if (d.unmatched !== undefined) this.keepUnmatched(d.unmatched)
    const result = d.result as A
    const sink = this.options.journal
    if (sink !== undefined && n > 0) {
      const mask = this.journalMask
      if ((mask & journalBit(d.entry0!.event._tag)) !== 0) sink(d.entry0!, d.after0!, d.before0)
      for (let i = 1; i < n; i++) {
        const entry = d.entryAt(i)
        if ((mask & journalBit(entry.event._tag)) !== 0) sink(entry, d.afterAt(i), d.beforeAt(i))
      }
    }
    if (n > 0 && this.retained > this.limit) this.evict()
    return result
  }

  /**
   * Commits one change checked just now (the hot path's usual case), as `install` does a
   * draft of one: the record, the sequence, the journal sink, then eviction. `venueHash`: an
   * Accept's (venue, venue order id) hash in the venue order id index, computed just now (-1: none).
   */
  private commitOne(
    slot: Slot | undefined,
    before: ManagedOrder | undefined,
    after: ManagedOrder,
    event: JournalEvent | undefined,
    now: Time.EpochMillis,
    venueHash = -1
  ): void {
    this.put(slot, before, after, venueHash)
    const sequence = ++this.lastSequence
    const sink = this.options.journal
    if (sink !== undefined && (this.journalMask & journalBit(event!._tag)) !== 0) {
      sink({ sequence, operationId: after.order.operationId, version: after.version, timestamp: now, event: event! }, after, before)
    }
    if (this.retained > this.limit) this.evict()
  }

  private toPlan<A>(d: Draft): Plan<A> {
    const changes: Array<Change> = []
    const entries: Array<OrderJournalEntry> = []
    for (let i = 0; i < d.size; i++) {
      changes.push({ before: d.beforeAt(i), after: d.afterAt(i) })
      if (d.journal === true) entries.push(d.entryAt(i))
    }
    return {
      baseSequence: this.lastSequence,
      changes,
      entries,
      unmatched: d.unmatched,
      result: d.result as A
    }
  }

  /** A fill kept for reconciliation: staged in `d`, or kept at once without one. */
  private stageUnmatched(
    d: Draft | undefined,
    report: FillReport,
    reason: UnmatchedReason,
    message: string,
    operationId: Ids.OperationId | undefined,
    now: Time.EpochMillis
  ): FillOutcome {
    const unmatched: UnmatchedFill =
      operationId === undefined
        ? { report, reason, message, recordedAt: now }
        : { report, reason, message, operationId, recordedAt: now }
    if (d === undefined) this.keepUnmatched(unmatched)
    else d.unmatched = unmatched
    return { _tag: "Unmatched", unmatched }
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
    const entry: OrderJournalEntry | undefined = d.journal === true
      ? {
          sequence: this.lastSequence + d.size + 1,
          operationId: after.order.operationId,
          version: after.version,
          timestamp: now,
          event: event!
        }
      : undefined
    d.push(slot, before, after, entry)
  }

  private isUnmatched(venue: string, tradeId: string): boolean {
    const ids = this.unmatchedTrades.get(venue)
    return ids !== undefined && ids.has(tradeId)
  }

  /** Keeps a fill for reconciliation; one kept under the same (venue, trade id) is replaced in place. */
  private keepUnmatched(u: UnmatchedFill): void {
    const { venue, tradeId } = u.report
    let ids = this.unmatchedTrades.get(venue)
    if (ids === undefined) {
      ids = new Set()
      this.unmatchedTrades.set(venue, ids)
    }
    if (ids.has(tradeId)) {
      const i = this.unmatched.findIndex((x) => x.report.venue === venue && x.report.tradeId === tradeId)
      this.unmatched[i] = u
      return
    }
    ids.add(tradeId)
    this.unmatched.push(u)
  }

  /** Indexes a venue order id (`h`: its hash if the caller has it, -1: not). */
  private indexVenueOrderId(venue: string, venueOrderId: string, slot: Slot, h = -1): void {
    const index = this.byVenueOrderId
    index.set(slot, venueOrderId, venue, h >= 0 ? h : index.hashVenue(venue, venueOrderId), this.table)
  }

  /** Moves `slot` to the bucket of `status`: the last of its old bucket takes its place. */
  private move(slot: Slot, status: number): void {
    const bucket = this.byStatus[slot.status]!
    const last = bucket.pop()!
    if (last !== slot.handle) {
      bucket[slot.statusAt] = last
      this.table[last]!.statusAt = slot.statusAt
    }
    const target = this.byStatus[status]!
    slot.status = status
    slot.statusAt = target.length
    target.push(slot.handle)
  }

  /**
   * Installs a record and keeps every index in step with it. `before` is the record it
   * replaces (undefined: a new order); `slot` is the order's slot when the caller has it, or
   * for a new order its parent's (undefined: looked up); `venueHash` as `commitOne`'s.
   */
  private put(slot: Slot | undefined, before: ManagedOrder | undefined, after: ManagedOrder, venueHash = -1): void {
    if (before === undefined) {
      this.add(after, slot)
      return
    }
    const o = after.order
    const s = slot ?? this.slot(o.operationId)!
    s.record = after
    const b = before.order
    if (b.status !== o.status) {
      // Terminal or not from the status indexes (the slot's is still `before`'s): no string comparisons.
      const from = s.status
      const to = statusIndex(o.status)
      if (this.bucketed === true) this.move(s, to)
      else s.status = to
      if (this.bounded === true) {
        const done = isTerminalIndex(to)
        if (done !== isTerminalIndex(from)) {
          const root = s.root
          root.open += done ? -1 : 1
          this.settle(root)
        }
      }
    }
    if (b.venueOrderId === undefined && o.venueOrderId !== undefined && o.venue !== undefined) {
      this.indexVenueOrderId(o.venue, o.venueOrderId, s, venueHash)
    }
  }

  /**
   * `clientHash`, `opHash`: the client order id's `ClientIndex.hash` and the operation id's
   * `KeyIndex.hash` if the caller has them (-1: not).
   */
  private add(after: ManagedOrder, parentSlot?: Slot, clientHash = -1, opHash = -1): void {
    const o = after.order
    const id = o.operationId
    const free = this.freeHandles
    const handle = free.length > 0 ? free.pop()! : this.table.length
    const slot = new Slot(after, this.nextOrdinal++, statusIndex(o.status), handle)
    this.table[handle] = slot
    this.lastHandle = handle
    const ops = this.byOperationId
    ops.set(slot, id, undefined, opHash >= 0 ? opHash : ops.hash(id), this.table)
    const clients = this.byClientOrderId
    clients.set(slot, o.clientOrderId, clientHash >= 0 ? clientHash : clients.hash(o.clientOrderId), this.table)
    this.live++
    if (this.listed === true) this.list(slot)
    if (o.parentOperationId !== undefined) {
      const parent = parentSlot ?? this.slot(o.parentOperationId)
      if (parent === undefined) {
        const waiting = this.orphans.get(o.parentOperationId)
        if (waiting === undefined) this.orphans.set(o.parentOperationId, [slot])
        else waiting.push(slot)
      } else {
        slot.parent = parent
        slot.root = parent.root
        if (parent.children === undefined) parent.children = [slot]
        else parent.children.push(slot)
      }
    }
    let kids: Array<Slot> | undefined
    if (this.orphans.size !== 0) {
      kids = this.orphans.get(id)
      if (kids !== undefined) {
        slot.children = kids
        this.orphans.delete(id)
      }
    }
    if (this.bucketed === true) {
      const bucket = this.byStatus[slot.status]!
      slot.statusAt = bucket.length
      bucket.push(handle)
    }
    if (o.venue !== undefined && o.venueOrderId !== undefined) this.indexVenueOrderId(o.venue, o.venueOrderId, slot)
    if (this.bounded === true) {
      this.track(slot, kids)
      // A young copy of the slot table: a new slot stored into an old one takes V8's write
      // barrier slow path (~55 instructions an order); the copy is a few per order, once in a while.
      if (++this.sinceCopy >= this.copyEvery) {
        this.table = this.table.slice()
        this.sinceCopy = 0
        this.copyEvery = copyInterval(this.live)
      }
    }
  }

  // -------------------------------------------------------------------------------------
  // Retention (only with a finite `retainTerminal`)
  // -------------------------------------------------------------------------------------

  /** The status buckets `add` and `put` would have kept, from the held orders; kept from then on. */
  private buildBuckets(): void {
    this.bucketed = true
    for (const slot of this.table) {
      if (slot === undefined) continue
      const bucket = this.byStatus[slot.status]!
      slot.statusAt = bucket.length
      bucket.push(slot.handle)
    }
  }

  /** Appends a slot to its strategy's, instrument's and venue's lists. */
  private list(slot: Slot): void {
    const o = slot.record.order
    const memo = this.memo
    entryOf(this.byStrategy, memo.strategy, o.strategyId, newSlotList).items.push(slot)
    entryOf(this.byInstrument, memo.instrument, o.canonicalId, newSlotList).items.push(slot)
    if (o.venue !== undefined) entryOf(this.byVenue, memo.venue, o.venue, newSlotList).items.push(slot)
  }

  /**
   * The lists `add` would have kept, built from the held orders in creation order (none of
   * the keys changes after creation), without tombstones; kept by `add` from then on. Each
   * order cost ~300 instructions in the backtest's replay (three pushes of a young slot into
   * old arrays, their regrowth after each sweep, and the sweeps), for lists it never read.
   */
  private buildLists(): void {
    const held: Array<Slot> = []
    for (const s of this.table) if (s !== undefined) held.push(s)
    held.sort((a, b) => a.ordinal - b.ordinal)
    this.listed = true
    this.stale = 0
    for (const s of held) this.list(s)
  }

  /**
   * Counts a new order in its tree (`root.nodes`, `root.open`) and adopts the subtrees of
   * children that were loaded before it; then settles the tree.
   */
  private track(slot: Slot, kids: Array<Slot> | undefined): void {
    const root = slot.root
    root.nodes++
    if (!isTerminalIndex(slot.status)) root.open++
    // A queued tree's orders are counted in `retained`: a late addition too (settle may then
    // withdraw the tree, subtracting them all).
    if (root.queuedAt >= 0) this.retained++
    if (kids !== undefined) this.adopt(slot, root, kids)
    // `settle` changes nothing for an unfinished tree that is not queued (a new working
    // order's): tested here, the call (never made in a replay) is not inlined into `add`,
    // which leaves TurboFan's inlining budget for the key indexes' `set`.
    if (root.open === 0 || root.queuedAt >= 0) this.settle(root)
  }

  /** Adopts the subtrees of children loaded before their parent `slot` (of tree `root`). */
  private adopt(slot: Slot, root: Slot, kids: Array<Slot>): void {
    for (const kid of kids) {
      // An orphan subtree was its own (never queued) tree: merge its counts into this one.
      kid.parent = slot
      root.nodes += kid.nodes
      root.open += kid.open
      if (root.queuedAt >= 0) this.retained += kid.nodes
      kid.nodes = 0
      kid.open = 0
      reroot(kid, root)
    }
  }

  /**
   * Queues a tree that just finished (every order terminal; a child whose parent is not held
   * is never a finished tree) and withdraws a queued one that no longer is.
   */
  private settle(root: Slot): void {
    const finished = root.open === 0 && root.record.order.parentOperationId === undefined
    if (finished) {
      if (root.queuedAt < 0) {
        root.queuedAt = this.finishedBase + this.finished.length
        this.finished.push(root.handle)
        this.retained += root.nodes
      }
    } else if (root.queuedAt >= 0) {
      this.finished[root.queuedAt - this.finishedBase] = -1
      root.queuedAt = -1
      this.retained -= root.nodes
    }
  }

  /** Evicts the oldest finished trees until at most `limit` finished orders are held. */
  private evict(): void {
    if (this.evicting) return // an onEvict callback re-entered: the running loop finishes the job
    this.evicting = true
    try {
      const queue = this.finished
      while (this.retained > this.limit && this.finishedHead < queue.length) {
        const handle = queue[this.finishedHead]!
        queue[this.finishedHead] = -1
        this.finishedHead++
        if (handle < 0) continue
        const root = this.table[handle]!
        root.queuedAt = -1
        this.retained -= root.nodes
        const onEvict = this.options.onEvict
        if (root.children === undefined) {
          // A lone order (the common case): no tree to collect.
          this.unindex(root)
          this.evictedCount++
          if (onEvict !== undefined) onEvict(root.record)
          root.release()
          continue
        }
        const tree: Array<Slot> = []
        collectTree(root, tree)
        for (const s of tree) this.unindex(s)
        this.evictedCount += tree.length
        if (onEvict !== undefined) for (const s of tree) onEvict(s.record)
        // A tombstone left in the index lists keeps nothing alive until it is swept.
        for (const s of tree) s.release()
      }
      this.sweepIfDue()
      // Drop the consumed head once it is most of the queue (amortised O(1) per tree).
      if (this.finishedHead > 1024 && this.finishedHead * 2 > queue.length) {
        // A plain loop: Array.prototype.copyWithin has no fast path for arrays and cost more than the rest of eviction.
        const head = this.finishedHead
        const n = queue.length - head
        for (let i = 0; i < n; i++) queue[i] = queue[head + i]!
        queue.length = n
        this.finishedBase += this.finishedHead
        this.finishedHead = 0
      }
    } finally {
      this.evicting = false
    }
  }

  /**
   * Takes an evicted order out of every index (its tree goes with it, so no parent keeps it):
   * out of its status bucket and key indexes, a tombstone in its index lists. Reads only the
   * slot: the order's record and strings are long cold.
   */
  private unindex(s: Slot): void {
    s.held = false
    this.live--
    this.stale++
    this.byOperationId.remove(s.handle)
    this.byVenueOrderId.remove(s.handle)
    this.byClientOrderId.remove(s)
    if (this.bucketed === true) {
      const bucket = this.byStatus[s.status]!
      const last = bucket.pop()!
      if (last !== s.handle) {
        bucket[s.statusAt] = last
        this.table[last]!.statusAt = s.statusAt
      }
    }
    // Its handle is free for the next order: nothing holds it any more (a tree leaves the
    // finished queue before it is evicted).
    this.table[s.handle] = undefined
    this.freeHandles.push(s.handle)
  }

  /**
   * Sweeps the index lists' tombstones once they outnumber the held orders `STALE_FACTOR`
   * times (and 1,024): one read of each evicted slot (the passes after the first find it in
   * cache), and no list holds more than about three times the held orders plus 1,024.
   */
  private sweepIfDue(): void {
    if (this.listed === true && this.stale > 1024 && this.stale > STALE_FACTOR * this.live) this.sweep()
  }

  private sweep(): void {
    sweep(this.byStrategy)
    sweep(this.byInstrument)
    sweep(this.byVenue)
    const memo = this.memo
    memo.strategy.value = memo.instrument.value = memo.venue.value = undefined
    this.stale = 0
  }

  /** Checks a new order's request; `venue` is the one to record (the request's, else the caller's). */
  private validate(r: OrderRequest, venue: string | undefined): InvalidOrderRequest | undefined {
    const id = r.operationId
    if (typeof r.strategyId !== "string" || r.strategyId.length === 0) {
      return invalid("Malformed", id, `strategyId must be a non-empty string, got ${describe(r.strategyId)}`)
    }
    if (typeof r.canonicalId !== "string" || r.canonicalId.length === 0) {
      return invalid("Malformed", id, `canonicalId must be a non-empty string, got ${describe(r.canonicalId)}`)
    }
    const side = r.side
    if (side !== "BUY" && side !== "SELL") return invalid("Malformed", id, `side must be BUY or SELL, got ${describe(side)}`)
    const type = r.type
    if (type !== "LIMIT" && type !== "MARKET") return invalid("Malformed", id, `type must be MARKET or LIMIT, got ${describe(type)}`)
    const tif = r.timeInForce
    if (tif !== "GTC" && tif !== "IOC" && tif !== "FOK" && tif !== "GTD" && tif !== "DAY") {
      return invalid("Malformed", id, `timeInForce is not one of GTC IOC FOK GTD DAY: ${describe(tif)}`)
    }
    const quantity = r.quantity
    if (!isDecimal(quantity)) return invalid("InvalidQuantity", id, `quantity must be a Decimal, got ${describe(quantity)}`)
    if (!isPositive(quantity)) return invalid("InvalidQuantity", id, `quantity must be positive, got ${formatDecimal(quantity)}`)
    const price = r.price
    if (price !== undefined) {
      if (!isDecimal(price)) return invalid("InvalidPrice", id, `price must be a Decimal, got ${describe(price)}`)
      if (!isPositive(price)) return invalid("InvalidPrice", id, `price must be positive, got ${formatDecimal(price)}`)
      if (type === "MARKET") return invalid("UnexpectedPrice", id, "a MARKET order has no price")
    } else if (type === "LIMIT") {
      return invalid("MissingPrice", id, "a LIMIT order needs a price")
    }
    if ((tif === "GTD") !== (r.expireAt !== undefined)) {
      return invalid("InvalidExpiry", id, tif === "GTD" ? "a GTD order needs expireAt" : "only a GTD order has expireAt")
    }
    if (r.expireAt !== undefined && !(Number.isSafeInteger(r.expireAt) && r.expireAt >= 0)) {
      return invalid("InvalidExpiry", id, `expireAt must be epoch milliseconds, got ${describe(r.expireAt)}`)
    }
    if (r.postOnly === true && (type !== "LIMIT" || tif === "IOC" || tif === "FOK")) {
      return invalid("InvalidFlags", id, "postOnly needs a LIMIT order that is not IOC or FOK")
    }
    const spec = this.options.instruments.get(r.canonicalId)
    if (spec === undefined) return invalid("UnknownInstrument", id, `Unknown instrument ${r.canonicalId}`)
    if (venue !== undefined && venue !== spec.venue) {
      return invalid("VenueMismatch", id, `${r.canonicalId} trades on ${spec.venue}, not ${venue}`)
    }
    if (!onGrid(quantity, spec.lotSize) && !isQuantityOnGrid(spec, quantity)) {
      return invalid(
        "InvalidQuantity",
        id,
        `quantity ${formatDecimal(quantity)} is not a multiple of the lot size ${formatDecimal(spec.lotSize)}`
      )
    }
    if (price !== undefined && !onGrid(price, spec.tickSize) && !isPriceOnGrid(spec, price)) {
      return invalid(
        "InvalidPrice",
        id,
        `price ${formatDecimal(price)} is not a multiple of the tick size ${formatDecimal(spec.tickSize)}`
      )
    }
    return undefined
  }
}

/** Why a child request is refused, given its parent's slot (undefined: not held), or undefined. */
const checkChild = (r: OrderRequest, slot: Slot | undefined): ChildOrderRejected | undefined => {
  const parentId = r.parentOperationId!
  const refuse = (reason: ChildOrderRejected["reason"], message: string) =>
    new ChildOrderRejected({ reason, parentOperationId: parentId, message: `Child ${r.operationId} of ${parentId}: ${message}` })
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
      if (!isTerminal(c.status)) used = addDecimal(used, remainingQuantity(c))
    }
  }
  const total = addDecimal(used, r.quantity)
  if (greaterThan(total, p.quantity)) {
    return refuse(
      "ExceedsParent",
      `${formatDecimal(r.quantity)} more would commit ${formatDecimal(total)} of the parent's ${formatDecimal(p.quantity)}`
    )
  }
  return undefined
}

/**
 * Where the manager keeps an order: its current record, creation rank, index positions and
 * tree links. Every field is set in the constructor (one hidden class).
 */
class Slot {
  /** Index of its status in `OrderStatus.all`, and its position in that status bucket. */
  status: number
  statusAt = 0
  /** Child slots in creation order; undefined until the first child (an empty array never appears). */
  children: Array<Slot> | undefined = undefined
  /** The parent's slot; undefined for a root, or a child loaded before its parent. */
  parent: Slot | undefined = undefined
  /** The top of its tree (itself for a root); the next fields count on the top only. */
  root: Slot
  /** Orders in the tree, and how many of them are unfinished (retention bookkeeping). */
  nodes = 0
  open = 0
  /** The tree's position in the finished queue, -1 when not queued. */
  queuedAt = -1
  /** False once evicted: the index lists keep it as a tombstone until swept. */
  held = true
  /** Its client order id's hash while the client order id index holds it (-1: not; see `ClientIndex`). */
  clientHash = -1
  constructor(
    public record: ManagedOrder,
    readonly ordinal: number,
    status: number,
    /** Its index in the manager's slot table while held. */
    readonly handle: number
  ) {
    this.status = status
    this.root = this
  }
  /** Drops an evicted slot's references (nothing reads a slot that is not `held`). */
  release(): void {
    this.record = RELEASED
    this.children = undefined
    this.parent = undefined
    this.root = this
  }
}

/** What an evicted slot holds instead of its record (never read: `held` is false). */
const RELEASED = Object.freeze({}) as ManagedOrder

/**
 * What `add` last wrote to, by key: orders mostly repeat the last strategy, instrument and
 * venue. `sweep` forgets the lists (it may drop them).
 */
class IndexMemo {
  readonly strategy = new Last<SlotList>()
  readonly instrument = new Last<SlotList>()
  readonly venue = new Last<SlotList>()
}

/** The entry an index last gave, and its key. */
class Last<V> {
  key: string | undefined = undefined
  value: V | undefined = undefined
}

/** `index`'s entry under `key`, made by `make` and added on first use; kept in `last` for the next call with the same key. */
const entryOf = <V>(index: Map<string, V>, last: Last<V>, key: string, make: () => V): V => {
  let value = last.value
  if (key !== last.key || value === undefined) {
    value = index.get(key)
    if (value === undefined) {
      value = make()
      index.set(key, value)
    }
    last.key = key
    last.value = value
  }
  return value
}

const newSlotList = (): SlotList => new SlotList()

/** An index list in creation order (evicted slots stay as tombstones until `sweep`). */
class SlotList {
  readonly items: Array<Slot> = []
}

/** Points every slot of `top`'s subtree at `root`. */
const reroot = (top: Slot, root: Slot): void => {
  top.root = root
  if (top.children !== undefined) for (const c of top.children) reroot(c, root)
}

/** Appends `top`'s subtree to `out`: `top` first, then each child's subtree in creation order. */
const collectTree = (top: Slot, out: Array<Slot>): void => {
  out.push(top)
  if (top.children !== undefined) for (const c of top.children) collectTree(c, out)
}

/** Drops the tombstones of every list of an index, and the lists left empty. */
const sweep = (index: Map<string, SlotList>): void => {
  index.forEach((list, key) => {
    const items = list.items
    let n = 0
    for (let i = 0; i < items.length; i++) {
      const s = items[i]!
      if (s.held === true) items[n++] = s
    }
    if (n === items.length) return
    items.length = n
    if (n === 0) index.delete(key)
  })
}

/**
 * True when `value` is a multiple of `step` without arithmetic: a step of one unit in its
 * last place (0.001, 1) divides every value with no more decimal places. False means
 * "not decided here", not "off the grid".
 */
const onGrid = (value: Decimal.Decimal, step: Decimal.Decimal): boolean => value.scale <= step.scale && step.unitsN === 1


/**
 * What a check stages: `size` changes with their journal entries when `journal`, an
 * unmatched fill, the result. One small young object per call (see `take`).
 */
class Draft {
  size = 0
  // The first change inline (nearly every call stages one); further ones (a fill's parents,
  // a child's pending ancestors) in `more`, four slots per change, allocated when needed.
  slot0: Slot | undefined = undefined
  before0: ManagedOrder | undefined = undefined
  after0: ManagedOrder | undefined = undefined
  entry0: OrderJournalEntry | undefined = undefined
  more: Array<Slot | ManagedOrder | OrderJournalEntry | undefined> | undefined = undefined
  unmatched: UnmatchedFill | undefined = undefined
  result: unknown = undefined
  constructor(readonly journal: boolean) {}

  push(slot: Slot | undefined, before: ManagedOrder | undefined, after: ManagedOrder, entry: OrderJournalEntry | undefined): void {
    if (this.size === 0) {
      this.slot0 = slot
      this.before0 = before
      this.after0 = after
      this.entry0 = entry
    } else (this.more ??= []).push(slot, before, after, entry)
    this.size++
  }
  slotAt(i: number): Slot | undefined {
    return i === 0 ? this.slot0 : (this.more![4 * (i - 1)] as Slot | undefined)
  }
  beforeAt(i: number): ManagedOrder | undefined {
    return i === 0 ? this.before0 : (this.more![4 * (i - 1) + 1] as ManagedOrder | undefined)
  }
  afterAt(i: number): ManagedOrder {
    return (i === 0 ? this.after0 : this.more![4 * (i - 1) + 2]) as ManagedOrder
  }
  entryAt(i: number): OrderJournalEntry {
    return (i === 0 ? this.entry0 : this.more![4 * (i - 1) + 3]) as OrderJournalEntry
  }
  /** Forgets the staged changes (a fill refused on a parent stages an unmatched fill instead). */
  clear(): void {
    this.size = 0
    this.slot0 = this.before0 = this.after0 = undefined
    this.entry0 = undefined
    this.more = undefined
    this.unmatched = undefined
    this.result = undefined
  }
}

/** A `try*` answer as an Either: errors are `Error`s, results never are. */
const either = <A, E extends Error>(r: A | E): Either.Either<A, E> => (r instanceof Error ? left(r as E) : right(r as A))

const NO_SLOTS: ReadonlyArray<Slot> = []
const EMPTY_LIST = new SlotList()
const matchAll: OrderQuery = {}

const invalid = (reason: InvalidOrderRequestReason, operationId: string | undefined, message: string): InvalidOrderRequest =>
  new InvalidOrderRequest({
    reason,
    operationId,
    message: operationId === undefined ? `Invalid order request: ${message}` : `Order ${operationId}: ${message}`
  })

const rejected = (reason: EventRejected["reason"], operationId: string, message: string): EventRejected =>
  new EventRejected({ reason, operationId, message: `Order ${operationId}: ${message}`, cause: undefined })

const illegalTransition = (operationId: string, cause: DomainError.IllegalTransition): EventRejected =>
  new EventRejected({ reason: "IllegalTransition", operationId, message: cause.message, cause })

const notFound = (ref: string): OrderNotFound => new OrderNotFound({ ref, message: `No order with ${ref}` })

const isText = (u: unknown): u is string => typeof u === "string" && u.length > 0

/**
 * True if `checkReport` finds nothing wrong with the report: its checks, in its order,
 * without the messages. The hot path calls this per fill and `checkReport` only for a bad
 * report: the messages' bytecode counted against `checkFill`'s inlining budget (416 bytes of
 * 920), which then could not inline the record for the fill (`advanceFill`).
 */
const isWellFormed = (r: FillReport): boolean =>
  typeof r === "object" &&
  r !== null &&
  isText(r.venue) &&
  isText(r.tradeId) &&
  (r.operationId !== undefined || r.clientOrderId !== undefined || r.venueOrderId !== undefined) &&
  isDecimal(r.quantity) &&
  isPositive(r.quantity) &&
  isDecimal(r.price) &&
  isDecimal(r.fee) &&
  isText(r.feeCurrency) &&
  (r.liquidity === "TAKER" || r.liquidity === "MAKER") &&
  Number.isSafeInteger(r.timestamp) &&
  r.timestamp >= 0

/**
 * A quantity object `isWellFormedVenueFill` found to be a positive Decimal (decimals are
 * immutable, so it stays one), and the misses since it was last set. A venue's fills mostly
 * repeat one quantity object (a whole fill carries its order's, and a strategy's orders
 * share theirs): one identity test instead of `isDecimal` and `isPositive`, and the check
 * small enough for TurboFan to inline into the core's `handleFill` (backtest 12,251 / 12,274
 * -> 12,192 / 12,191 instructions a tick). Set on every 64th miss only: storing a young
 * quantity into this long-lived slot takes V8's write barrier slow path (~50), which fills of
 * ever new quantities (partial fills) would otherwise pay each time. (Never undefined: a fill
 * without a quantity must fail.)
 */
let positiveQuantity: Decimal.Decimal = Decimal.one
let positiveQuantityMisses = 0

/** `isDecimal(q) && isPositive(q)`, remembering a quantity now and then (see `positiveQuantity`). */
const isPositiveQuantity = (q: unknown): boolean => {
  if (!(isDecimal(q) && isPositive(q))) return false
  if (++positiveQuantityMisses >= 64) {
    positiveQuantityMisses = 0
    positiveQuantity = q as Decimal.Decimal
  }
  return true
}

/**
 * `isWellFormed` of `FillReport.ofVenueFill(e, timestamp)`, with a client order id that is a
 * string (the order is looked up by it; the report only needs some id).
 */
const isWellFormedVenueFill = (e: VenueFill, timestamp: number): boolean =>
  typeof e === "object" &&
  e !== null &&
  // (`isText` written out: each call's bytecode counted against the caller's inlining budget.)
  typeof e.venue === "string" &&
  e.venue.length > 0 &&
  typeof e.tradeId === "string" &&
  e.tradeId.length > 0 &&
  typeof e.clientOrderId === "string" &&
  (e.quantity === positiveQuantity || isPositiveQuantity(e.quantity)) &&
  isDecimal(e.price) &&
  isDecimal(e.fee) &&
  typeof e.feeCurrency === "string" &&
  e.feeCurrency.length > 0 &&
  (e.liquidity === "TAKER" || e.liquidity === "MAKER") &&
  Number.isSafeInteger(timestamp) &&
  timestamp >= 0

/** What is wrong with a report, or undefined (undefined exactly when `isWellFormed`). */
const checkReport = (r: FillReport): string | undefined => {
  if (typeof r !== "object" || r === null) return `expected an object, got ${describe(r)}`
  if (!isText(r.venue)) return `venue must be a non-empty string, got ${describe(r.venue)}`
  if (!isText(r.tradeId)) return `tradeId must be a non-empty string, got ${describe(r.tradeId)}`
  if (r.operationId === undefined && r.clientOrderId === undefined && r.venueOrderId === undefined) {
    return "it names no order (operationId, clientOrderId or venueOrderId)"
  }
  if (!isDecimal(r.quantity)) return `quantity must be a Decimal, got ${describe(r.quantity)}`
  if (!isPositive(r.quantity)) return `quantity must be positive, got ${formatDecimal(r.quantity)}`
  if (!isDecimal(r.price)) return `price must be a Decimal, got ${describe(r.price)}`
  if (!isDecimal(r.fee)) return `fee must be a Decimal, got ${describe(r.fee)}`
  if (!isText(r.feeCurrency)) return `feeCurrency must be a non-empty string, got ${describe(r.feeCurrency)}`
  if (r.liquidity !== "TAKER" && r.liquidity !== "MAKER") return `liquidity must be MAKER or TAKER, got ${describe(r.liquidity)}`
  if (!(Number.isSafeInteger(r.timestamp) && r.timestamp >= 0)) return `timestamp must be epoch milliseconds, got ${describe(r.timestamp)}`
  return undefined
}

/** A new, empty order manager. Throws a RangeError for a `retainTerminal` that is not a count, or a `journalEvents` name that is no kind of entry. */
export const make = (options: OrderManagerOptions): OrderManager => new OrderManager(options)

/**
 * The manager a journal describes: every entry replayed in sequence order, exactly as the
 * live manager committed it. `unmatched` restores the reconciliation queue, which is kept
 * beside the journal, not in it (no order changed). Fails on a journal that does not replay.
 * With `retainTerminal`, nothing is evicted during the replay (a later entry may name any
 * order) and the excess is evicted at the end, oldest-finished first, through `onEvict`:
 * the same orders a live manager evicting as it went would hold.
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
      return left(
        new JournalCorrupt({
          reason: "OutOfOrder",
          sequence: entry.sequence,
          message: `Journal entry ${entry.sequence} follows entry ${last}`
        })
      )
    }
    const problem = manager.replayEntry(entry)
    if (problem !== undefined) return left(problem)
    last = entry.sequence
  }
  for (const u of unmatched) manager.loadUnmatched(u)
  manager.evictExcess()
  return right(manager)
}
