/**
 * Pre-trade risk: checks per second and latency per check for orders against a book of
 * 1,000 positions and 10,000 open orders, with every check enabled (velocity, size and
 * grid, reduce-only, tolerance, notional, strategy/instrument/asset position limits,
 * strategy and global exposure, balance or margin), so an allowed order runs them all.
 *
 * Throughput is reported per wall-clock second and per CPU second of this process: on a
 * shared machine the wall clock also counts time other processes held the core, so the
 * CPU figure is the one compared with the target (the load average is printed beside it).
 *
 * Targets (the full allow path, one core):
 * - throughput >= 1,000,000 checks/s. A backtest replays on the order of a million market
 *   events per second; if strategies answer one event in ten with an order, risk sees
 *   100k orders/s and must run ten times faster than that to stay under a tenth of the loop.
 * - p99 <= 5 us. A live order's round trip to a venue takes at least a millisecond (10+ ms
 *   for most crypto venues over the internet); 5 us keeps risk under 0.5% of the best case.
 */
import { Decimal, InstrumentSpec } from "@odum/domain"
import { InMemoryRiskBook, PreTradeRisk } from "@odum/risk"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { loadavg } from "node:os"

const THROUGHPUT_TARGET = 1_000_000
const P99_TARGET_NS = 5_000

const STRATEGIES = 50
const INSTRUMENTS = 100
const POSITIONS = 1_000
const OPEN_ORDERS = 10_000
const D = Decimal.unsafeFromString

type Kind = "spot" | "linear" | "inverse"
const kindOf = (i: number): Kind => (i % 5 < 2 ? "spot" : i % 5 < 4 ? "linear" : "inverse")

const specFor = (i: number): InstrumentSpec.InstrumentSpec => {
  const kind = kindOf(i)
  const base = `C${i}`
  const json =
    kind === "spot"
      ? { canonicalId: `SIM-SPOT:SPOT_PAIR:${base}-USDT`, venue: "SIM-SPOT", baseAsset: base, quoteAsset: "USDT", settlementAsset: "USDT",
          kind: "SPOT", contractSize: "1", contractType: "LINEAR", tickSize: "0.01", lotSize: "0.001" }
      : kind === "linear"
        ? { canonicalId: `SIM-FUTURES:PERPETUAL:${base}-USDT`, venue: "SIM-FUTURES", baseAsset: base, quoteAsset: "USDT", settlementAsset: "USDT",
            kind: "PERPETUAL", contractSize: "1", contractType: "LINEAR", tickSize: "0.01", lotSize: "0.001" }
        : { canonicalId: `SIM-INVERSE:PERPETUAL:${base}-USD@INV`, venue: "SIM-INVERSE", baseAsset: base, quoteAsset: "USD", settlementAsset: base,
            kind: "PERPETUAL", contractSize: "10", contractType: "INVERSE", tickSize: "0.5", lotSize: "1" }
  return Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)({ ...json, minQuantity: "0", minNotional: kind === "inverse" ? "0.0001" : "1", makerFee: "0", takerFee: "0" })
}

/** A deterministic pseudo-random sequence (no Math.random: the same book every run). */
let seed = 42
const rand = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
}

const setup = () => {
  const book = InMemoryRiskBook.make()
  const specs = Array.from({ length: INSTRUMENTS }, (_, i) => specFor(i))
  for (const [i, s] of specs.entries()) {
    book.addSpec(s)
    book.setReferencePrice(s.canonicalId, D(String(1000 + i * 10)))
  }
  for (const venue of ["SIM-SPOT", "SIM-FUTURES", "SIM-INVERSE"]) {
    book.setBalance(venue, "USDT", D("1000000000"))
    for (let i = 0; i < INSTRUMENTS; i++) book.setBalance(venue, `C${i}`, D("1000000"))
  }
  // 1,000 positions: every strategy holds 20 instruments.
  for (let n = 0; n < POSITIONS; n++) {
    const s = n % STRATEGIES
    const i = (s * 7 + Math.floor(n / STRATEGIES) * 5) % INSTRUMENTS
    const qty = kindOf(i) === "inverse" ? String(10 + rand(100)) : `${1 + rand(50)}.${rand(1000)}`
    book.setPosition(`strat-${s}`, specs[i]!.canonicalId, D(rand(2) === 0 ? qty : `-${qty}`))
  }
  // 10,000 open orders on the same cells, both sides.
  for (let n = 0; n < OPEN_ORDERS; n++) {
    const s = n % STRATEGIES
    const i = (s * 7 + (n % 20) * 5) % INSTRUMENTS
    const spec = specs[i]!
    const ref = 1000 + i * 10
    const buy = rand(2) === 0
    const err = book.onOrderAccepted({
      operationId: `open-${n}`,
      strategyId: `strat-${s}`,
      canonicalId: spec.canonicalId,
      side: buy ? "BUY" : "SELL",
      quantity: kindOf(i) === "inverse" ? D(String(1 + rand(5))) : D(`0.${1 + rand(9)}`),
      price: D(String(buy ? ref - 1 - rand(10) : ref + 1 + rand(10)))
    })
    if (err !== undefined) throw err
  }
  const config = {
    velocity: { perSecond: 2_000, perMinute: 100_000 },
    maxGrossExposure: "100000000000",
    assets: Object.fromEntries(Array.from({ length: INSTRUMENTS }, (_, i) => [`C${i}`, { maxPosition: "1000000" }])),
    defaults: { maxQuantity: "1000", minNotional: "5", maxNotional: "10000000", maxPosition: "100000", priceToleranceBps: 500, leverage: "5" },
    // Inverse notionals are in the base coin.
    instruments: Object.fromEntries(
      specs.filter((_, i) => kindOf(i) === "inverse").map((s) => [s.canonicalId, { minNotional: "0.001", maxNotional: "10000" }])
    ),
    defaultStrategy: {
      velocity: { perSecond: 100, perMinute: 5_000 },
      maxGrossExposure: "10000000000",
      defaults: { maxPosition: "10000" }
    }
  }
  const risk = Either.getOrThrow(PreTradeRisk.make({ book, config }))
  // 1,024 orders to cycle through: mostly increasing, within every limit; a quarter reduce-only closes.
  const orders: Array<PreTradeRisk.RiskOrder> = []
  for (let n = 0; n < 1024; n++) {
    const s = n % STRATEGIES
    const i = (s * 7 + (n % 20) * 5) % INSTRUMENTS
    const spec = specs[i]!
    const ref = 1000 + i * 10
    const cell = book.strategyInstrument(`strat-${s}`, spec.canonicalId)!
    const reduce = n % 4 === 0 && cell.position !== 0n
    const buy = reduce ? cell.position < 0n : rand(2) === 0
    const market = n % 3 === 0
    orders.push({
      strategyId: `strat-${s}`,
      canonicalId: spec.canonicalId,
      side: buy ? "BUY" : "SELL",
      type: market ? "MARKET" : "LIMIT",
      quantity: kindOf(i) === "inverse" ? D("1") : D("0.01"),
      ...(market ? {} : { price: D(String(ref + (buy ? -2 : 2))) }),
      reduceOnly: reduce
    })
  }
  return { book, risk, orders }
}

