import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import { Ccxt, Deribit, InstrumentId, InstrumentKey } from "../src/index.js"
import { cryptoKey } from "./arbitraries.js"
import { readRealData, utcYmd } from "./realData.js"

interface DeribitInstrument {
  readonly instrument_name: string
  readonly kind: "future" | "option"
  readonly settlement_period: string
  readonly base_currency: string
  readonly quote_currency: string
  readonly counter_currency?: string
  readonly settlement_currency?: string
  readonly expiration_timestamp: number
  readonly strike?: number
  readonly option_type?: "call" | "put"
}

/** The `public/get_instruments` answers recorded in DERIBIT.0 (one per currency). */
const realInstruments = (): ReadonlyArray<DeribitInstrument> =>
  readRealData("DERIBIT.0")
    .split("\n")
    .filter((line) => line.startsWith("https://"))
    .flatMap((line) => (JSON.parse(line.slice(line.indexOf(": ") + 2)) as { result: Array<DeribitInstrument> }).result)

const toName = (id: string) => Either.getOrThrow(Deribit.toDeribit(InstrumentId.unsafeParse(id))).instrument_name
const fromName = (name: string) => InstrumentId.format(Either.getOrThrow(Deribit.fromDeribit(name)))

describe("Deribit", () => {
  it("names the contract ids as Deribit does", () => {
    expect(Deribit.toDeribit(InstrumentId.unsafeParse("DERIBIT:PERPETUAL:BTC-USD@INV"))).toStrictEqual(
      Either.right({ instrument_name: "BTC-PERPETUAL" })
    )
    expect(toName("DERIBIT:OPTION:BTC-USD-50000-20241231-C")).toBe("BTC-31DEC24-50000-C")
    expect(toName("DERIBIT:FUTURE:BTC-USD-20241227@INV")).toBe("BTC-27DEC24")
    expect(toName("DERIBIT:PERPETUAL:ETH-USDC")).toBe("ETH_USDC-PERPETUAL")
    expect(toName("DERIBIT:FUTURE:ETH-USD-20220603@INV")).toBe("ETH-3JUN22")
    expect(toName("DERIBIT:OPTION:XRP-USDC-0.625-20230630-C")).toBe("XRP_USDC-30JUN23-0d625-C")
    expect(toName("DERIBIT:SPOT_PAIR:BTC-USDC")).toBe("BTC_USDC")
  })

  it("reads Deribit names back to canonical ids", () => {
    expect(fromName("BTC-PERPETUAL")).toBe("DERIBIT:PERPETUAL:BTC-USD@INV")
    expect(fromName("BTC_USDC-PERPETUAL")).toBe("DERIBIT:PERPETUAL:BTC-USDC")
    expect(fromName("BTC-27DEC24")).toBe("DERIBIT:FUTURE:BTC-USD-20241227@INV")
    expect(fromName("BTC-27DEC24-50000-C")).toBe("DERIBIT:OPTION:BTC-USD-50000-20241227-C")
    expect(fromName("XRP_USDC-30JUN23-0d625-P")).toBe("DERIBIT:OPTION:XRP-USDC-0.625-20230630-P")
    expect(fromName("ETH_USDC")).toBe("DERIBIT:SPOT_PAIR:ETH-USDC")
  })

  it("refuses other venues and forms Deribit cannot write", () => {
    const refused = (id: string) => {
      const result = Deribit.toDeribit(InstrumentId.unsafeParse(id))
      if (Either.isRight(result)) throw new Error(`expected ${id} to be refused`)
      return result.left
    }
    expect(refused("BINANCE-SPOT:SPOT_PAIR:BTC-USDT").message).toBe(
      'venue BINANCE-SPOT is not Deribit in "BINANCE-SPOT:SPOT_PAIR:BTC-USDT"'
    )
    expect(refused("DERIBIT:PERPETUAL:BTC-USDC@INV").message).toContain("Deribit inverse contracts are quoted in USD")
    expect(refused("DERIBIT:PERPETUAL:BTC-USDC@INV").reason).toBe("NotExpressible")
  })

  it("refuses malformed names, naming the problem", () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ["BTC", "InvalidVenueForm", "not a Deribit instrument name"],
      ["BTC-03JUN22", "InvalidVenueForm", 'expiry "03JUN22" is not a Deribit date'],
      ["BTC-31JUN22", "InvalidVenueForm", 'expiry "31JUN22"'],
      ["BTC-27DEC24-50000", "InvalidVenueForm", "not a Deribit instrument name"],
      ["BTC-27DEC24-50000-X", "InvalidVenueForm", 'option right "X"'],
      ["XRP_USDC-30JUN23-0.625-C", "InvalidVenueForm", 'must use "d" as its decimal point'],
      ["BTC-27DEC24-050000-C", "InvalidStrike", 'strike "050000" is not canonical'],
      ["BTC_USD-27DEC24-50000-C", "NotExpressible", "linear USD-quoted option"],
      ["BTC-FS-27DEC24_PERP", "InvalidVenueForm", "not a Deribit instrument name"],
      ["btc-PERPETUAL", "InvalidCode", 'base "btc"']
    ]
    for (const [name, reason, text] of cases) {
      const result = Deribit.fromDeribit(name)
      if (Either.isRight(result)) throw new Error(`expected ${name} to be refused`)
      expect({ name, reason: result.left.reason }).toEqual({ name, reason })
      expect(result.left.message).toContain(text)
    }
  })

  it("converts every real instrument of DERIBIT.0 both ways, agreeing with its fields", () => {
    const instruments = realInstruments()
    expect(instruments.length).toBe(1017)
    for (const x of instruments) {
      const key = Either.getOrThrow(Deribit.fromDeribit(x.instrument_name))
      expect(Either.getOrThrow(Deribit.toDeribit(key)).instrument_name).toBe(x.instrument_name)
      expect(key.base).toBe(x.base_currency)
      const perpetual = x.settlement_period === "perpetual"
      expect(key.type).toBe(x.kind === "option" ? "OPTION" : perpetual ? "PERPETUAL" : "FUTURE")
      if (!perpetual) expect(key.expiry).toBe(utcYmd(x.expiration_timestamp))
      if (x.kind === "option") {
        expect(key.strike).toBe(String(x.strike))
        expect(key.right).toBe(x.option_type === "call" ? "C" : "P")
      }
      // Older records have no settlement_currency: futures are then quoted in USD and
      // settled in the coin, options quoted (and settled) in the coin.
      const settlement =
        x.settlement_currency ??
        (x.kind === "option" ? x.quote_currency : x.quote_currency === "USD" ? x.base_currency : x.quote_currency)
      expect(InstrumentKey.settlementCurrency(key)).toBe(settlement)

      const id = InstrumentId.format(key)
      expect(InstrumentId.format(InstrumentId.unsafeParse(id))).toBe(id)
      const market = Either.getOrThrow(Ccxt.toCcxt(key))
      expect(Either.getOrThrow(Ccxt.fromCcxt(market.exchange, market.symbol))).toStrictEqual(key)
      // Where the record has counter_currency, check against ccxt's own rule for Deribit symbols.
      if (x.counter_currency !== undefined) {
        let symbol = `${x.base_currency}/${x.counter_currency}:${x.settlement_currency}`
        if (!perpetual) symbol += `-${utcYmd(x.expiration_timestamp).slice(2)}`
        if (x.kind === "option") symbol += `-${x.strike}-${x.option_type === "call" ? "C" : "P"}`
        expect(market).toStrictEqual({ exchange: "deribit", symbol })
      }
    }
  })

  it("fromDeribit(toDeribit(key)) is the key (property)", () => {
    const deribitKeys = cryptoKey(["DERIBIT"]).map((key) =>
      key.qualifier === "INV" ? { ...key, quote: "USD" } : key
    ).filter((key) => key.base !== key.quote)
    fc.assert(
      fc.property(deribitKeys, (key) => {
        const named = Either.getOrThrow(Deribit.toDeribit(key))
        expect(Either.getOrThrow(Deribit.fromDeribit(named.instrument_name))).toStrictEqual(key)
      }),
      { numRuns: 2000 }
    )
  })
})
