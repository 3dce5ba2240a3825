import { describe, expect, it } from "@effect/vitest"
import { Decimal } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as VenueOrderRequest from "../src/VenueOrderRequest.js"

const decode = Schema.decodeUnknownEither(VenueOrderRequest.VenueOrderRequest)
const base = {
  clientOrderId: "odabc",
  canonicalId: "BINANCE-FUTURES:PERPETUAL:BTC-USDT",
  side: "BUY",
  type: "LIMIT",
  timeInForce: "GTC",
  quantity: "0.010",
  price: "61800.3",
  reduceOnly: false,
  postOnly: true
}

describe("VenueOrderRequest", () => {
  it("decodes decimals from strings", () => {
    const r = decode(base)
    expect(Either.isRight(r) && r.right.quantity).toEqual(Decimal.unsafeFromString("0.01"))
    expect(Either.isRight(r) && r.right.price).toEqual(Decimal.unsafeFromString("61800.3"))
  })

  it("refuses the combinations no venue accepts", () => {
    const { price: _price, ...market } = base
    expect(Either.isLeft(decode({ ...market }))).toBe(true) // LIMIT without a price
    expect(Either.isLeft(decode({ ...base, type: "MARKET", postOnly: false }))).toBe(true) // MARKET with a price
    expect(Either.isRight(decode({ ...market, type: "MARKET", postOnly: false }))).toBe(true)
    expect(Either.isLeft(decode({ ...base, timeInForce: "IOC" }))).toBe(true) // post-only IOC
    expect(Either.isLeft(decode({ ...base, quantity: "0" }))).toBe(true)
    expect(Either.isLeft(decode({ ...base, clientOrderId: "has space" }))).toBe(true)
  })
})
