/**
 * The execution core: `submit`, `cancel`, `status` and venue events over the pure cores
 * of the other libraries, as plain synchronous TypeScript (no Effect, promise or closure
 * per order). The backtest drives it directly; the live `Execution` service wraps it.
 *
 * The flow of one order:
 *
 *   submit ─ idempotency (operation id known? → its result, nothing sent)
 *          ─ algorithm params checked (if any)
 *          ─ pre-trade risk ── denied → OMS: PENDING → DENIED (reason code), reports, nothing sent
 *          ─ routing (no venue given): one listing, or a split across equivalent listings
 *          ─ OMS: PENDING (the journal entry is the durable record; reports follow it)
 *          ─ algorithm? → parent stays with the algorithm, which spawns children over time;
 *                          each child is routed and sent like an order (no second risk check)
 *          ─ OMS: SUBMITTED (journalled before the venue sees the order), then the venue gateway
 *            (an order on its own listing is created and submitted in one OMS call)
 *   venue events ─ OMS (fills de-duplicated by venue trade id, rolled up to parents)
 *                ─ positions (every fill) and the risk book (open orders, fills, ends)
 *                ─ the algorithm (child fills and ends), reports
 *
 * Reentrancy: a venue may report events from inside the gateway call that sent the order
 * (a simulated venue in immediate mode does). Such events, and every notification to an
 * algorithm, are queued and processed once the current call has finished its own changes,
 * in arrival order; so an algorithm is never called while its previous answer is being
 * carried out, and reports come in a causal order (PENDING, SUBMITTED, ACCEPTED, FILLED).
 */
import type { Decimal, ExecutionResult, Fill, Ids, InstrumentSpec, OrderEvent, OrderStatus as Status } from "@odum/domain"
import { OrderStatus } from "@odum/domain"
import type { Action, AlgoError, AlgoParams, Grid as AlgoGrid } from "@odum/algos"
import { ExecutionAlgorithm, Grid } from "@odum/algos"
import { ExecutionEvent, VenueError, type VenueOrderRequest } from "@odum/adapter-kit"
import { ManagedOrder, OrderManager, type OrderJournal, type OrderRequest } from "@odum/oms"
import type { PreTradeRisk, RiskDecision } from "@odum/risk"
import type { Router, RouteRequest, RouterError, RoutingDecision } from "@odum/router"
import type * as Either from "effect/Either"
import type { ExecutionClock } from "./ExecutionClock.js"
import { ExecutionError } from "./ExecutionError.js"
import { fromEntry, type ReportSink } from "./ExecutionReport.js"
import type { VenueGateway } from "./VenueGateway.js"

// ---------------------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------------------

/** Pre-trade risk; `PreTradeRisk` (the `RiskEngine` service's `core`) is one. */
export interface RiskPort {
  check(order: PreTradeRisk.RiskOrder, now: number): RiskDecision.RiskDecision
}

/**
 * Keeps the risk engine's view (open orders, positions) in step with what the core does;
 * `InMemoryRiskBook` is one. Called with the strategy's order (the root): a child order
 * or a routed slice counts against its root, so exposure is never counted twice.
 */
export interface RiskBookUpdates {
  onOrderAccepted(order: {
    readonly operationId: string
    readonly strategyId: string
    readonly canonicalId: string
    readonly side: "BUY" | "SELL"
    readonly quantity: Decimal.Decimal
    readonly price?: Decimal.Decimal | undefined
  }): unknown
  onFill(
    fill: {
      readonly operationId: string
      readonly canonicalId: string
      readonly side: "BUY" | "SELL"
      readonly quantity: Decimal.Decimal
      readonly price: Decimal.Decimal
    },
    strategyId?: string
  ): unknown
  onOrderDone(operationId: string): unknown
}

/**
 * Receives every fill, once (only fills the OMS recorded for the first time), so a
 * `PositionTracker` built with `deduplicate: false` needs no fill ids of its own; it returns
 * its refusal, or undefined.
 */
export interface PositionPort {
  apply(fill: Fill.Fill, strategyId: Ids.StrategyId): unknown
  /**
   * Optional: `apply` for a fill the OMS recorded, without repeating the checks the OMS made
   * (`PositionTracker.applyRecorded`). The core calls it instead of `apply` when present.
   */
  applyRecorded?(fill: Fill.Fill, strategyId: Ids.StrategyId): unknown
}

/** Routes an order; `routing(router, market)` builds one from the router's pure core. */
export interface RoutingPort {
  route(request: RouteRequest.RouteRequest): RoutingDecision.RoutingDecision | RouterError.RouteError
  /**
   * Optional: only the decision's allocations (the same as `route(request).allocations`) or
   * the same error, without building its explanation. The core uses it when present.
   */
  allocate?(request: RouteRequest.RouteRequest): ReadonlyArray<RoutingDecision.Allocation> | RouterError.RouteError
}

/** Builds the algorithm that works a parent order; `algorithms(options)` uses @odum/algos. */
export interface AlgorithmPort {
  make(
    parent: OrderRequest.OrderRequest,
    spec: InstrumentSpec.InstrumentSpec
  ): Either.Either<ExecutionAlgorithm.ExecutionAlgorithm, AlgoError.InvalidAlgoParams>
}

/** What went wrong without being anybody's error: the core carries on, someone should look. */
export type AnomalyKind =
  /** A submit got no definite answer (timeout, dropped connection): the order stays in flight for reconciliation. */
  | "SubmitAmbiguous"
  /** A cancel got no definite answer: the order stays PENDING_CANCEL until the venue says. */
  | "CancelAmbiguous"
  /** The OMS refused a venue event (e.g. an Accept for a rejected order); the order is unchanged. */
  | "EventRefused"
  /** A venue event names an order the OMS does not know. */
  | "UnknownOrder"
  /** A fill the OMS could not apply; it is kept in the OMS's unmatched fills for reconciliation. */
  | "UnmatchedFill"
  /** The position tracker refused a fill the OMS applied. */
  | "PositionRefused"
  /** The risk book refused an update. */
  | "RiskBookRefused"
  /** A child order (algorithm slice or routed slice) could not be recorded or sent. */
  | "ChildRefused"
  /** An algorithm refused an event or ended without working the whole order. */
  | "Algorithm"

/** One anomaly. */
export interface Anomaly {
  readonly kind: AnomalyKind
  readonly operationId: string | undefined
  readonly message: string
  readonly cause?: unknown
}

/** Receives anomalies. */
export interface AnomalySink {
  onAnomaly(anomaly: Anomaly): void
}

