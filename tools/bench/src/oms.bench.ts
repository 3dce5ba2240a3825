/**
 * The unified order manager's hot path, in memory (the backtest's OMS, and the live OMS
 * between store writes): orders created per second, lifecycle events applied per second,
 * complete order lifecycles per second, and the latency of one create.
 *
 * Workload: 1,000,000 orders over 100 instruments, 20 strategies and 2 venues. Each is
 * created (PENDING; client order id derived by a 128-bit MurmurHash3 of the operation id), submitted,
 * accepted (venue order id indexed) and completely filled (fill de-duplicated, recorded,
 * status FILLED). In every ten orders one is an algorithm parent worked by one child: the
 * child's submit also submits the parent and its fill is aggregated into the parent. Every
 * change is journalled to a sink that keeps the entries, as the durable OMS does. Managers
 * keep every order (a backtest's book of record), 250,000 orders per manager.
 *
 * Targets (one core). The execution core must take >= 200,000 orders/s end to end (5 us per
 * order) with a p99 submit < 20 us, and every order passes risk, the OMS, the router, the
 * venue (adapter or simulator) and positions: the OMS may use a fifth of each budget.
 * - lifecycles (create + submit + accept + fill) >= 1,000,000/s: 1 us per order;
 * - creates >= 1,000,000/s and events >= 3,000,000/s: each part fits that same microsecond;
 * - p99 create <= 4 us: a fifth of the 20 us p99 submit.
 *
 * Rates are computed on this process's CPU time (all threads, so GC helpers count against
 * the OMS): benchmark machines are shared, and wall time would measure the neighbours. Wall
 * time and the load average are printed beside them.
 */
import * as os from "node:os"
import { Decimal, Ids, InstrumentSpec } from "@odum/domain"
import { OrderManager, type OrderJournal, type OrderRequest } from "@odum/oms"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

const ORDERS = 1_000_000
const BATCH = 250_000
const CREATE_TARGET = 1_000_000
const EVENT_TARGET = 3_000_000
const LIFECYCLE_TARGET = 1_000_000
const P99_CREATE_TARGET_NS = 4_000
const INSTRUMENTS = 100
const STRATEGIES = 20
const D = Decimal.unsafeFromString

const specs = Array.from({ length: INSTRUMENTS }, (_, i) =>
  Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)({
    canonicalId: `${i % 2 === 0 ? "BINANCE-SPOT" : "OKX"}:SPOT_PAIR:C${i}-USDT`,
    venue: i % 2 === 0 ? "BINANCE-SPOT" : "OKX",
    baseAsset: `C${i}`,
    quoteAsset: "USDT",
    settlementAsset: "USDT",
    kind: "SPOT",
    tickSize: "0.01",
    lotSize: "0.001",
    minQuantity: "0",
    makerFee: "0.001",
    takerFee: "0.001",
    contractSize: "1",
    contractType: "LINEAR"
  })
)
const instruments = new Map(specs.map((s) => [s.canonicalId, s]))
const strategies = Array.from({ length: STRATEGIES }, (_, i) => Ids.StrategyId.make(`strat-${i}`))
const quantities = Array.from({ length: 50 }, (_, i) => D(`0.${String(i + 1).padStart(3, "0")}`))
const prices = Array.from({ length: 50 }, (_, i) => D(`${1000 + i}.25`))
const SUBMIT = { _tag: "Submit" } as const

interface Prepared {
  readonly requests: Array<OrderRequest.OrderRequest>
  readonly accepts: Array<{ readonly _tag: "Accept"; readonly venueOrderId: Ids.VenueOrderId }>
}

/**
 * Requests and events for orders [from, from + n), built before timing (ids and decimals
 * are the caller's cost). In every ten orders, the ninth is an algorithm parent (not routed,
 * never sent itself) and the tenth its only child, for the parent's whole quantity.
 */
