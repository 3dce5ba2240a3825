/**
 * The replay engine: plain synchronous TypeScript around the execution core, driven by a
 * simulated clock. One `await` per Parquet row group (`cursor.load()`), none per event.
 *
 * Event order. Everything that happens has a time (ns) and a rank; the engine always
 * processes the smallest (time, rank) next, so the order is a pure function of the
 * config and the data:
 *
 *   rank 0  equity sample      (the state after every event strictly before its time)
 *   rank 1  venue arrival      (a request reaching a simulated venue; venues in config order)
 *   rank 2  algorithm timer    (the execution core's earliest wake-up)
 *   rank 3  strategy timer     (a scheduled parent order)
 *   rank 4  market event       (the catalog's merged cursor: trades, then quotes, then book
 *                               rows, then by instrument in config order, then stored order)
 *
 * A market event goes, in this order, to the simulated venue(s) its instrument feeds (the
 * matching engines may fill resting orders), to the execution algorithms (trades only),
 * and to the strategy (trades of its signal instrument). Venue answers reach the core
 * through its execution sink at the simulated time they happen.
 */
import { Decimal, type InstrumentSpec } from "@odum/domain"
import type { ExecutionEvent, SyncVenue } from "@odum/adapter-kit"
import { SimVenue, type MatchingEngine } from "@odum/adapter-sim"
import { AlgoParams, MarketUpdate } from "@odum/algos"
import { ExecutionClock, ExecutionCore, VenueGateway } from "@odum/execution"
import type { EventBatch, MergedCursor } from "@odum/marketdata"
import type { ManagedOrder, OrderJournal, OrderRequest } from "@odum/oms"
import { PositionTracker } from "@odum/positions"
import { InMemoryRiskBook, PreTradeRisk, RiskConfig } from "@odum/risk"
import { type MarketState, type OrderBook as RouterBook, Router, RouterConfig } from "@odum/router"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { type BacktestConfig, DEFAULT_RETAINED_FINISHED } from "../BacktestConfig.js"
import { FillRows, OrderRows } from "./columns.js"
import { HeldOrders } from "./HeldOrders.js"
import type { Plan } from "./instruments.js"
import { SummaryAccumulator } from "./results.js"
import { intern } from "./intern.js"
import * as Strategies from "./strategies.js"

/** What a progress callback receives. */
export interface Progress {
  /** Market events replayed so far. */
  readonly events: number
  /** Simulated time reached, ns since the epoch. */
  readonly simTimeNs: bigint
  /** Share of the data range [from, to) covered, 0 to 1 (by simulated time). */
  readonly fraction: number
}

/** One equity sample (all amounts exact). */
export interface EquitySample {
  readonly ts: bigint
  readonly currency: string
  readonly startingBalance: Decimal.Decimal
  readonly realized: Decimal.Decimal
  readonly unrealized: Decimal.Decimal
  readonly fees: Decimal.Decimal
}

/** How the engine is made. */
export interface EngineOptions {
  /** Keep the orders and fills tables (compact columns) for the result files; without them nothing is kept per order. */
  readonly tables: boolean
}

/** The orders and fills tables of a run that writes its results. */
export interface ResultRows {
  readonly orders: OrderRows
  readonly fills: FillRows
}

/** The run was cancelled through its AbortSignal. */
export class Cancelled extends Error {
  constructor() {
    super("the backtest was cancelled")
  }
}

const INF = 2n ** 63n
const NS_PER_MS = 1_000_000n
/** Events between cancellation checks and progress reports inside a row group (16,384). */
const CHECK_EVERY = 0x3fff

/** Events between looks at the clock for a yield to the event loop (1,024). */
const YIELD_CHECK_EVERY = 0x3ff
/** Longest stretch of replay without giving the event loop a turn. */
const YIELD_AFTER_MS = 20

/** Resolves on the event loop's next check phase (after pending I/O callbacks). */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Slots of a listing's reference-price cache (4,096; `ReferencePrices.get` masks with 0xfff, this less one, written out). */
const REF_SLOTS = 0x1000

/**
 * Reference prices by twice their units, direct-mapped (a collision replaces the slot): the
 * mid or last trade moves among a few nearby prices, and a recurring one is an array read
 * instead of a new decimal (a bigint product and its normalisation) per order.
 */
export class ReferencePrices {
  private readonly keys = new Float64Array(REF_SLOTS).fill(NaN)
  private readonly values = new Array<Decimal.Decimal | undefined>(REF_SLOTS).fill(undefined)

  constructor(private readonly priceScale: number) {}

  /** `units2 / 2` price units as a decimal: twice the price times 5, one decimal further (exact). */
  get(units2: number): Decimal.Decimal {
    // `>>> 0` keeps the low 32 bits of any integer. (REF_SLOTS - 1 as a literal: a module-level
    // constant is a bundle `var`, loaded and checked at each use.)
    const i = (units2 >>> 0) & 0xfff
    if (this.keys[i] === units2) return this.values[i]!
    const d = Decimal.fromScaled(BigInt(units2) * 5n, this.priceScale + 1)
    this.keys[i] = units2
    this.values[i] = d
    return d
  }
}

/**
 * A listing's reference price as the engine keeps it (`Engine.reference`), one object per
 * listing: its fields are read and written per order, where three typed arrays and two arrays
 * indexed by listing cost a map check, a bounds check and the data pointer's loads each
 * (~197 instructions per order for `submit`'s loop of one listing, session 22).
 */
export class ListingRef {
  /** Twice the reference price's units (NaN: none yet). A double field: written in place, no barrier. */
  units2 = Number.NaN
  /** The reference price, `units2 / 2` units (undefined: none yet). */
  decimal: Decimal.Decimal | undefined = undefined
  /**
   * `units2` of the reference price the risk book was last given (NaN: none): a number, not the
   * decimal, so that a new reference stores no young object here (the write barrier's slow path).
   */
  riskUnits2 = Number.NaN