/** How a core is built. */
export interface Options {
  /** Instruments orders may name (a `Map<string, InstrumentSpec>` is one). */
  readonly instruments: OrderManager.InstrumentLookup
  readonly clock: ExecutionClock
  readonly risk: RiskPort
  readonly venues: VenueGateway
  readonly riskBook?: RiskBookUpdates | undefined
  readonly positions?: PositionPort | undefined
  /** Without a router, an order without a venue goes to its instrument's own venue. */
  readonly router?: RoutingPort | undefined
  /** Without it, an order with an execution algorithm is refused (InvalidAlgorithm). */
  readonly algorithms?: AlgorithmPort | undefined
  readonly reports?: ReportSink | undefined
  readonly anomalies?: AnomalySink | undefined
  /**
   * Every OMS journal entry as it is committed (after the core's own report), with the order's
   * record as that entry left it: persistence hooks here (the record stays valid after the OMS
   * evicts the order, see `retainFinishedOrders`).
   */
  readonly journal?: ((entry: OrderJournal.OrderJournalEntry, order: ManagedOrder.ManagedOrder) => void) | undefined
  /**
   * The kinds of entry (`entry.event._tag`) `journal` reads; default: every kind. Without
   * `reports` (which report every entry), `journal` is then called only with entries of these
   * kinds and of the kinds that can end an order (every kind but Created, Submit and Accept,
   * which the core reads itself), and the OMS skips the call and the entry object for the rest
   * (the backtest reads Created and FillRecorded: its Submit and Accept entries cost no call).
   * With `reports`, every entry. A core with neither `journal` nor `reports` takes from the OMS
   * only the entries that can end an order.
   */
  readonly journalEvents?: ReadonlyArray<OrderJournal.JournalEvent["_tag"]> | undefined
  /**
   * How many finished orders (whole finished trees: a strategy order and its children) the
   * OMS keeps in memory; default: all. A bound keeps the heap flat over millions of orders
   * (the backtest keeps 1,024): the oldest-finished trees are evicted once the OMS change
   * that finished them has been journalled and reported (the core settles an order's end
   * from the journalled record, so eviction never skips it). An evicted order is no longer
   * answered by `order`, `status` or `cancel` (NotFound: the store, or `onOrderEvicted`,
   * has it), and a late venue event for it is an anomaly kept for reconciliation. Callers
   * that need an order's last record read it from the `journal` sink (which passes it) or
   * from `onOrderEvicted`, not back from the core.
   */
  readonly retainFinishedOrders?: number | undefined
  /** The final record of every evicted order, in eviction order (see `retainFinishedOrders`). */
  readonly onOrderEvicted?: ((order: ManagedOrder.ManagedOrder) => void) | undefined
}

/** The algorithms of @odum/algos (TWAP, VWAP, Iceberg) with the host's options (randomisation, child time in force, ...). */
export const algorithms = (options?: AlgoParams.OptionsInput): AlgorithmPort => ({
  make: (parent, spec) => ExecutionAlgorithm.make(parent, spec, options)
})

/** A routing port over the router's pure core and a market state. */
export const routing = (router: Router.Router, market: Parameters<Router.Router["route"]>[1]): RoutingPort => ({
  route: (request) => router.route(request, market),
  allocate: (request) => router.allocate(request, market)
})

// ---------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------

/** The order a `submit` or `cancel` is working on, and its last record seen by the journal. */
interface Watch {
  readonly id: string
  last: ManagedOrder.ManagedOrder | undefined
  readonly outer: Watch | undefined
}

/** An algorithm working one parent order. */
interface AlgoRun {
  readonly parentId: string
  readonly algo: ExecutionAlgorithm.ExecutionAlgorithm
  readonly grid: AlgoGrid.Grid
  readonly request: OrderRequest.OrderRequest
  /** Next wake-up, epoch ms. */
  wakeAt: number | undefined
}

/** Work done after the current call: venue events that arrived during it, and algorithm notifications. */
type Task =
  | ExecutionEvent.ExecutionEvent
  | { readonly _tag: "AlgoFill"; readonly run: AlgoRun; readonly childId: string; readonly quantity: Decimal.Decimal }
  | { readonly _tag: "AlgoDone"; readonly run: AlgoRun; readonly childId: string; readonly end: Action.ChildEnd }
  | { readonly _tag: "AlgoTimer"; readonly run: AlgoRun }

/** Values of `uncounted`: an order whose end is handled but not counted in the risk book, and one whose end is not handled. */
const NOT_IN_BOOK = 1
const UNHANDLED = 2
/**
 * Outermost calls between fresh queue arrays (`tasks`, `changed`; empty at that point). An
 * array the long-lived core kept forever is old, and every young event or record stored into
 * it took V8's write barrier slow path (~58 instructions; three per order in the backtest's
 * replay: two venue events and an end). A young array takes the fast path, and one renewed
 * this often is replaced long before a scavenge could promote it (the price: two small
 * arrays per 64 calls).
 */
const RENEW_QUEUES = 64
/**
 * A fresh queue array: eight `undefined` slots, so that it is PACKED_ELEMENTS with room from the
 * start. A `[]` began as PACKED_SMI_ELEMENTS with no room, and every queue store (two venue
 * events and an end per order in the backtest's replay) carried a check of both element kinds
 * and the growing store's capacity and length tests; here the usual store is in bounds and of
 * one kind. A longer queue grows it as before (the slots past `taskCount`/`changedCount` are
 * `undefined` either way). Counted with the venue's `IdSequence` counter: backtest 11,529 /
 * 11,635 -> 11,453 / 11,452 a tick, every total lower.
 */
const freshQueue = <A>(): Array<A | undefined> => [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined]
/** The permanent key of `uncounted`. */
const KEEP: unique symbol = Symbol("keep")

const SUBMIT: OrderEvent.Submit = { _tag: "Submit" }

/**
 * The kinds of journal entry that can end an order, which the core reads (`onJournal`): every
 * kind but Created (no record before it), Submit (PENDING -> SUBMITTED) and Accept (SUBMITTED ->
 * ACCEPTED, or a final status kept).
 */
const ENDING_EVENTS: ReadonlyArray<OrderJournal.JournalEvent["_tag"]> = [
  "FillRecorded",
  "ChildFill",
  "Deny",
  "Reject",
  "CancelRequest",
  "CancelAck",
  "CancelReject",
  "Expire"
]

/** The kinds of entry the core takes from its OMS (see `Options.journalEvents`); undefined: every kind. */
const journalEventsOf = (options: Options): ReadonlyArray<OrderJournal.JournalEvent["_tag"]> | undefined => {
  if (options.reports !== undefined) return undefined
  if (options.journal === undefined) return ENDING_EVENTS
  const wanted = options.journalEvents
  if (wanted === undefined) return undefined
  return [...ENDING_EVENTS, ...wanted.filter((tag) => !ENDING_EVENTS.includes(tag))]
}
const CANCEL_REQUEST: OrderEvent.CancelRequest = { _tag: "CancelRequest" }
const CANCEL_ACK: OrderEvent.CancelAck = { _tag: "CancelAck" }
const EXPIRE: OrderEvent.Expire = { _tag: "Expire" }

/** The status an event leads to when it repeats something already recorded (a venue and its stream both reporting). */
const repeatOf = (event: OrderJournal.LifecycleEvent, status: Status.OrderStatus): boolean =>
  (event._tag === "Reject" && status === "REJECTED") ||
  (event._tag === "CancelAck" && status === "CANCELLED") ||
  (event._tag === "Expire" && status === "EXPIRED")

const childEndOf = (status: Status.OrderStatus): Action.ChildEnd =>
  status === "CANCELLED" ? "cancelled" : status === "EXPIRED" ? "expired" : "rejected"

