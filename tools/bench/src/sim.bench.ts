/**
 * The simulated venue (@odum/adapter-sim): market events per second through the matching
 * engine, and orders per second in immediate mode and through the book.
 *
 * Data: the real Binance USD-M BTCUSDT raw feed (/work/shared/data/real/btcusdt_20240808.gz:
 * REST snapshot, 445k diff-depth level updates and 21k trades over 5 min 45 s), decoded once
 * into columns (as the marketdata catalog's batches are) and replayed several times by the
 * columnar fast path a backtest uses (`advanceTo(ts)` then the engine's `onBookLevel` /
 * `onTrade`), with 20 of our limit orders resting off the touch, so every trade and every
 * update of our levels runs the queue logic.
 *
 * Targets (one core), from the backtest's need of >= 1M ticks/s with one order per tick,
 * i.e. 1 us per tick for everything (replay, strategy, risk, OMS, venue, positions):
 * - events >= 5,000,000/s: the venue's share of a market event is at most a fifth of it.
 * - immediate orders >= 2,000,000/s: accept + fill with exact fees, at most half of the
 *   1 us (the other half goes to risk, OMS and positions, each benchmarked on its own).
 * - matched orders (IOC walking three levels of a book refreshed by three updates)
 *   >= 1,000,000/s: such an order per tick must fit in the 1 us on its own.
 * Rows "no account" / "with account" show what the venue's own positions and balances
 * (`account`, default on) cost; a backtest whose positions library tracks the same fills
 * may turn them off.
 */
import type { ExecutionEvent, VenueOrderRequest } from "@odum/adapter-kit"
import { MarketEvent, SimVenue } from "@odum/adapter-sim"
import { Decimal, type Ids, InstrumentSpec } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gunzipSync } from "node:zlib"

const TARGET_EVENTS = 5_000_000
const TARGET_IMMEDIATE = 2_000_000
const TARGET_MATCHED = 1_000_000

const ID = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"
const D = Decimal.unsafeFromString
const spec = Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)({
  // binance.json's BTC/USDT:USDT: tick 0.10, step 0.001, min notional 5, taker 0.0004, maker 0.0002.
  canonicalId: ID,
  venue: "BINANCE-FUTURES",
  baseAsset: "BTC",
  quoteAsset: "USDT",
  settlementAsset: "USDT",
  kind: "PERPETUAL",
  contractType: "LINEAR",
  contractSize: "1",
  tickSize: "0.1",
  lotSize: "0.001",
  minQuantity: "0.001",
  maxQuantity: "1000",
  minNotional: "5",
  makerFee: "0.0002",
  takerFee: "0.0004"
})

/** Counts events without keeping them (the sink a backtest's journal would be). */
class CountingSink {
  count = 0
  fills = 0
  onExecution(e: ExecutionEvent.ExecutionEvent): void {
    this.count++
    if (e._tag === "Filled") this.fills++
  }
}

/** Text "61800.20" as units at `scale` without a float (the catalog importer's job; done once, untimed). */
const units = (s: string, scale: number): number => Number(Decimal.toScaled(D(s), scale))

interface Columns {
  n: number
  kind: Int8Array // 0 book, 1 trade
  ts: BigInt64Array
  side: Int8Array
  price: Float64Array
  size: Float64Array
  flags: Int32Array
}

