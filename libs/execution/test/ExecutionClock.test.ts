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

  it("setNsMs moves both forms of the time at once, never back; epochMillisOf answers its own time from it and converts any other", () => {
    const clock = ExecutionClock.manual(1_700_000_000_000)
    clock.setNsMs(1_700_000_000_123_456_789n, 1_700_000_000_123)
    expect([clock.nowNs(), clock.nowMs()]).toEqual([1_700_000_000_123_456_789n, 1_700_000_000_123])
    clock.setNsMs(1_700_000_000_100_000_000n, 1_700_000_000_100)
    expect([clock.nowNs(), clock.nowMs()]).toEqual([1_700_000_000_123_456_789n, 1_700_000_000_123])
    // The clock's own time from its milliseconds (a clock set with milliseconds other than the
    // floor would show it: this is what a caller of setNsMs promises), any other converted.
    const odd = ExecutionClock.manual(0)
    odd.setNsMs(5_000_000n, 7)
    expect(odd.epochMillisOf(5_000_000n)).toBe(7)
    for (const ns of [5_000_001n, 4_999_999n, 1_700_000_000_123_456_789n, 1_700_000_000_999_999_999n]) {
      expect(odd.epochMillisOf(ns)).toBe(Number(ns / 1_000_000n))
      expect(clock.epochMillisOf(ns)).toBe(Number(ns / 1_000_000n))
    }
    expect(clock.epochMillisOf(clock.nowNs())).toBe(clock.nowMs())
  })
})