const venueRequestOf = (o: ManagedOrder.ManagedOrder["order"]): VenueOrderRequest.VenueOrderRequest =>
  o.price === undefined
    ? {
        clientOrderId: o.clientOrderId,
        canonicalId: o.canonicalId,
        side: o.side,
        type: o.type,
        timeInForce: o.timeInForce,
        quantity: o.quantity,
        reduceOnly: o.reduceOnly,
        postOnly: o.postOnly
      }
    : {
        clientOrderId: o.clientOrderId,
        canonicalId: o.canonicalId,
        side: o.side,
        type: o.type,
        timeInForce: o.timeInForce,
        quantity: o.quantity,
        price: o.price,
        reduceOnly: o.reduceOnly,
        postOnly: o.postOnly
      }

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * The request with the venue of the router's single allocation. Copied field by field in
 * the schema's order, never by spreading: a spread copy came out as a slow object that cost
 * more than the whole routing decision, in every later read of it by the OMS.
 * (Kept for routed orders: the copy gives the OMS one request shape to read whatever the caller's
 * was; handing it the venue beside the caller's request cost ~530 instructions more per routed
 * order, `npm run count -- routed`.)
 */
const withVenue = (r: OrderRequest.OrderRequest, venue: Ids.Venue): OrderRequest.OrderRequest => ({
  // Every key present (absent ones undefined): one hidden class for every routed request.
  operationId: r.operationId,
  strategyId: r.strategyId,
  canonicalId: r.canonicalId,
  venue,
  side: r.side,
  type: r.type,
  timeInForce: r.timeInForce,
  quantity: r.quantity,
  price: r.price,
  expireAt: r.expireAt,
  reduceOnly: r.reduceOnly,
  postOnly: r.postOnly,
  execAlgorithm: r.execAlgorithm,
  parentOperationId: r.parentOperationId
})

/**
 * Whether an OMS `try*` answer is a refusal. Every refusal is an `Error` (their contract) and a
 * tagged error, with a `_tag`, which no result (a record, a create result) has: so this is
 * `r instanceof Error`, but a result, the usual answer, costs one map check instead of a walk
 * up its prototype chain (~25 instructions; three such tests per order in the backtest's replay).
 */
const isRefusal = (r: object): r is Error => "_tag" in r && r instanceof Error

const errorOf = (
  e: { readonly _tag: string; readonly message: string },
  operationId: string | undefined
): ExecutionError => {
  const reason =
    e._tag === "DuplicateOperation" ? "DuplicateOperation" : e._tag === "InvalidAlgoParams" ? "InvalidAlgorithm" : "InvalidRequest"
  return new ExecutionError({ reason, message: e.message, ...(operationId === undefined ? {} : { operationId }), cause: e })
}

// ---------------------------------------------------------------------------------------
// The core
// ---------------------------------------------------------------------------------------

/** The synchronous execution core; build it with `make`. Single-threaded by design: one writer. */
export class ExecutionCore {
  private readonly manager: OrderManager.OrderManager
  private readonly clock: ExecutionClock
  private readonly risk: RiskPort
  private readonly venues: VenueGateway
  private readonly riskBook: RiskBookUpdates | undefined
  private readonly positions: PositionPort | undefined
  private readonly router: RoutingPort | undefined
  private readonly algorithms: AlgorithmPort | undefined
  private readonly reportSink: ReportSink | undefined
  private readonly anomalySink: AnomalySink | undefined
  private readonly journalSink: Options["journal"]
  /**
   * Whether the OMS skips some kinds of entry (see `Options.journalEvents`): then a watched
   * order's last record is read from the OMS while it holds the order (`endWatch`).
   */
  private readonly someEntries: boolean
  private readonly instruments: OrderManager.InstrumentLookup

  /**
   * The orders not yet final that are not counted in the risk book (children, orders refused
   * by the route; NOT_IN_BOOK, kept only when there is a risk book) or whose end is not
   * handled at all (orders the risk check denied; UNHANDLED). Every other order the core
   * records is a root order counted in the risk book (or there is no risk book), and needs no
   * entry: a strategy's order costs no hash table update here. An
   * order ends once, at the journal entry that makes it terminal (terminal states are final,
   * see `onJournal`). One permanent entry under a symbol (no operation id equals it) keeps
   * the map from emptying: a Map that empties gives up its table and allocates a new one on
   * the next insert.
   */
  private readonly uncounted = new Map<string | symbol, number>([[KEEP, NOT_IN_BOOK]])
  /** Working algorithms by parent operation id. */
  private readonly runs = new Map<string, AlgoRun>()
  /**
   * Orders (as their journal entries left them) that ended since the last `settle`:
   * the first `changedCount` slots. Slots are overwritten and cleared, never truncated: an
   * array cut to length 0 gives up its backing store and grows a new one on the next push,
   * which was an allocation per order. Replaced now and then to stay young (see `RENEW_QUEUES`).
   */
  private changed: Array<ManagedOrder.ManagedOrder | undefined> = freshQueue()
  private changedCount = 0
  private settling = false
  /**
   * The innermost watch (`beginWatch`), linked to the outer ones (a sink may submit from
   * inside another submit). A fresh young object per call: the records the journal hands
   * over are stored into it without V8's write barrier slow path, which a field of the
   * long-lived core took on every entry.
   */
  private watch: Watch | undefined = undefined
  /** Queued work: the first `taskCount` slots, run from `taskHead` (overwritten and cleared, and renewed, as `changed`). */
  private tasks: Array<Task | undefined> = freshQueue()
  private taskHead = 0
  private taskCount = 0
  private busy = false
  /** Outermost calls since the queues were last renewed. */
  private sinceRenewed = 0
  /** The canonical id whose instrument's venue `place` looked up last, and that venue. */
  private venueFor: string | undefined = undefined
  private venueOfLast: Ids.Venue | undefined = undefined

  /** Use `make`. */
  constructor(options: Options) {
    this.instruments = options.instruments
    this.clock = options.clock
    this.risk = options.risk
    this.venues = options.venues
    this.riskBook = options.riskBook
    this.positions = options.positions
    this.router = options.router
    this.algorithms = options.algorithms
    this.reportSink = options.reports
    this.anomalySink = options.anomalies
    this.journalSink = options.journal
    const journalEvents = journalEventsOf(options)
    this.someEntries = journalEvents !== undefined
    this.manager = OrderManager.make({
      instruments: options.instruments,
      journal: (entry, order, before) => this.onJournal(entry, order, before),
      journalEvents,
      retainTerminal: options.retainFinishedOrders,
      onEvict: options.onOrderEvicted
    })
  }

  // -------------------------------------------------------------------------------------
  // Queries
  // -------------------------------------------------------------------------------------

  /** The OMS's order manager (read it; change orders only through the core). */
  get orders(): OrderManager.OrderManager {
    return this.manager
  }

  /** The order of record under an operation id. */
  order(operationId: string): ManagedOrder.ManagedOrder | undefined {
    return this.manager.get(operationId)
  }

  /** The result of an order: status, fills, cumulative quantity, average price. */
  status(operationId: string): ExecutionResult.ExecutionResult | ExecutionError {
    const m = this.manager.get(operationId)
    return m === undefined ? notFound(operationId) : resultOf(m)
  }