  constructor(
    readonly canonicalId: string,
    readonly engine: MatchingEngine.MatchingEngine,
    readonly cache: ReferencePrices
  ) {}
}

/** A batch's kind as `BatchView.kind`. */
const TRADES = 0
const QUOTES = 1
const BOOK = 2

const NO_NS = new BigInt64Array(0)
const NO_NUMBERS = new Float64Array(0)
const NO_INTS = new Int32Array(0)
const NO_BATCH: object = Object.freeze({ none: true })

/**
 * The columns of the batch being replayed, read by the per-event code instead of the batch:
 * batches come in several hidden classes (one per kind as the reader builds them, another
 * for a batch trimmed to the range), and reading them per event made that code polymorphic
 * and deoptimised it at the first batch of a new class. This one's class never changes, and
 * its columns are refreshed once per batch. A column of another kind than the batch's keeps
 * what it held (never read).
 */
export class BatchView {
  /**
   * The current batch (at first an object of a class of its own: the field's type is then
   * general from the first batch on, and code that stores a batch here does not depend on
   * one batch class, which the first batch of another class would have deoptimised).
   */
  batch: object = NO_BATCH
  kind: number = TRADES
  ts: BigInt64Array = NO_NS
  tsMicros: Float64Array = NO_NUMBERS
  /** Trades' and book rows' prices and sizes. */
  price: Float64Array = NO_NUMBERS
  size: Float64Array = NO_NUMBERS
  aggressor: Int32Array = NO_INTS
  bidPrice: Float64Array = NO_NUMBERS
  bidSize: Float64Array = NO_NUMBERS
  askPrice: Float64Array = NO_NUMBERS
  askSize: Float64Array = NO_NUMBERS
  side: Int32Array = NO_INTS
  flags: Int32Array = NO_INTS

  /** Makes `batch` the current one. */
  set(batch: EventBatch.EventBatch): void {
    this.batch = batch
    this.ts = batch.ts
    this.tsMicros = batch.tsMicros
    switch (batch.kind) {
      case "trades":
        this.kind = TRADES
        this.price = batch.price
        this.size = batch.size
        this.aggressor = batch.aggressor
        break
      case "quotes":
        this.kind = QUOTES
        this.bidPrice = batch.bidPrice
        this.bidSize = batch.bidSize
        this.askPrice = batch.askPrice
        this.askSize = batch.askSize
        break
      case "book":
        this.kind = BOOK
        this.price = batch.price
        this.size = batch.size
        this.side = batch.side
        this.flags = batch.flags
        break
    }
  }
}

/** A listing as the hot loop feeds it. */
interface Feed {
  readonly listing: number
  readonly canonicalId: string
  readonly sim: SimVenue.SimVenue
  readonly engine: MatchingEngine.MatchingEngine
  readonly tickUnits: number
  readonly lotUnits: number
}

/** The router's view of the simulated books, built lazily from the matching engines when a route asks. */
class LazyMarket implements MarketState.MarketState {
  private readonly cache = new Map<string, RouterBook.OrderBook | undefined>()
  constructor(
    private readonly engines: ReadonlyMap<string, MatchingEngine.MatchingEngine>,
    /** Levels per side handed to the router. */
    private readonly depth: number
  ) {}
  /** Forgets every cached book (called whenever the market moved). */
  invalidate(): void {
    if (this.cache.size > 0) this.cache.clear()
  }
  book(canonicalId: string): RouterBook.OrderBook | undefined {
    if (this.cache.has(canonicalId)) return this.cache.get(canonicalId)
    const engine = this.engines.get(canonicalId)
    let book: RouterBook.OrderBook | undefined
    if (engine !== undefined && engine.hasDepth) {
      const side = (s: MatchingEngine.MatchingEngine["book"]["bids"]) => {
        // Only the levels the router is given: walking the whole book (and sorting its far levels) cost more than the route.
        const levels = s.levels(this.depth)
        const n = levels.length
        const prices: Array<bigint> = []
        const sizes: Array<bigint> = []
        for (let i = 0; i < n; i++) {
          const [price, size] = levels[i]!
          if (size > 0) {
            prices.push(BigInt(price))
            sizes.push(BigInt(size))
          }
        }
        return { prices, sizes }
      }
      const bids = side(engine.book.bids)
      const asks = side(engine.book.asks)
      if (bids.prices.length > 0 || asks.prices.length > 0) {
        book = { priceScale: engine.priceScale, sizeScale: engine.sizeScale, bids, asks }
      }
    }
    this.cache.set(canonicalId, book)
    return book
  }
  isOpen(): boolean {
    return false
  }
}

/** The replay engine of one run. Build with `make`, then `run` once. */
export class Engine implements SyncVenue.ExecutionSink, ExecutionCore.AnomalySink, Strategies.StrategyHost {
  readonly clock: ExecutionClock.ManualClock
  readonly core: ExecutionCore.ExecutionCore
  readonly sims: ReadonlyArray<SimVenue.SimVenue>
  readonly positions: PositionTracker.PositionTracker
  readonly riskBook: InMemoryRiskBook.InMemoryRiskBook
  readonly strategy: Strategies.Strategy
  readonly specs: ReadonlyMap<string, InstrumentSpec.InstrumentSpec>

