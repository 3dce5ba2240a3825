import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { InstrumentId, InstrumentKey } from "../src/index.js"
import { anyKey } from "./arbitraries.js"

const errorOf = (id: string) => {
  const result = InstrumentId.parse(id)
  if (Either.isRight(result)) throw new Error(`expected ${id} to be refused, got ${JSON.stringify(result.right)}`)
  return result.left
}

describe("InstrumentId.parse / format", () => {
  it("round-trips the four contract ids exactly", () => {
    const ids = [
      "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
      "BINANCE-FUTURES:PERPETUAL:BTC-USDT",
      "DERIBIT:PERPETUAL:BTC-USD@INV",
      "DERIBIT:OPTION:BTC-USD-50000-20241231-C"
    ]
    for (const id of ids) expect(InstrumentId.format(InstrumentId.unsafeParse(id))).toBe(id)
  })

  it("reads every field of the contract ids", () => {
    expect(InstrumentId.unsafeParse("DERIBIT:PERPETUAL:BTC-USD@INV")).toStrictEqual({
      venue: "DERIBIT",
      type: "PERPETUAL",
      base: "BTC",
      quote: "USD",
      qualifier: "INV"
    })
    expect(InstrumentId.unsafeParse("DERIBIT:OPTION:BTC-USD-50000-20241231-C")).toStrictEqual({
      venue: "DERIBIT",
      type: "OPTION",
      base: "BTC",
      quote: "USD",
      expiry: "20241231",
      strike: "50000",
      right: "C"
    })
    expect(InstrumentId.unsafeParse("CRYPTO:BYBIT:FUTURE:BTC-USD-20241227@INV")).toStrictEqual({
      assetClass: "CRYPTO",
      venue: "BYBIT",
      type: "FUTURE",
      base: "BTC",
      quote: "USD",
      expiry: "20241227",
      qualifier: "INV"
    })
  })

  it("reads the IB forms, with and without a listing exchange", () => {
    expect(InstrumentId.unsafeParse("IB:EQUITY:AAPL-USD")).toStrictEqual({
      venue: "IB",
      type: "EQUITY",
      base: "AAPL",
      quote: "USD"
    })
    expect(InstrumentId.unsafeParse("TRADFI:IB:EQUITY:BRK.B-USD-NYSE")).toStrictEqual({
      assetClass: "TRADFI",
      venue: "IB",
      type: "EQUITY",
      base: "BRK.B",
      quote: "USD",
      exchange: "NYSE"
    })
    expect(InstrumentId.unsafeParse("IB:FUTURE_OPTION:ES-USD-5000.25-20241220-P-CME")).toStrictEqual({
      venue: "IB",
      type: "FUTURE_OPTION",
      base: "ES",
      quote: "USD",
      expiry: "20241220",
      strike: "5000.25",
      right: "P",
      exchange: "CME"
    })
  })

  it("names the offending part in the error message", () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ["BINANCE:PERP:BTC-USDT", "UnknownType", 'unknown instrument type "PERP" in "BINANCE:PERP:BTC-USDT"'],
      ["DERIBIT:FUTURE:BTC-USD-20241331@INV", "InvalidExpiry", 'expiry "20241331" is not a date'],
      ["DERIBIT:FUTURE:BTC-USD-20230229@INV", "InvalidExpiry", 'expiry "20230229" is not a date'],
      ["DERIBIT:FUTURE:BTC-USD-2024123@INV", "InvalidExpiry", 'expiry "2024123" must be YYYYMMDD'],
      ["DERIBIT:FUTURE:BTC-USD-21001231@INV", "InvalidExpiry", "2000-2099"],
      ["KRAKEN:SPOT_PAIR:BTC-USD", "UnknownVenue", 'unknown venue "KRAKEN"'],
      ["EQUITIES:IB:EQUITY:AAPL-USD", "UnknownAssetClass", 'unknown asset class "EQUITIES"'],
      ["TRADFI:DERIBIT:PERPETUAL:BTC-USD@INV", "Unsupported", "asset class TRADFI does not match venue DERIBIT"],
      ["DERIBIT:OPTION:BTC-USD-50000.0-20241231-C", "InvalidStrike", 'strike "50000.0" is not canonical in "DERIBIT:OPTION:BTC-USD-50000.0-20241231-C"; write "50000"'],
      ["DERIBIT:OPTION:BTC-USD-0-20241231-C", "InvalidStrike", 'strike "0" must be greater than zero'],
      ["DERIBIT:OPTION:BTC-USD-1e5-20241231-C", "InvalidStrike", 'strike "1e5" is not a plain decimal'],
      ["DERIBIT:OPTION:BTC-USD-50000-20241231-X", "InvalidRight", 'option right "X" must be C or P'],
      ["DERIBIT:OPTION:BTC-USD-50000-20241231-C@INV", "Unsupported", '"@INV" does not apply to OPTION'],
      ["DERIBIT:PERPETUAL:BTC-USD@INVERSE", "InvalidQualifier", 'unknown qualifier "@INVERSE"'],
      ["DERIBIT:PERPETUAL:BTC-USD@", "InvalidQualifier", "empty qualifier"],
      ["BINANCE-SPOT:SPOT_PAIR:BTC-USDT@ETHEREUM", "Unsupported", 'takes no chain "@ETHEREUM"'],
      ["BINANCE-FUTURES:PERPETUAL:BTC-USD@INV", "Unsupported", "BINANCE-FUTURES lists no inverse PERPETUAL"],
      ["BINANCE-COINM:PERPETUAL:BTC-USD", "Unsupported", 'BINANCE-COINM lists only inverse PERPETUAL in "BINANCE-COINM:PERPETUAL:BTC-USD"; add "@INV"'],
      ["BINANCE-SPOT:PERPETUAL:BTC-USDT", "Unsupported", "venue BINANCE-SPOT does not list PERPETUAL"],
      ["DERIBIT:EQUITY:AAPL-USD", "Unsupported", "venue DERIBIT does not list EQUITY"],
      ["BINANCE-SPOT:SPOT_PAIR:BTC-USDT-BINANCE", "InvalidPayload", 'SPOT_PAIR payload "BTC-USDT-BINANCE" is not BASE-QUOTE'],
      ["BINANCE-SPOT:SPOT_PAIR:BTCUSDT", "InvalidPayload", "is not BASE-QUOTE"],
      ["DERIBIT:FUTURE:BTC-USD@INV", "InvalidPayload", "is not BASE-QUOTE-YYYYMMDD"],
      ["IB:FUTURE:ES-USD-20241220-CME-X", "InvalidPayload", "is not BASE-QUOTE-YYYYMMDD[-EXCHANGE]"],
      ["BINANCE-SPOT:SPOT_PAIR:btc-USDT", "InvalidCode", 'base "btc"'],
      ["BINANCE-SPOT:SPOT_PAIR:BTC-", "InvalidCode", 'quote ""'],
      ["BINANCE-SPOT:SPOT_PAIR:BTC-BTC", "InvalidCode", "base and quote are both"],
      ["IB:EQUITY:AAPL-USD-SMART", "Unsupported", "default routing"],
      ["BINANCE-SPOT:SPOT_PAIR", "Syntax", "too few"],
      ["A:B:C:D:E", "Syntax", "too many"],
      ["", "Syntax", "empty instrument id"],
      [`BINANCE-SPOT:SPOT_PAIR:${"A".repeat(200)}-USDT`, "Syntax", "longer than 128"]
    ]
    for (const [id, reason, text] of cases) {
      const error = errorOf(id)
      expect({ id, reason: error.reason }).toEqual({ id, reason })
      expect(error.message).toContain(text)
      expect(error.input).toBe(id)
    }
  })

  it("remembers valid ids: a repeated id gives the same frozen key", () => {
    const id = "BYBIT:OPTION:ETH-USDC-3500-20250328-P"
    const first = Either.getOrThrow(InstrumentId.parse(id))
    const again = Either.getOrThrow(InstrumentId.parse(Buffer.from(id).toString()))
    expect(again).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    expect(Either.getOrThrow(InstrumentId.parseUncached(id))).toStrictEqual(first)
  })

  it("formats then parses every valid key back to itself (property)", () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        const id = InstrumentId.format(key)
        expect(InstrumentId.parse(id)).toStrictEqual(Either.right(key))
        expect(InstrumentId.parseUncached(id)).toStrictEqual(Either.right(key))
        expect(InstrumentId.format(InstrumentId.unsafeParse(id))).toBe(id)
      }),
      { numRuns: 2000 }
    )
  })

  it("never throws, and whatever it accepts formats back to the same string (property)", () => {
    // Mutations of valid ids hit the parser's edges far more often than random text.
    const mutated = fc
      .tuple(anyKey, fc.array(fc.tuple(fc.nat(), fc.constantFrom("", "-", ":", "@", ".", "0", "A", "x", "INV")), { maxLength: 3 }))
      .map(([key, edits]) => {
        let s = InstrumentId.format(key)
        for (const [at, text] of edits) {
          const i = at % (s.length + 1)
          s = text === "" ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + text + s.slice(i)
        }
        return s
      })
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string()), (s) => {
        const result = InstrumentId.parse(s)
        if (Either.isRight(result)) expect(InstrumentId.format(result.right)).toBe(s)
        else expect(result.left.message.length).toBeGreaterThan(0)
        expect(InstrumentId.isValid(s)).toBe(Either.isRight(result))
      }),
      { numRuns: 5000 }
    )
  })
})