const quantile = (sorted: BigInt64Array, q: number): bigint => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const { book, risk, orders } = setup()
  console.log(
    `book: ${POSITIONS} positions (${STRATEGIES} strategies x 20 instruments of ${INSTRUMENTS}), ${book.openOrderCount} open orders; every check enabled`
  )
  // The clock advances 1 ms per check: each strategy sends 20 orders/s, under every velocity limit.
  let now = 1_700_000_000_000
  let allowed = 0
  const mask = orders.length - 1
  for (let n = 0; n < 200_000; n++) if (risk.check(orders[n & mask]!, now++).allowed) allowed++
  const firstDenial = orders.map((o) => risk.checkAll(o, now)).find((d) => d.length > 0)
  if (allowed !== 200_000) throw new Error(`warm-up: only ${allowed} of 200000 allowed; ${JSON.stringify(firstDenial)}`)

  const N = 2_000_000
  allowed = 0
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let n = 0; n < N; n++) if (risk.check(orders[n & mask]!, now++).allowed) allowed++
  const elapsed = Number(process.hrtime.bigint() - t0)
  const cpu = process.cpuUsage(cpu0)
  const cpuNs = (cpu.user + cpu.system) * 1000
  const wallPerSecond = (N / elapsed) * 1e9
  const perSecond = (N / cpuNs) * 1e9

  const M = 300_000
  const lat = new BigInt64Array(M)
  for (let n = 0; n < M; n++) {
    const o = orders[n & mask]!
    const s = process.hrtime.bigint()
    risk.check(o, now++)
    lat[n] = process.hrtime.bigint() - s
  }
  lat.sort()
  const timer = new BigInt64Array(M)
  for (let n = 0; n < M; n++) {
    const s = process.hrtime.bigint()
    timer[n] = process.hrtime.bigint() - s
  }
  timer.sort()

  // The denial path, for comparison: an order far above the max quantity (stops at the size check).
  const big = { ...orders[1]!, quantity: D("5000") }
  const td = process.hrtime.bigint()
  for (let n = 0; n < 500_000; n++) risk.check(big, now)
  const denyNs = Number(process.hrtime.bigint() - td) / 500_000

  const p50 = quantile(lat, 0.5)
  const p99 = quantile(lat, 0.99)
  console.log(
    `allow path (${allowed}/${N} allowed): ${Math.round(perSecond).toLocaleString("en-US")} checks per CPU second (${(cpuNs / N).toFixed(0)} ns/check), ` +
      `${Math.round(wallPerSecond).toLocaleString("en-US")} per wall second; load average ${loadavg()[0]!.toFixed(1)} on this machine`
  )
  console.log(
    `latency per check: median ${p50} ns, p99 ${p99} ns, p99.9 ${quantile(lat, 0.999)} ns (includes the hrtime pair, median ${quantile(timer, 0.5)} ns)`
  )
  console.log(`deny path (QUANTITY_ABOVE_MAX, message built): ${denyNs.toFixed(0)} ns/check`)
  console.log(
    `ratio to target: throughput ${(perSecond / THROUGHPUT_TARGET).toFixed(2)}x of ${THROUGHPUT_TARGET.toLocaleString("en-US")}/s, ` +
      `p99 ${(P99_TARGET_NS / Number(p99)).toFixed(2)}x better than ${P99_TARGET_NS} ns`
  )
}