  // Results gathered on the way. The OMS keeps only the last `retainFinishedOrders` finished
  // orders in memory (a flat heap over millions of orders) and hands each order's final
  // record over when it evicts it (the rest are collected when the replay ends): it is
  // folded into the summary then, and written into its row of the orders table if the run
  // keeps tables. Nothing else is kept per order.
  /** The summary's order and fill figures, folded in as orders finish and fills are recorded. */
  readonly summary: SummaryAccumulator
  /** The orders and fills tables, when the run writes its results (see EngineOptions). */
  readonly rows: ResultRows | undefined
  /** The orders the OMS still holds: each one's creation index (its row) and arrival price. */
  readonly held = new HeldOrders()
  readonly equity: Array<EquitySample> = []
  readonly anomalyCounts = new Map<string, number>()
  readonly anomalyFirst: Array<string> = []
  anomalyCount = 0
  readonly eventCounts = { trades: 0, quotes: 0, book: 0 }
  firstEventNs: bigint | undefined = undefined
  lastEventNs: bigint | undefined = undefined

  private readonly feeds: ReadonlyArray<ReadonlyArray<Feed>>
  /** The strategy's signal instrument (`strategy.signal`). */
  private readonly signalIndex: number
  /** The current batch's columns (see BatchView). */
  private readonly view = new BatchView()
  /** Per listing: its engine and where its reference price comes from. */
  private readonly listingEngines: ReadonlyArray<MatchingEngine.MatchingEngine>
  /** Per listing: its reference price, as given to the risk book too (see ListingRef). */
  private readonly refs: ReadonlyArray<ListingRef>
  private readonly market: LazyMarket | undefined
  private readonly algorithmsOn: boolean
  private readonly from: bigint
  private readonly to: bigint
  private readonly interval: bigint
  private nextSampleNs: bigint
  /**
   * `nextSampleNs`, or the largest int64 once no sample is left (where `nextSampleNs` is INF,
   * which `runDue` needs: a sample at int64's last ns would be one too many): where
   * `refreshDue` starts. `dueNs` never holds a bigint past int64, which the per-event
   * `ts >= dueNs` would have met as soon as the samples ran out: V8 compares bigints in
   * optimised code as int64 while every value it has seen fits, and the first INF
   * deoptimised the replay loop, which ran unoptimised until it was compiled again. The
   * config keeps `from` and `to` within int64, and events' times are int64, so a `dueNs`
   * capped at the largest int64 answers every `ts >= dueNs` as before, except at that very
   * time, where `runDue` finds nothing due.
   */
  private sampleDueNs: bigint
  private readonly startingBalances: ReadonlyMap<string, Decimal.Decimal>
  /** The earliest scheduled item (sample, arrival, timer), valid unless `dirty`. */
  // `dueNs`, in a typed array (`due[0]`): a raw int64 load per event, where a field's bigint was
  // unboxed (checked to be a bigint of one 64-bit digit, its sign applied) per event.
  private readonly due = new BigInt64Array(1)
  /** Whether an event was replayed (`firstEventNs` is set): a boolean test per event, not a compare with undefined. */
  private started = false
  /**
   * Time of the market event being processed; the clock catches up with it before any call
   * into the core. In a typed array: each event's time is a new bigint, and storing it in a
   * field of this long-lived object took V8's write barrier slow path on every event.
   */
  private readonly eventNs = new BigInt64Array(1)
  /**
   * `eventNs` in epoch ms (see `epochMs`): the clock's milliseconds without a bigint division.
   * A number field (a double stored in place, unlike the bigint), starting as one.
   */
  private eventMs = 0
  /** False once the clock has caught up with `eventNs` (it never goes back): no bigint comparison per call into the core. */
  private clockBehind = false
  private dirty = true
  /**
   * Whether a call into the core (a submit, a venue event) can change when something is next
   * due: only a venue with latency queues requests, and only algorithms ask for wake-ups (a
   * strategy's timers move only when they fire, inside `runDue`). Without either, `dueNs` is
   * the next sample's time until a sample moves it, and the per-order `refreshDue` (which
   * asked every source again) is skipped.
   */
  private readonly callsSchedule: boolean
  private lastTimerMs = -1
  /** The canonical id of the last submitted request and its listing index (undefined: not listed). */
  private lastListingId: string | undefined = undefined
  private lastListing: number | undefined = undefined
  /**
   * While the strategy's order is submitted, the listing whose reference price is its arrival
   * price (-1: none, the request names no listing); -2 when no order is submitted. The one order
   * without a parent created during a submit is the strategy's order (the core creates only its
   * children beside it), and gets that price in its Created journal entry. An index, not the
   * decimal (often young: a store of it here took the write barrier's slow path), nor the
   * operation id (a new string per order, likewise); one field where a flag beside it cost two
   * more stores per order. Nothing moves the reference prices during the submit (only
   * `reference`, called before it).
   */
  private submittingListing = -2

