import { Decimal } from "@odum/domain"
import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import { OrderBook } from "../src/index.js"

describe("OrderBook", () => {
  it("builds scaled levels at the finest scale of the input", () => {
    const book = OrderBook.unsafeMake({ bids: [["99.5", "1"]], asks: [["100", "0.25"], ["100.25", "2"]] })
    expect(book.priceScale).toBe(2)
    expect(book.sizeScale).toBe(2)
    expect(book.asks.prices).toEqual([10000n, 10025n])
    expect(book.asks.sizes).toEqual([25n, 200n])
    expect(book.bids.prices).toEqual([9950n])
    expect(Decimal.format(OrderBook.bestBid(book)!)).toBe("99.5")
    expect(Decimal.format(OrderBook.bestAsk(book)!)).toBe("100")
  })

  it.each([
    [{ bids: [["99", "1"], ["99.5", "1"]], asks: [] }, "bids[1]: prices must be strictly descending"],
    [{ bids: [], asks: [["100", "1"], ["100", "1"]] }, "asks[1]: prices must be strictly ascending"],
    [{ bids: [["99", "0"]], asks: [] }, "bids[0]: size must be positive"],
    [{ bids: [], asks: [["-1", "1"]] }, "asks[0]: price must be positive"],
    [{ bids: [["1e3", "1"]], asks: [] }, "malformed level"]
  ] as const)("refuses %j", (levels, message) => {
    const result = OrderBook.make(levels)
    expect(Either.isLeft(result)).toBe(true)
    expect(Either.getLeft(result).pipe((o) => (o._tag === "Some" ? o.value.message : ""))).toContain(message)
  })

  it("validates scaled books handed over by market data", () => {
    const bad = { priceScale: 2, sizeScale: 0, bids: { prices: [1n], sizes: [] }, asks: { prices: [], sizes: [] } }
    expect(Either.isLeft(OrderBook.validate(bad))).toBe(true)
    const scale = { priceScale: 40, sizeScale: 0, bids: { prices: [], sizes: [] }, asks: { prices: [], sizes: [] } }
    expect(Either.isLeft(OrderBook.validate(scale))).toBe(true)
  })
})
