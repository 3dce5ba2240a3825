import { Decimal } from "@odum/domain"
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { decimalsOfText, formatUnits, normalizeDecimalText, numberToDecimalText, parseDecimalText, rescale } from "../src/internal/units.js"

const decimalText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 9 }), fc.nat({ max: 3 }))
  .map(([neg, units, scale, pad]) => {
    const d = Decimal.fromScaled(neg ? -units : units, scale)
    // Trailing zeros as venues write them ("61800.30").
    const text = Decimal.format(d)
    return pad > 0 ? (text.includes(".") ? text + "0".repeat(pad) : `${text}.${"0".repeat(pad)}`) : text
  })

describe("scaled-integer units", () => {
  it("parses decimal text exactly, as Decimal does, and formats it back canonically", () => {
    fc.assert(
      fc.property(decimalText, fc.integer({ min: 0, max: 6 }), (text, extra) => {
        const out = { mantissa: 0, decimals: 0 }
        expect(parseDecimalText(text, out)).toBe(true)
        const d = Decimal.unsafeFromString(text)
        expect(out.decimals).toBe(d.scale)
        expect(BigInt(out.mantissa)).toBe(d.units)
        expect(decimalsOfText(text)).toBe(d.scale)
        const scale = out.decimals + extra
        const units = rescale(out.mantissa, out.decimals, scale)
        if (Number.isSafeInteger(units)) expect(formatUnits(units, scale)).toBe(Decimal.format(d))
      })
    )
  })

  it("refuses what is not a plain decimal, and values past 2^53", () => {
    const out = { mantissa: 0, decimals: 0 }
    for (const bad of ["", "-", ".5", "1.", "1e5", "+1", " 1", "1,5", "NaN", "9007199254740993", "0x10"]) {
      expect(parseDecimalText(bad, out), bad).toBe(false)
    }
    expect(Number.isNaN(rescale(9_007_199_254_740_991, 0, 1))).toBe(true)
  })

  it("writes JSON numbers and exponent forms as exact decimal text", () => {
    expect(numberToDecimalText(0.0015)).toBe("0.0015")
    expect(numberToDecimalText(4714.0)).toBe("4714")
    expect(numberToDecimalText(1e-7)).toBe("0.0000001")
    expect(numberToDecimalText(1.5e21)).toBe("1500000000000000000000")
    expect(normalizeDecimalText("1E-08")).toBe("0.00000001")
    expect(normalizeDecimalText("0.10")).toBe("0.1")
    expect(normalizeDecimalText("2.5e3")).toBe("2500")
    expect(normalizeDecimalText("-0.0")).toBe("0")
    expect(normalizeDecimalText("1e")).toBeUndefined()
    fc.assert(
      fc.property(decimalText, (text) => {
        expect(normalizeDecimalText(text)).toBe(Decimal.format(Decimal.unsafeFromString(text)))
      })
    )
  })
})