describe("InstrumentIdFromString", () => {
  it("decodes an id to its key and encodes the key back", () => {
    const key = Schema.decodeUnknownSync(InstrumentId.InstrumentIdFromString)("DERIBIT:PERPETUAL:BTC-USD@INV")
    expect(key).toStrictEqual(InstrumentId.unsafeParse("DERIBIT:PERPETUAL:BTC-USD@INV"))
    expect(Schema.encodeSync(InstrumentId.InstrumentIdFromString)(key)).toBe("DERIBIT:PERPETUAL:BTC-USD@INV")
  })

  it("fails decoding with the parser's message", () => {
    const result = Schema.decodeUnknownEither(InstrumentId.InstrumentIdFromString)("BINANCE:PERP:BTC-USDT")
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) expect(result.left.message).toContain('unknown instrument type "PERP"')
  })

  it("refuses to encode a key that breaks the rules", () => {
    const bad = { venue: "BINANCE-SPOT", type: "PERPETUAL", base: "BTC", quote: "USDT" } as const
    expect(Either.isLeft(Schema.encodeEither(InstrumentId.InstrumentIdFromString)(bad))).toBe(true)
  })

  it("InstrumentIdString accepts valid ids and refuses others", () => {
    const decode = Schema.decodeUnknownEither(InstrumentId.InstrumentIdString)
    expect(decode("IB:OPTION:AAPL-USD-150-20241220-C")).toStrictEqual(Either.right("IB:OPTION:AAPL-USD-150-20241220-C"))
    expect(Either.isLeft(decode("IB:OPTION:AAPL-USD-150-20241220"))).toBe(true)
  })
})

