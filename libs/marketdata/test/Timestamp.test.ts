import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Timestamp from "../src/Timestamp.js"

describe("Timestamp", () => {
  it("splits ns into exact µs numbers and ns remainders, negative times included", () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), { maxLength: 50 }), (values) => {
        const ts = BigInt64Array.from(values)
        const { micros, nanos } = Timestamp.splitMicros(ts)
        values.forEach((v, i) => {
          expect(Number.isSafeInteger(micros[i])).toBe(true)
          expect(nanos[i]).toBeGreaterThanOrEqual(0)
          expect(nanos[i]).toBeLessThan(1000)
          expect(BigInt(micros[i]!) * 1000n + BigInt(nanos[i]!)).toBe(v)
        })
      })
    )
  })

  it("parses ISO instants and seconds text exactly, and names UTC days", () => {
    expect(Timestamp.parse("2024-08-08")).toBe(1723075200000000000n)
    expect(Timestamp.parse("2024-08-08T23:55:00.000000001Z")).toBe(1723161300000000001n)
    expect(Timestamp.parse("2024-08-08T23:55:00+01:00")).toBe(1723157700000000000n)
    expect(Timestamp.parse("2024-08-08T23:55:00")).toBeUndefined()
    expect(Timestamp.parse("1723161300000000001")).toBe(1723161300000000001n)
    expect(Timestamp.fromSecondsText("1626993723.804855")).toBe(1626993723804855000n)
    expect(Timestamp.fromSecondsText("1626993723.8049479")).toBe(1626993723804947900n)
    expect(Timestamp.dayOf(1723161599999999999n)).toBe("2024-08-08")
    expect(Timestamp.dayOf(1723161600000000000n)).toBe("2024-08-09")
    expect(Timestamp.toIso(1723161256322000001n)).toBe("2024-08-08T23:54:16.322000001Z")
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 4_000_000_000n * 1_000_000_000n }), (ns) => {
        expect(Timestamp.parse(Timestamp.toIso(ns))).toBe(ns)
        const day = Timestamp.dayOf(ns)
        expect(Timestamp.dayStart(day) <= ns && ns < Timestamp.dayStart(day) + Timestamp.NS_PER_DAY).toBe(true)
      })
    )
  })
})
