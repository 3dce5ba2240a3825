/**
 * @odum/backtest end to end: the trade-driven strategy (one MARKET order per trade, sides
 * alternating) replayed through the whole pipeline: catalog cursor -> simulated venue
 * (matching engine, trades only) -> strategy -> execution core (pre-trade risk, OMS,
 * position tracker, risk book) -> venue fill -> OMS, positions; plus the equity curve.
 * Beside it, the catalog's raw read rate over the same files (the cursor drained with
 * nothing behind it), so the cost of the pipeline itself is visible.
 *
 * Data: the real Binance USD-M BTCUSDT trades of 2024-08-08 (21,313 trades, the largest
 * real trades file, from the bundled sample catalog), replayed back to back, each copy
 * shifted in time by the recording's span, until there are at least 10 million trades
 * (`BACKTEST_BENCH_EVENTS` overrides the count). Results are summarised but not written
 * (`write: false`): writing 10 million order rows is a different benchmark. Without result
 * tables the engine keeps nothing per order (the OMS keeps its last 256 finished orders,
 * the summary is folded in as orders finish), so both runs cover every tick and the heap
 * stays flat: each prints the live heap (measured right after each major GC) in the first
 * and the second half of the replay.
 *
 * The process runs as the odum CLI and the backtest service do: `Backtest.tuneHeap()` first
 * (V8's allocation-site pretenuring off; see its comment).
 *
 * Target (issue): at least 1,000,000 ticks/s with one order per tick on one core.
 */
