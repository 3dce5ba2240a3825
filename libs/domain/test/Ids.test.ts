import { createHash } from "node:crypto"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Ids from "../src/Ids.js"

// The venue limits the derived id must meet (OKX is the tightest).
const okx = /^[A-Za-z0-9]{1,32}$/
const binance = /^[.A-Z:/a-z0-9_-]{1,36}$/
const bybitMax = 36
const deribitMax = 64

describe("clientOrderIdFor", () => {
  it("is deterministic and fits every venue's client id rules", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300, unit: "binary" }), (op) => {
        const id = Ids.clientOrderIdFor(op)
        expect(Ids.clientOrderIdFor(op)).toBe(id)
        expect(id).toMatch(okx)
        expect(id).toMatch(binance)
        expect(id.length).toBeLessThanOrEqual(bybitMax)
        expect(id.length).toBeLessThanOrEqual(deribitMax)
        expect(id).toHaveLength(32)
        expect(id.startsWith("od")).toBe(true)
        expect(Schema.is(Ids.ClientOrderId)(id)).toBe(true)
      })
    )
  })

  it("is the base32 of the SHA-256 of the operation id", () => {
    // Independent encoding: the digest as a bit string, cut into 5-bit groups.
    const op = "strategy-7/2024-06-01/000042"
    const bits = [...createHash("sha256").update(op).digest()].map((b) => b.toString(2).padStart(8, "0")).join("")
    const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    let expected = "od"
    for (let i = 0; i < 30; i++) expected += alphabet[parseInt(bits.slice(i * 5, i * 5 + 5), 2)]
    expect(Ids.clientOrderIdFor(op)).toBe(expected)
  })

  it("gives distinct operations distinct ids", () => {
    const ids = new Set<string>()
    for (let i = 0; i < 20000; i++) ids.add(Ids.clientOrderIdFor(`op-${i}`))
    expect(ids.size).toBe(20000)
  })
})

describe("id schemas", () => {
  it("accept real ids and refuse empty, spaced or oversized ones", () => {
    expect(Ids.OperationId.make("0b7e2a9c-5f0e-4a57-9a1d-2f8f0d1c7a11")).toBe("0b7e2a9c-5f0e-4a57-9a1d-2f8f0d1c7a11")
    expect(() => Ids.OperationId.make("")).toThrow()
    expect(() => Ids.OperationId.make("has space")).toThrow(/printable/)
    expect(() => Ids.OperationId.make("x".repeat(257))).toThrow()
    expect(Schema.is(Ids.ClientOrderId)("web_ABC.12:3/4-5")).toBe(true)
    expect(Schema.is(Ids.ClientOrderId)("x".repeat(65))).toBe(false)
    expect(Schema.is(Ids.ClientOrderId)("a b")).toBe(false)
    expect(Schema.is(Ids.VenueOrderId)("8389765601234567")).toBe(true)
    expect(Schema.is(Ids.TradeId)("")).toBe(false)
    expect(Schema.is(Ids.StrategyId)("momentum-1")).toBe(true)
  })

  it("venue codes are upper-case words", () => {
    for (const v of ["BINANCE-SPOT", "BINANCE-FUTURES", "DERIBIT", "IB", "OKX", "BYBIT"]) {
      expect(Schema.is(Ids.Venue)(v)).toBe(true)
    }
    for (const v of ["binance", "BINANCE-", "-X", "BIN ANCE", ""]) expect(Schema.is(Ids.Venue)(v)).toBe(false)
    const r = Schema.decodeUnknownEither(Ids.Venue)("binance-spot")
    expect(Either.isLeft(r) && r.left.message).toMatch(/venue code/)
  })
})
