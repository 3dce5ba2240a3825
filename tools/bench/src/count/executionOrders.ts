/**
 * The program `src/count.ts` runs under callgrind: one execution core of the execution
 * benchmark (`setup`), `warmUp + measured` orders through `submit`, nothing printed. Run
 * twice, with `measured` 0 and n, the difference of the two instruction counts is the cost
 * of n orders on a warmed-up core.
 *
 *   node executionOrders.mjs <scenario> <warmUp> <measured>
 */
import { setup } from "../execution.bench.js"

const scenario = process.argv[2] as "routed" | "explicit" | "routed-elsewhere"
const warmUp = Number(process.argv[3])
const measured = Number(process.argv[4])
if (!["routed", "explicit", "routed-elsewhere"].includes(scenario) || !(warmUp >= 0) || !(measured >= 0)) {
  throw new Error(`usage: executionOrders <routed|explicit|routed-elsewhere> <warm-up orders> <measured orders>, got ${process.argv.slice(2).join(" ")}`)
}
const env = setup(scenario)
// Requests for both runs' lengths are built first, so the two runs differ only in the orders worked.
const requests = Array.from({ length: warmUp + Math.max(measured, 1) }, (_, i) => env.request(i))
for (let i = 0; i < warmUp + measured; i++) {
  const r = env.core.submit(requests[i]!)
  if ("_tag" in r || r.status !== "FILLED") throw new Error(`order ${i} did not fill`)
  if ((i & 1023) === 0) env.clock.advanceMs(1)
}
