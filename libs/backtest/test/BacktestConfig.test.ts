import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import { readdirSync } from "node:fs"
import { join } from "node:path"
import * as Schema from "effect/Schema"
import { BacktestConfig, RunId } from "../src/index.js"
import { decode, example, ROOT } from "./fixtures.js"

const base = () => example("backtest.example.json")

/** The decoder's message for `input` (fails the test if it decodes). */
const problems = (input: unknown): string => {
  const r = BacktestConfig.decode(input)
  if (Either.isRight(r)) throw new Error("expected the config to be refused")
  expect(r.left.reason).toBe("InvalidConfig")
  return r.left.message
}

const withStrategy = (patch: Record<string, unknown>) => {
  const c = base()
  return { ...c, strategy: { ...(c["strategy"] as object), ...patch } }
}

describe("BacktestConfig.decode", () => {
  it("accepts every example config in config/ and fills in the defaults", () => {
    const files = readdirSync(join(ROOT, "config")).filter((f) => f.startsWith("backtest") && f.endsWith(".json"))
    expect(files.length).toBeGreaterThanOrEqual(4)
    for (const f of files) decode(example(f))
    const c = decode(base())
    expect(c.data.from).toBe(1723161240000000000n)
    expect(c.venues[0]!.latencyMs).toBe(5_000_000n)
    expect(c.strategy.type === "trade-driven" && c.strategy.timeInForce).toBe("IOC")
    expect(c.output.formats).toEqual(["parquet", "csv"])
    expect(c.risk).toEqual({})
  })

  it("names the field of a decimal given as a number, and says decimals are strings", () => {
    expect(problems(withStrategy({ quantity: 0.001 }))).toContain('strategy.quantity: Expected string, actual 0.001 (decimals are strings, e.g. "0.001")')
  })

  it("refuses unknown fields by their path, so a typo never drops a setting", () => {
    expect(problems(withStrategy({ sidee: "buy" }))).toContain("strategy.sidee: is unexpected")
    const c = base()
    expect(problems({ ...c, outptu: {} })).toContain("outptu: is unexpected")
  })

  it("reports every problem at once, each by its path", () => {
    const c = base()
    const venues = c["venues"] as Array<Record<string, unknown>>
    const message = problems({
      ...c,
      data: { ...(c["data"] as object), from: "yesterday" },
      venues: [{ ...venues[0], latencyMs: -1 }],
      strategy: { ...(c["strategy"] as object), side: "sideways" }
    })
    expect(message).toContain("data.from: expected an ISO-8601 instant")
    expect(message).toContain("venues[0].latencyMs: expected a non-negative number of milliseconds")
    expect(message).toContain("strategy.side:")
    expect(message).not.toContain("Expected undefined")
  })

  it("checks fields against each other", () => {
    const c = base()
    expect(problems({ ...c, data: { ...(c["data"] as object), to: "2024-08-08T23:00:00Z" } })).toContain("data.to: ")
    expect(problems(withStrategy({ instrument: "BYBIT:PERPETUAL:BTC-USDT" }))).toContain(
      "strategy.instrument: BYBIT:PERPETUAL:BTC-USDT is not listed by any configured venue"
    )
    const venues = c["venues"] as Array<Record<string, unknown>>
    expect(
      problems({ ...c, venues: [{ ...venues[0], instruments: [{ instrument: "BYBIT:PERPETUAL:BTC-USDT" }] }] })
    ).toContain("venues[0].instruments[0].instrument: BYBIT:PERPETUAL:BTC-USDT is not listed by BINANCE-FUTURES")
    expect(problems(withStrategy({ limitOffsetTicks: 2 }))).toContain("strategy.limitOffsetTicks: only LIMIT orders")
    expect(problems({ ...c, equityCurve: { intervalMs: 0 } })).toContain("equityCurve.intervalMs")
    expect(problems({ ...c, data: { ...(c["data"] as object), to: "2025-08-09T00:00:00Z" }, equityCurve: { intervalMs: 1 } })).toContain(
      "equityCurve.intervalMs: 1 ms over the data range makes"
    )
  })

  it("checks scheduled parent orders: inside the data range, LIMIT with a price, unique ids", () => {
    const c = example("backtest.twap.example.json")
    const s = c["strategy"] as { orders: Array<Record<string, unknown>> }
    const order = s.orders[0]!
    const message = problems({
      ...c,
      strategy: {
        ...s,
        orders: [
          { ...order, at: "2024-08-10T00:00:00Z" },
          { ...order, orderType: "LIMIT", operationId: "p-1" },
          { ...order, operationId: "p-1" }
        ]
      }
    })
    expect(message).toContain("strategy.orders[0].at: 2024-08-10T00:00:00.000000000Z is outside the data range")
    expect(message).toContain("strategy.orders[1].price: a LIMIT order needs a price")
    expect(message).toContain("strategy.orders[2].operationId: p-1 is used twice")
  })

  it("passes the risk section to @odum/risk's schema, so its errors keep their path", () => {
    const c = base()
    expect(problems({ ...c, risk: { defaults: { maxQuantity: "-1" } } })).toContain("risk.defaults.maxQuantity")
  })

  it("takes retainFinishedOrders as a whole number of orders, naming it otherwise", () => {
    expect(decode({ ...base(), retainFinishedOrders: 0 }).retainFinishedOrders).toBe(0)
    expect(problems({ ...base(), retainFinishedOrders: -1 })).toContain("retainFinishedOrders")
    expect(problems({ ...base(), retainFinishedOrders: 2.5 })).toContain("retainFinishedOrders")
    expect(problems({ ...base(), retainFinishedOrders: "1024" })).toContain("retainFinishedOrders")
  })

  it("refuses text that is not JSON", () => {
    const r = BacktestConfig.decodeJson("{ nope")
    expect(Either.isLeft(r) && r.left.message).toContain("not valid JSON")
  })
})