  /** The earliest pending algorithm wake-up (epoch ms), for a driver that interleaves time. */
  nextWakeupMs(): number | undefined {
    // A replay asks after every event: no iterator when no algorithm is working.
    if (this.runs.size === 0) return undefined
    let next: number | undefined
    for (const run of this.runs.values()) {
      if (run.wakeAt !== undefined && (next === undefined || run.wakeAt < next)) next = run.wakeAt
    }
    return next
  }

  /** The algorithm working a parent order, for status pages and tests. */
  algorithm(parentOperationId: string): ExecutionAlgorithm.ExecutionAlgorithm | undefined {
    return this.runs.get(parentOperationId)?.algo
  }

  // -------------------------------------------------------------------------------------
  // Commands
  // -------------------------------------------------------------------------------------

  /**
   * Submits an order and returns its result once everything the venues answered during
   * the call is applied. Idempotent on the operation id: a known id returns the order's
   * current result and sends nothing (a different request under it is DuplicateOperation).
   * A denial is a DENIED result, not an error.
   */
  submit(request: OrderRequest.OrderRequest): ExecutionResult.ExecutionResult | ExecutionError {
    const id = request.operationId
    const existing = this.manager.get(id)
    if (existing !== undefined) return this.resubmit(existing, request)
    const outer = this.enter()
    this.beginWatch(id)
    let error: ExecutionError | undefined
    let m: ManagedOrder.ManagedOrder | undefined
    try {
      error = this.submitNew(request)
    } finally {
      this.leave(outer)
      m = this.endWatch()
    }
    if (error !== undefined) return error
    // The order's last record seen by the journal: a finished order may already be evicted.
    return m === undefined ? this.resultOf(id) : resultOf(m)
  }

  /**
   * `submit` for a caller that reads no result (the backtest engine): the same effects, and
   * the error `submit` would return, or undefined where `submit` returns a result (a known
   * operation id with the same request included). No watch on the order and no result
   * object per call.
   */
  submitOnly(request: OrderRequest.OrderRequest): ExecutionError | undefined {
    const existing = this.manager.get(request.operationId)
    if (existing !== undefined) return this.duplicate(existing, request)
    const outer = this.enter()
    try {
      return this.submitNew(request)
    } finally {
      this.leave(outer)
    }
  }

  /**
   * Cancels an order: locally if it was never sent, at the venue otherwise (it is
   * PENDING_CANCEL until the venue answers); an algorithm parent cancels its algorithm,
   * which cancels its working children; a routed order cancels every slice. A final order
   * is returned as it is, with an error message saying it cannot be cancelled.
   */
  cancel(operationId: string): ExecutionResult.ExecutionResult | ExecutionError {
    const m = this.manager.get(operationId)
    if (m === undefined) return notFound(operationId)
    if (OrderStatus.isTerminal(m.order.status)) {
      return { ...resultOf(m), errorMessage: `Order ${operationId} is ${m.order.status}: nothing to cancel` }
    }
    const outer = this.enter()
    this.beginWatch(operationId)
    let after: ManagedOrder.ManagedOrder | undefined
    try {
      this.cancelOrder(m, this.clock.nowMs())
    } finally {
      this.leave(outer)
      after = this.endWatch()
    }
    return after === undefined ? this.resultOf(operationId) : resultOf(after)
  }

  /** A venue's execution event (the adapter kit's `ExecutionSink`: the core can be a venue's sink directly). */
  onExecution(event: ExecutionEvent.ExecutionEvent): void {
    // Booleans compared with `true` on the hot path: a bare truth test of an untyped value is
    // V8's generic ToBoolean (about nine instructions more for a true value).
    if (this.busy === true) {
      this.tasks[this.taskCount++] = event
      return
    }
    const outer = this.enter()
    try {
      this.handleEvent(event)
    } finally {
      this.leave(outer)
    }
  }

  /**
   * A venue's answer to a request that came after the gateway call returned (the live
   * service's adapters answer asynchronously): a rejection rejects the order (or refuses
   * the cancel); a transport error leaves it in flight.
   */
  onVenueError(request: "submit" | "cancel", clientOrderId: string, error: VenueError.VenueError): void {
    const outer = this.enter()
    try {
      const m = this.manager.getByClientOrderId(clientOrderId)
      if (m === undefined) {
        this.anomaly("UnknownOrder", undefined, `${request} answer for unknown client order id ${clientOrderId}: ${error.message}`, error)
      } else {
        this.answer(request, m, error, this.clock.nowMs())
      }
    } finally {
      this.leave(outer)
    }
  }

  /** Fires every algorithm wake-up due at the clock's current time. */
  onTime(): void {
    const now = this.clock.nowMs()
    const outer = this.enter()
    try {
      for (const run of this.runs.values()) {
        if (run.wakeAt !== undefined && run.wakeAt <= now) {
          run.wakeAt = undefined
          this.tasks[this.taskCount++] = { _tag: "AlgoTimer", run }
        }
      }
    } finally {
      this.leave(outer)
    }
  }

  /** A market event for the algorithms working `canonicalId` (VWAP participation counts trades). */
  onMarket(canonicalId: string, update: Parameters<ExecutionAlgorithm.ExecutionAlgorithm["onMarket"]>[0]): void {
    const outer = this.enter()
    try {
      for (const run of this.runs.values()) {
        if (run.request.canonicalId === canonicalId) this.runActions(run, () => run.algo.onMarket(update))
      }
    } finally {
      this.leave(outer)
    }
  }

  // -------------------------------------------------------------------------------------
  // Submit
  // -------------------------------------------------------------------------------------

  private resubmit(existing: ManagedOrder.ManagedOrder, request: OrderRequest.OrderRequest): ExecutionResult.ExecutionResult | ExecutionError {
    return this.duplicate(existing, request) ?? resultOf(existing)
  }

  /** The error of a request repeated under a known operation id with a different content, or undefined. */
  private duplicate(existing: ManagedOrder.ManagedOrder, request: OrderRequest.OrderRequest): ExecutionError | undefined {
    const differences = OrderManager.requestDifferences(existing.order, request).filter(
      // The core fills in the venue the router (or the instrument) chose.
      (d) => !(d === "venue" && request.venue === undefined)
    )
    if (differences.length > 0) {
      return new ExecutionError({
        reason: "DuplicateOperation",
        operationId: request.operationId,
        message: `Operation ${request.operationId} already exists with a different ${differences.join(", ")}; the first order stands`
      })
    }
    return undefined
  }

