/**
 * @odum/domain hot paths: Decimal parse/format/add/mul and order state-machine
 * transitions, each as plain loops timed with performance.now. Prints operations per second.
 */
import { Decimal, type Ids, type OrderEvent, OrderStateMachine } from "@odum/domain"

const ITERATIONS = 1_000_000

// Targets: a backtest replays millions of events per second through risk, OMS and
// positions, each touching a few decimals and one transition per order event, so
// arithmetic must run at well over 5M/s and parsing (boundaries only) over 1M/s.
const TARGET_PARSE = 1_000_000
const TARGET_ARITHMETIC = 5_000_000
const TARGET_TRANSITION = 2_000_000

/** Times `body` over ITERATIONS and prints the rate; `body` returns a number that is summed so V8 cannot drop the work. */
const measure = (label: string, target: number, iterations: number, body: (i: number) => number): number => {
  // Warm up so the JIT has optimised the loop body before it is timed.
  let sink = 0
  for (let i = 0; i < Math.min(iterations, 100_000); i++) sink += body(i)
  const start = performance.now()
  for (let i = 0; i < iterations; i++) sink += body(i)
  const ms = performance.now() - start
  const rate = (iterations / ms) * 1000
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US")
  console.log(
    `  ${label.padEnd(44)} ${fmt(rate).padStart(12)} ops/s  target ${fmt(target).padStart(10)}  ratio ${(rate / target).toFixed(2)}  (${fmt(iterations)} in ${ms.toFixed(0)} ms)`
  )
  return sink
}

/** Runs the domain benchmarks and prints their figures. */
export async function run(): Promise<void> {
  console.log("domain")
  // Realistic inputs: prices and quantities as venues send them, cycled so no value is constant.
  const strings = Array.from({ length: 1024 }, (_, i) =>
    i % 2 === 0 ? `${60000 + i}.${String(i * 7919 % 100).padStart(2, "0")}` : `0.${String(i * 104729 % 100000).padStart(5, "0")}1`
  )
  const values = strings.map(Decimal.unsafeFromString)
  const mask = strings.length - 1
  let sink = 0

  sink += measure("Decimal.unsafeFromString", TARGET_PARSE, ITERATIONS, (i) => Decimal.unsafeFromString(strings[i & mask]!).scale)
  sink += measure("Decimal.fromString (Either)", TARGET_PARSE, ITERATIONS, (i) => (Decimal.fromString(strings[i & mask]!)._tag === "Right" ? 1 : 0))
  sink += measure("Decimal.format", TARGET_PARSE, ITERATIONS, (i) => Decimal.format(values[i & mask]!).length)
  sink += measure("Decimal.add (mixed scales)", TARGET_ARITHMETIC, ITERATIONS, (i) => Decimal.add(values[i & mask]!, values[(i + 1) & mask]!).scale)
  sink += measure("Decimal.mul", TARGET_ARITHMETIC, ITERATIONS, (i) => Decimal.mul(values[i & mask]!, values[(i + 3) & mask]!).scale)
  sink += measure("Decimal.compare", TARGET_ARITHMETIC, ITERATIONS, (i) => Decimal.compare(values[i & mask]!, values[(i + 5) & mask]!))

  // A full lifecycle per order: Submit, Accept, two partial fills and a completing one.
  const quantity = Decimal.unsafeFromString("1.5")
  const price = Decimal.unsafeFromString("65000.1")
  const part = Decimal.unsafeFromString("0.5")
  const tradeIds = Array.from({ length: 3 }, (_, k) => `t${k}` as Ids.TradeId)
  const events: ReadonlyArray<OrderEvent.OrderEvent> = [
    { _tag: "Submit" },
    { _tag: "Accept", venueOrderId: "8389765601" as Ids.VenueOrderId },
    { _tag: "Fill", quantity: part, price, tradeId: tradeIds[0]! },
    { _tag: "Fill", quantity: part, price, tradeId: tradeIds[1]! },
    { _tag: "Fill", quantity: part, price, tradeId: tradeIds[2]! }
  ]
  const perOrder = events.length
  let state = OrderStateMachine.initial(quantity)
  sink += measure(`OrderStateMachine.transition (${perOrder}/order)`, TARGET_TRANSITION, ITERATIONS, (i) => {
    // One transition per iteration; a new order every `perOrder` iterations.
    const k = i % perOrder
    if (k === 0) state = OrderStateMachine.initial(quantity)
    const r = OrderStateMachine.transition(state, events[k]!)
    if (OrderStateMachine.isIllegal(r)) throw r
    state = r
    return r.status === "FILLED" ? 1 : 0
  })
  if (sink === Number.MIN_SAFE_INTEGER) console.log(sink)
}

// Run on its own with `npx tsx --tsconfig tools/bench/tsconfig.json tools/bench/src/domain.bench.ts`.
if (import.meta.url === `file://${process.argv[1]}`) await run()