import { Backtest } from "@odum/backtest"
import type { EventBatch, MergedCursor } from "@odum/marketdata"
import { Storage } from "@odum/ucs"
import { NodeContext } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { mkdtempSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { constants, PerformanceObserver } from "node:perf_hooks"
import { INSTRUMENT, tradeDrivenConfig, withCatalog, writeTradeCatalog } from "./internal/tradeCatalog.js"

// As the odum CLI and the backtest service run: without it, the one-order-per-tick replay after
// the sparse one ran 17-34% slower (V8 kept allocating its records in the old generation).
Backtest.tuneHeap()

const MIN_EVENTS = Number(process.env["BACKTEST_BENCH_EVENTS"] ?? 10_000_000)
const TARGET_TICKS_PER_SECOND = 1_000_000
/** Ticks per order in the full-length run. */
const SPARSE = 1_000
/** Ticks of the one-order-per-tick run (default: all of them). */
const DENSE_TICKS = Number(process.env["BACKTEST_BENCH_DENSE_TICKS"] ?? Number.POSITIVE_INFINITY)

const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

/** Drains a cursor touching what the engine reads per trade (time, price, size, aggressor). */
const drain = async (cursor: MergedCursor.MergedCursor): Promise<number> => {
  let n = 0
  let sum = 0
  for (;;) {
    while (cursor.next()) {
      const b = cursor.batch as EventBatch.TradeBatch
      const i = cursor.row
      const ts = b.ts[i]!
      sum += b.price[i]! + b.size[i]! * b.aggressor[i]! + (ts > 0n ? 1 : 0)
      n++
    }
    if (cursor.done) break
    await cursor.load()
  }
  if (Number.isNaN(sum)) throw new Error("unreachable")
  return n
}

/** Runs the backtest benchmark and prints its figures. */
export async function run(): Promise<void> {
  console.log("backtest")
  const tmp = mkdtempSync(join(tmpdir(), "odum-backtest-bench-"))
  try {
    // 1. The real trades from the bundled sample catalog, replicated into a bench catalog.
    const root = join(tmp, "catalog")
    const { realLength, copies, replay, from, to } = await writeTradeCatalog(root, MIN_EVENTS)
    console.log(
      `  data: ${fmt(realLength)} real BTCUSDT trades (btcusdt_20240808.gz via the sample catalog) replayed ${copies} times, each copy shifted by the recording's span: ${fmt(replay.length)} trades`
    )

    // 2. The catalog's raw read rate over the same files and range (best of two: the first warms up).
    let read = 0
    let readMs = Number.POSITIVE_INFINITY
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now()
      read = await withCatalog(root, (catalog) =>
        Effect.flatMap(catalog.cursor({ instruments: [INSTRUMENT], kinds: ["trades"], from, to }), (c) => Effect.promise(() => drain(c)))
      )
      readMs = Math.min(readMs, performance.now() - t0)
      if (read !== replay.length) throw new Error(`read ${read} trades, wrote ${replay.length}`)
    }
    const readRate = (read / readMs) * 1000

    // 3. The whole pipeline, twice over every tick: with sparse orders (the replay loop's own
    //    rate), then with one order per tick (the target).
    const layer = Storage.layerLocal({ root: tmp }).pipe(Layer.provide(NodeContext.layer))
    const backtest = async (label: string, ticks: number, every: number) => {
      const end = ticks >= replay.length ? to : replay.ts[ticks]!
      const config = Effect.runSync(Backtest.decode(tradeDrivenConfig(root, from, end, every)))
      const heapBefore = process.memoryUsage().heapUsed
      // The live heap: heap used right after each major GC (the observer runs when the replay
      // yields, at most 20 ms later), highest in each half of the replay; and the highest heap
      // used at any progress report (16,384 events apart), garbage included.
      let half = 0
      const live = [0, 0]
      let peak = heapBefore
      const gcs = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
            live[half] = Math.max(live[half]!, process.memoryUsage().heapUsed)
          }
        }
      })
      gcs.observe({ entryTypes: ["gc"] })
      const onProgress = (p: Backtest.Progress) => {
        half = p.fraction < 0.5 ? 0 : 1
        peak = Math.max(peak, process.memoryUsage().heapUsed)
      }
      const cpu0 = process.cpuUsage()
      const { summary } = await Effect.runPromise(Backtest.run(config, { write: false, onProgress }).pipe(Effect.provide(layer)))
      const cpu = process.cpuUsage(cpu0)
      gcs.disconnect()
      // Trades before `end` (those sharing the boundary's timestamp start the next range).
      let expected = Math.min(ticks, replay.length)
      while (expected > 0 && replay.ts[expected - 1]! >= end) expected--
      if (summary.eventCount !== expected) throw new Error(`${label}: replayed ${summary.eventCount} trades, expected ${expected}`)
      if (summary.orderCount !== Math.floor(expected / every)) throw new Error(`${label}: sent ${summary.orderCount} orders, expected ${Math.floor(expected / every)}`)
      const rate = summary.eventsPerSecond
      console.log(
        `  ${label}`.padEnd(60) +
          `${fmt(rate).padStart(12)} ticks/s  target ${fmt(TARGET_TICKS_PER_SECOND)}  ratio ${(rate / TARGET_TICKS_PER_SECOND).toFixed(2)}; ${(rate / readRate).toFixed(2)} of the raw read rate`
      )
      // CPU time of the whole run (opening the data, replay, summary; all threads, so GC helpers count): the machine is shared.
      const cpuMs = (cpu.user + cpu.system) / 1000
      console.log(
        `    (${fmt(summary.eventCount)} ticks, ${fmt(summary.orderCount)} orders, ${fmt(summary.fillCount)} fills in ${fmt(summary.wallTimeMs)} ms; ${fmt(summary.orderCount / (summary.wallTimeMs / 1000))} orders/s)`
      )
      const mib = (bytes: number) => `${bytes >= 0 ? "+" : ""}${fmt(bytes / 2 ** 20)} MiB`
      const liveText = (bytes: number) => (bytes === 0 ? "no major GC" : mib(bytes - heapBefore))
      console.log(
        `    (heap growth: live ${liveText(live[0]!)} in the first half of the replay, ${liveText(live[1]!)} in the second; peak ${mib(peak - heapBefore)} with garbage)`
      )
      console.log(
        `    (CPU time of the whole run, data opening and summary included: ${fmt(cpuMs)} ms, ${fmt(summary.eventCount / (cpuMs / 1000))} ticks/s, load average ${loadavg()[0]!.toFixed(1)})`
      )
    }
    console.log(`  catalog raw read (cursor drained, nothing behind it)`.padEnd(60) + `${fmt(readRate).padStart(12)} ticks/s  (${fmt(read)} in ${fmt(readMs)} ms)`)
    await backtest(`whole pipeline, one order per ${fmt(SPARSE)} ticks`, replay.length, SPARSE)
    const dense = DENSE_TICKS >= replay.length ? `all ${fmt(replay.length)}` : `first ${fmt(DENSE_TICKS)}`
    await backtest(`whole pipeline, one order per tick (${dense})`, DENSE_TICKS, 1)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}
