/**
 * End to end on the bundled sample catalog (real Binance USD-M data): the engine, the
 * execution core, the simulated venues and the result files together.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Catalog, type MarketEvent, Timestamp } from "@odum/marketdata"
import { Storage } from "@odum/ucs"
import { Decimal } from "@odum/domain"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { RunSummary } from "../src/index.js"
import { decode, example, filesOf, readCsv, runDir, runFailure, runTo, SAMPLE_CATALOG, summaryOf, tempDir } from "./fixtures.js"

const BTC = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"
const ETH = "BINANCE-FUTURES:PERPETUAL:ETH-USDT"
const FROM = "2024-08-08T23:55:00Z"
const TO = "2024-08-08T23:56:00Z"
const TIMEOUT = 180_000

/** The catalog's own trades of an instrument in [from, to), read without the engine. */
const trades = (instrument: string, from: string, to: string): Promise<ReadonlyArray<MarketEvent.Trade>> =>
  Effect.runPromise(
    Effect.flatMap(Catalog.Catalog, (c) =>
      Stream.runCollect(c.read({ instruments: [instrument], kinds: ["trades"], from: Timestamp.parse(from)!, to: Timestamp.parse(to)! }))
    ).pipe(
      Effect.map((chunk) => [...chunk] as Array<MarketEvent.Trade>),
      Effect.provide(
        Catalog.layer({ root: fileURLToPath(SAMPLE_CATALOG) }).pipe(
          Layer.provide(Storage.layerLocal({ root: "/" })),
          Layer.provide(NodeContext.layer)
        )
      )
    )
  )

const tradesOnly = (strategy: Record<string, unknown>, venue: Record<string, unknown> = {}) => ({
  name: "trades-only",
  data: { catalog: SAMPLE_CATALOG, from: FROM, to: TO, kinds: ["trades"] },
  venues: [{ venue: "BINANCE-FUTURES", balances: { USDT: "10000000" }, instruments: [{ instrument: BTC }], ...venue }],
  strategy: { type: "trade-driven", instrument: BTC, quantity: "0.001", ...strategy }
})

const units = (price: number, scale: number) => Decimal.fromScaled(BigInt(price), scale)

/**
 * The index of the first trade at or after `fromMs` that is the first of its time, at a whole
 * millisecond, where the last trade of that time has another price than the trade before it.
 */
const firstTradeOfPriceChangingTime = (all: ReadonlyArray<MarketEvent.Trade>, fromMs: bigint): number => {
  for (let j = 1; j < all.length; j++) {
    const ts = all[j]!.ts
    if (ts % 1_000_000n !== 0n || ts / 1_000_000n < fromMs || all[j - 1]!.ts === ts) continue
    let last = j
    while (last + 1 < all.length && all[last + 1]!.ts === ts) last++
    if (all[last]!.price !== all[j - 1]!.price) return j
  }
  throw new Error("no such trade in the sample")
}