describe("BacktestConfig.hash and RunId", () => {
  it("is the same however the config is written (key order, defaults spelled out)", () => {
    const a = decode(base())
    const written = base()
    const reordered = Object.fromEntries(Object.entries(written).reverse())
    const explicit = {
      ...reordered,
      risk: {},
      equityCurve: { intervalMs: 1000 },
      strategy: { ...(written["strategy"] as object), every: 1, timeInForce: "IOC", strategyId: "trade-driven" }
    }
    expect(BacktestConfig.hash(decode(explicit))).toBe(BacktestConfig.hash(a))
  })

  it("ignores where results go and the run id, and changes with anything that changes the run", () => {
    const a = decode(base())
    expect(BacktestConfig.hash(BacktestConfig.withOutputUri(a, "gs://bucket/x"))).toBe(BacktestConfig.hash(a))
    expect(BacktestConfig.hash({ ...a, runId: "fixed" })).toBe(BacktestConfig.hash(a))
    expect(BacktestConfig.hash(decode(withStrategy({ quantity: "0.002" })))).not.toBe(BacktestConfig.hash(a))
  })

  it("hashes retainFinishedOrders only when it is not the default (configs written before it keep their hash)", () => {
    const a = decode(base())
    expect(a.retainFinishedOrders).toBeUndefined()
    expect(BacktestConfig.hash(decode({ ...base(), retainFinishedOrders: 256 }))).toBe(BacktestConfig.hash(a))
    expect(BacktestConfig.hash(decode({ ...base(), retainFinishedOrders: 16 }))).not.toBe(BacktestConfig.hash(a))
  })

  it("derives the run id from the name and the hash, or takes the configured one", () => {
    const a = decode(base())
    expect(RunId.of(a)).toBe(`trade-driven-btc-${BacktestConfig.hash(a).slice(0, 12)}`)
    expect(RunId.of({ ...a, runId: "my-run" })).toBe("my-run")
    const { name: _name, ...unnamed } = a
    expect(RunId.of(unnamed)).toMatch(/^run-[0-9a-f]{12}$/)
  })
})

describe("BacktestConfig scalars", () => {
  it("latencies: any whole number of ns encodes to ms text and decodes back exactly", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), (ns) => {
        const text = Schema.encodeSync(BacktestConfig.LatencyMs)(ns)
        expect(Schema.decodeUnknownSync(BacktestConfig.LatencyMs)(text)).toBe(ns)
      })
    )
    expect(Schema.decodeUnknownSync(BacktestConfig.LatencyMs)(2.5)).toBe(2_500_000n)
    expect(Either.isLeft(Schema.decodeUnknownEither(BacktestConfig.LatencyMs)("0.0000001"))).toBe(true)
  })

  it("instants: any ns time encodes to ISO text and decodes back exactly", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 4_000_000_000_000_000_000n }), (ns) => {
        const text = Schema.encodeSync(BacktestConfig.Instant)(ns)
        expect(Schema.decodeUnknownSync(BacktestConfig.Instant)(text)).toBe(ns)
      })
    )
    expect(Either.isLeft(Schema.decodeUnknownEither(BacktestConfig.Instant)("2024-08-08T23:54:00"))).toBe(true)
  })

  it("instants: within int64 ns, and a clear error past it", () => {
    const decode = Schema.decodeUnknownEither(BacktestConfig.Instant)
    expect(decode("9223372036854775807")).toEqual(Either.right(9_223_372_036_854_775_807n))
    expect(decode("-9223372036854775808")).toEqual(Either.right(-9_223_372_036_854_775_808n))
    for (const text of ["9223372036854775808", "-9223372036854775809", "100000000000000000000000"]) {
      const r = decode(text)
      expect(Either.isLeft(r)).toBe(true)
      if (Either.isLeft(r)) expect(r.left.message).toContain(`within int64 nanoseconds`)
    }
  })
})
