import { describe, expect, it } from "@effect/vitest"
import { ChildOrderGateway, type AlgoError } from "../src/index.js"
import { build, D, Host, parent, spec, twap } from "./fixtures.js"

const T0 = 1_700_000_000_000
const MIN = 60_000

describe("TWAP", () => {
  it("sends equal slices on the interval grid, the remainder one lot each to the earliest, and completes when filled", () => {
    // 1.003 BTC in 10 slices over 10 minutes: 1003 lots = 3 x 101 + 7 x 100.
    const h = new Host(build(parent(twap(10 * MIN, 10), "1.003")), T0).start()
    for (let k = 0; k < 10; k++) {
      h.runUntil(T0 + k * MIN).fillAll()
    }
    const spawns = h.spawns()
    expect(spawns.map((s) => s.at - T0)).toEqual(Array.from({ length: 10 }, (_, k) => k * MIN))
    expect(spawns.map((s) => s.action.lots)).toEqual([101, 101, 101, 100, 100, 100, 100, 100, 100, 100])
    expect(spawns.map((s) => s.action.childId)).toEqual(Array.from({ length: 10 }, (_, k) => `op-1:c${k + 1}`))
    expect(spawns.every((s) => s.action.type === "MARKET" && s.action.timeInForce === "IOC" && s.action.priceTicks === undefined)).toBe(true)
    expect(h.completed).toEqual({ kind: "complete", reason: "filled", filledLots: 1003 })
  })

  it("merges slices that would fall below the minimum into groups sent at the group's first slice time", () => {
    // 100 lots, minimum 30 lots, 10 slices: only 3 slices of >= 30 fit; they go at slices 0, 3 and 6.
    const h = new Host(build(parent(twap(10 * MIN, 10), "100"), spec("1", "30")), T0).start()
    h.runUntil(T0 + 10 * MIN)
    const spawns = h.spawns()
    expect(spawns.map((s) => [s.at - T0, s.action.lots])).toEqual([
      [0, 34],
      [3 * MIN, 33],
      [6 * MIN, 33]
    ])
  })

  it("works a LIMIT parent with LIMIT children at its price, in the configured time in force", () => {
    const algo = build(parent(twap(4 * MIN, 4), "0.8", { price: "65000.5", side: "SELL" }), undefined, { childTimeInForce: "DAY" })
    const h = new Host(algo, T0).start()
    const first = h.spawns()[0]!.action
    expect(first).toMatchObject({ side: "SELL", type: "LIMIT", timeInForce: "DAY", lots: 200, priceTicks: 650005 })
    const child = ChildOrderGateway.fromSpawn(algo, first)
    expect(child.price).toEqual(D("65000.5"))
    expect(child.quantity).toEqual(D("0.2"))
    expect(child.parentOperationId).toBe("op-1")
  })

  it("catches up: quantity a rejected slice did not fill goes out with the next slice", () => {
    const h = new Host(build(parent(twap(4 * MIN, 4), "0.4")), T0).start()
    h.end("op-1:c1", "rejected")
    h.runUntil(T0 + MIN)
    expect(h.spawns().map((s) => s.action.lots)).toEqual([100, 200])
  })

  it("without catch-up, unfilled quantity waits for the last slice, which sends everything left", () => {
    const h = new Host(build(parent(twap(4 * MIN, 4), "0.4"), undefined, { catchUp: false }), T0).start()
    h.end("op-1:c1", "expired")
    h.runUntil(T0 + 2 * MIN).fillAll()
    h.runUntil(T0 + 3 * MIN).fillAll()
    expect(h.spawns().map((s) => s.action.lots)).toEqual([100, 100, 100, 200])
    expect(h.completed?.reason).toBe("filled")
  })

  it("a late timer sends every slice that fell due in one child", () => {
    const h = new Host(build(parent(twap(10 * MIN, 10), "1")), T0).start().fillAll()
    h.advanceTo(T0 + 4 * MIN + 30_000)
    expect(h.spawns().map((s) => s.action.lots)).toEqual([100, 400])
    // The next wake-up is the next slice still ahead.
    expect(h.nextAt).toBe(T0 + 5 * MIN)
  })

  it("an early timer changes nothing but re-announces the next wake-up", () => {
    const algo = build(parent(twap(10 * MIN, 10), "1"))
    algo.start(T0)
    expect(algo.onTimer(T0 + MIN - 1)).toEqual([{ kind: "schedule", atMs: T0 + MIN }])
  })

  it("re-sends what the last slice did not fill at once, and completes when all is filled", () => {
    const h = new Host(build(parent(twap(2 * MIN, 2), "0.2")), T0).start().fillAll()
    h.runUntil(T0 + MIN)
    h.fill("op-1:c2", 40).end("op-1:c2", "expired")
    expect(h.spawns().map((s) => s.action.lots)).toEqual([100, 100, 60])
    h.fillAll()
    expect(h.completed).toEqual({ kind: "complete", reason: "filled", filledLots: 200 })
  })

  it("completes below the minimum when what is left cannot be sent", () => {
    // Minimum 3 lots: the last child fills 4 of 5 and expires, leaving 1 lot.
    const h = new Host(build(parent(twap(2 * MIN, 2), "10"), spec("1", "3")), T0).start().fillAll()
    h.runUntil(T0 + MIN)
    h.fill("op-1:c2", 4).end("op-1:c2", "expired")
    expect(h.completed).toEqual({ kind: "complete", reason: "belowMinimum", filledLots: 9 })
  })

  it("gives up after three children in a row end without a fill, cancelling what still works", () => {
    // LIMIT children rest; three later slices are rejected.
    const h = new Host(build(parent(twap(5 * MIN, 5), "0.5", { price: "60000" })), T0).start()
    h.runUntil(T0 + MIN).end("op-1:c2", "rejected")
    h.runUntil(T0 + 2 * MIN).end("op-1:c3", "rejected")
    h.runUntil(T0 + 3 * MIN).end("op-1:c4", "rejected")
    expect(h.log.at(-1)!.action).toEqual({ kind: "cancel", childId: "op-1:c1" })
    expect(h.algo.snapshot().status).toBe("stopping")
    h.runUntil(T0 + 10 * MIN)
    expect(h.spawns()).toHaveLength(4)
    h.ackCancels()
    expect(h.completed).toEqual({ kind: "complete", reason: "failed", filledLots: 0 })
  })

  it("a fill between failures resets the count", () => {
    const h = new Host(build(parent(twap(5 * MIN, 5), "0.5", { price: "60000" })), T0).start()
    h.end("op-1:c1", "rejected")
    h.runUntil(T0 + MIN).end("op-1:c2", "rejected")
    h.runUntil(T0 + 2 * MIN).fill("op-1:c3", 1).end("op-1:c3", "expired")
    h.runUntil(T0 + 3 * MIN).end("op-1:c4", "rejected")
    expect(h.algo.snapshot()).toMatchObject({ status: "running", consecutiveFailures: 1 })
  })

  it("cancelling the parent cancels every working child and completes once they have ended", () => {
    const h = new Host(build(parent(twap(5 * MIN, 5), "0.5", { price: "60000" })), T0).start()
    h.runUntil(T0 + 2 * MIN).fill("op-1:c2", 30)
    h.cancel()
    expect(h.log.slice(-3).map((e) => e.action)).toEqual([
      { kind: "cancel", childId: "op-1:c1" },
      { kind: "cancel", childId: "op-1:c2" },
      { kind: "cancel", childId: "op-1:c3" }
    ])
    h.runUntil(T0 + 10 * MIN)
    // A fill racing the cancel still counts.
    h.fill("op-1:c1", 100).end("op-1:c2", "cancelled")
    expect(h.completed).toBeUndefined()
    h.end("op-1:c3", "cancelled")
    expect(h.completed).toEqual({ kind: "complete", reason: "cancelled", filledLots: 130 })
    expect(h.spawns()).toHaveLength(3)
  })

  it("cancelling before start completes at once; after completion nothing answers", () => {
    const algo = build(parent(twap(5 * MIN, 5), "0.5"))
    expect(algo.cancel()).toEqual([{ kind: "complete", reason: "cancelled", filledLots: 0 }])
    expect(algo.start(T0)).toEqual([])
    expect(algo.onTimer(T0 + MIN)).toEqual([])
  })

  it("refuses bad events with a typed error and leaves its state unchanged", () => {
    const algo = build(parent(twap(5 * MIN, 5), "0.5"))
    algo.start(T0)
    const before = algo.snapshot()
    const reasonOf = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return (e as AlgoError.InvalidAlgoEvent).reason
      }
      return "no error"
    }
    expect(reasonOf(() => algo.onChildFill("op-2:c1", 1))).toBe("UnknownChild")
    expect(reasonOf(() => algo.onChildDone("op-1:c9", "rejected"))).toBe("UnknownChild")
    expect(reasonOf(() => algo.onChildFill("op-1:c1", 101))).toBe("Overfill")
    expect(reasonOf(() => algo.onChildFill("op-1:c1", 0))).toBe("InvalidQuantity")
    expect(reasonOf(() => algo.onChildFill("op-1:c1", 1.5))).toBe("InvalidQuantity")
    expect(reasonOf(() => algo.onTimer(-1))).toBe("InvalidTime")
    expect(algo.snapshot()).toEqual(before)
    algo.onChildFill("op-1:c1", 100)
    expect(reasonOf(() => algo.onChildFill("op-1:c1", 1))).toBe("Overfill")
    // A repeated end, or an end after a complete fill, is not an error.
    expect(algo.onChildDone("op-1:c1", "cancelled")).toEqual([])
  })

  it("counts a late fill on a child that already ended", () => {
    const h = new Host(build(parent(twap(2 * MIN, 2), "0.2", { price: "60000" })), T0).start()
    h.end("op-1:c1", "cancelled")
    h.fill("op-1:c1", 50)
    expect(h.algo.snapshot()).toMatchObject({ filledLots: 50, openLots: 0 })
    h.runUntil(T0 + MIN)
    // The last slice sends exactly what is left: 200 - 50.
    expect(h.spawns().at(-1)!.action.lots).toBe(150)
  })

  it("randomised slices are reproducible from the seed and stay within their bounds", () => {
    const options = { randomize: { seed: 7, timeJitter: "0.5", sizeJitter: "0.2" } }
    const run = (seed: number) => {
      const h = new Host(build(parent(twap(10 * MIN, 10), "1"), undefined, { ...options, randomize: { ...options.randomize, seed } }), T0).start()
      for (let k = 0; k < 20; k++) h.runUntil(T0 + k * 30_000).fillAll()
      return h.spawns().map((s) => [s.at - T0, s.action.lots])
    }
    const a = run(7)
    expect(run(7)).toEqual(a)
    expect(run(8)).not.toEqual(a)
    expect(a.reduce((s, [, l]) => s + l!, 0)).toBe(1000)
    for (const [k, [at, lots]] of a.entries()) {
      expect(at).toBeGreaterThanOrEqual(k * MIN)
      expect(at).toBeLessThanOrEqual(k * MIN + 30_000)
      expect(Math.abs(lots! - 100)).toBeLessThanOrEqual(20)
    }
  })
})
