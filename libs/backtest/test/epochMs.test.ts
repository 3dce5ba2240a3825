/**
 * The engine's clock milliseconds from the catalog's microseconds (internal/Engine.ts,
 * `epochMs`): always what `ExecutionEvent.toEpochMillis` makes of the nanoseconds.
 */
import { describe, expect, it } from "@effect/vitest"
import { ExecutionEvent } from "@odum/adapter-kit"
import * as fc from "fast-check"
import { epochMs } from "../src/internal/Engine.js"

/** `ns` with its µs as the catalog's `tsMicros` holds them (the floor of ns / 1000). */
const check = (ns: bigint): void => {
  const micros = ns >= 0n ? ns / 1000n : -((-ns + 999n) / 1000n)
  expect(epochMs(Number(micros), ns)).toBe(ExecutionEvent.toEpochMillis(ns))
}

describe("epochMs", () => {
  it("is toEpochMillis of the nanoseconds, at every millisecond's edges and up to 2^53 µs", () => {
    const edges = [0n, 1n, 999_999n, 1_000_000n, 1_723_161_256_322_999_999n, 1_723_161_256_323_000_000n, 9_007_199_254_740_991_000n]
    for (const e of edges) for (const d of [-1n, 0n, 1n, 999n, 1_000n]) if (e + d >= 0n) check(e + d)
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 9_007_199_254_740_991_999n }), fc.integer({ min: 0, max: 1_000 }), (ns, back) => {
        check(ns)
        // The last µs of a millisecond, where a rounded quotient would reach the next one.
        const edge = (ns / 1_000_000n) * 1_000_000n + 999_999n - BigInt(back)
        if (edge <= 9_007_199_254_740_991_999n) check(edge)
      }),
      { numRuns: 20_000 }
    )
  })

  it("before 1970 truncates toward zero, as toEpochMillis does", () => {
    for (const ns of [-1n, -999_999n, -1_000_000n, -1_000_001n, -1_723_161_256_322_999_999n]) check(ns)
  })
})