  private submitNew(request: OrderRequest.OrderRequest): ExecutionError | undefined {
    const now = this.clock.nowMs()
    let algo: ExecutionAlgorithm.ExecutionAlgorithm | undefined
    if (request.execAlgorithm !== undefined) {
      const spec = this.instruments.get(request.canonicalId)
      if (spec === undefined) return invalidRequest(request.operationId, `Unknown instrument ${request.canonicalId}`)
      if (this.algorithms === undefined) {
        return new ExecutionError({
          reason: "InvalidAlgorithm",
          operationId: request.operationId,
          message: `Order ${request.operationId}: no execution algorithms are configured, cannot work ${request.execAlgorithm.name}`
        })
      }
      const made = this.algorithms.make(request, spec)
      if (made._tag === "Left") return errorOf(made.left, request.operationId)
      algo = made.right
    }
    const decision = this.risk.check(request, now)
    if (decision.allowed !== true) {
      const created = this.manager.tryCreate(request, now)
      if (created instanceof Error) return errorOf(created, request.operationId)
      if (created.created) this.uncounted.set(request.operationId, UNHANDLED)
      this.apply(request.operationId, { _tag: "Deny", reason: `${decision.reason}: ${decision.message}` }, now)
      return undefined
    }
    if (algo !== undefined) return this.startAlgorithm(request, algo, now)
    return this.place(request, now, true)
  }

  /**
   * Records and sends one order (a strategy's order, or an algorithm's child): routed if it
   * names no venue, as one order when the route is its own listing, else as a routing
   * parent with one child per allocation. Returns an error only for a request the OMS
   * refuses (nothing recorded).
   */
  private place(request: OrderRequest.OrderRequest, now: number, root: boolean): ExecutionError | undefined {
    if (request.venue !== undefined || this.router === undefined) {
      if (request.venue !== undefined) return this.createAndRelease(request, now, root, undefined, false)
      // The instrument's venue for a request that names none: recorded by the OMS, no copy of the request.
      // The last instrument's venue is remembered (a strategy sends to one instrument; the lookup
      // was ~70 instructions per order): `createAndRelease` looks it up again if the OMS, which
      // checks the venue against the instrument, refuses the order.
      const canonicalId = request.canonicalId
      if (canonicalId === this.venueFor) return this.createAndRelease(request, now, root, this.venueOfLast, true)
      const venue = this.instruments.get(canonicalId)?.venue
      if (venue !== undefined) {
        this.venueFor = canonicalId
        this.venueOfLast = venue
      }
      return this.createAndRelease(request, now, root, venue, false)
    }
    // An order request is a route request (its venue is unset here, which is what routing means).
    // Only the allocations are used: the lean call when the port has one.
    const port = this.router
    const decision = port.allocate !== undefined ? port.allocate(request) : port.route(request)
    if ("_tag" in decision) {
      const m = this.create(request, now, false)
      if (m instanceof ExecutionError) return m
      this.apply(m.order.operationId, { _tag: "Deny", reason: `NO_ROUTE: ${decision.message}` }, now)
      return undefined
    }
    const allocations = "allocations" in decision ? decision.allocations : decision
    const first = allocations[0]
    if (allocations.length === 1 && first !== undefined && first.canonicalId === request.canonicalId) {
      return this.createAndRelease(withVenue(request, first.venue as Ids.Venue), now, root, undefined, false)
    }
    // Slices on other listings: the order is a routing parent, each allocation a child.
    const spec = this.instruments.get(request.canonicalId)
    let mismatch: string | undefined
    for (const a of allocations) {
      const s = this.instruments.get(a.canonicalId)
      if (s === undefined) mismatch = `${a.canonicalId} is not an instrument the OMS knows`
      else if (spec !== undefined && (s.contractSize.units !== spec.contractSize.units || s.contractSize.scale !== spec.contractSize.scale)) {
        mismatch = `${a.canonicalId} has another contract size than ${request.canonicalId}`
      }
    }
    const parent = this.create(request, now, root)
    if (parent instanceof ExecutionError) return parent
    const id = request.operationId
    if (mismatch !== undefined) {
      this.apply(id, { _tag: "Deny", reason: `NO_ROUTE: the route cannot be recorded as slices of the order: ${mismatch}` }, now)
      return undefined
    }
    const children: Array<ManagedOrder.ManagedOrder> = []
    for (let i = 0; i < allocations.length; i++) {
      const a = allocations[i]!
      // Built by assignment, not with conditional spreads (see `withVenue`).
      const child: Mutable<OrderRequest.OrderRequest> = {
        operationId: `${id}:r${i + 1}` as Ids.OperationId,
        strategyId: request.strategyId,
        canonicalId: a.canonicalId,
        venue: a.venue as Ids.Venue,
        side: request.side,
        type: request.type,
        timeInForce: request.timeInForce,
        quantity: a.quantity
      }
      if (a.price !== undefined) child.price = a.price
      if (request.expireAt !== undefined) child.expireAt = request.expireAt
      child.reduceOnly = request.reduceOnly ?? false
      child.postOnly = request.postOnly ?? false
      child.parentOperationId = request.operationId
      const c = this.create(child, now, false)
      if (c instanceof ExecutionError) this.anomaly("ChildRefused", child.operationId, c.message, c)
      else children.push(c)
    }
    if (children.length === 0) {
      this.apply(id, { _tag: "Deny", reason: "NO_ROUTE: no slice of the route could be recorded" }, now)
      return undefined
    }
    for (const c of children) this.release(c, now)
    return undefined
  }

  /**
   * Records an order in PENDING, at `venue` if the request names none (the one chosen for
   * it); a root order is counted in the risk book from now on.
   */
  private create(
    request: OrderRequest.OrderRequest,
    now: number,
    root: boolean,
    venue?: Ids.Venue
  ): ManagedOrder.ManagedOrder | ExecutionError {
    // The OMS's answers without an Either here and below (its `try*` forms): one object fewer per call.
    const r = this.manager.tryCreate(request, now, venue)
    if (r instanceof Error) return errorOf(r, request.operationId)
    const m = r.order
    this.count(request.operationId, m, root)
    return m
  }

  /**
   * `create`, then `release`, as one OMS call (`tryCreateAndSubmit`: the journal holds both
   * entries, with the same records, as after two calls); a repeated request (nothing created)
   * is released as `release` does.
   */
  private createAndRelease(
    request: OrderRequest.OrderRequest,
    now: number,
    root: boolean,
    venue: Ids.Venue | undefined,
    remembered: boolean
  ): ExecutionError | undefined {
    let r = this.manager.tryCreateAndSubmit(request, now, venue)
    // A remembered venue (see `place`) is confirmed by a new order: the OMS checked it against the
    // instrument. (A refusal has no `created`: one test for both other answers.)
    if (remembered === true && (r as { readonly created?: boolean }).created !== true) r = this.recreate(request, now, venue, r)
    if (isRefusal(r)) return errorOf(r, request.operationId)
    const m = r.order
    this.count(request.operationId, m, root)
    const submitted = r.submitted
    if (submitted === undefined) this.release(m, now)
    else if (!isRefusal(submitted) || this.refused(m.order.operationId, SUBMIT, submitted) !== undefined) this.send(m, now)
    return undefined
  }

  /**
   * `tryCreateAndSubmit`'s answer `r` for a request sent to the venue `place` remembered for its
   * instrument, when the OMS refused it or found it already made: the instrument is looked up
   * again, and if its venue is another now, the call is made again with that one (a refusal, and
   * an answer that creates nothing, change nothing), so the answer is the one a lookup per order
   * gave.
   */
  private recreate(
    request: OrderRequest.OrderRequest,
    now: number,
    venue: Ids.Venue | undefined,
    r: ReturnType<OrderManager.OrderManager["tryCreateAndSubmit"]>
  ): ReturnType<OrderManager.OrderManager["tryCreateAndSubmit"]> {
    const current = this.instruments.get(request.canonicalId)?.venue
    if (current === venue) return r
    this.venueFor = current === undefined ? undefined : request.canonicalId
    this.venueOfLast = current
    return this.manager.tryCreateAndSubmit(request, now, current)
  }