  private constructor(
    readonly config: BacktestConfig,
    readonly plan: Plan,
    options: EngineOptions,
    parts: {
      readonly sims: ReadonlyArray<SimVenue.SimVenue>
      readonly riskBook: InMemoryRiskBook.InMemoryRiskBook
      readonly risk: PreTradeRisk.PreTradeRisk
      readonly router: Router.Router | undefined
      readonly algorithmOptions: AlgoParams.OptionsInput | undefined
      /** The configured venues' names, in config order, one instance each (see intern.ts). */
      readonly venues: ReadonlyArray<string>
    }
  ) {
    this.from = config.data.from
    this.to = config.data.to
    this.interval = BigInt(config.equityCurve.intervalMs) * NS_PER_MS
    this.nextSampleNs = this.from
    this.sampleDueNs = this.from
    this.clock = ExecutionClock.manual(Number(this.from / NS_PER_MS))
    this.clock.setNs(this.from)
    this.sims = parts.sims
    this.riskBook = parts.riskBook
    const specs = new Map<string, InstrumentSpec.InstrumentSpec>()
    for (const l of plan.listings) specs.set(l.spec.canonicalId, l.spec)
    this.specs = specs
    this.summary = new SummaryAccumulator(specs, parts.venues)
    this.rows = options.tables ? { orders: new OrderRows(), fills: new FillRows() } : undefined
    // The core applies only fills the OMS recorded for the first time: no second record of every fill id.
    this.positions = PositionTracker.make({ instruments: specs.values(), deduplicate: false })

    const engines = new Map<string, MatchingEngine.MatchingEngine>()
    this.listingEngines = plan.listings.map((l) => {
      const e = parts.sims[l.venueIndex]!.engine(l.spec.canonicalId)!
      engines.set(l.spec.canonicalId, e)
      return e
    })
    this.refs = plan.listings.map((l, i) => {
      const e = this.listingEngines[i]!
      return new ListingRef(l.spec.canonicalId, e, new ReferencePrices(e.priceScale))
    })
    this.feeds = plan.data.map((d) =>
      d.listings.map((li) => {
        const l = plan.listings[li]!
        const engine = this.listingEngines[li]!
        return {
          listing: li,
          canonicalId: l.spec.canonicalId,
          sim: parts.sims[l.venueIndex]!,
          engine,
          tickUnits: engine.tickUnits,
          lotUnits: engine.lotUnits
        }
      })
    )
    this.market = parts.router === undefined ? undefined : new LazyMarket(engines, config.router?.bookDepth ?? 25)
    this.algorithmsOn =
      config.algorithm !== undefined ||
      (config.strategy.type === "parent-orders" && config.strategy.orders.some((o) => o.algorithm !== undefined))
    // A venue in immediate mode, or with no latency, handles every request inside the call that sends it.
    this.callsSchedule = this.algorithmsOn || parts.sims.some((sim) => sim.mode === "matching" && sim.latencyNs > 0n)

    const balances = new Map<string, Decimal.Decimal>()
    for (const v of config.venues) {
      for (const [asset, amount] of Object.entries(v.balances)) balances.set(asset, Decimal.add(balances.get(asset) ?? Decimal.zero, amount))
    }
    this.startingBalances = new Map([...balances.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

    const algorithmOptions = parts.algorithmOptions
    this.core = ExecutionCore.make({
      instruments: specs,
      clock: this.clock,
      risk: parts.risk,
      venues: VenueGateway.fromSyncVenues(parts.sims),
      riskBook: parts.riskBook,
      positions: this.positions,
      router: parts.router === undefined ? undefined : ExecutionCore.routing(parts.router, this.market!),
      algorithms: ExecutionCore.algorithms(algorithmOptions),
      anomalies: this,
      journal: (entry, order) => this.onJournal(entry, order),
      // The kinds `onJournal` reads: the OMS then skips the Submit and Accept entries (no call).
      journalEvents: ["Created", "FillRecorded"],
      // Bounded so the heap stays flat, and small enough that finished orders die young (a
      // larger bound outlives the young generation and costs more GC than it saves).
      retainFinishedOrders: config.retainFinishedOrders ?? DEFAULT_RETAINED_FINISHED,
      onOrderEvicted: (m) => this.onEvicted(m)
    })
    for (const sim of parts.sims) sim.setSink(this)

    this.strategy = Strategies.make(config, this, {
      signalIndex: (id) => plan.data.findIndex((d) => d.id === id),
      listingDataId: (id) => plan.data[plan.listings[plan.listingIndex.get(id)!]!.dataIndex]!.id,
      spec: (id) => specs.get(id)!,
      priceScale: (i) => plan.data[i]!.definition.priceScale
    })
    this.signalIndex = this.strategy.signal
  }

  /** Builds the engine: simulated venues, risk, router, core and strategy. Issues name the config path. */
  static make(config: BacktestConfig, plan: Plan, options: EngineOptions): Either.Either<Engine, ReadonlyArray<string>> {
    const issues: Array<string> = []
    // The names every part compares per order, as one instance each.
    const venues = config.venues.map((v) => intern(v.venue))
    const sims: Array<SimVenue.SimVenue> = []
    config.venues.forEach((v, vi) => {
      const sim = SimVenue.make({
        venue: venues[vi]!,
        instruments: plan.listings
          .filter((l) => l.venueIndex === vi)
          .map((l) => ({ spec: l.spec, priceScale: l.priceScale, sizeScale: l.sizeScale })),
        latencyNs: v.latencyMs,
        mode: v.mode,
        ...(v.slippage === undefined ? {} : { slippage: v.slippage }),
        initialBalances: v.balances,
        retainFills: false,
        // The position tracker keeps the positions: the venue's own account (never read here) would book every fill twice.
        account: false
      })
      if (Either.isLeft(sim)) issues.push(`venues[${vi}]: ${sim.left.message}`)
      else sims.push(sim.right)
    })
    const riskBook = InMemoryRiskBook.make()
    for (const l of plan.listings) {
      const e = riskBook.addSpec(l.spec)
      if (e !== undefined) issues.push(`${l.path}.instrument: ${messageOf(e)}`)
    }
    config.venues.forEach((v, vi) => {
      for (const [asset, amount] of Object.entries(v.balances)) {
        const e = riskBook.setBalance(venues[vi]!, intern(asset), amount)
        if (e !== undefined) issues.push(`venues[${vi}].balances.${asset}: ${messageOf(e)}`)
      }
    })
    const risk = PreTradeRisk.make({ book: riskBook, config: RiskConfig.encode(config.risk) })
    if (Either.isLeft(risk)) issues.push(`risk: ${risk.left.message}`)
    let router: Router.Router | undefined
    if (config.router !== undefined) {
      const r = config.router
      const made = Router.make({
        venues: config.venues.map((v, vi) => ({
          venue: venues[vi]!,
          access: "external" as const,
          latencyMs: Number((v.latencyMs + NS_PER_MS - 1n) / NS_PER_MS),
          enabled: true
        })),
        listings: plan.listings.map((l) => ({ spec: l.spec })),
        equivalences: r.equivalences ?? [],
        autoEquivalence: r.autoEquivalence ?? true,
        costs: r.costs ?? Schema.decodeSync(RouterConfig.CostConfig)({})
      })
      if (Either.isLeft(made)) issues.push(`router: ${made.left.message}`)
      else router = made.right
    }
    if (issues.length > 0 || Either.isLeft(risk)) return Either.left(issues)
    const algorithmOptions =
      config.algorithmOptions === undefined ? undefined : Schema.encodeSync(AlgoParams.Options)(config.algorithmOptions)
    return Either.right(new Engine(config, plan, options, { sims, riskBook, risk: risk.right, router, algorithmOptions, venues }))
  }

  // -------------------------------------------------------------------------------------
  // The replay
  // -------------------------------------------------------------------------------------

  /**
   * Replays the cursor to the end of the data range; rejects with `Cancelled` if `signal` fires.
   * The event loop gets a turn after every YIELD_AFTER_MS of replay, or, with `yieldEvery`
   * (a positive number), every `yieldEvery` events rounded up to a multiple of
   * YIELD_CHECK_EVERY + 1: turns timed by the wall clock fall at other events in every run
   * (under callgrind, ~50x slower, their count too), which moved instruction counts of the
   * same code by up to ~300 per tick.
   */
  async run(cursor: MergedCursor.MergedCursor, signal?: AbortSignal, onProgress?: (p: Progress) => void, yieldEvery?: number): Promise<void> {
    // The first check of the signal and progress after YIELD_CHECK_EVERY + 1 events, then every
    // CHECK_EVERY + 1 or so: reached first 17,408 events in, that code deoptimised the loop
    // (it had never run); now it has run before the loop is optimised.
    let sinceCheck = CHECK_EVERY - YIELD_CHECK_EVERY
    // By events: the yield checks (one per YIELD_CHECK_EVERY + 1 events) between turns, and those counted since the last.
    const checksPerYield = yieldEvery !== undefined && yieldEvery > 0 ? Math.ceil(yieldEvery / (YIELD_CHECK_EVERY + 1)) : 0
    let checks = 0
    let lastYield = checksPerYield > 0 ? 0 : performance.now()
    const view = this.view
    // The loop is kept small, and each event handled in `event`, a function of its own (too
    // large to inline here): the cursor's `next` is inlined into this loop, and the first end
    // of a batch (code no event had reached) and the first range-trimmed batch (another hidden
    // class) each deoptimised the replay loop; with the event's work inside it, it then ran
    // unoptimised until it was compiled again, whole, on stack, at a point that moved with
    // the wall clock (the yields below). Now only this loop is recompiled, and `event` stays
    // optimised and reads the batch's columns through `view`, whose hidden class never changes.
    for (;;) {
      while (cursor.next()) {
        // The batch is read here, not in `event`: the cursor's field holding it changes its type
        // at the first batch of another class, and code that read it is deoptimised (this loop is
        // anyway); and the view's change, first met at the end of the first batch, is here too.
        const batch = cursor.batch
        if (batch !== view.batch) view.set(batch)
        const instrument = cursor.instrument
        // The rows that follow in this batch with nothing of another source between them (the
        // rest of the batch when one source is replayed) are read here one after the other, and
        // the cursor moved past them once (`skip`), not by a `next()` per event.
        let row = cursor.row
        const last = row + cursor.runAhead()
        for (;;) {
          // The events up to the next yield check (after the event that brings `sinceCheck` to a
          // multiple of YIELD_CHECK_EVERY + 1), at most to `last`, in one call: a trades run's
          // loop is there, not a call per event.
          const untilCheck = YIELD_CHECK_EVERY + 1 - (sinceCheck & YIELD_CHECK_EVERY)
          const end = last - row < untilCheck ? last : row + untilCheck - 1
          this.events(instrument, row, end)
          sinceCheck += end - row + 1
          if ((sinceCheck & YIELD_CHECK_EVERY) === 0) {
            // The cursor at this event before the event loop's turn and the progress (its count).
            cursor.skip(end - cursor.row)
            // Let the process breathe (a service's other requests, timers) at least every
            // YIELD_AFTER_MS of replay; the replay's state is its own, so this changes nothing.
            if (checksPerYield > 0) {
              if (++checks >= checksPerYield) {
                checks = 0
                await yieldToEventLoop()
              }
            } else {
              const now = performance.now()
              if (now - lastYield >= YIELD_AFTER_MS) {
                await yieldToEventLoop()
                lastYield = performance.now()
              }
            }
            if (sinceCheck > CHECK_EVERY) {
              sinceCheck = 0
              if (signal?.aborted === true) throw new Cancelled()
              if (onProgress !== undefined) onProgress(this.progress(cursor.count))
            }
          }
          if (end === last) break
          row = end + 1
        }
        cursor.skip(last - cursor.row)
      }
      // Once per row group: a field store of each event's new bigint took the write barrier's
      // slow path. `eventNs` holds the last event's time once there was one.
      if (this.firstEventNs !== undefined) this.lastEventNs = this.eventNs[0]!
      if (cursor.done) break
      if (signal?.aborted === true) throw new Cancelled()
      if (onProgress !== undefined) onProgress(this.progress(cursor.count))
      await cursor.load()
    }
    if (signal?.aborted === true) throw new Cancelled()
    const counts = this.eventCounts
    const total = counts.trades + counts.quotes + counts.book
    // Everything scheduled before the end of the range, then the closing sample at `to`.
    this.dirty = true
    this.runDue(this.to, false)
    this.clock.setNs(this.to)
    this.sample(this.to)
    this.collectOrders()
    if (onProgress !== undefined) onProgress({ events: total, simTimeNs: this.to, fraction: 1 })
  }

  /** The events of `instrument` at rows `from` to `to` (inclusive) of the batch in `view`, in order. */
  private events(instrument: number, from: number, to: number): void {
    if (this.view.kind === TRADES) this.trades(instrument, from, to)
    else for (let row = from; row <= to; row++) this.event(instrument, row)
  }

  /**
   * `event` of each trade at rows `from` to `to` of the batch in `view`: the feeds, the signal
   * test and the count per run of trades, and one loop, not a call per trade.
   */
  private trades(instrument: number, from: number, to: number): void {
    const v = this.view
    const fs = this.feeds[instrument]!
    const signal = instrument === this.signalIndex
    this.eventCounts.trades += to - from + 1
    for (let row = from; row <= to; row++) {
      const ts = v.ts[row]!
      // As in `event`.
      let newTime: boolean
      if (this.started === false) {
        this.started = true
        this.firstEventNs = ts
        newTime = true
      } else newTime = ts !== this.eventNs[0]
      if (this.dirty === true) this.refreshDue()
      if (ts >= this.due[0]!) this.runDue(ts, true)
      if (newTime) {
        this.eventNs[0] = ts
        this.eventMs = epochMs(v.tsMicros[row]!, ts)
        this.clockBehind = true
      }
      const price = v.price[row]!
      const size = v.size[row]!
      const aggressor = v.aggressor[row]! as -1 | 0 | 1
      for (let k = 0; k < fs.length; k++) {
        const f = fs[k]!
        f.sim.advanceTo(ts)
        f.engine.onTrade(ts, price, size, aggressor)
      }
      if (this.algorithmsOn) this.tradeToAlgorithms(fs, ts, price, size)
      if (signal) this.strategy.onTrade(price, aggressor)
      if (this.market !== undefined) this.market.invalidate()
    }
  }

  /** One market event, of `instrument` at `row` of the batch in `view`: the scheduled items before it, the venues, algorithms and strategy. */
  private event(instrument: number, row: number): void {
    const v = this.view
    const ts = v.ts[row]!
    // Most events share their time with the one before (three in four of the count's trades):
    // the clock is then where that one left it, or behind the same `eventNs`, and nothing
    // is stored (nor, in `syncClock`, read back as a new bigint and compared).
    let newTime: boolean
    if (this.started === false) {
      this.started = true
      this.firstEventNs = ts
      newTime = true
    } else newTime = ts !== this.eventNs[0]
    if (this.dirty === true) this.refreshDue()
    if (ts >= this.due[0]!) this.runDue(ts, true)
    // The core reads the clock only when called: it is set then (see syncClock), not per event.
    if (newTime) {
      this.eventNs[0] = ts
      this.eventMs = epochMs(v.tsMicros[row]!, ts)
      this.clockBehind = true
    }
    const fs = this.feeds[instrument]!
    switch (v.kind) {
      case TRADES: {
        this.eventCounts.trades++
        const price = v.price[row]!
        const size = v.size[row]!
        const aggressor = v.aggressor[row]! as -1 | 0 | 1
        for (let k = 0; k < fs.length; k++) {
          const f = fs[k]!
          f.sim.advanceTo(ts)
          f.engine.onTrade(ts, price, size, aggressor)
        }
        if (this.algorithmsOn) this.tradeToAlgorithms(fs, ts, price, size)
        if (instrument === this.signalIndex) this.strategy.onTrade(price, aggressor)
        break
      }
      case QUOTES: {
        this.eventCounts.quotes++
        for (let k = 0; k < fs.length; k++) {
          const f = fs[k]!
          f.sim.advanceTo(ts)
          f.engine.onQuote(ts, v.bidPrice[row]!, v.bidSize[row]!, v.askPrice[row]!, v.askSize[row]!)
        }
        break
      }
      default: {
        this.eventCounts.book++
        const side = v.side[row]! === 1 ? 1 : -1
        for (let k = 0; k < fs.length; k++) {
          const f = fs[k]!
          f.sim.advanceTo(ts)
          f.engine.onBookLevel(ts, side, v.price[row]!, v.size[row]!, v.flags[row]!)
        }
        break
      }
    }
    if (this.market !== undefined) this.market.invalidate()
  }

  private progress(events: number): Progress {
    const clockNs = this.clock.nowNs()
    const eventNs = this.eventNs[0]!
    const now = eventNs > clockNs ? eventNs : clockNs
    const span = Number(this.to - this.from)
    return { events, simTimeNs: now, fraction: span > 0 ? Math.min(1, Math.max(0, Number(now - this.from) / span)) : 1 }
  }

  /** Brings the core's clock to the current market event's time. */
  private syncClock(): void {
    // An explicit comparison (the field is always a boolean): `!field` compiles to a generic truth test.
    if (this.clockBehind === false) return
    this.clockBehind = false
    this.catchUp()
  }

  /**
   * `syncClock`'s move, apart: `syncClock` is inlined into every venue event's path (mostly to
   * find the clock in time), and its few bytes of bytecode decide what else fits there.
   */
  private catchUp(): void {
    this.clock.setNsMs(this.eventNs[0]!, this.eventMs)
  }

  private tradeToAlgorithms(fs: ReadonlyArray<Feed>, ts: bigint, price: number, size: number): void {
    this.syncClock()
    const ms = Number(ts / NS_PER_MS)
    for (let k = 0; k < fs.length; k++) {
      const f = fs[k]!
      this.core.onMarket(f.canonicalId, MarketUpdate.trade(ms, Math.floor(price / f.tickUnits), Math.floor(size / f.lotUnits)))
    }
    this.dirty = true
  }

  /** The earliest scheduled item of each source. */
  private refreshDue(): void {
    let due = this.sampleDueNs
    for (const sim of this.sims) {
      const a = sim.nextArrivalNs()
      if (a !== undefined && a < due) due = a
    }
    const w = this.wakeupNs()
    if (w !== undefined && w < due) due = w
    const s = this.strategy.nextTimerNs()
    if (s !== undefined && s < due) due = s
    this.due[0] = due
    this.dirty = false
  }

  private wakeupNs(): bigint | undefined {
    const w = this.core.nextWakeupMs()
    if (w === undefined) return undefined
    // A wake-up at or before the last one fired would fire again at once: never repeat a millisecond.
    return BigInt(w > this.lastTimerMs ? w : this.lastTimerMs + 1) * NS_PER_MS
  }

  /** Processes every scheduled item up to `limit` (inclusive or not) in (time, rank) order. */
  private runDue(limit: bigint, inclusive: boolean): void {
    for (;;) {
      let best = this.nextSampleNs
      let rank = 0
      let venue = -1
      for (let i = 0; i < this.sims.length; i++) {
        const a = this.sims[i]!.nextArrivalNs()
        if (a !== undefined && a < best) {
          best = a
          rank = 1
          venue = i
        }
      }
      const w = this.wakeupNs()
      if (w !== undefined && w < best) {
        best = w
        rank = 2
      }
      const s = this.strategy.nextTimerNs()
      if (s !== undefined && s < best) {
        best = s
        rank = 3
      }
      if (inclusive ? best > limit : best >= limit) {
        const due = best > 9_223_372_036_854_775_807n ? 9_223_372_036_854_775_807n : best
        this.due[0] = due
        this.dirty = false
        return
      }
      this.syncClock()
      if (best > this.clock.nowNs()) this.clock.setNs(best)
      switch (rank) {
        case 0:
          this.sample(best)
          break
        case 1:
          this.sims[venue]!.advanceTo(best)
          break
        case 2:
          this.lastTimerMs = Number(best / NS_PER_MS)
          this.core.onTime()
          break
        case 3:
          this.strategy.onTimer(best)
          break
      }
      if (this.market !== undefined) this.market.invalidate()
    }
  }

  // -------------------------------------------------------------------------------------
  // Hosting the strategy and the core
  // -------------------------------------------------------------------------------------

  /** The reference price of a listing: its simulated book's mid, else its last trade; undefined before any. */
  reference(listing: number): Decimal.Decimal | undefined {
    return this.referenceOf(this.refs[listing]!)
  }

  /**
   * `reference` of the listing `r` keeps, kept there (with its units): a recurring price is a
   * compare, a change one lookup in the listing's cache (ReferencePrices). A method, not a
   * module-level function (a bundle `var`, whose target the inlined call checks per order).
   */
  private referenceOf(r: ListingRef): Decimal.Decimal | undefined {
    const e = r.engine
    const bid = e.book.bids.bestPrice()
    const ask = e.book.asks.bestPrice()
    let units2: number
    if (bid > 0 && ask > 0) units2 = bid + ask
    else if (e.lastTradePrice > 0) units2 = 2 * e.lastTradePrice
    else return undefined
    if (r.units2 === units2) return r.decimal
    // (bid + ask) / 2 exactly.
    const d = r.cache.get(units2)
    r.units2 = units2
    r.decimal = d
    return d
  }

  /** StrategyHost: stamps the arrival price, brings risk's reference prices up to date, submits. */
  submit(request: OrderRequest.OrderRequest): void {
    this.syncClock()
    const refs = this.refs
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i]!
      const ref = this.referenceOf(r)
      // (`referenceOf` left the price's units in `units2`: an equal price is not given again.)
      if (ref !== undefined && r.units2 !== r.riskUnits2) {
        this.riskBook.setReferencePrice(r.canonicalId, ref)
        r.riskUnits2 = r.units2
      }
    }
    // The listing of the last request (a strategy sends to one listing, as one string): no map lookup per order.
    let li = this.lastListing
    if (request.canonicalId !== this.lastListingId) {
      li = this.plan.listingIndex.get(request.canonicalId)
      this.lastListingId = request.canonicalId
      this.lastListing = li
    }
    this.submittingListing = li === undefined ? -1 : li
    // The result is not read: the lean form (no result object, no watch on the order).
    const error = this.core.submitOnly(request)
    this.submittingListing = -2
    if (error !== undefined) this.onAnomaly({ kind: "SubmitRefused", operationId: request.operationId, message: error.message })
    if (this.callsSchedule) this.dirty = true
  }

