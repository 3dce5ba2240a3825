import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import { Ccxt, InstrumentId, InstrumentKey } from "../src/index.js"
import { cryptoKey } from "./arbitraries.js"
import { readRealData } from "./realData.js"

const toCcxt = (id: string) => Either.getOrThrow(Ccxt.toCcxt(InstrumentId.unsafeParse(id)))

const fromCcxt = (exchange: string, symbol: string) => {
  const result = Ccxt.fromCcxt(exchange, symbol)
  if (Either.isLeft(result)) throw result.left
  return InstrumentId.format(result.right)
}

const errorOf = <A>(result: Either.Either<A, { readonly reason: string; readonly message: string }>) => {
  if (Either.isRight(result)) throw new Error(`expected a failure, got ${JSON.stringify(result.right)}`)
  return result.left
}

interface CcxtMarket {
  readonly symbol: string
  readonly base: string
  readonly quote: string
  readonly settle?: string | null
  readonly type: "spot" | "swap" | "future" | "option"
  readonly linear: boolean | null
  readonly inverse: boolean | null
  readonly id: string
}

describe("Ccxt.toCcxt", () => {
  it("writes ccxt's unified symbols and exchange ids", () => {
    expect(toCcxt("BINANCE-SPOT:SPOT_PAIR:BTC-USDT")).toStrictEqual({ exchange: "binance", symbol: "BTC/USDT" })
    expect(toCcxt("BINANCE-FUTURES:PERPETUAL:BTC-USDT")).toStrictEqual({ exchange: "binanceusdm", symbol: "BTC/USDT:USDT" })
    expect(toCcxt("BINANCE-COINM:PERPETUAL:BTC-USD@INV")).toStrictEqual({ exchange: "binancecoinm", symbol: "BTC/USD:BTC" })
    expect(toCcxt("BINANCE-FUTURES:FUTURE:BTC-USDT-20241227")).toStrictEqual({
      exchange: "binanceusdm",
      symbol: "BTC/USDT:USDT-241227"
    })
    expect(toCcxt("DERIBIT:OPTION:BTC-USD-50000-20241227-C")).toStrictEqual({
      exchange: "deribit",
      symbol: "BTC/USD:BTC-241227-50000-C"
    })
    expect(toCcxt("OKX:OPTION:BTC-USD-50000-20241227-P")).toStrictEqual({ exchange: "okx", symbol: "BTC/USD:BTC-241227-50000-P" })
    expect(toCcxt("BYBIT:OPTION:BTC-USDC-50000-20241227-C")).toStrictEqual({
      exchange: "bybit",
      symbol: "BTC/USDC:USDC-241227-50000-C"
    })
    expect(toCcxt("BYBIT:PERPETUAL:BTC-USD@INV")).toStrictEqual({ exchange: "bybit", symbol: "BTC/USD:BTC" })
    expect(toCcxt("DERIBIT:PERPETUAL:ETH-USDC")).toStrictEqual({ exchange: "deribit", symbol: "ETH/USDC:USDC" })
  })

  it("refuses IB instruments", () => {
    const error = errorOf(Ccxt.toCcxt(InstrumentId.unsafeParse("IB:EQUITY:AAPL-USD")))
    expect(error.reason).toBe("NotExpressible")
    expect(error.message).toContain("ccxt has no exchange for venue IB")
  })
})