  /** Counts a just-recorded order: a root order in the risk book, any other as not in it. */
  private count(operationId: string, m: ManagedOrder.ManagedOrder, root: boolean): void {
    // Without a risk book nothing is counted: `settle` handles every end as not in a book.
    if (this.riskBook === undefined) return
    if (root === true) this.bookResult(this.riskBook.onOrderAccepted(m.order), operationId)
    else this.uncounted.set(operationId, NOT_IN_BOOK)
  }

  /** Submit (journalled: write before send), then the gateway; a definite refusal rejects it. */
  private release(m: ManagedOrder.ManagedOrder, now: number): void {
    if (this.apply(m.order.operationId, SUBMIT, now) === undefined) return
    this.send(m, now)
  }

  /** The gateway's submit of an order whose Submit is journalled; a definite refusal rejects it. */
  private send(m: ManagedOrder.ManagedOrder, now: number): void {
    const o = m.order
    const answer = this.venues.submit(o.venue as string, venueRequestOf(o), this.clock.nowNs())
    if (answer !== undefined) this.answer("submit", this.manager.get(o.operationId) ?? m, answer, now)
  }

  private answer(request: "submit" | "cancel", m: ManagedOrder.ManagedOrder, error: VenueError.VenueError, now: number): void {
    const id = m.order.operationId
    if (VenueError.isAmbiguous(error)) {
      this.anomaly(
        request === "submit" ? "SubmitAmbiguous" : "CancelAmbiguous",
        id,
        `${request} of ${id} at ${error.venue} has no definite answer (${error.reason}: ${error.message}); it stays ${m.order.status} until the venue's records settle it`,
        error
      )
      return
    }
    const reason = `${error.reason}: ${error.message}`
    this.apply(id, request === "submit" ? { _tag: "Reject", reason } : { _tag: "CancelReject", reason }, now)
  }

  // -------------------------------------------------------------------------------------
  // Cancel
  // -------------------------------------------------------------------------------------

  private cancelOrder(m: ManagedOrder.ManagedOrder, now: number): void {
    const o = m.order
    const id = o.operationId
    if (OrderStatus.isTerminal(o.status)) return
    const run = this.runs.get(id)
    if (run !== undefined) {
      if (o.status !== "PENDING_CANCEL") this.apply(id, CANCEL_REQUEST, now)
      this.runActions(run, () => run.algo.cancel())
      return
    }
    const children = this.manager.children(id)
    if (children.length > 0) {
      if (o.status !== "PENDING_CANCEL") this.apply(id, CANCEL_REQUEST, now)
      for (const c of children) this.cancelOrder(this.manager.get(c.order.operationId) ?? c, now)
      return
    }
    const status = o.status
    if (this.apply(id, CANCEL_REQUEST, now) === undefined || status === "PENDING") return
    const answer = this.venues.cancel(o.venue as string, o.clientOrderId, this.clock.nowNs())
    if (answer !== undefined) this.answer("cancel", this.manager.get(id) ?? m, answer, now)
  }

  // -------------------------------------------------------------------------------------
  // Venue events
  // -------------------------------------------------------------------------------------

  private handleEvent(event: ExecutionEvent.ExecutionEvent): void {
    const now = this.clock.nowMs()
    if (event._tag === "Filled") {
      this.handleFill(event, now)
      return
    }
    this.handleLifecycle(event, now)
  }

  /** A venue event other than a fill. */
  private handleLifecycle(event: Exclude<ExecutionEvent.ExecutionEvent, ExecutionEvent.Filled>, now: number): void {
    // One lookup by the id the venue echoes (not a lookup, then an apply by operation id).
    // An Accept (one per order) built here: `toOrderEvent` was a call of its own (~50 instructions).
    const orderEvent: OrderJournal.LifecycleEvent =
      event._tag === "Accepted"
        ? { _tag: "Accept", venueOrderId: event.venueOrderId }
        : (ExecutionEvent.toOrderEvent(event) as OrderJournal.LifecycleEvent)
    const r = this.manager.tryApplyByClientOrderId(event.clientOrderId, orderEvent, now)
    if (!isRefusal(r)) return
    const m = this.manager.getByClientOrderId(event.clientOrderId)
    if (m === undefined) {
      this.anomaly("UnknownOrder", undefined, `${event._tag} from ${event.venue} for unknown client order id ${event.clientOrderId}`, event)
      return
    }
    if (!repeatOf(orderEvent, m.order.status)) this.anomaly("EventRefused", m.order.operationId, r.message, r)
  }

  private handleFill(e: ExecutionEvent.Filled, now: number): void {
    // A clock that keeps both forms of its time (the manual clock) stamps a fill at that time,
    // every fill of a replay without latency, with its own milliseconds: a replay's clock is set
    // with them (`ManualClock.setNsMs`), so `toEpochMillis`'s memo no longer holds its time.
    const clock = this.clock
    const timestamp = clock.epochMillisOf !== undefined ? clock.epochMillisOf(e.ts) : ExecutionEvent.toEpochMillis(e.ts)
    // The venue's event as it is: the OMS builds the order's Fill from it (a report built here
    // per fill was a 12-field object the OMS checked and copied).
    const r = this.manager.tryRecordVenueFill(e, timestamp, now)
    // The usual outcome first, by its tag (the refusal's is "InvalidFillReport"): one load and
    // comparison, where `instanceof Error` walked the outcome's prototype chain (~25 instructions).
    if (r._tag !== "Applied") {
      if (r instanceof Error) {
        this.anomaly("UnmatchedFill", undefined, r.message, r)
        return
      }
      if (r._tag === "Duplicate") return
      const u = r.unmatched
      this.anomaly("UnmatchedFill", u.operationId, `Fill ${u.report.venue}|${u.report.tradeId} (${u.reason}): ${u.message}`, u)
      return
    }
    const m = r.order
    const fill = m.fills[m.fills.length - 1]!
    const strategyId = m.order.strategyId
    if (this.positions !== undefined) {
      // The OMS's own record of the fill: what it checked is not checked again.
      const positions = this.positions
      const refused = positions.applyRecorded !== undefined ? positions.applyRecorded(fill, strategyId) : positions.apply(fill, strategyId)
      if (refused !== undefined) this.anomaly("PositionRefused", m.order.operationId, messageOf(refused), refused)
    }
    // Walk up: the root carries the risk book's exposure, an algorithm child tells its algorithm.
    let node = m
    let notified = false
    for (;;) {
      const parentId = node.order.parentOperationId
      if (parentId === undefined) break
      if (!notified) {
        const run = this.runs.get(parentId)
        if (run !== undefined) {
          this.tasks[this.taskCount++] = { _tag: "AlgoFill", run, childId: node.order.operationId, quantity: fill.quantity }
          notified = true
        }
      }
      const parent = this.manager.get(parentId)
      if (parent === undefined) break
      node = parent
    }
    if (this.riskBook !== undefined) {
      const root = node.order
      // The fill is the root's own when no parent was walked to: the filled order is a leaf (a
      // parent is never sent to a venue), so its last fill carries its own operation id, and
      // operation ids are unique. An identity test where comparing the ids was a call (~15).
      const bookFill =
        node === m
          ? fill
          : { operationId: root.operationId, canonicalId: root.canonicalId, side: fill.side, quantity: fill.quantity, price: fill.price }
      this.bookResult(this.riskBook.onFill(bookFill, strategyId), root.operationId)
    }
  }