describe("Backtest.run", () => {
  it(
    "trade-driven, trades only: one order per trade, each filled at the trade's price moved by the configured slippage",
    async () => {
      const out = tempDir()
      const config = decode(tradesOnly({ side: "follow" }, { slippage: { ticks: 2 } }))
      const done = await runTo(config, out)
      const expected = await trades(BTC, FROM, TO)
      expect(expected.length).toBeGreaterThan(1000)
      const s = done.summary
      expect(s.eventCount).toBe(expected.length)
      expect(s.orderCount).toBe(expected.length)
      expect(s.fillCount).toBe(expected.length)
      // The OMS keeps only 256 finished orders in memory; orders.csv still has every order, in creation order, as it ended.
      const orders = readCsv(join(runDir(done), "orders.csv")).rows
      expect(orders.map((o) => o["operation_id"])).toEqual(expected.map((_, i) => `trade-driven-${i + 1}`))
      expect(orders.every((o) => o["status"] === "FILLED" && o["filled_quantity"] === "0.001")).toBe(true)
      // Each order recorded and filled at its trade's millisecond (the clock's milliseconds come
      // from the catalog's microseconds, and stay put over trades that share a time).
      const msOf = (ts: bigint) => Timestamp.toIso((ts / 1_000_000n) * 1_000_000n)
      expect(new Set(expected.map((t) => t.ts)).size).toBeLessThan(expected.length)
      orders.forEach((o, i) => {
        expect([o["created_ts"], o["updated_ts"]]).toEqual([msOf(expected[i]!.ts), msOf(expected[i]!.ts)])
      })

      const fills = readCsv(join(runDir(done), "fills.csv")).rows
      const tick = Decimal.unsafeFromString("0.1")
      const taker = Decimal.unsafeFromString("0.0004")
      fills.forEach((f, i) => {
        const t = expected[i]!
        const side = t.aggressor === 1 ? "BUY" : "SELL"
        const price = Decimal.add(units(t.price, t.priceScale), Decimal.mul(Decimal.fromInt(side === "BUY" ? 2 : -2), tick))
        expect(f["operation_id"]).toBe(`trade-driven-${i + 1}`)
        expect(f["side"]).toBe(side)
        expect(f["ts"]).toBe(Timestamp.toIso(t.ts))
        expect(f["price"]).toBe(Decimal.format(price))
        expect(f["quantity"]).toBe("0.001")
        expect(f["fee"]).toBe(Decimal.format(Decimal.mul(Decimal.mul(price, Decimal.unsafeFromString("0.001")), taker)))
        expect(f["fee_currency"]).toBe("USDT")
        expect(f["liquidity"]).toBe("TAKER")
      })
      // Positions add up the fills exactly.
      let net = Decimal.zero
      for (const f of fills) net = Decimal.add(net, f["side"] === "BUY" ? Decimal.unsafeFromString(f["quantity"]!) : Decimal.neg(Decimal.unsafeFromString(f["quantity"]!)))
      const positions = readCsv(join(runDir(done), "positions.csv")).rows
      expect(positions).toHaveLength(1)
      expect(positions[0]!["quantity"]).toBe(Decimal.format(net))
    },
    TIMEOUT
  )

  // In a backtest a venue event can reach an order after its end only as the answer to a
  // cancel sent before the venue's news of the end arrived (a simulated venue sends nothing
  // else for a finished order), and that answer changes nothing: so the bound cannot change
  // the results, the algorithms' cancels and the venues' latency included.
  for (const [name, small, large] of [
    ["backtest.example.json", 4, undefined],
    ["backtest.twap.example.json", 0, 100_000],
    ["backtest.router.example.json", 0, 100_000]
  ] as const) {
    it(
      `${name}: gives the same results whatever number of finished orders the OMS keeps in memory (retainFinishedOrders ${small} and ${large ?? "the default"})`,
      async () => {
        const withBound = (n: number | undefined) => decode(n === undefined ? example(name) : { ...example(name), retainFinishedOrders: n })
        const a = await runTo(withBound(large), tempDir())
        const b = await runTo(withBound(small), tempDir())
        expect(b.summary.orderCount).toBeGreaterThan(small + 10)
        const fa = filesOf(runDir(a))
        const fb = filesOf(runDir(b))
        // (The Parquet files carry the run id in their metadata; their rows are the CSVs'.)
        for (const file of ["orders.csv", "fills.csv", "positions.csv", "equity.csv"]) {
          expect(fa.get(file)!.equals(fb.get(file)!), file).toBe(true)
        }
        const { runId: _a, configHash: _ha, ...sa } = RunSummary.deterministicPart(summaryOf(runDir(a))) as Record<string, unknown>
        const { runId: _b, configHash: _hb, ...sb } = RunSummary.deterministicPart(summaryOf(runDir(b))) as Record<string, unknown>
        expect(sb).toEqual(sa)
      },
      TIMEOUT
    )
  }

  it(
    "is deterministic: the same config twice gives byte-identical files, except the two timing fields of summary.json",
    async () => {
      const config = decode(example("backtest.example.json"))
      const a = await runTo(config, tempDir())
      const b = await runTo(config, tempDir())
      expect(a.summary.runId).toBe(b.summary.runId)
      const fa = filesOf(runDir(a))
      const fb = filesOf(runDir(b))
      expect([...fa.keys()].sort()).toEqual([
        "config.json", "equity.csv", "equity.parquet", "fills.csv", "fills.parquet", "orders.csv", "orders.parquet",
        "positions.csv", "positions.parquet", "summary.json"
      ])
      for (const [name, bytes] of fa) {
        if (name !== "summary.json") expect(bytes.equals(fb.get(name)!), name).toBe(true)
      }
      expect(RunSummary.deterministicPart(summaryOf(runDir(a)))).toEqual(RunSummary.deterministicPart(summaryOf(runDir(b))))
      expect(a.summary.fillCount).toBeGreaterThan(0)
    },
    TIMEOUT
  )

  it(
    "records risk denials in orders.csv with the risk reason, and never lets the position past the limit",
    async () => {
      const done = await runTo(decode(example("backtest.risk.example.json")), tempDir())
      const orders = readCsv(join(runDir(done), "orders.csv")).rows
      const denied = orders.filter((o) => o["status"] === "DENIED")
      expect(denied.length).toBeGreaterThan(0)
      expect(done.summary.deniedCount).toBe(denied.length)
      const reasons = new Set(denied.map((o) => o["risk_reason"]!.split(":")[0]))
      expect(reasons.has("POSITION_LIMIT_INSTRUMENT")).toBe(true)
      for (const o of denied) expect(o["filled_quantity"]).toBe("0")
      for (const o of orders.filter((o) => o["status"] !== "DENIED")) expect(o["risk_reason"]).toBe("")
      const position = Decimal.unsafeFromString(readCsv(join(runDir(done), "positions.csv")).rows[0]!["quantity"]!)
      expect(Decimal.lessThanOrEqual(position, Decimal.unsafeFromString("0.5"))).toBe(true)
    },
    TIMEOUT
  )

  it(
    "a strategy order's venue: the one it was sent to; none if denied, unless the strategy names it (the core picks a venue only for an order risk allowed)",
    async () => {
      const base = example("backtest.risk.example.json")
      const strategy = base["strategy"] as Record<string, unknown>
      for (const named of [false, true]) {
        const config = decode(named ? { ...base, strategy: { ...strategy, venue: "BINANCE-FUTURES" } } : base)
        const done = await runTo(config, tempDir())
        const orders = readCsv(join(runDir(done), "orders.csv")).rows
        const denied = orders.filter((o) => o["status"] === "DENIED")
        expect(denied.length).toBeGreaterThan(0)
        expect(denied.length).toBeLessThan(orders.length)
        for (const o of orders) expect(o["venue"], `${o["operation_id"]} ${o["status"]}`).toBe(named || o["status"] !== "DENIED" ? "BINANCE-FUTURES" : "")
        expect(done.summary.byVenue[0]!.orderCount).toBe(named ? orders.length : orders.length - denied.length)
      }
    },
    TIMEOUT
  )

  it(
    "TWAP: the parent order is worked by children spawned on the algorithm's timer, whose fills add up to it",
    async () => {
      const config = decode(example("backtest.twap.example.json"))
      const done = await runTo(config, tempDir())
      const orders = readCsv(join(runDir(done), "orders.csv")).rows
      const parent = orders.find((o) => o["parent_operation_id"] === "")!
      expect(parent["operation_id"]).toBe("twap-buyer-1")
      expect(parent["algorithm"]).toBe("TWAP")
      expect(parent["created_ts"]).toBe("2024-08-08T23:55:00.000000000Z")
      const children = orders.filter((o) => o["parent_operation_id"] === "twap-buyer-1")
      expect(children.length).toBe(48)
      // Slices every 240 s / 48 = 5 s from the parent's time, in order.
      children.forEach((c, i) => {
        expect(c["operation_id"]).toBe(`twap-buyer-1:c${i + 1}`)
        expect(Timestamp.parse(c["created_ts"]!)! - Timestamp.parse(parent["created_ts"]!)!).toBe(BigInt(i) * 5_000_000_000n)
      })
      const fills = readCsv(join(runDir(done), "fills.csv")).rows
      expect(fills.every((f) => f["parent_operation_id"] === "twap-buyer-1")).toBe(true)
      const total = fills.reduce((n, f) => Decimal.add(n, Decimal.unsafeFromString(f["quantity"]!)), Decimal.zero)
      expect(Decimal.format(total)).toBe(parent["filled_quantity"])
      expect(parent["status"]).toBe("FILLED")
    },
    TIMEOUT
  )

  it(
    "fires a strategy timer due at an event's own time before that event (nothing else scheduled, no algorithm, no latency)",
    async () => {
      // A parent-orders strategy's order at exactly the time of a trade whose price differs
      // from the trade before it: submitted before that trade, it fills at the previous trade's
      // price (after it, at that trade's price).
      const all = await trades(BTC, FROM, TO)
      const b = firstTradeOfPriceChangingTime(all, all[0]!.ts / 1_000_000n + 1000n)
      const due = all[b]!.ts
      const config = decode({
        ...tradesOnly({}, { slippage: { ticks: 2 } }),
        strategy: {
          type: "parent-orders",
          strategyId: "at-a-trade",
          orders: [{ at: Timestamp.toIso(due), instrument: BTC, side: "BUY", quantity: "0.01" }]
        },
        equityCurve: { intervalMs: 60_000 }
      })
      const done = await runTo(config, tempDir())
      const fills = readCsv(join(runDir(done), "fills.csv")).rows
      expect(fills).toHaveLength(1)
      const before = all[b - 1]!
      expect(fills[0]!["ts"]).toBe(Timestamp.toIso(due))
      expect(fills[0]!["price"]).toBe(Decimal.format(Decimal.add(units(before.price, before.priceScale), Decimal.mul(Decimal.fromInt(2), Decimal.unsafeFromString("0.1")))))
    },
    TIMEOUT
  )

  it(
    "fires an algorithm wake-up due at an event's own time before that event, after the strategy's order moved it during an earlier event",
    async () => {
      // One TWAP parent of two slices, submitted by the first trade's strategy call (so the
      // wake-up is scheduled during an event, earlier than anything else due: the equity
      // curve's next sample is at the range's end), its second slice due exactly at the time of
      // a later trade whose price differs from the trade before it. The engine must see the
      // moved due time and fire the wake-up at that event's time, before the event: the child
      // fills at that time at the previous trade's price (after the event it would fill at the
      // event's price; not seeing the move, at the end of the range).
      const all = await trades(BTC, FROM, TO)
      const startMs = all[0]!.ts / 1_000_000n
      const b = firstTradeOfPriceChangingTime(all, startMs + 1000n)
      const due = all[b]!.ts
      const halfMs = Number(due / 1_000_000n - startMs)
      const config = decode({
        ...tradesOnly({ side: "buy", quantity: "0.01", maxOrders: 1 }, { slippage: { ticks: 2 } }),
        algorithm: { name: "TWAP", params: { durationMs: 2 * halfMs, sliceCount: 2 } },
        equityCurve: { intervalMs: 60_000 }
      })
      const done = await runTo(config, tempDir())
      const fills = readCsv(join(runDir(done), "fills.csv")).rows
      expect(fills.map((f) => f["operation_id"])).toEqual(["trade-driven-1:c1", "trade-driven-1:c2"])
      const second = fills[1]!
      const before = all[b - 1]!
      const tick = Decimal.unsafeFromString("0.1")
      expect(second["ts"]).toBe(Timestamp.toIso(due))
      expect(second["price"]).toBe(Decimal.format(Decimal.add(units(before.price, before.priceScale), Decimal.mul(Decimal.fromInt(2), tick))))
    },
    TIMEOUT
  )

  it(
    "routes children across venues: a listing fed by another venue's data, per-venue figures adding up to the totals",
    async () => {
      const done = await runTo(decode(example("backtest.router.example.json")), tempDir())
      const s = done.summary
      const venues = s.byVenue.filter((v) => v.fillCount > 0).map((v) => v.venue)
      expect(venues).toContain("BYBIT")
      expect(s.byVenue.reduce((n, v) => n + v.fillCount, 0)).toBe(s.fillCount)
      const fills = readCsv(join(runDir(done), "fills.csv")).rows
      expect(fills.some((f) => f["instrument"] === "BYBIT:PERPETUAL:BTC-USDT")).toBe(true)
      const routed = readCsv(join(runDir(done), "orders.csv")).rows.filter((o) => /:r\d+$/.test(o["operation_id"]!))
      expect(routed.length).toBeGreaterThan(0)
    },
    TIMEOUT
  )

  it(
    "merges several instruments in time order and counts every event",
    async () => {
      const config = decode({
        name: "two-instruments",
        data: { catalog: SAMPLE_CATALOG, from: FROM, to: TO, kinds: ["trades"] },
        venues: [{ venue: "BINANCE-FUTURES", balances: { USDT: "10000000" }, instruments: [{ instrument: BTC }, { instrument: ETH }] }],
        strategy: { type: "trade-driven", instrument: ETH, quantity: "0.01", side: "alternate", every: 10 }
      })
      const done = await runTo(config, tempDir())
      const btc = await trades(BTC, FROM, TO)
      const eth = await trades(ETH, FROM, TO)
      expect(done.summary.instruments).toEqual([BTC, ETH])
      expect(done.summary.events.trades).toBe(btc.length + eth.length)
      expect(done.summary.orderCount).toBe(Math.floor(eth.length / 10))
      const fills = readCsv(join(runDir(done), "fills.csv")).rows
      expect(fills.every((f) => f["instrument"] === ETH)).toBe(true)
      const ts = fills.map((f) => Timestamp.parse(f["ts"]!)!)
      expect(ts.every((t, i) => i === 0 || t >= ts[i - 1]!)).toBe(true)
    },
    TIMEOUT
  )

  it(
    "samples the equity curve at the configured interval, ending with the run's PnL",
    async () => {
      const done = await runTo(decode(tradesOnly({ side: "alternate" })), tempDir())
      const rows = readCsv(join(runDir(done), "equity.csv")).rows
      // Every second of [23:55, 23:56) plus the closing sample at 23:56.
      expect(rows.map((r) => r["ts"])).toEqual(
        Array.from({ length: 61 }, (_, i) => Timestamp.toIso(Timestamp.parse(FROM)! + BigInt(i) * 1_000_000_000n))
      )
      const last = rows[rows.length - 1]!
      const pnl = done.summary.pnl["USDT"]!
      expect(last["realized_pnl"]).toBe(pnl.realized)
      expect(last["unrealized_pnl"]).toBe(pnl.unrealized)
      expect(last["equity"]).toBe(Decimal.format(Decimal.add(Decimal.unsafeFromString("10000000"), Decimal.unsafeFromString(pnl.total))))
    },
    TIMEOUT
  )

  it("fails with InvalidConfig naming the config path of an instrument the catalog does not define", async () => {
    const config = decode({
      ...tradesOnly({}),
      venues: [{ venue: "BINANCE-FUTURES", instruments: [{ instrument: "BINANCE-FUTURES:PERPETUAL:BTC-USDC" }] }],
      strategy: { type: "trade-driven", instrument: "BINANCE-FUTURES:PERPETUAL:BTC-USDC", quantity: "0.001" }
    })
    const out = tempDir()
    const e = await runFailure(config, out)
    expect(e.reason).toBe("InvalidConfig")
    expect(e.message).toContain("venues[0].instruments[0].instrument: BINANCE-FUTURES:PERPETUAL:BTC-USDC is not defined in the catalog")
    expect(readdirSync(out)).toEqual([])
  })

  it("can be cancelled: an aborted signal fails the run with Cancelled and writes nothing", async () => {
    const out = tempDir()
    const controller = new AbortController()
    controller.abort()
    const e = await runFailure(decode(tradesOnly({})), out, { signal: controller.signal })
    expect(e.reason).toBe("Cancelled")
    expect(readdirSync(out)).toEqual([])
  })

  it(
    "reports progress up to the end of the range",
    async () => {
      const seen: Array<number> = []
      await runTo(decode(tradesOnly({ every: 100 })), tempDir(), { onProgress: (p) => seen.push(p.fraction) })
      expect(seen.length).toBeGreaterThan(0)
      expect(seen[seen.length - 1]).toBe(1)
      expect(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1]!))).toBe(true)
    },
    TIMEOUT
  )

  it(
    "writes only the formats asked for, and nothing but the summary when told not to write",
    async () => {
      const config = decode({ ...tradesOnly({ every: 100 }), output: { formats: ["csv"] } })
      const done = await runTo(config, tempDir())
      expect(readdirSync(runDir(done)).sort()).toEqual(["config.json", "equity.csv", "fills.csv", "orders.csv", "positions.csv", "summary.json"])
      const out = tempDir()
      const quiet = await runTo(config, out, { write: false })
      expect(existsSync(runDir(quiet))).toBe(false)
      expect(quiet.summary.orderCount).toBe(done.summary.orderCount)
    },
    TIMEOUT
  )
})
