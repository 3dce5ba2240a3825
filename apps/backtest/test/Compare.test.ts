import { describe, expect, it } from "@effect/vitest"
import { RunSummary } from "@odum/backtest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import { compare } from "../src/compare/Compare.js"

const summaries = Arbitrary.make(RunSummary.RunSummary)

/** A small summary with decimal amounts, as a run of the example config writes it. */
const base: RunSummary.RunSummary = {
  schemaVersion: 1,
  runId: "a",
  name: "demo",
  configHash: "f".repeat(64),
  dataRange: { from: "2024-08-08T23:54:00Z", to: "2024-08-09T00:00:00Z", firstEvent: null, lastEvent: null },
  instruments: ["BINANCE-FUTURES:PERPETUAL:BTC-USDT"],
  venues: ["BINANCE-FUTURES"],
  eventCount: 10,
  events: { trades: 4, quotes: 6, book: 0 },
  orderCount: 2,
  strategyOrderCount: 2,
  ordersByStatus: { FILLED: 2 },
  deniedCount: 0,
  rejectedCount: 0,
  fillCount: 2,
  filledQuantity: { "BINANCE-FUTURES:PERPETUAL:BTC-USDT": "0.002" },
  volume: { USDT: "120.5" },
  fees: { USDT: "0.048" },
  pnl: { USDT: { realized: "0.1", unrealized: "0", total: "0.1" } },
  slippage: { orders: 2, bps: "1.2500", cost: { USDT: "0.015" } },
  fillRatio: "1.000000",
  byVenue: [
    {
      venue: "BINANCE-FUTURES",
      orderCount: 2,
      fillCount: 2,
      filledQuantity: { "BINANCE-FUTURES:PERPETUAL:BTC-USDT": "0.002" },
      volume: { USDT: "120.5" },
      fees: { USDT: "0.048" },
      averagePrice: { "BINANCE-FUTURES:PERPETUAL:BTC-USDT": "60250" },
      fillRatio: "1.000000"
    }
  ],
  anomalies: { count: 0, byKind: {}, first: [] },
  wallTimeMs: 12.5,
  eventsPerSecond: 800
}

describe("compare", () => {
  it.prop("a summary compared with itself has no differences", [summaries], ([s]) => {
    const c = compare(s, s)
    expect(c.differences).toBe(0)
    expect(c.sameConfig).toBe(true)
    expect(c.metrics.every((m) => m.equal)).toBe(true)
    expect(c.metrics.every((m) => m.difference === null || /^-?0(\.0*)?$/.test(m.difference))).toBe(true)
  })

  it.prop(
    "machine-dependent fields never count as differences",
    [summaries, FastCheck.double({ noNaN: true, min: 0, max: 1e9 }), FastCheck.double({ noNaN: true, min: 0, max: 1e9 })],
    ([s, wall, rate]) => {
      const c = compare(s, { ...s, runId: `${s.runId}-again`, wallTimeMs: wall, eventsPerSecond: rate })
      expect(c.differences).toBe(0)
      expect(c.metrics.find((m) => m.metric === "wallTimeMs")).toMatchObject({ deterministic: false })
      expect(c.metrics.find((m) => m.metric === "eventsPerSecond")).toMatchObject({ deterministic: false })
    }
  )

  it("run ids, names and hashes identify the runs and are not metrics", () => {
    const c = compare(base, { ...base, runId: "b", configHash: "0".repeat(64) })
    expect(c.a).toStrictEqual({ runId: "a", name: "demo", configHash: "f".repeat(64) })
    expect(c.b.runId).toBe("b")
    expect(c.sameConfig).toBe(false)
    expect(c.differences).toBe(0)
    expect(c.metrics.map((m) => m.metric)).not.toContain("runId")
  })

  it("decimal differences are exact and counts subtract", () => {
    const b: RunSummary.RunSummary = {
      ...base,
      runId: "b",
      fillCount: 5,
      pnl: { USDT: { realized: "0.3", unrealized: "0", total: "0.3" } }
    }
    const c = compare(base, b)
    expect(c.differences).toBe(3)
    expect(c.metrics.find((m) => m.metric === "pnl.USDT.total")).toStrictEqual({
      metric: "pnl.USDT.total",
      a: "0.1",
      b: "0.3",
      equal: false,
      difference: "0.2",
      deterministic: true
    })
    expect(c.metrics.find((m) => m.metric === "fillCount")).toMatchObject({ a: 2, b: 5, difference: "3", equal: false })
  })

  it("venues are compared by code, and a metric only one run has is compared with null", () => {
    const b: RunSummary.RunSummary = {
      ...base,
      runId: "b",
      fees: { BTC: "0.00001", USDT: "0.048" },
      byVenue: [{ ...base.byVenue[0]!, fillCount: 1 }]
    }
    const c = compare(base, b)
    expect(c.metrics.find((m) => m.metric === "byVenue.BINANCE-FUTURES.fillCount")).toMatchObject({ a: 2, b: 1, difference: "-1" })
    expect(c.metrics.find((m) => m.metric === "fees.BTC")).toStrictEqual({
      metric: "fees.BTC",
      a: null,
      b: "0.00001",
      equal: false,
      difference: null,
      deterministic: true
    })
    expect(c.differences).toBe(2)
  })

  it("lists compare as whole values", () => {
    const c = compare(base, { ...base, venues: ["BINANCE-FUTURES", "BYBIT"] })
    expect(c.metrics.find((m) => m.metric === "venues")).toMatchObject({ equal: false, difference: null })
  })
})
