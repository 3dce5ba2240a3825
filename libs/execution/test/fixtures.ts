/**
 * Test environment for the execution core: two BTC/USDT spot listings (Binance and OKX),
 * the real risk engine over an in-memory risk book, the real position tracker and router,
 * and a scripted venue gateway. The scripted venue is the environment, not the thing
 * under test: each test says how the venue answers, and the core is checked against it.
 */
import { SyncVenue, VenueError, type ExecutionEvent, type VenueOrderRequest } from "@odum/adapter-kit"
import { Decimal, Ids, InstrumentSpec } from "@odum/domain"
import { OmsError, type ManagedOrder, type OrderRequest, OrderStore } from "@odum/oms"
import { PositionTracker } from "@odum/positions"
import { InMemoryRiskBook, PreTradeRisk } from "@odum/risk"
import { MarketState, OrderBook, Router } from "@odum/router"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { ExecutionClock, ExecutionCore, type ExecutionReport, type VenueGateway } from "../src/index.js"

export const D = Decimal.unsafeFromString

export const BINANCE = "BINANCE-SPOT:SPOT_PAIR:BTC-USDT"
export const OKX = "OKX:SPOT_PAIR:BTC-USDT"
export const T0 = 1_700_000_000_000

const decodeSpec = Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)

const spotSpec = (canonicalId: string, venue: string, makerFee: string, takerFee: string) =>
  decodeSpec({
    canonicalId,
    venue,
    baseAsset: "BTC",
    quoteAsset: "USDT",
    settlementAsset: "USDT",
    kind: "SPOT",
    tickSize: "0.01",
    lotSize: "0.001",
    minQuantity: "0.001",
    minNotional: "1",
    makerFee,
    takerFee,
    contractSize: "1",
    contractType: "LINEAR"
  })

/** Binance spot (real fees 0.1%) and an OKX listing with the same grid and a lower taker fee. */
export const binanceSpec = spotSpec(BINANCE, "BINANCE-SPOT", "0.001", "0.001")
export const okxSpec = spotSpec(OKX, "OKX", "0.0008", "0.0008")
export const specs = [binanceSpec, okxSpec]
export const instruments = new Map(specs.map((s) => [s.canonicalId, s]))

/** Risk: at most 5 BTC per order, 20 BTC position per strategy; balances checked. */
export const riskConfig = {
  defaults: { maxQuantity: "5", maxPosition: "20", priceToleranceBps: 1000 }
}

/** What a scripted venue does with an order it receives. */
export type Script =
  /** Accept, then fill the whole quantity at the limit (or 50000). */
  | "fill"
  /** Accept only. */
  | "ack"
  /** Answer the call with a definite rejection. */
  | "reject"
  /** Answer the call with a transport error (timeout). */
  | "timeout"
  /** Say nothing (the answer comes later, by hand). */
  | "silent"

/** What a scripted venue does with a cancel. */
export type CancelScript = "ack" | "reject" | "timeout" | "silent"

interface Sent {
  readonly venue: string
  readonly order: VenueOrderRequest.VenueOrderRequest
}

/** A venue gateway whose answers the test scripts; events go to the core's `onExecution`. */
export class ScriptedVenue implements VenueGateway.VenueGateway {
  readonly sent: Array<Sent> = []
  readonly cancels: Array<{ readonly venue: string; readonly clientOrderId: string }> = []
  script: (order: VenueOrderRequest.VenueOrderRequest, venue: string) => Script = () => "fill"
  cancelScript: (clientOrderId: string) => CancelScript = () => "ack"
  sink!: SyncVenue.ExecutionSink
  private trade = 0
  private readonly byClientId = new Map<string, Sent>()

  submit(venue: string, order: VenueOrderRequest.VenueOrderRequest): VenueError.VenueError | undefined {
    const sent = { venue, order }
    this.sent.push(sent)
    this.byClientId.set(order.clientOrderId, sent)
    switch (this.script(order, venue)) {
      case "fill":
        this.accept(order.clientOrderId)
        this.fill(order.clientOrderId, order.quantity, order.price ?? D("50000"))
        return undefined
      case "ack":
        this.accept(order.clientOrderId)
        return undefined
      case "reject":
        return new VenueError.VenueRejection({ reason: "InsufficientFunds", venue, message: "not enough USDT" })
      case "timeout":
        return new VenueError.VenueTransportError({ reason: "Timeout", venue, message: "no answer in 5 s" })
      case "silent":
        return undefined
    }
  }