/** Decodes the raw feed into columns: the synced snapshot + diffs as book rows, and the trades. */
const load = (): Columns => {
  const path = fileURLToPath(new URL("../../../../shared/data/real/btcusdt_20240808.gz", import.meta.url))
  const lines = gunzipSync(readFileSync(path)).toString("utf8").split("\n")
  const rows: Array<[number, bigint, number, number, number, number]> = []
  const snap = JSON.parse(lines[54]!.slice(lines[54]!.indexOf(" ") + 1))
  const snapRows = [
    ...snap.bids.map((l: [string, string]) => [MarketEvent.BID, l] as const),
    ...snap.asks.map((l: [string, string]) => [MarketEvent.ASK, l] as const)
  ]
  snapRows.forEach(([side, [p, q]], i) =>
    rows.push([0, BigInt(snap.T) * 1_000_000n, side, units(p, 1), units(q, 3), MarketEvent.F_SNAPSHOT | (i === 0 ? MarketEvent.F_CLEAR : 0) | (i === snapRows.length - 1 ? MarketEvent.F_LAST : 0)])
  )
  let synced = false
  for (const line of lines) {
    if (line.length === 0) continue
    const j = JSON.parse(line.slice(line.indexOf(" ") + 1))
    if (j.stream === "btcusdt@depth@0ms") {
      const d = j.data
      if (d.u < snap.lastUpdateId) continue
      synced = true
      const ts = BigInt(d.E) * 1_000_000n
      const levels = [...d.b.map((l: [string, string]) => [MarketEvent.BID, l] as const), ...d.a.map((l: [string, string]) => [MarketEvent.ASK, l] as const)]
      levels.forEach(([side, [p, q]], i) => rows.push([0, ts, side, units(p, 1), units(q, 3), i === levels.length - 1 ? MarketEvent.F_LAST : 0]))
    } else if (synced && j.stream === "btcusdt@trade") {
      const t = j.data
      rows.push([1, BigInt(t.T) * 1_000_000n, t.m ? MarketEvent.SELL : MarketEvent.BUY, units(t.p, 1), units(t.q, 3), 0])
    }
  }
  const n = rows.length
  const c: Columns = {
    n,
    kind: new Int8Array(n),
    ts: new BigInt64Array(n),
    side: new Int8Array(n),
    price: new Float64Array(n),
    size: new Float64Array(n),
    flags: new Int32Array(n)
  }
  rows.forEach(([k, ts, side, p, q, f], i) => {
    c.kind[i] = k
    c.ts[i] = ts
    c.side[i] = side
    c.price[i] = p
    c.size[i] = q
    c.flags[i] = f
  })
  return c
}

const req = (id: string, side: "BUY" | "SELL", qty: string, price: string | undefined, tif: "GTC" | "IOC"): VenueOrderRequest.VenueOrderRequest => ({
  clientOrderId: id as Ids.ClientOrderId,
  canonicalId: ID,
  side,
  type: price === undefined ? "MARKET" : "LIMIT",
  timeInForce: tif,
  quantity: D(qty),
  ...(price === undefined ? {} : { price: D(price) }),
  reduceOnly: false,
  postOnly: false
})

/** One replay of the columns through a fresh venue; returns [wall ns, CPU ns, events fed]. */
const replay = (c: Columns): [number, number, number] => {
  const sink = new CountingSink()
  const sim = Either.getOrThrow(SimVenue.make({ venue: "BINANCE-FUTURES", instruments: [spec], sink, retainFills: false }))
  const engine = sim.engine(ID)!
  // 20 resting orders off the touch (BTC was ~61800 then; they stay in the book, scanned on every event).
  for (let i = 0; i < 10; i++) {
    sim.submit(req(`b${i}`, "BUY", "0.01", String(61000 - i * 50), "GTC"), 0n)
    sim.submit(req(`a${i}`, "SELL", "0.01", String(62600 + i * 50), "GTC"), 0n)
  }
  const { n, kind, ts, side, price, size, flags } = c
  const [wall, cpu] = timed(() => {
    for (let i = 0; i < n; i++) {
      const t = ts[i]!
      sim.advanceTo(t)
      if (kind[i] === 0) engine.onBookLevel(t, side[i] as 1 | -1, price[i]!, size[i]!, flags[i]!)
      else engine.onTrade(t, price[i]!, size[i]!, side[i] as 1 | -1)
    }
  })
  if (engine.openOrders().length !== 20) throw new Error(`expected 20 resting orders, ${engine.openOrders().length} left`)
  return [wall, cpu, n]
}

/**
 * Runs `body` and returns [wall ns, CPU ns of this process]. Rates are computed on CPU time:
 * the benchmark machine is shared, and CPU time does not count the time other processes held
 * the core (it does count our GC threads). Wall time is printed beside it.
 */
