/**
 * The engine's cache of reference prices (internal/Engine.ts): each answer equals the exact
 * decimal it replaced, `(2 × price) × 5 / 10^(scale + 1)`, whether it came from its slot or
 * not, with prices chosen to collide in the direct-mapped slots.
 */
import { describe, expect, it } from "@effect/vitest"
import { Decimal } from "@odum/domain"
import * as fc from "fast-check"
import { ReferencePrices } from "../src/internal/Engine.js"

describe("ReferencePrices", () => {
  it("as a property: every answer is the exact mid, colliding slots and recurring prices included", () => {
    const SLOTS = 4096
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 2, max: 2 ** 40 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 80 }),
        (scale, base, steps) => {
          const cache = new ReferencePrices(scale)
          for (const [k, j] of steps) {
            // Twice a price: base, or base moved by whole multiples of the slot count (same slot), or by a few units.
            const units2 = base + k * SLOTS + j
            const got = cache.get(units2)
            const expected = Decimal.fromScaled(BigInt(units2) * 5n, scale + 1)
            expect([got.units, got.scale]).toEqual([expected.units, expected.scale])
          }
        }
      ),
      { numRuns: 300 }
    )
  })

  it("answers a recurring price with the same decimal object, and a collision with the right value", () => {
    const cache = new ReferencePrices(1)
    const a = cache.get(1_200_001) // 60000.05
    expect(Decimal.format(a)).toBe("60000.05")
    expect(cache.get(1_200_001)).toBe(a)
    expect(Decimal.format(cache.get(1_200_001 + 4096))).toBe("60204.85")
    const again = cache.get(1_200_001)
    expect(Decimal.format(again)).toBe("60000.05")
  })
})