  cancel(venue: string, clientOrderId: Ids.ClientOrderId): VenueError.VenueError | undefined {
    this.cancels.push({ venue, clientOrderId })
    switch (this.cancelScript(clientOrderId)) {
      case "ack":
        this.cancelled(clientOrderId)
        return undefined
      case "reject":
        return new VenueError.VenueRejection({ reason: "OrderNotFound", venue, message: "order is closed" })
      case "timeout":
        return new VenueError.VenueTransportError({ reason: "Timeout", venue, message: "no answer in 5 s" })
      case "silent":
        return undefined
    }
  }

  /** The order sent with this client order id. */
  order(clientOrderId: string): Sent {
    const s = this.byClientId.get(clientOrderId)
    if (s === undefined) throw new Error(`nothing was sent as ${clientOrderId}`)
    return s
  }

  private base(clientOrderId: string) {
    const s = this.order(clientOrderId)
    return {
      venue: s.venue as Ids.Venue,
      canonicalId: s.order.canonicalId,
      clientOrderId: clientOrderId as Ids.ClientOrderId,
      venueOrderId: `v-${clientOrderId}` as Ids.VenueOrderId,
      ts: 1_700_000_000_000_000_000n
    }
  }

  accept(clientOrderId: string): void {
    this.sink.onExecution({ _tag: "Accepted", ...this.base(clientOrderId) })
  }

  /** Reports a fill; returns the event so a test can replay it. */
  fill(clientOrderId: string, quantity: Decimal.Decimal, price: Decimal.Decimal, tradeId?: string): ExecutionEvent.Filled {
    const s = this.order(clientOrderId)
    const event: ExecutionEvent.Filled = {
      _tag: "Filled",
      ...this.base(clientOrderId),
      side: s.order.side,
      tradeId: (tradeId ?? `t${++this.trade}`) as Ids.TradeId,
      price,
      quantity,
      fee: Decimal.zero,
      feeCurrency: "USDT",
      liquidity: "TAKER"
    }
    this.sink.onExecution(event)
    return event
  }

  cancelled(clientOrderId: string): void {
    this.sink.onExecution({ _tag: "Cancelled", ...this.base(clientOrderId) })
  }

  expired(clientOrderId: string): void {
    this.sink.onExecution({ _tag: "Expired", ...this.base(clientOrderId), message: "IOC remainder" })
  }

  rejected(clientOrderId: string): void {
    const b = this.base(clientOrderId)
    this.sink.onExecution({ _tag: "Rejected", venue: b.venue, canonicalId: b.canonicalId, clientOrderId: b.clientOrderId, reason: "PostOnlyWouldCross", message: "would cross", ts: b.ts })
  }
}

/** A book with one ask and one bid level. */
export const book = (bid: string, ask: string, size = "10") => OrderBook.unsafeMake({ bids: [[bid, size]], asks: [[ask, size]] })

/** The router over both listings (same latency, so fees and prices decide). */
export const makeRouter = () =>
  Either.getOrThrow(
    Router.fromJson({
      venues: [
        { venue: "BINANCE-SPOT", access: "ccxt", latencyMs: 5 },
        { venue: "OKX", access: "ccxt", latencyMs: 5 }
      ],
      listings: specs.map((spec) => ({ spec: Schema.encodeSync(InstrumentSpec.InstrumentSpec)(spec) })),
      costs: { latencyPenaltyBpsPerMs: "0" }
    })
  )

/** Everything a test needs: the core and what it reported. */
export interface Env {
  readonly core: ExecutionCore.ExecutionCore
  readonly clock: ExecutionClock.ManualClock
  readonly venue: ScriptedVenue
  readonly reports: Array<ExecutionReport.ExecutionReport>
  readonly anomalies: Array<ExecutionCore.Anomaly>
  readonly riskBook: InMemoryRiskBook.InMemoryRiskBook
  readonly positions: PositionTracker.PositionTracker
  readonly market: MarketState.InMemoryMarket
}

