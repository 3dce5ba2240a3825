import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import type { AlgoParams, ExecutionAlgorithm } from "../src/index.js"
import { MarketUpdate } from "../src/index.js"
import { build, Host, iceberg, parent, spec, twap, vwap } from "./fixtures.js"

const T0 = 1_700_000_000_000

type Kind = "TWAP" | "VWAP-profile" | "VWAP-participation" | "ICEBERG"

interface Case {
  readonly kind: Kind
  readonly minLots: number
  readonly parentLots: number
  readonly durationMs: number
  readonly sliceCount: number
  readonly displayLots: number
  readonly ratePct: number
  readonly limit: boolean
  readonly side: "BUY" | "SELL"
  readonly startOffset: number
  readonly options: AlgoParams.OptionsInput
}

type Op =
  | { readonly k: "advance"; readonly dt: number }
  | { readonly k: "fill"; readonly pick: number; readonly pct: number }
  | { readonly k: "end"; readonly pick: number; readonly end: "cancelled" | "rejected" | "expired" }
  | { readonly k: "trade"; readonly size: number; readonly px: number }
  | { readonly k: "cancel" }

const arbCase: fc.Arbitrary<Case> = fc
  .record({
    kind: fc.constantFrom<Kind>("TWAP", "VWAP-profile", "VWAP-participation", "ICEBERG"),
    minLots: fc.integer({ min: 1, max: 5 }),
    extraLots: fc.integer({ min: 0, max: 3000 }),
    durationMs: fc.integer({ min: 1, max: 200_000 }),
    slices: fc.integer({ min: 1, max: 60 }),
    displayPick: fc.integer({ min: 0, max: 1000 }),
    ratePct: fc.integer({ min: 1, max: 100 }),
    limit: fc.boolean(),
    side: fc.constantFrom<"BUY" | "SELL">("BUY", "SELL"),
    startOffset: fc.integer({ min: 0, max: 86_400_000 }),
    catchUp: fc.boolean(),
    maxConsecutiveFailures: fc.integer({ min: 1, max: 4 }),
    randomize: fc.option(
      fc.record({ seed: fc.nat(), timeJitter: fc.integer({ min: 0, max: 50 }), sizeJitter: fc.integer({ min: 0, max: 50 }) }),
      { nil: undefined }
    ),
    volumes: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 24, maxLength: 24 })
  })
  .map((r) => {
    const parentLots = r.minLots + r.extraLots
    const options: AlgoParams.OptionsInput = {
      catchUp: r.catchUp,
      maxConsecutiveFailures: r.maxConsecutiveFailures,
      ...(r.randomize === undefined
        ? {}
        : { randomize: { seed: r.randomize.seed, timeJitter: String(r.randomize.timeJitter / 100), sizeJitter: String(r.randomize.sizeJitter / 100) } }),
      ...(r.kind === "VWAP-profile" ? { profile: { bucketMs: 3_600_000, volumes: r.volumes } } : {})
    }
    return {
      kind: r.kind,
      minLots: r.minLots,
      parentLots,
      durationMs: r.durationMs,
      sliceCount: Math.min(r.slices, r.durationMs),
      displayLots: r.minLots + (r.displayPick % (parentLots - r.minLots + 1)),
      ratePct: r.ratePct,
      limit: r.limit || r.kind === "ICEBERG",
      side: r.side,
      startOffset: r.startOffset,
      options
    }
  })

const arbOps: fc.Arbitrary<ReadonlyArray<Op>> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ k: fc.constant("advance" as const), dt: fc.integer({ min: 0, max: 40_000 }) }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant("fill" as const), pick: fc.nat(), pct: fc.integer({ min: 1, max: 100 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({ k: fc.constant("end" as const), pick: fc.nat(), end: fc.constantFrom("cancelled" as const, "rejected" as const, "expired" as const) })
    },
    { weight: 2, arbitrary: fc.record({ k: fc.constant("trade" as const), size: fc.integer({ min: 0, max: 500 }), px: fc.integer({ min: -3, max: 3 }) }) },
    { weight: 1, arbitrary: fc.constant({ k: "cancel" as const }) }
  ),
  { maxLength: 80 }
)

