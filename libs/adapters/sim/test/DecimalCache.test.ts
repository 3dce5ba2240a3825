import { describe, expect, it } from "@effect/vitest"
import { Decimal } from "@odum/domain"
import fc from "fast-check"
import { DecimalCache } from "../src/internal/DecimalCache.js"

describe("DecimalCache", () => {
  it("property: a hit is always the decimal last set for those exact units, across colliding slots", () => {
    // Four slots: most keys collide. Negative, 32-bit-wrapping and tick-multiple keys included.
    const key = fc.oneof(
      fc.integer({ min: -1000, max: 1000 }),
      fc.integer({ min: 1, max: 64 }).map((k) => 2 ** 32 * k + 7),
      fc.integer({ min: 1, max: 100_000 }).map((k) => 40 * k),
      fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })
    )
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), key), { maxLength: 60 }), (ops) => {
        const cache = new DecimalCache(2)
        const model = new Map<number, Decimal.Decimal>()
        for (const [write, units] of ops) {
          if (write) {
            const d = Decimal.fromScaled(BigInt(units), 2)
            cache.set(units, d)
            model.set(units, d)
          } else {
            const d = cache.get(units)
            if (d !== undefined) expect(d).toBe(model.get(units))
          }
        }
      })
    )
  })

  it("property: get and set use the slot `slot` names (two keys evict each other exactly when they share it)", () => {
    const key = fc.oneof(
      fc.integer({ min: -1000, max: 1000 }),
      fc.integer({ min: 1, max: 100_000 }).map((k) => 40 * k),
      fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })
    )
    fc.assert(
      fc.property(key, key, fc.integer({ min: 1, max: 12 }), (a, b, bits) => {
        fc.pre(a !== b)
        const cache = new DecimalCache(bits)
        const da = Decimal.fromScaled(1n, 0)
        const db = Decimal.fromScaled(2n, 0)
        cache.set(a, da)
        cache.set(b, db)
        expect(cache.get(b)).toBe(db)
        expect(cache.get(a)).toBe(cache.slot(a) === cache.slot(b) ? undefined : da)
      })
    )
    // Keys of one slot and of another, found by search so that both cases are exercised.
    const cache = new DecimalCache(4)
    let same = 0
    for (let k = 1; k < 100 && same === 0; k++) if (cache.slot(k) === cache.slot(0)) same = k
    expect(same).toBeGreaterThan(0)
    cache.set(0, Decimal.fromScaled(1n, 0))
    cache.set(same, Decimal.fromScaled(2n, 0))
    expect(cache.get(0)).toBeUndefined()
  })

  it("keys on a tick of 10 units, or fees of 40 units a tick, use every slot (not one in 2 or 8)", () => {
    for (const step of [10, 40]) {
      const cache = new DecimalCache(12)
      const d = Decimal.fromScaled(1n, 0)
      for (let k = 0; k < 4096; k++) cache.set(5_700_000 + step * k, d)
      let hits = 0
      for (let k = 0; k < 4096; k++) if (cache.get(5_700_000 + step * k) !== undefined) hits++
      // The hash spreads them over 2,858 and 3,486 of the 4,096 slots; the low bits used 2,048 and 512.
      expect(hits).toBeGreaterThan(2400)
    }
  })
})
