/**
 * @odum/algos: actions per second of the pure cores under a stream of 1M child fills and
 * timer events, as a backtest engine drives them (no Effect, no driver).
 *
 * - ICEBERG: one parent of 10M lots showing 10 lots; 1M fills, each completing the visible
 *   child, so every fill answers with a spawn (the refill path at its busiest).
 * - TWAP: 500 parents working at once, 1,000 slices each; 500k timer events (each answers
 *   spawn + schedule) interleaved with 500k fills (each completing a slice).
 * - VWAP participation: 1M trades into one capped VWAP, timers every 1,000 trades.
 *
 * Target: >= 1,000,000 events/s on one core. A backtest replays on the order of a million
 * market events per second, and in the worst case every trade fills an iceberg child, so
 * the algorithm layer sees as many events as the replay and must keep up with it to stay
 * off the critical path.
 */
import { Decimal, type Order } from "@odum/domain"
import { type Action, ExecutionAlgorithm, MarketUpdate } from "@odum/algos"
import * as Either from "effect/Either"

const TARGET_EVENTS = 1_000_000
const D = Decimal.unsafeFromString
const spec = { lotSize: D("0.001"), tickSize: D("0.1"), minQuantity: D("0.001") }

const make = (operationId: string, execAlgorithm: Order.ExecAlgorithm, quantity: string, price?: string) =>
  Either.getOrThrow(
    ExecutionAlgorithm.make(
      { operationId, side: "BUY", type: price === undefined ? "MARKET" : "LIMIT", quantity: D(quantity), ...(price === undefined ? {} : { price: D(price) }), execAlgorithm },
      spec
    )
  )

const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

const report = (label: string, events: number, actions: number, ms: number) => {
  const eventsPerSecond = (events / ms) * 1000
  const actionsPerSecond = (actions / ms) * 1000
  console.log(
    `  ${label.padEnd(26)} ${fmt(events).padStart(9)} events ${fmt(actions).padStart(9)} actions in ${ms.toFixed(0).padStart(5)} ms: ` +
      `${fmt(eventsPerSecond).padStart(10)} events/s, ${fmt(actionsPerSecond).padStart(10)} actions/s, ratio ${(eventsPerSecond / TARGET_EVENTS).toFixed(2)} of ${fmt(TARGET_EVENTS)} events/s`
  )
}

/** One iceberg, `fills` refills. Returns [events, actions, ms]. */
const iceberg = (fills: number, tag: string): [number, number, number] => {
  const algo = make(`ice-${tag}`, { name: "ICEBERG", params: { displayQuantity: D("0.01") } }, String(fills * 10 / 1000), "65000")
  let actions = algo.start(0).length
  let visible = `ice-${tag}:c1`
  const t0 = performance.now()
  for (let i = 0; i < fills; i++) {
    const out = algo.onChildFill(visible, 10)
    actions += out.length
    const a = out[0] as Action.Action | undefined
    if (a !== undefined && a.kind === "spawn") visible = a.childId
  }
  const ms = performance.now() - t0
  if (algo.snapshot().status !== "done") throw new Error("iceberg did not complete")
  return [fills, actions, ms]
}

/** `parents` TWAPs of `slices` slices each; every timer spawns a slice that one fill completes. */
const twap = (parents: number, slices: number, tag: string): [number, number, number] => {
  const algos = Array.from({ length: parents }, (_, p) =>
    make(`twap-${tag}-${p}`, { name: "TWAP", params: { durationMs: slices * 1000, sliceCount: slices } }, String(slices), "65000")
  )
  const children: Array<string> = new Array(parents)
  let actions = 0
  let events = 0
  const t0 = performance.now()
  for (let s = 0; s < slices; s++) {
    const now = s * 1000
    for (let p = 0; p < parents; p++) {
      const algo = algos[p]!
      const out = s === 0 ? algo.start(now) : algo.onTimer(now)
      events++
      actions += out.length
      const a = out[0]!
      if (a.kind === "spawn") children[p] = a.childId
    }
    for (let p = 0; p < parents; p++) {
      actions += algos[p]!.onChildFill(children[p]!, 1000).length
      events++
    }
  }
  const ms = performance.now() - t0
  if (algos.some((a) => a.snapshot().status !== "done")) throw new Error("a TWAP did not complete")
  return [events, actions, ms]
}

/** One participation VWAP fed `trades` trades, a timer every 1,000, every child filled at once. */
const vwap = (trades: number, tag: string): [number, number, number] => {
  const algo = make(`vwap-${tag}`, { name: "VWAP", params: { durationMs: trades, sliceCount: trades / 1000, maxParticipationRate: D("0.1") } }, "1000000")
  let actions = algo.start(0).length
  let events = 1
  const trade = MarketUpdate.trade(0, 650000, 7)
  const t0 = performance.now()
  for (let i = 1; i <= trades; i++) {
    actions += algo.onMarket(trade).length
    events++
    if (i % 1000 === 0) {
      const out = algo.onTimer(i)
      events++
      actions += out.length
      const a = out[0]
      if (a !== undefined && a.kind === "spawn") {
        actions += algo.onChildFill(a.childId, a.lots).length
        events++
      }
    }
  }
  const ms = performance.now() - t0
  return [events, actions, ms]
}

/** Runs the algorithm benchmarks and prints their figures. */
export async function run(): Promise<void> {
  console.log("algos (pure cores, one core; warm-up run first)")
  iceberg(200_000, "warm")
  twap(100, 1000, "warm")
  vwap(200_000, "warm")
  report("ICEBERG refill per fill", ...iceberg(1_000_000, "run"))
  report("TWAP 500 parents x 1000", ...twap(500, 1000, "run"))
  report("VWAP participation", ...vwap(1_000_000, "run"))
}