const timed = (body: () => void): [number, number] => {
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  body()
  const wall = Number(process.hrtime.bigint() - t0)
  const c = process.cpuUsage(c0)
  return [wall, (c.user + c.system) * 1000]
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US")
const line = (label: string, rate: number, target: number, detail: string) =>
  console.log(`  ${label.padEnd(40)} ${fmt(rate).padStart(12)} /s  target ${fmt(target).padStart(10)}  ratio ${(rate / target).toFixed(2)}  ${detail}`)

/** Immediate mode: accept + fill at the limit price, alternating sides (the account opens and closes the position). */
const immediate = (account: boolean): [number, number, number] => {
  const sink = new CountingSink()
  const sim = Either.getOrThrow(
    SimVenue.make({ venue: "BINANCE-FUTURES", instruments: [spec], sink, mode: "immediate", retainFills: false, account })
  )
  const orders = Array.from({ length: 1024 }, (_, i) => req(`o${i}`, i % 2 === 0 ? "BUY" : "SELL", "0.01", `${61800 + (i % 16) / 10}`, "IOC"))
  const mask = orders.length - 1
  for (let i = 0; i < 200_000; i++) sim.submit(orders[i & mask]!, BigInt(i))
  const N = 2_000_000
  sink.count = 0
  const [wall, cpu] = timed(() => {
    for (let i = 0; i < N; i++) sim.submit(orders[i & mask]!, BigInt(i))
  })
  if (sink.count !== 2 * N) throw new Error(`immediate mode: ${sink.count} events for ${N} orders`)
  return [wall, cpu, N]
}

/** Matching mode: a marketable IOC buy walking three ask levels, then the book restored (3 level updates). */
const matched = (account: boolean): [number, number, number] => {
  const sink = new CountingSink()
  const sim = Either.getOrThrow(SimVenue.make({ venue: "BINANCE-FUTURES", instruments: [spec], sink, retainFills: false, account }))
  const engine = sim.engine(ID)!
  const refresh = (t: bigint) => {
    engine.onBookLevel(t, MarketEvent.ASK, 618003, 400, 0)
    engine.onBookLevel(t, MarketEvent.ASK, 618004, 400, 0)
    engine.onBookLevel(t, MarketEvent.ASK, 618005, 400, MarketEvent.F_LAST)
  }
  engine.onBookLevel(0n, MarketEvent.BID, 618002, 5000, MarketEvent.F_CLEAR)
  const orders = Array.from({ length: 1024 }, (_, i) => req(`m${i}`, "BUY", "1", "61800.5", "IOC"))
  const mask = orders.length - 1
  for (let i = 0; i < 100_000; i++) {
    refresh(BigInt(i))
    sim.submit(orders[i & mask]!, BigInt(i))
  }
  const N = 1_000_000
  sink.fills = 0
  const [wall, cpu] = timed(() => {
    for (let i = 0; i < N; i++) {
      const t = BigInt(i)
      refresh(t)
      sim.submit(orders[i & mask]!, t)
    }
  })
  if (sink.fills !== 3 * N) throw new Error(`matching mode: ${sink.fills} fills for ${N} orders`)
  return [wall, cpu, N]
}

/** Median (by CPU time) of `runs` measurements. */
const median = (runs: number, f: () => [number, number, number]): [number, number, number] => {
  const all = Array.from({ length: runs }, f).sort((a, b) => a[1] - b[1])
  return all[runs >> 1]!
}

const report = (label: string, target: number, [wall, cpu, n]: [number, number, number], unit: string) =>
  line(label, (n / cpu) * 1e9, target, `(${fmt(n)} ${unit}: ${(cpu / n).toFixed(0)} ns CPU each, wall ${(wall / 1e6).toFixed(0)} ms)`)

/** Runs the simulated-venue benchmarks and prints their figures. */
export async function run(): Promise<void> {
  console.log("adapter-sim (rates on CPU time of this process; median of 5 runs after a warm-up)")
  const c = load()
  let book = 0
  for (let i = 0; i < c.n; i++) if (c.kind[i] === 0) book++
  console.log(`  real feed: ${fmt(c.n)} events (${fmt(book)} book level updates, ${fmt(c.n - book)} trades), BTCUSDT 2024-08-08`)

  replay(c)
  report("market events (book + trades)", TARGET_EVENTS, median(5, () => replay(c)), "events")
  immediate(false)
  report("orders, immediate, no account", TARGET_IMMEDIATE, median(5, () => immediate(false)), "orders")
  report("orders, immediate, with account", TARGET_IMMEDIATE, median(5, () => immediate(true)), "orders")
  matched(false)
  report("orders, matched 3 levels, no account", TARGET_MATCHED, median(5, () => matched(false)), "orders")
  report("orders, matched 3 levels, with account", TARGET_MATCHED, median(5, () => matched(true)), "orders")
}
