/**
 * The program `src/count.ts backtest` runs under callgrind: the backtest benchmark's
 * trade-driven strategy (one MARKET order per tick, sides alternating) over the trades of
 * the catalog at `root` in [from, to) ns, results summarised but not written, nothing
 * printed. Run twice over the same catalog with `to` after `warmUp` and after
 * `warmUp + measured` ticks, the difference of the two instruction counts is the cost of
 * `measured` ticks on a warmed-up engine.
 *
 *   node backtestTicks.mjs <root> <from ns> <to ns> <expected ticks>
 */
import { NodeContext } from "@effect/platform-node"
import { Backtest } from "@odum/backtest"
import { Storage } from "@odum/ucs"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { tradeDrivenConfig } from "../internal/tradeCatalog.js"

const [root, from, to, expected] = process.argv.slice(2)
if (root === undefined || !/^\d+$/.test(from ?? "") || !/^\d+$/.test(to ?? "") || !/^\d+$/.test(expected ?? "")) {
  throw new Error(`usage: backtestTicks <catalog root> <from ns> <to ns> <expected ticks>, got ${process.argv.slice(2).join(" ")}`)
}
// As the odum CLI and the backtest service run (Backtest.tuneHeap).
Backtest.tuneHeap()
const config = Effect.runSync(Backtest.decode(tradeDrivenConfig(root, BigInt(from!), BigInt(to!), 1)))
const layer = Storage.layerLocal({ root }).pipe(Layer.provide(NodeContext.layer))
// The event loop's turns every 8,192 events (about as often as the 20 ms of a native run), not
// by the wall clock: under callgrind their number and place then depend on the data only.
const { summary } = await Effect.runPromise(Backtest.run(config, { write: false, yieldEvery: 8_192 }).pipe(Effect.provide(layer)))
if (summary.eventCount !== Number(expected) || summary.orderCount !== Number(expected)) {
  throw new Error(`replayed ${summary.eventCount} ticks and sent ${summary.orderCount} orders, expected ${expected} of each`)
}
