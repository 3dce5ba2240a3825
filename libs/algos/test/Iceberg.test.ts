import { describe, expect, it } from "@effect/vitest"
import { build, Host, iceberg, parent, spec } from "./fixtures.js"

const T0 = 1_700_000_000_000

describe("Iceberg", () => {
  it("shows one child of the display quantity at a time and refreshes it when it fills", () => {
    const h = new Host(build(parent(iceberg("0.1"), "0.35", { price: "64000" })), T0).start()
    expect(h.spawns().map((s) => s.action)).toEqual([
      { kind: "spawn", childId: "op-1:c1", side: "BUY", type: "LIMIT", timeInForce: "GTC", lots: 100, priceTicks: 640000 }
    ])
    // Partial fills do not refresh.
    h.fill("op-1:c1", 60)
    expect(h.spawns()).toHaveLength(1)
    h.fill("op-1:c1", 40)
    expect(h.spawns()).toHaveLength(2)
    h.fillAll().fillAll().fillAll()
    expect(h.spawns().map((s) => s.action.lots)).toEqual([100, 100, 100, 50])
    expect(h.completed).toEqual({ kind: "complete", reason: "filled", filledLots: 350 })
    expect(h.nextAt).toBeUndefined()
  })

  it("splits the tail so that no child falls below the minimum", () => {
    // Lots of 1, minimum 3, display 4, 10 lots: 4, then 3 (not 4, which would leave 2), then 3.
    const h = new Host(build(parent(iceberg("4"), "10", { price: "100" }), spec("1", "3")), T0).start()
    h.fillAll().fillAll().fillAll()
    expect(h.spawns().map((s) => s.action.lots)).toEqual([4, 3, 3])
    expect(h.completed?.reason).toBe("filled")
  })

  it("replaces a child that ended unfilled with the rest of the display", () => {
    const h = new Host(build(parent(iceberg("0.1"), "0.3", { price: "64000" })), T0).start()
    h.fill("op-1:c1", 30).end("op-1:c1", "expired")
    expect(h.spawns().map((s) => s.action.lots)).toEqual([100, 100])
    expect(h.algo.snapshot()).toMatchObject({ filledLots: 30, openLots: 100, workingChildren: 1 })
  })

  it("gives up after repeated rejections", () => {
    const h = new Host(build(parent(iceberg("0.1"), "0.3", { price: "64000" }), undefined, { maxConsecutiveFailures: 2 }), T0).start()
    h.end("op-1:c1", "rejected")
    expect(h.spawns()).toHaveLength(2)
    h.end("op-1:c2", "rejected")
    expect(h.spawns()).toHaveLength(2)
    expect(h.completed).toEqual({ kind: "complete", reason: "failed", filledLots: 0 })
  })

  it("a cancelled parent cancels the visible child and completes when it ends", () => {
    const h = new Host(build(parent(iceberg("0.1"), "0.3", { price: "64000" })), T0).start().fillAll()
    h.cancel()
    expect(h.log.at(-1)!.action).toEqual({ kind: "cancel", childId: "op-1:c2" })
    expect(h.completed).toBeUndefined()
    h.ackCancels()
    expect(h.completed).toEqual({ kind: "complete", reason: "cancelled", filledLots: 100 })
  })

  it("a market iceberg sends IOC market children", () => {
    const h = new Host(build(parent(iceberg("0.1"), "0.3")), T0).start()
    expect(h.spawns()[0]!.action).toMatchObject({ type: "MARKET", timeInForce: "IOC", priceTicks: undefined })
  })

  it("randomised display: every child at most the display, at least display less the jitter, reproducible", () => {
    const run = (seed: number) => {
      const h = new Host(build(parent(iceberg("1"), "50", { price: "64000" }), undefined, { randomize: { seed, sizeJitter: "0.3" } }), T0).start()
      while (h.completed === undefined) h.fillAll()
      return h.spawns().map((s) => s.action.lots)
    }
    const a = run(11)
    expect(run(11)).toEqual(a)
    expect(run(12)).not.toEqual(a)
    expect(a.reduce((s, l) => s + l, 0)).toBe(50_000)
    expect(a.slice(0, -2).every((l) => l <= 1000 && l >= 700)).toBe(true)
    expect(new Set(a).size).toBeGreaterThan(5)
  })
})