  /** ExecutionSink of every simulated venue: forwards to the core. */
  onExecution(event: ExecutionEvent.ExecutionEvent): void {
    if (this.callsSchedule) this.dirty = true
    this.syncClock()
    this.core.onExecution(event)
  }

  /** AnomalySink: counted by kind, the first few kept for the summary. */
  onAnomaly(anomaly: { readonly kind: string; readonly operationId: string | undefined; readonly message: string }): void {
    this.anomalyCount++
    this.anomalyCounts.set(anomaly.kind, (this.anomalyCounts.get(anomaly.kind) ?? 0) + 1)
    if (this.anomalyFirst.length < 20) this.anomalyFirst.push(`${anomaly.kind} ${anomaly.operationId ?? "-"}: ${anomaly.message}`)
  }

  /**
   * The journal entries the core hands over (`journalEvents`): Created and FillRecorded, two of
   * the four per order in the replay (the OMS skips Submit and Accept), and the rarer kinds that
   * can end an order, which are not read here. Kept small enough for V8 to inline into the OMS's
   * commits, so that the other entries cost a test instead of a call each (the `_tag` read once).
   */
  private onJournal(entry: OrderJournal.OrderJournalEntry, order: ManagedOrder.ManagedOrder): void {
    const e = entry.event
    const tag = e._tag
    if (tag === "Created") this.onCreated(entry.operationId, e)
    else if (tag === "FillRecorded") {
      // The fill's work here, not in a method of its own: in the OMS's `commitFill`, TurboFan
      // inlines `onCreated` and `HeldOrders.add` first (never run for a fill, but seen a little
      // more often by this sink), and the budget left no room for that method (73 bytes of
      // bytecode), a call per fill; now `summary.fill` is called from here.
      this.summary.fill(e.fill)
      if (this.rows !== undefined) this.fillRow(e.fill, order)
    }
  }