/** A core with the real risk engine, OMS, positions, router (optional) and algorithms, over a scripted venue. */
export const makeEnv = (
  options: {
    readonly router?: boolean
    readonly gateway?: VenueGateway.VenueGateway
    /** `retainFinishedOrders`, with every evicted record pushed to `evicted`. */
    readonly retain?: number
    readonly evicted?: Array<ManagedOrder.ManagedOrder>
    /** false: the core is not given the risk book to feed (the risk engine still reads it). */
    readonly feedRiskBook?: boolean
    /** The core's instruments (default: both listings, `instruments`). */
    readonly instruments?: ExecutionCore.Options["instruments"]
    /** false: no report sink (`reports` stays empty). */
    readonly reports?: boolean
    readonly journal?: ExecutionCore.Options["journal"]
    readonly journalEvents?: ExecutionCore.Options["journalEvents"]
  } = {}
): Env => {
  const clock = ExecutionClock.manual(T0)
  const riskBook = InMemoryRiskBook.make()
  for (const s of specs) {
    riskBook.addSpec(s)
    riskBook.setReferencePrice(s.canonicalId, D("50000"))
    riskBook.setBalance(s.venue, "USDT", D("10000000"))
    riskBook.setBalance(s.venue, "BTC", D("100"))
  }
  const risk = Either.getOrThrow(PreTradeRisk.make({ book: riskBook, config: riskConfig }))
  const positions = PositionTracker.make({ instruments: specs })
  const market = MarketState.inMemory()
  market.setBook(BINANCE, book("49999", "50001"))
  market.setBook(OKX, book("49999", "50001"))
  const venue = new ScriptedVenue()
  const reports: Array<ExecutionReport.ExecutionReport> = []
  const anomalies: Array<ExecutionCore.Anomaly> = []
  const core = ExecutionCore.make({
    instruments: options.instruments ?? instruments,
    clock,
    risk,
    ...(options.feedRiskBook === false ? {} : { riskBook }),
    positions,
    venues: options.gateway ?? venue,
    ...(options.router === true ? { router: ExecutionCore.routing(makeRouter(), market) } : {}),
    algorithms: ExecutionCore.algorithms(),
    ...(options.reports === false ? {} : { reports: { onReport: (r: ExecutionReport.ExecutionReport) => reports.push(r) } }),
    anomalies: { onAnomaly: (a) => anomalies.push(a) },
    ...(options.journal === undefined ? {} : { journal: options.journal }),
    ...(options.journalEvents === undefined ? {} : { journalEvents: options.journalEvents }),
    ...(options.retain === undefined
      ? {}
      : { retainFinishedOrders: options.retain, onOrderEvicted: (m: ManagedOrder.ManagedOrder) => options.evicted?.push(m) })
  })
  venue.sink = core
  return { core, clock, venue, reports, anomalies, riskBook, positions, market }
}

let n = 0
/** A LIMIT order request (0.5 BTC buy at 50000 on Binance unless told otherwise). */
export const limit = (overrides: Partial<OrderRequest.OrderRequest> = {}): OrderRequest.OrderRequest => ({
  operationId: Ids.OperationId.make(`op-${++n}`),
  strategyId: Ids.StrategyId.make("strat-1"),
  canonicalId: BINANCE,
  venue: Ids.Venue.make("BINANCE-SPOT"),
  side: "BUY",
  type: "LIMIT",
  timeInForce: "GTC",
  quantity: D("0.5"),
  price: D("50000"),
  ...overrides
})

/** The result's fields that tests compare, with decimals as strings. */
export const summary = (r: unknown) => {
  const x = r as { status: string; filledQuantity: Decimal.Decimal; averagePrice?: Decimal.Decimal; venue?: string; fills: ReadonlyArray<unknown> }
  return {
    status: x.status,
    filled: Decimal.format(x.filledQuantity),
    average: x.averagePrice === undefined ? undefined : Decimal.format(x.averagePrice),
    venue: x.venue,
    fills: x.fills.length
  }
}

/**
 * An in-memory store whose next `update` (once `loseNext()` is called) lands but answers
 * Unavailable, as a write whose reply was lost after the commit.
 */
export const lossyStore = () => {
  const memory = OrderStore.makeMemory()
  let lose = false
  const store: OrderStore.OrderStoreService = {
    ...memory,
    update: (updates, journal) =>
      Effect.flatMap(memory.update(updates, journal), () => {
        if (!lose) return Effect.void
        lose = false
        return Effect.fail(new OmsError.OrderStoreError({ reason: "Unavailable", message: "timeout after commit" }))
      })
  }
  return { memory, store, loseNext: () => void (lose = true) }
}
