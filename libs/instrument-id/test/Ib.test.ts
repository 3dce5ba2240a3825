import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import { Ib, InstrumentId } from "../src/index.js"
import { ibKey } from "./arbitraries.js"

const toIb = (id: string) => Either.getOrThrow(Ib.toIb(InstrumentId.unsafeParse(id)))
const fromIb = (contract: Ib.IbContractLike) => InstrumentId.format(Either.getOrThrow(Ib.fromIb(contract)))

describe("Ib", () => {
  it("writes @stoqey/ib contract fields", () => {
    expect(toIb("IB:EQUITY:AAPL-USD")).toStrictEqual({ symbol: "AAPL", secType: "STK", exchange: "SMART", currency: "USD" })
    expect(toIb("IB:EQUITY:AAPL-USD-NASDAQ")).toStrictEqual({
      symbol: "AAPL",
      secType: "STK",
      exchange: "SMART",
      primaryExch: "NASDAQ",
      currency: "USD"
    })
    expect(toIb("IB:EQUITY:BRK.B-USD")).toStrictEqual({ symbol: "BRK B", secType: "STK", exchange: "SMART", currency: "USD" })
    expect(toIb("IB:FUTURE:ES-USD-20241220")).toStrictEqual({
      symbol: "ES",
      secType: "FUT",
      exchange: "CME",
      currency: "USD",
      lastTradeDateOrContractMonth: "20241220"
    })
    expect(toIb("IB:FUTURE:FDAX-EUR-20241220-EUREX").exchange).toBe("EUREX")
    expect(toIb("IB:OPTION:AAPL-USD-150-20241220-C")).toStrictEqual({
      symbol: "AAPL",
      secType: "OPT",
      exchange: "SMART",
      currency: "USD",
      lastTradeDateOrContractMonth: "20241220",
      strike: 150,
      right: "C",
      multiplier: 100
    })
    expect(toIb("IB:FUTURE_OPTION:ES-USD-5000-20241220-P")).toStrictEqual({
      symbol: "ES",
      secType: "FOP",
      exchange: "CME",
      currency: "USD",
      lastTradeDateOrContractMonth: "20241220",
      strike: 5000,
      right: "P"
    })
    expect(toIb("IB:SPOT_PAIR:EUR-USD")).toStrictEqual({ symbol: "EUR", secType: "CASH", exchange: "IDEALPRO", currency: "USD" })
  })

  it("reads IB contracts back to canonical ids, leaving default exchanges out", () => {
    expect(fromIb({ symbol: "AAPL", secType: "STK", exchange: "SMART", primaryExch: "NASDAQ", currency: "USD" })).toBe(
      "IB:EQUITY:AAPL-USD-NASDAQ"
    )
    expect(fromIb({ symbol: "BRK B", secType: "STK", exchange: "SMART", currency: "USD" })).toBe("IB:EQUITY:BRK.B-USD")
    expect(fromIb({ symbol: "ES", secType: "FUT", exchange: "CME", currency: "USD", lastTradeDateOrContractMonth: "20241220" })).toBe(
      "IB:FUTURE:ES-USD-20241220"
    )
    expect(
      fromIb({
        symbol: "SPY",
        secType: "OPT",
        exchange: "SMART",
        currency: "USD",
        lastTradeDateOrContractMonth: "20241220",
        strike: 450.5,
        right: "PUT",
        multiplier: "100"
      })
    ).toBe("IB:OPTION:SPY-USD-450.5-20241220-P")
  })

  it("refuses contracts without enough information, naming what is missing", () => {
    const cases: ReadonlyArray<readonly [Ib.IbContractLike, string, string]> = [
      [{ secType: "STK", currency: "USD" }, "InvalidVenueForm", "no symbol"],
      [{ symbol: "ES", secType: "FUT", exchange: "CME", currency: "USD", lastTradeDateOrContractMonth: "202412" }, "InvalidVenueForm", 'lastTradeDateOrContractMonth "202412" is not a YYYYMMDD'],
      [{ symbol: "ES", secType: "FUT", currency: "USD", lastTradeDateOrContractMonth: "20241220" }, "InvalidVenueForm", "FUT contract has no exchange"],
      [{ symbol: "AAPL", secType: "OPT", currency: "USD", lastTradeDateOrContractMonth: "20241220", right: "C" }, "InvalidVenueForm", "OPT contract has no strike"],
      [{ symbol: "AAPL", secType: "OPT", currency: "USD", lastTradeDateOrContractMonth: "20241220", strike: 150, right: "C", multiplier: 10 }, "NotExpressible", "multiplier 10"],
      [{ symbol: "TLT", secType: "BOND", currency: "USD" }, "NotExpressible", 'secType "BOND"'],
      [{ symbol: "aapl", secType: "STK", currency: "USD" }, "InvalidCode", 'symbol "aapl"']
    ]
    for (const [contract, reason, text] of cases) {
      const result = Ib.fromIb(contract)
      if (Either.isRight(result)) throw new Error(`expected ${JSON.stringify(contract)} to be refused`)
      expect({ contract, reason: result.left.reason }).toEqual({ contract, reason })
      expect(result.left.message).toContain(text)
    }
  })

  it("refuses crypto ids and futures with no known exchange", () => {
    const refused = (id: string) => {
      const result = Ib.toIb(InstrumentId.unsafeParse(id))
      if (Either.isRight(result)) throw new Error(`expected ${id} to be refused`)
      return result.left.message
    }
    expect(refused("DERIBIT:PERPETUAL:BTC-USD@INV")).toContain("venue DERIBIT is not Interactive Brokers")
    expect(refused("IB:FUTURE:FDAX-EUR-20241220")).toContain("IB needs the exchange of FDAX futures")
    expect(refused("IB:OPTION:AAPL-USD-0.12345678901234567-20241220-C")).toContain("does not fit IB's double")
  })

  it("fromIb(toIb(key)) is the key, and toIb(fromIb(c)) is c (property)", () => {
    fc.assert(
      fc.property(ibKey, (key) => {
        const contract = Either.getOrThrow(Ib.toIb(key))
        const back = Either.getOrThrow(Ib.fromIb(contract))
        expect(back).toStrictEqual(key)
        expect(Either.getOrThrow(Ib.toIb(back))).toStrictEqual(contract)
      }),
      { numRuns: 2000 }
    )
  })
})
