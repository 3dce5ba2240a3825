import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { IdSequence } from "../src/internal/IdSequence.js"

describe("IdSequence", () => {
  it("every id from 1 to 1,200,000 is prefix + n", () => {
    for (const prefix of ["O", "BINANCE-FUTURES-", ""]) {
      const seq = new IdSequence(prefix)
      for (let n = 1; n <= 1_200_000; n++) {
        const id = seq.next()
        if (id !== prefix + n) expect(id).toBe(prefix + n)
      }
      expect(seq.count).toBe(1_200_000)
    }
  })

  it("property: from any start (past 2^31, 2^32, up to the last safe integers), ids are prefix + n", () => {
    const start = fc.oneof(
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 3000 }),
      fc.constantFrom(2 ** 31 - 1500, 2 ** 32 - 1500, 999_999_000, Number.MAX_SAFE_INTEGER - 3000),
      fc.integer({ min: 0, max: 100 }).map((k) => k * 1000 - 2)
    )
    fc.assert(
      fc.property(start, fc.string({ maxLength: 20 }), (after, prefix) => {
        const seq = new IdSequence(prefix, Math.max(0, after))
        expect(seq.count).toBe(Math.max(0, after))
        for (let n = Math.max(0, after) + 1; n <= Math.max(0, after) + 1200; n++) {
          const id = seq.next()
          if (id !== prefix + n) expect(id).toBe(prefix + n)
          if (seq.count !== n) expect(seq.count).toBe(n)
        }
      }),
      { numRuns: 100 }
    )
  })
})