const LIMIT_TICKS = 1000

const algoFor = (c: Case): ExecutionAlgorithm.ExecutionAlgorithm => {
  const exec =
    c.kind === "TWAP"
      ? twap(c.durationMs, c.sliceCount)
      : c.kind === "ICEBERG"
        ? iceberg(String(c.displayLots))
        : vwap(c.durationMs, c.sliceCount, c.kind === "VWAP-participation" || c.ratePct % 3 === 0 ? String(c.ratePct / 100) : undefined)
  return build(
    parent(exec, String(c.parentLots), { side: c.side, ...(c.limit ? { price: String(LIMIT_TICKS) } : {}) }),
    spec("1", String(c.minLots), "1"),
    c.options
  )
}

/** Runs the ops; the Host throws on any broken invariant. Returns the host after draining to completion. */
const play = (c: Case, ops: ReadonlyArray<Op>) => {
  const h = new Host(algoFor(c), T0 + c.startOffset).start()
  let cancelledWhileRunning = false
  const check = () => {
    const snap = h.algo.snapshot()
    expect(snap.filledLots).toBe(h.filled())
    expect(snap.openLots).toBe(h.open())
    expect(snap.workingChildren).toBe(h.working().length)
    if (c.kind === "ICEBERG") expect(h.working().length).toBeLessThanOrEqual(1)
  }
  for (const op of ops) {
    if (h.completed !== undefined) break
    const working = h.working()
    switch (op.k) {
      case "advance":
        h.advanceTo(h.now + op.dt)
        break
      case "fill": {
        const child = working[op.pick % Math.max(1, working.length)]
        if (child !== undefined) h.fill(child.id, Math.max(1, Math.floor(((child.lots - child.filled) * op.pct) / 100)))
        break
      }
      case "end": {
        const child = working[op.pick % Math.max(1, working.length)]
        if (child !== undefined) h.end(child.id, op.end)
        break
      }
      case "trade":
        h.market(MarketUpdate.trade(h.now, LIMIT_TICKS + op.px, op.size))
        break
      case "cancel":
        cancelledWhileRunning ||= h.algo.snapshot().status === "running"
        if (h.algo.snapshot().status !== "done") h.cancel()
        break
    }
    check()
  }
  for (let i = 0; i < 10_000 && h.completed === undefined; i++) {
    if (h.algo.snapshot().status === "stopping") h.ackCancels()
    else {
      h.runUntil(h.nextAt ?? h.now)
      h.fillAll()
    }
    check()
  }
  return { h, cancelledWhileRunning }
}

describe("properties of every algorithm under random fills, ends, trades, timers and cancels", () => {
  it("children never exceed the parent, every child is at least the minimum, the bookkeeping matches the venue's, and it always completes", () => {
    fc.assert(
      fc.property(arbCase, arbOps, (c, ops) => {
        const { h, cancelledWhileRunning } = play(c, ops)
        expect(h.completed).toBeDefined()
        expect(h.filled()).toBeLessThanOrEqual(c.parentLots)
        if (h.completed!.reason === "filled") expect(h.filled()).toBe(c.parentLots)
        if (cancelledWhileRunning) expect(["cancelled", "filled"]).toContain(h.completed!.reason)
        if (h.completed!.reason === "belowMinimum") expect(c.parentLots - h.filled()).toBeLessThan(c.minLots)
        if (c.kind === "ICEBERG") expect(h.spawns().every((s) => s.action.lots <= c.displayLots)).toBe(true)
      }),
      { numRuns: 400 }
    )
  })

  it("is deterministic: the same inputs give the same actions at the same times", () => {
    fc.assert(
      fc.property(arbCase, arbOps, (c, ops) => {
        expect(play(c, ops).h.log).toEqual(play(c, ops).h.log)
      }),
      { numRuns: 100 }
    )
  })

  it("a cancelled parent cancels every working child, spawns nothing more, and completes as cancelled once they end", () => {
    let hits = 0
    fc.assert(
      fc.property(arbCase, arbOps, fc.integer({ min: 0, max: 80 }), (c, ops, at) => {
        // Cancel at a random point of the sequence; the Host checks that every working child
        // got a cancel and that nothing is spawned afterwards.
        const withCancel = [...ops.slice(0, at), { k: "cancel" as const }, ...ops.slice(at)]
        const { h, cancelledWhileRunning } = play(c, withCancel)
        expect(h.completed).toBeDefined()
        if (cancelledWhileRunning) {
          hits++
          expect(["cancelled", "filled"]).toContain(h.completed!.reason)
        }
      }),
      { numRuns: 200 }
    )
    // Most runs cancel a running algorithm (the others had completed before the cancel).
    expect(hits).toBeGreaterThan(100)
  })
})