const prepare = (from: number, n: number): Prepared => {
  const requests: Array<OrderRequest.OrderRequest> = []
  const accepts: Prepared["accepts"] = []
  for (let k = 0; k < n; k++) {
    const i = from + k
    const role = i % 10 === 8 ? "parent" : i % 10 === 9 ? "child" : "order"
    const base = role === "child" ? i - 1 : i
    const spec = specs[base % INSTRUMENTS]!
    requests.push({
      operationId: Ids.OperationId.make(`op-${i}`),
      strategyId: strategies[base % STRATEGIES]!,
      canonicalId: spec.canonicalId,
      ...(role === "parent" ? {} : { venue: spec.venue }),
      side: base % 2 === 0 ? "BUY" : "SELL",
      type: "LIMIT",
      timeInForce: "GTC",
      quantity: quantities[base % 50]!,
      price: prices[base % 50]!,
      ...(role === "child" ? { parentOperationId: Ids.OperationId.make(`op-${i - 1}`) } : {})
    })
    accepts.push({ _tag: "Accept", venueOrderId: Ids.VenueOrderId.make(`v-${i}`) })
  }
  return { requests, accepts }
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US")
const ratio = (actual: number, target: number, higherIsBetter = true): string =>
  `${(higherIsBetter ? actual / target : target / actual).toFixed(2)}x target`

export async function run(): Promise<void> {
  const journal: Array<OrderJournal.OrderJournalEntry> = []
  const keep = (e: OrderJournal.OrderJournalEntry) => {
    journal.push(e)
  }
  const cpuNs = () => {
    const u = process.cpuUsage()
    return (u.user + u.system) * 1000
  }
  let createNs = 0
  let lifecycleNs = 0
  let wallNs = 0
  let entries = 0
  // Every eighth create is timed alone (125,000 samples), so timing adds little to the rates.
  const createLatencies: Array<number> = []
  const now = 1_700_000_000_000

  for (let from = 0; from < ORDERS; from += BATCH) {
    const n = Math.min(BATCH, ORDERS - from)
    const { requests, accepts } = prepare(from, n)
    const reports = requests.map((r, k) => ({
      venue: specs[(r.parentOperationId === undefined ? from + k : from + k - 1) % INSTRUMENTS]!.venue,
      tradeId: Ids.TradeId.make(`t-${from + k}`),
      operationId: r.operationId,
      price: r.price!,
      quantity: r.quantity,
      fee: D("0.01"),
      feeCurrency: "USDT",
      liquidity: "TAKER" as const,
      timestamp: now
    }))
    journal.length = 0
    const manager = OrderManager.make({ instruments, journal: keep })

    // Creates alone.
    const w0 = process.hrtime.bigint()
    const t0 = cpuNs()
    for (let k = 0; k < n; k++) {
      if ((k & 7) === 0) {
        const s = process.hrtime.bigint()
        const r = manager.create(requests[k]!, now + k)
        createLatencies.push(Number(process.hrtime.bigint() - s))
        if (Either.isLeft(r)) throw r.left
      } else {
        const r = manager.create(requests[k]!, now + k)
        if (Either.isLeft(r)) throw r.left
      }
    }
    createNs += cpuNs() - t0

    // The rest of each lifecycle: submit, accept, fill (a parent's come from its child).
    const t1 = cpuNs()
    for (let k = 0; k < n; k++) {
      if ((from + k) % 10 === 8) continue
      const id = requests[k]!.operationId
      const a = manager.apply(id, SUBMIT, now + k)
      const b = manager.apply(id, accepts[k]!, now + k)
      const c = manager.recordFill(reports[k]!, now + k)
      if (Either.isLeft(a) || Either.isLeft(b) || Either.isLeft(c) || c.right._tag !== "Applied") {
        throw new Error(`order ${id} did not complete: ${JSON.stringify([a, b, c])}`)
      }
    }
    lifecycleNs += cpuNs() - t1
    wallNs += Number(process.hrtime.bigint() - w0)
    for (const r of requests) {
      const status = manager.get(r.operationId)?.order.status
      if (status !== "FILLED") throw new Error(`${r.operationId} ended ${status}, not FILLED`)
    }
    entries += journal.length
  }

  const events = entries - ORDERS
  const createsPerSec = ORDERS / (createNs / 1e9)
  const eventsPerSec = events / (lifecycleNs / 1e9)
  const lifecyclesPerSec = ORDERS / ((createNs + lifecycleNs) / 1e9)
  const sorted = Float64Array.from(createLatencies).sort()
  const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

  console.log(
    `orders: ${fmt(ORDERS)} (10% algorithm parents), journal entries: ${fmt(entries)}; CPU ${fmt((createNs + lifecycleNs) / 1e6)} ms, wall ${fmt(wallNs / 1e6)} ms`
  )
  const hashStart = cpuNs()
  for (let i = 0; i < 200_000; i++) Ids.clientOrderIdFor(`op-${i}`)
  const hashNs = (cpuNs() - hashStart) / 200_000

  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}`)
  console.log(`creates:    ${fmt(createsPerSec)}/s  ${ratio(createsPerSec, CREATE_TARGET)} (target ${fmt(CREATE_TARGET)}/s)`)
  console.log(
    `events:     ${fmt(eventsPerSec)}/s  ${ratio(eventsPerSec, EVENT_TARGET)} (target ${fmt(EVENT_TARGET)}/s; submit, accept, fill and the parents' share)`
  )
  console.log(
    `lifecycles: ${fmt(lifecyclesPerSec)}/s  ${ratio(lifecyclesPerSec, LIFECYCLE_TARGET)} (target ${fmt(LIFECYCLE_TARGET)}/s, create to FILLED)`
  )
  console.log(
    `create latency: p50 ${fmt(p(0.5))} ns, p99 ${fmt(p(0.99))} ns ${ratio(p(0.99), P99_CREATE_TARGET_NS, false)} (target <= ${fmt(P99_CREATE_TARGET_NS)} ns), p99.9 ${fmt(p(0.999))} ns`
  )
  console.log(`of which Ids.clientOrderIdFor (domain, MurmurHash3 x86_128): ${fmt(hashNs)} ns CPU per create`)
}
