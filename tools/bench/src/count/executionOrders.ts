/**
 * The program `src/count.ts` runs under callgrind: one execution core of the execution
 * benchmark (`setup`), `requests` requests built, then `warmUp + measured` of them worked
 * through `submit`, nothing printed. Run twice with the same `requests`, `measured` 0 and n,
 * the difference of the two instruction counts is the cost of n orders on a warmed-up core
 * (building the requests costs both runs the same).
 *
 *   node executionOrders.mjs <scenario> <warmUp> <measured> <requests>
 */
import { setup, work } from "../execution.bench.js"

const scenario = process.argv[2] as "routed" | "explicit" | "routed-elsewhere"
const warmUp = Number(process.argv[3])
const measured = Number(process.argv[4])
const built = Number(process.argv[5])
if (!["routed", "explicit", "routed-elsewhere"].includes(scenario) || !(warmUp >= 0) || !(measured >= 0) || !(built >= warmUp + measured)) {
  throw new Error(
    `usage: executionOrders <routed|explicit|routed-elsewhere> <warm-up orders> <measured orders> <requests >= both>, got ${process.argv.slice(2).join(" ")}`
  )
}
const env = setup(scenario)
const requests = Array.from({ length: built }, (_, i) => env.request(i))
work(env, requests, 0, warmUp + measured)
