import { Decimal } from "@odum/domain"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { readFileSync } from "node:fs"
import { MarketUpdate, VolumeProfile } from "../src/index.js"
import { build, D, Host, parent, readTardisTrades, spec, vwap } from "./fixtures.js"

const MIN = 60_000
const DAY = 86_400_000

// Real Binance USD-M BTCUSDT trades, 2020-02-22 00:00:02 to 02:05:47 UTC (Tardis CSV, µs timestamps).
const trades = readTardisTrades(readFileSync("/work/shared/data/real/trades.csv", "utf8"))
// The grid of that day: tick 0.01, lot 0.001.
const GRID = spec("0.001", "0.001", "0.01")
const LOT = D("0.001")
const lots = (d: Decimal.Decimal) => Number(Decimal.toUnits(d, LOT))
const msOf = (us: bigint) => Number(us / 1000n)

/**
 * Replays the recorded trades through a VWAP: timers fire on time between trades, every
 * child fills at once. Checks after every child that the cumulative quantity sent stays
 * within the participation allowance, computed here from the trades in exact decimals.
 */
const replayParticipation = (rate: string, quantity: string, extra: { price?: string } = {}) => {
  const t0 = msOf(trades[0]!.tsUs)
  const h = new Host(build(parent(vwap(60 * MIN, 60, rate), quantity, extra), GRID), t0).start()
  let volume = Decimal.zero
  let checks = 0
  const checkAllowance = () => {
    const allowed = Number(Decimal.toUnits(Decimal.roundToStep(Decimal.mul(volume, D(rate)), LOT, "floor"), LOT))
    const sent = h.spawns().reduce((s, e) => s + e.action.lots, 0)
    expect(sent).toBeLessThanOrEqual(allowed)
    checks++
    return allowed
  }
  let finalAllowed = 0
  for (const t of trades) {
    const ts = msOf(t.tsUs)
    while (h.nextAt !== undefined && h.nextAt <= ts) {
      const last = h.nextAt === t0 + 60 * MIN
      h.advanceTo(h.nextAt).fillAll()
      const allowed = checkAllowance()
      if (last) finalAllowed = allowed
    }
    if (h.completed !== undefined || h.nextAt === undefined) break
    const eligible = extra.price === undefined || Decimal.lessThanOrEqual(t.price, D(extra.price))
    h.market(MarketUpdate.trade(ts, Number(Decimal.toUnits(t.price, D("0.01"))), lots(t.amount)))
    if (eligible) volume = Decimal.add(volume, t.amount)
  }
  return { h, finalAllowed, checks }
}

describe("VWAP participation, on recorded trades", () => {
  it("never sends more than the rate times the volume traded so far, and takes its full share by the horizon", () => {
    const { h, finalAllowed, checks } = replayParticipation("0.1", "500")
    expect(checks).toBe(60)
    expect(finalAllowed).toBeGreaterThan(10_000)
    expect(h.filled()).toBe(finalAllowed)
    expect(h.completed).toEqual({ kind: "complete", reason: "horizon", filledLots: finalAllowed })
    // A participation order trades with the market: it sent something in most minutes.
    expect(h.spawns().length).toBeGreaterThan(50)
  })

  it("completes early when the parent is smaller than its share", () => {
    const { h } = replayParticipation("0.25", "20")
    expect(h.completed).toEqual({ kind: "complete", reason: "filled", filledLots: 20_000 })
    expect(h.spawns().at(-1)!.at).toBeLessThan(msOf(trades[0]!.tsUs) + 60 * MIN)
  })

  it("with a limit price, counts only the volume its limit could have traded in", () => {
    const prices = trades.slice(0, 3000).map((t) => t.price).sort(Decimal.compare)
    const median = Decimal.format(prices[1500]!)
    const limited = replayParticipation("0.1", "500", { price: median })
    const unlimited = replayParticipation("0.1", "500")
    expect(limited.h.filled()).toBe(limited.finalAllowed)
    expect(limited.h.filled()).toBeLessThan(unlimited.h.filled())
    expect(limited.h.spawns().every((s) => s.action.type === "LIMIT")).toBe(true)
  })
})