describe("InstrumentKey", () => {
  it("make applies the same rules as parse", () => {
    expect(Either.isRight(InstrumentKey.make({ venue: "OKX", type: "PERPETUAL", base: "BTC", quote: "USD", qualifier: "INV" }))).toBe(true)
    const refused = InstrumentKey.make({ venue: "OKX", type: "FUTURE", base: "BTC", quote: "USD" })
    expect(Either.isLeft(refused) && refused.left.message).toContain("FUTURE needs an expiry")
  })

  it("Equivalence ignores the asset class the venue implies", () => {
    const a = InstrumentId.unsafeParse("CRYPTO:BINANCE-SPOT:SPOT_PAIR:BTC-USDT")
    const b = InstrumentId.unsafeParse("BINANCE-SPOT:SPOT_PAIR:BTC-USDT")
    const c = InstrumentId.unsafeParse("BYBIT:SPOT_PAIR:BTC-USDT")
    expect(InstrumentKey.Equivalence(a, b)).toBe(true)
    expect(InstrumentKey.Equivalence(a, c)).toBe(false)
  })

  it("settlementCurrency follows @INV for delta-one contracts and the quote for options", () => {
    const settle = (id: string) => InstrumentKey.settlementCurrency(InstrumentId.unsafeParse(id))
    expect(settle("BINANCE-SPOT:SPOT_PAIR:BTC-USDT")).toBeUndefined()
    expect(settle("BINANCE-FUTURES:PERPETUAL:BTC-USDT")).toBe("USDT")
    expect(settle("DERIBIT:PERPETUAL:BTC-USD@INV")).toBe("BTC")
    expect(settle("DERIBIT:OPTION:BTC-USD-50000-20241231-C")).toBe("BTC")
    expect(settle("DERIBIT:OPTION:XRP-USDC-0.625-20230630-C")).toBe("USDC")
    expect(settle("IB:OPTION:AAPL-USD-150-20241220-C")).toBe("USD")
    expect(InstrumentKey.isInverse(InstrumentId.unsafeParse("DERIBIT:OPTION:BTC-USD-50000-20241231-C"))).toBe(true)
    expect(InstrumentKey.isInverse(InstrumentId.unsafeParse("BYBIT:PERPETUAL:BTC-USDT"))).toBe(false)
  })
})