  private onCreated(operationId: string, e: OrderJournal.Created): void {
    const li = this.submittingListing
    const arrival = li >= 0 && e.order.parentOperationId === undefined ? this.refs[li]!.decimal : undefined
    const i = this.held.add(operationId, arrival)
    if (this.rows !== undefined) this.rows.orders.reserve(i, arrival)
  }

  /** The record the fill left (the journal sink hands it over): its parent and strategy go with the fill's row. */
  private fillRow(fill: OrderJournal.FillRecorded["fill"], order: ManagedOrder.ManagedOrder): void {
    this.rows!.fills.add(fill, this.clock.nowNs(), order.order)
  }

  private onEvicted(m: ManagedOrder.ManagedOrder): void {
    this.finish(m)
  }

  /** An order's final record: folded into the summary, written into its row. */
  private finish(m: ManagedOrder.ManagedOrder): void {
    const i = this.held.take(m.order.operationId)
    if (i < 0) return
    this.summary.order(m.order, this.held.takenArrival)
    if (this.rows !== undefined) this.rows.orders.set(i, m.order)
  }

  /** After the replay: the orders the OMS still holds are finished with their records as they are. */
  private collectOrders(): void {
    for (const id of this.held.heldIds()) {
      const m = this.core.order(id)
      if (m !== undefined) this.finish(m)
    }
  }

