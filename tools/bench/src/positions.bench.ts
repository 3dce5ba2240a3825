/**
 * Position tracking: fills applied per second into 1,000 positions (500 instruments, 400
 * linear and 100 inverse, times 2 strategies), driven by the real Binance USD-M BTCUSDT
 * trade feed in ../shared/data/real (prices, sizes and aggressor sides of its 21,313 trades,
 * spread round-robin over the positions, so fills open, add to, reduce and flip them).
 * Fills are built (decimals parsed) before timing; the timed loop is `tracker.apply` alone,
 * run RUNS times on a fresh tracker; the best run is compared with the target (the
 * machine is shared, so slower runs measure contention) and the median is printed too.
 * Also timed: a full snapshot of the 1,000 positions and the unified rows built from it.
 *
 * Target: >= 100,000 fills/s on one core. A backtest replays on the order of a million
 * market events per second; with strategies answering one event in ten with an order
 * (the assumption of the risk benchmark) and every order filling, the tracker receives
 * 100k fills/s, so at the target it keeps up with that worst case in real time. Live
 * rates are far lower: the busiest feed in the data set prints 62 trades/s, and our own
 * fills are a fraction of the market's.
 */
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gunzipSync } from "node:zlib"
import { Decimal, type Fill, Ids, InstrumentSpec } from "@odum/domain"
import { AggregatePosition, PositionTracker, UnifiedPosition } from "@odum/positions"
import * as Schema from "effect/Schema"

const TARGET_FILLS_PER_SECOND = 100_000
const INSTRUMENTS = 500
const INVERSE_EVERY = 5 // one instrument in five is inverse
const STRATEGIES = 2
const FILLS = 300_000
const WARMUP_FILLS = 30_000
const RUNS = 3

const DATA = fileURLToPath(new URL("../../../../shared/data/real/btcusdt_20240808.gz", import.meta.url))

interface Trade {
  readonly price: string
  readonly quantity: string
  readonly sell: boolean
}

/** The trades of the real feed; a deterministic synthetic walk if the file is absent. */
const loadTrades = (): { trades: Array<Trade>; source: string } => {
  if (existsSync(DATA)) {
    const trades: Array<Trade> = []
    for (const line of gunzipSync(readFileSync(DATA)).toString("utf8").split("\n")) {
      if (!line.includes('"btcusdt@trade"')) continue
      const data = JSON.parse(line.slice(line.indexOf(" ") + 1)).data as { p: string; q: string; m: boolean }
      // m: the buyer was the maker, so the aggressor sold.
      trades.push({ price: data.p, quantity: data.q, sell: data.m })
    }
    return { trades, source: `${trades.length} real BTCUSDT trades (btcusdt_20240808.gz)` }
  }
  const trades: Array<Trade> = []
  let seed = 7
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    trades.push({ price: `${60000 + (seed % 2000)}.${seed % 10}`, quantity: `0.${String(1 + (seed % 999)).padStart(3, "0")}`, sell: seed % 2 === 0 })
  }
  return { trades, source: "synthetic trades (real data file not found)" }
}

const specFor = (i: number): InstrumentSpec.InstrumentSpec => {
  const inverse = i % INVERSE_EVERY === 0
  const base = `C${i}`
  return Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)(
    inverse
      ? { canonicalId: `DERIBIT:PERPETUAL:${base}-USD@INV`, venue: "DERIBIT", baseAsset: base, quoteAsset: "USD", settlementAsset: base,
          kind: "PERPETUAL", contractType: "INVERSE", contractSize: "10", tickSize: "0.5", lotSize: "1", minQuantity: "1", makerFee: "0", takerFee: "0.0005" }
      : { canonicalId: `BINANCE-FUTURES:PERPETUAL:${base}-USDT`, venue: "BINANCE-FUTURES", baseAsset: base, quoteAsset: "USDT", settlementAsset: "USDT",
          kind: "PERPETUAL", contractType: "LINEAR", contractSize: "1", tickSize: "0.1", lotSize: "0.001", minQuantity: "0.001", makerFee: "0.0002", takerFee: "0.0005" }
  )
}

interface Input {
  readonly fill: Fill.Fill
  readonly strategyId: Ids.StrategyId
}

