import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { SlicePlan } from "../src/index.js"

describe("SlicePlan", () => {
  it("TWAP: equal slices on the grid floor(k * D / n), the remainder to the earliest", () => {
    expect(SlicePlan.twap({ parentLots: 10, minLots: 1, durationMs: 1000, sliceCount: 3, jitter: undefined })).toEqual({
      offsets: [0, 333, 666],
      sizes: [4, 3, 3],
      scheduled: [0, 333, 666]
    })
  })

  it("VWAP participation: a decision at the end of each interval, everything planned at the first", () => {
    const plan = SlicePlan.vwap({ parentLots: 10, minLots: 1, durationMs: 1000, sliceCount: 4, profile: undefined, cap: { num: 1n, den: 10n } }, 0)
    expect(plan.offsets).toEqual([250, 500, 750, 1000])
    expect(plan.sizes).toEqual([10, 0, 0, 0])
  })

  it("VWAP profile: sizes sum to the parent and no slice is below the minimum", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 7 * 86_400_000 }),
        fc.integer({ min: 0, max: 86_400_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 24, maxLength: 24 }),
        (extra, minLots, slices, durationMs, start, volumes) => {
          const parentLots = minLots + extra
          const n = Math.min(slices, durationMs)
          const plan = SlicePlan.vwap(
            { parentLots, minLots, durationMs, sliceCount: n, profile: { bucketMs: 3_600_000, volumes }, cap: undefined },
            start
          )
          expect(plan.sizes).toHaveLength(n)
          expect(plan.sizes.reduce((a, b) => a + b, 0)).toBe(parentLots)
          for (const q of plan.sizes) expect(q === 0 || q >= minLots).toBe(true)
          expect(plan.offsets).toEqual(Array.from({ length: n }, (_, i) => Math.floor((i * durationMs) / n)))
        }
      ),
      { numRuns: 200 }
    )
  })
})