  /** Entries the engine keeps per order: the held orders' entries and the tables' rows (0 without tables). */
  retainedPerOrder(): number {
    return this.held.footprint + (this.rows === undefined ? 0 : this.rows.orders.size + this.rows.fills.size)
  }

  // -------------------------------------------------------------------------------------
  // Equity
  // -------------------------------------------------------------------------------------

  /** Marks every listing at its reference price (time `ts`). */
  markAll(ts: bigint): void {
    const ms = Number(ts / NS_PER_MS)
    for (const r of this.refs) {
      const ref = this.referenceOf(r)
      if (ref !== undefined) this.positions.mark(r.canonicalId, ref, ms)
    }
  }

  /** One equity row per currency at `ts`; then moves the next sample time on. */
  private sample(ts: bigint): void {
    this.markAll(ts)
    const realized = new Map<string, Decimal.Decimal>()
    const unrealized = new Map<string, Decimal.Decimal>()
    const fees = new Map<string, Decimal.Decimal>()
    const add = (m: Map<string, Decimal.Decimal>, k: string, v: Decimal.Decimal) => m.set(k, Decimal.add(m.get(k) ?? Decimal.zero, v))
    for (const c of this.startingBalances.keys()) add(realized, c, Decimal.zero)
    for (const p of this.positions.positions()) {
      add(realized, p.pnlAsset, p.realizedPnl)
      if (p.unrealizedPnl !== undefined) add(unrealized, p.pnlAsset, p.unrealizedPnl)
      for (const [c, f] of Object.entries(p.fees)) add(fees, c, f)
    }
    for (const c of fees.keys()) add(realized, c, Decimal.zero)
    const currencies = [...realized.keys()].sort()
    for (const c of currencies) {
      this.equity.push({
        ts,
        currency: c,
        startingBalance: this.startingBalances.get(c) ?? Decimal.zero,
        realized: realized.get(c) ?? Decimal.zero,
        unrealized: unrealized.get(c) ?? Decimal.zero,
        fees: fees.get(c) ?? Decimal.zero
      })
    }
    // Samples at from + k * interval before `to`; the closing one at `to` is taken by `run`.
    const next = ts + this.interval
    if (next < this.to) {
      // (Below `to`, so within int64.)
      this.nextSampleNs = next
      this.sampleDueNs = next
    } else {
      this.nextSampleNs = INF
      this.sampleDueNs = 9_223_372_036_854_775_807n
    }
    this.dirty = true
  }
}

/**
 * The epoch milliseconds of an event at `ns`, whose exact µs are `micros` (the catalog's
 * `tsMicros`, the floor of `ns / 1000`): `ExecutionEvent.toEpochMillis(ns)` without its bigint
 * division and conversion. floor(µs / 1000) in numbers is exact: below 2^53 the quotient's
 * rounding could reach the next integer only from just below it, which the product check
 * takes back. A time before 1970 is converted as `toEpochMillis` does (it truncates).
 */
export const epochMs = (micros: number, ns: bigint): number => {
  if (!(micros >= 0)) return Number(ns / 1_000_000n)
  const ms = Math.floor(micros / 1000)
  return ms * 1000 > micros ? ms - 1 : ms
}

const messageOf = (u: unknown): string =>
  typeof u === "object" && u !== null && typeof (u as { message?: unknown }).message === "string"
    ? (u as { message: string }).message
    : String(u)