describe("Ccxt.fromCcxt", () => {
  it("reads ccxt symbols back to canonical ids", () => {
    expect(fromCcxt("binance", "BTC/USDT")).toBe("BINANCE-SPOT:SPOT_PAIR:BTC-USDT")
    expect(fromCcxt("binanceusdm", "BTC/USDT:USDT")).toBe("BINANCE-FUTURES:PERPETUAL:BTC-USDT")
    expect(fromCcxt("binance", "BTC/USDT:USDT")).toBe("BINANCE-FUTURES:PERPETUAL:BTC-USDT")
    expect(fromCcxt("binance", "BTC/USD:BTC")).toBe("BINANCE-COINM:PERPETUAL:BTC-USD@INV")
    expect(fromCcxt("deribit", "BTC/USD:BTC-241227-50000-C")).toBe("DERIBIT:OPTION:BTC-USD-50000-20241227-C")
    expect(fromCcxt("deribit", "XRP/USDC:USDC-230630-0.625-P")).toBe("DERIBIT:OPTION:XRP-USDC-0.625-20230630-P")
    expect(fromCcxt("okx", "BTC/USD:BTC-241227")).toBe("OKX:FUTURE:BTC-USD-20241227@INV")
  })

  it("refuses what has no canonical id, naming the problem", () => {
    const cases: ReadonlyArray<readonly [string, string, string, string]> = [
      ["kraken", "BTC/USD", "NotExpressible", 'unknown ccxt exchange "kraken"'],
      ["binanceusdm", "BTC/USD:BTC", "NotExpressible", "ccxt binanceusdm lists no inverse markets"],
      ["binancecoinm", "BTC/USDT", "NotExpressible", "ccxt binancecoinm lists no spot markets"],
      ["bybit", "ETH/USD:BTC", "NotExpressible", "settlement BTC is neither base nor quote"],
      ["deribit", "BTC/USD:USD-241227-50000-C", "NotExpressible", "option settled in USD has no canonical id"],
      ["okx", "BTCUSDT", "InvalidVenueForm", "no BASE/QUOTE"],
      ["okx", "BTC/USD:BTC-241331", "InvalidVenueForm", 'expiry "241331" is not a YYMMDD date'],
      ["okx", "BTC/USD:BTC-241227-50000", "InvalidVenueForm", "is not BASE/QUOTE[:SETTLE"],
      ["okx", "BTC/USD:BTC-241227-50000.0-C", "InvalidStrike", 'strike "50000.0" is not canonical'],
      ["okx", "btc/USDT", "InvalidCode", 'base "btc"']
    ]
    for (const [exchange, symbol, reason, text] of cases) {
      const error = errorOf(Ccxt.fromCcxt(exchange, symbol))
      expect({ symbol, reason: error.reason }).toEqual({ symbol, reason })
      expect(error.message).toContain(text)
    }
  })

  it("round-trips every market of ccxt's stored Binance markets (binance.json)", () => {
    const markets = Object.values(JSON.parse(readRealData("binance.json")) as Record<string, CcxtMarket>)
    expect(markets.length).toBe(18)
    const expectedExchange = (m: CcxtMarket) =>
      m.type === "spot" || m.type === "option" ? "binance" : m.inverse ? "binancecoinm" : "binanceusdm"
    for (const market of markets) {
      const key = Either.getOrThrow(Ccxt.fromCcxt("binance", market.symbol))
      expect(key.base).toBe(market.base)
      expect(key.quote).toBe(market.quote)
      expect(InstrumentKey.settlementCurrency(key) ?? null).toBe(market.settle ?? null)
      expect(key.type).toBe({ spot: "SPOT_PAIR", swap: "PERPETUAL", future: "FUTURE", option: "OPTION" }[market.type])
      expect(InstrumentKey.isInverse(key)).toBe(market.inverse === true)
      // The venue's own id carries the expiry (BTCUSDT_231229, ETH-231229-800-C).
      if (key.expiry !== undefined) expect(market.id).toContain(key.expiry.slice(2))
      const id = InstrumentId.format(key)
      expect(InstrumentId.format(InstrumentId.unsafeParse(id))).toBe(id)
      expect(Either.getOrThrow(Ccxt.toCcxt(key))).toStrictEqual({ exchange: expectedExchange(market), symbol: market.symbol })
      // The exchange-specific class reads the same symbol to the same key.
      expect(Either.getOrThrow(Ccxt.fromCcxt(expectedExchange(market), market.symbol))).toStrictEqual(key)
    }
  })

  it("fromCcxt(toCcxt(key)) is the key, and toCcxt(fromCcxt(m)) is m (property)", () => {
    fc.assert(
      fc.property(cryptoKey(), (key) => {
        const market = Either.getOrThrow(Ccxt.toCcxt(key))
        const back = Either.getOrThrow(Ccxt.fromCcxt(market.exchange, market.symbol))
        expect(back).toStrictEqual(key)
        expect(Either.getOrThrow(Ccxt.toCcxt(back))).toStrictEqual(market)
      }),
      { numRuns: 2000 }
    )
  })
})