describe("VolumeProfile", () => {
  it("sums recorded trade sizes per minute of the day", () => {
    const profile = Either.getOrThrow(
      VolumeProfile.fromTrades(trades.map((t) => ({ ts: t.tsUs, size: lots(t.amount) })), { bucketMs: MIN, timeUnit: "us" })
    )
    expect(profile.volumes).toHaveLength(1440)
    const total = trades.reduce((s, t) => s + lots(t.amount), 0)
    expect(profile.volumes.reduce((s, v) => s + v, 0)).toBe(total)
    // The data runs 00:00:02 to 02:05:47 UTC: minutes 0..125 only.
    expect(profile.volumes.slice(126).every((v) => v === 0)).toBe(true)
    const minute7 = trades.filter((t) => Math.floor((msOf(t.tsUs) % DAY) / MIN) === 7).reduce((s, t) => s + lots(t.amount), 0)
    expect(profile.volumes[7]).toBe(minute7)
  })

  it("refuses fractional sizes and bucket widths that do not divide a day", () => {
    expect(Either.isLeft(VolumeProfile.fromTrades([{ ts: 0, size: 1.5 }]))).toBe(true)
    const bad = VolumeProfile.fromTrades([], { bucketMs: 7_000_000 })
    expect(Either.isLeft(bad) && bad.left.message).toMatch(/bucketMs: 7000000/)
  })

  it("weights slices by the volume over their time of day, across midnight", () => {
    const volumes = new Array<number>(24).fill(0)
    volumes[23] = 10
    volumes[0] = 30
    const profile = { bucketMs: 3_600_000, volumes }
    // Two one-hour slices from 23:00: the first gets hour 23, the second hour 0 of the next day.
    expect(VolumeProfile.sliceWeights(profile, 23 * 3_600_000, 2 * 3_600_000, 2)).toEqual([10n * 3_600_000n, 30n * 3_600_000n])
    // A slice covering half of a bucket counts half its volume.
    expect(VolumeProfile.sliceWeights(profile, 23.5 * 3_600_000, 3_600_000, 1)).toEqual([10n * 1_800_000n + 30n * 1_800_000n])
  })
})

describe("VWAP on a volume profile", () => {
  const profile = Either.getOrThrow(VolumeProfile.fromTrades(trades.map((t) => ({ ts: t.tsUs, size: lots(t.amount) })), { timeUnit: "us" }))
  const start = Date.UTC(2020, 1, 23, 0, 0, 0) // the next day, same time of day

  it("sizes slices in proportion to the historical volume of their window, within one lot, summing to the order", () => {
    const L = 7_777
    const h = new Host(build(parent(vwap(60 * MIN, 12), "7.777"), GRID, { profile }), start).start()
    h.runUntil(start + 60 * MIN)
    const spawns = h.spawns()
    expect(spawns.map((s) => s.at - start)).toEqual(Array.from({ length: 12 }, (_, i) => i * 5 * MIN))
    const windows = Array.from({ length: 12 }, (_, i) =>
      trades.filter((t) => Math.floor((msOf(t.tsUs) % DAY) / (5 * MIN)) === i).reduce((s, t) => s + BigInt(lots(t.amount)), 0n)
    )
    const W = windows.reduce((a, b) => a + b, 0n)
    expect(spawns.reduce((s, e) => s + e.action.lots, 0)).toBe(L)
    for (const [i, s] of spawns.entries()) {
      const exact = BigInt(L) * windows[i]! // share * W
      const diff = BigInt(s.action.lots) * W - exact
      expect(diff < W && diff > -W).toBe(true)
    }
  })

  it("merges windows whose share is below the minimum into the next one", () => {
    const volumes = new Array<number>(1440).fill(0)
    volumes[0] = 1
    volumes[1] = 1000
    volumes[2] = 1
    volumes[3] = 1
    const h = new Host(build(parent(vwap(4 * MIN, 4), "100"), spec("1", "5"), { profile: { bucketMs: MIN, volumes } }), start).start()
    h.runUntil(start + 4 * MIN)
    // Shares 0.1 / 99.6 / 0.1 / 0.1 lots -> 0, 100, 0, 0 (largest remainder), nothing below 5 sent alone.
    expect(h.spawns().map((s) => [s.at - start, s.action.lots])).toEqual([[MIN, 100]])
  })

  it("with a participation cap as well, holds each slice to the allowance and stops at the horizon", () => {
    const volumes = new Array<number>(1440).fill(1)
    const h = new Host(build(parent(vwap(3 * MIN, 3, "0.5"), "100"), spec("1", "1"), { profile: { bucketMs: MIN, volumes } }), start).start()
    expect(h.spawns()).toHaveLength(0) // nothing traded yet
    h.market(MarketUpdate.trade(start + 1, 0, 40))
    h.runUntil(start + MIN).fillAll()
    h.market(MarketUpdate.trade(start + MIN + 1, 0, 60))
    h.runUntil(start + 2 * MIN).fillAll()
    h.market(MarketUpdate.trade(start + 2 * MIN + 1, 0, 40))
    h.runUntil(start + 3 * MIN).fillAll()
    // Targets 34, 67, 100 (equal profile), then the horizon; allowances 20, 50, 70.
    expect(h.spawns().map((s) => [s.at - start, s.action.lots])).toEqual([
      [MIN, 20],
      [2 * MIN, 30],
      [3 * MIN, 20]
    ])
    expect(h.completed).toEqual({ kind: "complete", reason: "horizon", filledLots: 70 })
  })
})
