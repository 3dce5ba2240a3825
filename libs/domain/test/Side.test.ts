import * as Schema from "effect/Schema"
import { describe, expect, it } from "vitest"
import * as OrderType from "../src/OrderType.js"
import * as Side from "../src/Side.js"

describe("Side", () => {
  it("opposite is an involution that flips the sign", () => {
    for (const s of Side.Side.literals) {
      expect(Side.opposite(Side.opposite(s))).toBe(s)
      expect(Side.sign(Side.opposite(s))).toBe(-Side.sign(s))
      expect(Side.fromSign(Side.sign(s))).toBe(s)
    }
    expect(Side.sign("BUY")).toBe(1)
  })

  it("decodes only the wire literals", () => {
    expect(Schema.decodeUnknownSync(Side.Side)("SELL")).toBe("SELL")
    expect(() => Schema.decodeUnknownSync(Side.Side)("sell")).toThrow()
  })
})

describe("OrderType and TimeInForce", () => {
  it("decode only the wire literals", () => {
    expect(Schema.decodeUnknownSync(OrderType.OrderType)("LIMIT")).toBe("LIMIT")
    expect(() => Schema.decodeUnknownSync(OrderType.OrderType)("STOP")).toThrow()
    expect(OrderType.TimeInForce.literals).toEqual(["GTC", "IOC", "FOK", "GTD", "DAY"])
    expect(() => Schema.decodeUnknownSync(OrderType.TimeInForce)("GTX")).toThrow()
    expect(OrderType.requiresPrice("LIMIT")).toBe(true)
    expect(OrderType.requiresPrice("MARKET")).toBe(false)
  })
})