describe("TWAP schedule properties (punctual host, children fill at once)", () => {
  const arbTwap = fc.record({
    lots: fc.integer({ min: 1, max: 100_000 }),
    minLots: fc.integer({ min: 1, max: 50 }),
    durationMs: fc.integer({ min: 1, max: 3_600_000 }),
    slices: fc.integer({ min: 1, max: 300 }),
    jitter: fc.option(fc.record({ seed: fc.nat(), time: fc.integer({ min: 0, max: 50 }), size: fc.integer({ min: 0, max: 50 }) }), { nil: undefined })
  })

  it("slices are within one lot of equal (or of the size jitter), each at least the minimum, on the interval grid (or within the time jitter after it), summing to the parent", () => {
    fc.assert(
      fc.property(arbTwap, ({ lots, minLots, durationMs, slices, jitter }) => {
        fc.pre(lots >= minLots)
        const n = Math.min(slices, durationMs)
        const options = jitter === undefined ? {} : { randomize: { seed: jitter.seed, timeJitter: String(jitter.time / 100), sizeJitter: String(jitter.size / 100) } }
        const h = new Host(build(parent(twap(durationMs, n), String(lots)), spec("1", String(minLots), "1"), options), T0).start().fillAll()
        while (h.nextAt !== undefined) h.advanceTo(h.nextAt).fillAll()
        expect(h.completed).toEqual({ kind: "complete", reason: "filled", filledLots: lots })
        const spawns = h.spawns()
        const sizes = spawns.map((s) => s.action.lots)
        const groups = Math.min(n, Math.floor(lots / minLots))
        expect(sizes).toHaveLength(groups)
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(lots)
        expect(Math.min(...sizes)).toBeGreaterThanOrEqual(minLots)
        const mean = lots / groups
        const sizeSlack = jitter === undefined ? 1 : Math.floor((Math.ceil(mean) * jitter.size) / 100) + 1
        if (jitter === undefined) expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
        for (const q of sizes) expect(Math.abs(q - mean)).toBeLessThanOrEqual(sizeSlack)
        // Time: the grid is floor(k * D / n); a slice goes out at a grid time, or after one by at most the jitter, always less than an interval.
        const interval = durationMs / n
        const grid = Array.from({ length: n }, (_, k) => Math.floor((k * durationMs) / n))
        let previousK = -1
        for (const s of spawns) {
          const offset = s.at - T0
          let k = n - 1
          while (grid[k]! > offset) k--
          expect(k).toBeGreaterThan(previousK)
          previousK = k
          const late = offset - grid[k]!
          expect(late).toBeLessThan(Math.max(1, interval))
          if (jitter === undefined || jitter.time === 0) expect(late).toBe(0)
          else expect(late).toBeLessThanOrEqual(Math.floor((Math.floor(interval) * jitter.time) / 100))
        }
        expect(spawns[0]!.at - T0).toBeLessThan(Math.max(1, interval))
      }),
      { numRuns: 300 }
    )
  })
})