const buildFills = (specs: ReadonlyArray<InstrumentSpec.InstrumentSpec>, trades: ReadonlyArray<Trade>, count: number, prefix: string): Array<Input> => {
  const strategies = Array.from({ length: STRATEGIES }, (_, s) => Ids.StrategyId.make(`strategy-${s}`))
  const operationId = Ids.OperationId.make("bench")
  const out: Array<Input> = []
  for (let n = 0; n < count; n++) {
    const trade = trades[n % trades.length]!
    const position = n % (INSTRUMENTS * STRATEGIES)
    const spec = specs[position % INSTRUMENTS]!
    const inverse = spec.contractType === "INVERSE"
    const price = Decimal.unsafeFromString(trade.price)
    // Inverse: the trade's BTC size in 10-USD contracts (at least one); linear: the BTC size.
    const quantity = inverse
      ? Decimal.fromBigInt(1n + Decimal.toScaled(Decimal.round(Decimal.mul(Decimal.unsafeFromString(trade.quantity), price), 0, "down"), 0) / 10n)
      : Decimal.unsafeFromString(trade.quantity)
    const fee = inverse ? Decimal.zero : Decimal.round(Decimal.mul(Decimal.mul(quantity, price), Decimal.unsafeFromString("0.0005")), 8, "half-even")
    out.push({
      strategyId: strategies[Math.floor(position / INSTRUMENTS)]!,
      fill: {
        operationId,
        venue: spec.venue,
        canonicalId: spec.canonicalId,
        tradeId: Ids.TradeId.make(`${prefix}${n}`),
        side: trade.sell ? "SELL" : "BUY",
        price,
        quantity,
        fee,
        feeCurrency: spec.settlementAsset,
        liquidity: "TAKER",
        timestamp: 1_723_161_256_322 + n
      }
    })
  }
  return out
}

const applyAll = (tracker: PositionTracker.PositionTracker, inputs: ReadonlyArray<Input>): number => {
  let refused = 0
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!
    if (tracker.apply(input.fill, input.strategyId) !== undefined) refused++
  }
  return refused
}

export async function run(): Promise<void> {
  const { trades, source } = loadTrades()
  const specs = Array.from({ length: INSTRUMENTS }, (_, i) => specFor(i))
  const warmup = buildFills(specs, trades, WARMUP_FILLS, "w")
  const fills = buildFills(specs, trades, FILLS, "f")
  console.log(`data: ${source}; ${INSTRUMENTS} instruments (${INSTRUMENTS / INVERSE_EVERY} inverse) x ${STRATEGIES} strategies = ${INSTRUMENTS * STRATEGIES} positions`)

  applyAll(PositionTracker.make({ instruments: specs }), warmup)

  let tracker = PositionTracker.make({ instruments: specs })
  const times: Array<number> = []
  for (let r = 0; r < RUNS; r++) {
    tracker = PositionTracker.make({ instruments: specs })
    const start = performance.now()
    const refused = applyAll(tracker, fills)
    times.push((performance.now() - start) / 1000)
    if (refused > 0) throw new Error(`${refused} fills were refused`)
  }
  times.sort((a, b) => a - b)
  const seconds = times[0]!
  const median = times[Math.floor(RUNS / 2)]!
  const rate = FILLS / seconds

  for (const [i, spec] of specs.entries()) {
    const error = tracker.mark(spec.canonicalId, Decimal.unsafeFromString(trades[i % trades.length]!.price), 1_723_161_600_000)
    if (error !== undefined) throw error
  }
  const snapStart = performance.now()
  const positions = tracker.positions()
  const rows = AggregatePosition.byInstrument(positions).map(UnifiedPosition.toUnifiedRow)
  const snapMs = performance.now() - snapStart
  const open = positions.filter((p) => !Decimal.isZero(p.quantity)).length

  console.log(`fills applied: ${FILLS.toLocaleString("en")} per run, runs: ${times.map((t) => (t * 1000).toFixed(0)).join(", ")} ms`)
  console.log(`throughput (best of ${RUNS}): ${Math.round(rate).toLocaleString("en")} fills/s (${((seconds / FILLS) * 1e6).toFixed(2)} us/fill); median ${Math.round(FILLS / median).toLocaleString("en")} fills/s`)
  console.log(`target: ${TARGET_FILLS_PER_SECOND.toLocaleString("en")} fills/s -> ratio ${(rate / TARGET_FILLS_PER_SECOND).toFixed(2)}x`)
  console.log(`snapshot of ${positions.length} positions (${open} open) + ${rows.length} unified rows: ${snapMs.toFixed(1)} ms`)
}
