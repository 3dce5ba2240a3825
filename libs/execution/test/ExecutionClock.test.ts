import { describe, expect, it } from "@effect/vitest"
import { ExecutionEvent } from "@odum/adapter-kit"
import { ExecutionClock } from "../src/index.js"

describe("ManualClock", () => {
  it("keeps the milliseconds of its nanoseconds (floor), whatever was converted in between, and never goes back", () => {
    const clock = ExecutionClock.manual(1_700_000_000_000)
    expect([clock.nowMs(), clock.nowNs()]).toEqual([1_700_000_000_000, 1_700_000_000_000_000_000n])
    // Stamps between and around the clock's settings (the clock and the venue events share one conversion).
    const steps: ReadonlyArray<readonly [bigint, bigint]> = [
      [1_700_000_000_000_999_999n, 1_700_000_000_001_000_000n],
      [1_700_000_000_001_000_000n, 1_700_000_000_000_999_999n],
      [1_700_000_000_002_500_000n, 1_700_000_000_002_500_000n],
      [1_700_000_000_003_000_001n, 5n],
      [1_700_000_000_002_000_000n, 1_700_000_000_003_999_999n]
    ]
    let ns = clock.nowNs()
    for (const [set, other] of steps) {
      clock.setNs(set)
      if (set > ns) ns = set
      expect(clock.nowNs()).toBe(ns)
      expect(clock.nowMs()).toBe(Number(ns / 1_000_000n))
      expect(ExecutionEvent.toEpochMillis(other)).toBe(Number(other / 1_000_000n))
      expect(clock.nowMs()).toBe(Number(ns / 1_000_000n))
      expect(ExecutionEvent.toEpochMillis(ns)).toBe(clock.nowMs())
    }
    clock.advanceMs(2)
    expect(clock.nowMs()).toBe(Number(ns / 1_000_000n) + 2)
    clock.setMs(1_800_000_000_000)
    expect([clock.nowMs(), clock.nowNs()]).toEqual([1_800_000_000_000, 1_800_000_000_000_000_000n])
  })
})