  // -------------------------------------------------------------------------------------
  // Algorithms
  // -------------------------------------------------------------------------------------

  private startAlgorithm(
    request: OrderRequest.OrderRequest,
    algo: ExecutionAlgorithm.ExecutionAlgorithm,
    now: number
  ): ExecutionError | undefined {
    const parent = this.create(request, now, true)
    if (parent instanceof ExecutionError) return parent
    const run: AlgoRun = { parentId: request.operationId, algo, grid: algo.grid, request, wakeAt: undefined }
    this.runs.set(run.parentId, run)
    this.runActions(run, () => algo.start(now))
    return undefined
  }

  /** Calls the algorithm and carries out its actions; a refused event is an anomaly, never a crash. */
  private runActions(run: AlgoRun, call: () => ReadonlyArray<Action.Action>): void {
    let actions: ReadonlyArray<Action.Action>
    try {
      // The algorithm reuses its answer array; copy it, since carrying it out may reach the algorithm again.
      actions = call().slice()
    } catch (cause) {
      this.anomaly("Algorithm", run.parentId, `Algorithm of ${run.parentId} refused an event: ${messageOf(cause)}`, cause)
      return
    }
    const now = this.clock.nowMs()
    for (const a of actions) {
      switch (a.kind) {
        case "spawn":
          this.spawn(run, a, now)
          break
        case "cancel": {
          const child = this.manager.get(a.childId)
          if (child !== undefined) this.cancelOrder(child, now)
          break
        }
        case "schedule":
          run.wakeAt = a.atMs
          break
        case "complete":
          this.complete(run, a, now)
          break
      }
    }
  }

  private spawn(run: AlgoRun, a: Action.Spawn, now: number): void {
    const p = run.request
    const postOnly = p.postOnly === true && a.type === "LIMIT" && a.timeInForce !== "IOC" && a.timeInForce !== "FOK"
    // Built by assignment, not with conditional spreads (see `withVenue`).
    const child: Mutable<OrderRequest.OrderRequest> = {
      operationId: a.childId as Ids.OperationId,
      strategyId: p.strategyId,
      canonicalId: p.canonicalId,
      side: a.side,
      type: a.type,
      timeInForce: a.timeInForce,
      quantity: Grid.quantityOf(run.grid, a.lots),
      reduceOnly: p.reduceOnly ?? false,
      postOnly,
      parentOperationId: p.operationId
    }
    if (p.venue !== undefined) child.venue = p.venue
    if (a.priceTicks !== undefined) child.price = Grid.priceOf(run.grid, a.priceTicks)
    const error = this.place(child, now, false)
    if (error !== undefined) {
      this.anomaly("ChildRefused", a.childId, error.message, error)
      this.tasks[this.taskCount++] = { _tag: "AlgoDone", run, childId: a.childId, end: "rejected" }
    }
  }

  private complete(run: AlgoRun, a: Action.Complete, now: number): void {
    this.runs.delete(run.parentId)
    const parent = this.manager.get(run.parentId)
    if (parent === undefined || OrderStatus.isTerminal(parent.order.status)) return
    if (a.reason !== "filled" && a.reason !== "cancelled") {
      this.anomaly("Algorithm", run.parentId, `Algorithm ${run.algo.name} of ${run.parentId} ended (${a.reason}) with ${a.filledLots} lots filled`)
    }
    const status = parent.order.status
    if (status === "PENDING") this.apply(run.parentId, CANCEL_REQUEST, now)
    else if (a.reason === "cancelled" || status === "PENDING_CANCEL") this.apply(run.parentId, CANCEL_ACK, now)
    else this.apply(run.parentId, EXPIRE, now)
  }

  // -------------------------------------------------------------------------------------
  // Order ends
  // -------------------------------------------------------------------------------------

  /** Handles orders that became final during the last changes: risk book, algorithm, routing parent. */
  private settle(): void {
    // Records appended while settling (an end that changes a parent) are handled in turn by
    // this loop; a settle re-entered from inside it (a sink calling back into the core) leaves
    // them to it. (Most calls find nothing ended: no try/finally for them.)
    if (this.settling || this.changedCount === 0) return
    this.settling = true
    const records = this.changed
    let i = 0
    try {
      for (; i < this.changedCount; i++) {
        // The record as its journal entry left it: the OMS may have evicted a finished order since.
        const m = records[i]!
        records[i] = undefined
        let inBook = this.riskBook !== undefined
        const uncounted = this.uncounted
        // (Only the permanent entry: nothing to look up.)
        if (uncounted.size > 1) {
          const id = m.order.operationId
          const flags = uncounted.get(id)
          if (flags !== undefined) {
            uncounted.delete(id)
            if (flags === UNHANDLED) continue
            inBook = false
          }
        }
        this.ended(m, inBook)
      }
    } finally {
      // Each slot is cleared as it is taken; after a throw, the ones not reached are dropped too.
      for (; i < this.changedCount; i++) records[i] = undefined
      this.changedCount = 0
      this.settling = false
    }
  }

  private ended(m: ManagedOrder.ManagedOrder, inBook: boolean): void {
    const o = m.order
    const id = o.operationId
    if (inBook === true && this.riskBook !== undefined) this.bookResult(this.riskBook.onOrderDone(id), id)
    const parentId = o.parentOperationId
    if (parentId === undefined) return
    const run = this.runs.get(parentId)
    if (run !== undefined) {
      if (o.status !== "FILLED") this.tasks[this.taskCount++] = { _tag: "AlgoDone", run, childId: id, end: childEndOf(o.status) }
      return
    }
    // A routed slice: when every slice of the order has ended, so has the order.
    const parent = this.manager.get(parentId)
    if (parent === undefined || OrderStatus.isTerminal(parent.order.status)) return
    let cancelled = false
    let expired = false
    let rejectReason: string | undefined
    for (const c of this.manager.children(parentId)) {
      const s = c.order.status
      if (!OrderStatus.isTerminal(s)) return
      if (s === "CANCELLED") cancelled = true
      else if (s === "EXPIRED") expired = true
      else if (s === "REJECTED" && rejectReason === undefined) rejectReason = c.order.rejectReason
    }
    const now = this.clock.nowMs()
    const p = parent.order
    if (cancelled || p.status === "PENDING_CANCEL") this.apply(parentId, CANCEL_ACK, now)
    else if (!expired && rejectReason !== undefined && p.venueOrderId === undefined && p.filledQuantity.units === 0n) {
      this.apply(parentId, { _tag: "Reject", reason: rejectReason }, now)
    } else this.apply(parentId, EXPIRE, now)
  }

  // -------------------------------------------------------------------------------------
  // Plumbing
  // -------------------------------------------------------------------------------------

  /** Applies a lifecycle event; returns the order after it, or undefined if the OMS refused it. */
  private apply(operationId: string, event: OrderJournal.LifecycleEvent, now: number): ManagedOrder.ManagedOrder | undefined {
    const r = this.manager.tryApply(operationId, event, now)
    return r instanceof Error ? this.refused(operationId, event, r) : r
  }

  /** What `apply` answers for an event the OMS refused: the order if the event repeats what it records, else undefined (an anomaly). */
  private refused(operationId: string, event: OrderJournal.LifecycleEvent, r: OrderManager.ApplyError): ManagedOrder.ManagedOrder | undefined {
    const m = this.manager.get(operationId)
    if (m !== undefined && repeatOf(event, m.order.status)) return m
    this.anomaly("EventRefused", operationId, r.message, r)
    return undefined
  }

  /**
   * One committed journal entry, with the order as it left it (the OMS may evict a finished
   * order right after) and as it was before (undefined for Created).
   */
  private onJournal(entry: OrderJournal.OrderJournalEntry, m: ManagedOrder.ManagedOrder, before: ManagedOrder.ManagedOrder | undefined): void {
    const w = this.watch
    if (w !== undefined && entry.operationId === w.id) w.last = m
    // The entry that ended the order: terminal states are final (a late fill of a cancelled
    // order may complete it, FILLED after CANCELLED, which is not a second end).
    if (before !== undefined && OrderStatus.isTerminal(m.order.status) && !OrderStatus.isTerminal(before.order.status)) {
      this.changed[this.changedCount++] = m
    }
    if (this.reportSink !== undefined) this.reportSink.onReport(fromEntry(entry, m.order))
    if (this.journalSink !== undefined) this.journalSink(entry, m)
  }

  /** Starts following `operationId`'s records through the journal (see `onJournal`). */
  private beginWatch(operationId: string): void {
    this.watch = { id: operationId, last: undefined, outer: this.watch }
  }

  /** The watched order's last record, and back to the outer watch. */
  private endWatch(): ManagedOrder.ManagedOrder | undefined {
    const w = this.watch!
    this.watch = w.outer
    // When the OMS skips entries (Created, Submit, Accept: see `Options.journalEvents`), the
    // OMS's record while it holds the order: every change journals, so it is the last entry's
    // record. An evicted order is final, and the entry that ended it was not skipped; only an
    // Accept of a final order (its venue order id, nothing a result reads) can have come after.
    if (this.someEntries === true) return this.manager.get(w.id) ?? w.last
    return w.last
  }

  private enter(): boolean {
    const outer = this.busy !== true
    this.busy = true
    return outer
  }

  /** At the end of the outermost call: settle ended orders, then run queued work until none is left. */
  private leave(outer: boolean): void {
    // (`settle` when something ended: most calls and tasks end nothing, and need no call.)
    if (outer !== true) {
      if (this.changedCount !== 0) this.settle()
      return
    }
    try {
      if (this.changedCount !== 0) this.settle()
      while (this.taskHead < this.taskCount) {
        const task = this.tasks[this.taskHead]!
        this.tasks[this.taskHead++] = undefined
        this.runTask(task)
        if (this.changedCount !== 0) this.settle()
      }
    } finally {
      // After a throw, drop what was queued (as before): clear the slots so nothing stays referenced.
      for (let i = this.taskHead; i < this.taskCount; i++) this.tasks[i] = undefined
      this.taskCount = 0
      this.taskHead = 0
      this.busy = false
      // (Ends recorded before a throw stay queued for the next settle: renewed once none is left.)
      if (++this.sinceRenewed >= RENEW_QUEUES && this.changedCount === 0) {
        this.sinceRenewed = 0
        this.tasks = freshQueue()
        this.changed = freshQueue()
      }
    }
  }

  private runTask(task: Task): void {
    // The venue's fills and Accepts first (a replay queues one of each per order): the three
    // algorithm tags compared before them, and `handleEvent`'s test for a fill after them, were
    // five compares per Accept and four per fill.
    const tag = task._tag
    if (tag === "Filled") {
      this.handleFill(task, this.clock.nowMs())
      return
    }
    if (tag === "Accepted") {
      this.handleLifecycle(task, this.clock.nowMs())
      return
    }
    switch (tag) {
      case "AlgoFill": {
        const { run } = task
        if (!this.runs.has(run.parentId)) return
        let lots: number
        try {
          lots = Grid.lotsOf(run.grid, task.quantity)
        } catch (cause) {
          this.anomaly("Algorithm", task.childId, messageOf(cause), cause)
          return
        }
        this.runActions(run, () => run.algo.onChildFill(task.childId, lots))
        return
      }
      case "AlgoDone":
        if (this.runs.has(task.run.parentId)) this.runActions(task.run, () => task.run.algo.onChildDone(task.childId, task.end))
        return
      case "AlgoTimer":
        if (this.runs.has(task.run.parentId)) this.runActions(task.run, () => task.run.algo.onTimer(this.clock.nowMs()))
        return
      default:
        this.handleEvent(task)
    }
  }

  private resultOf(operationId: string): ExecutionResult.ExecutionResult | ExecutionError {
    const m = this.manager.get(operationId)
    return m === undefined ? notFound(operationId) : resultOf(m)
  }

  private bookResult(result: unknown, operationId: string): void {
    if (result !== undefined) this.anomaly("RiskBookRefused", operationId, messageOf(result), result)
  }

  private anomaly(kind: AnomalyKind, operationId: string | undefined, message: string, cause?: unknown): void {
    if (this.anomalySink !== undefined) this.anomalySink.onAnomaly({ kind, operationId, message, ...(cause === undefined ? {} : { cause }) })
  }
}

/** `ManagedOrder.toExecutionResult`, built by assignment (no temporary objects: it runs once per submit). */
const resultOf = (m: ManagedOrder.ManagedOrder): ExecutionResult.ExecutionResult => {
  const o = m.order
  // Every key present (absent ones undefined): one hidden class for every result.
  return {
    operationId: o.operationId,
    status: o.status,
    venue: o.venue,
    fills: m.fills,
    filledQuantity: o.filledQuantity,
    averagePrice: o.averageFillPrice,
    errorMessage: o.rejectReason
  }
}

const messageOf = (u: unknown): string =>
  typeof u === "object" && u !== null && typeof (u as { message?: unknown }).message === "string"
    ? (u as { message: string }).message
    : String(u)

const notFound = (operationId: string): ExecutionError =>
  new ExecutionError({ reason: "OrderNotFound", operationId, message: `No order with operation id ${operationId}` })

const invalidRequest = (operationId: string, message: string): ExecutionError =>
  new ExecutionError({ reason: "InvalidRequest", operationId, message: `Order ${operationId}: ${message}` })

/** Builds a core over the given ports. */
export const make = (options: Options): ExecutionCore => new ExecutionCore(options)
