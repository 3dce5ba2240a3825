import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import { RouterConfig, VenueCatalogue } from "../src/index.js"
import { binancePerp, binanceSpot, bybitPerp, decodeConfig, deribitPerp, okxSpot, spec, venue } from "./fixtures.js"

const build = (config: RouterConfig.RouterConfigEncoded) =>
  Either.flatMap(RouterConfig.decode(config), VenueCatalogue.make)

const reasonOf = (config: RouterConfig.RouterConfigEncoded) => {
  const r = build(config)
  return Either.isLeft(r) ? { reason: r.left.reason, message: r.left.message } : undefined
}

const venues = [venue("BINANCE-SPOT"), venue("OKX"), venue("BINANCE-FUTURES"), venue("BYBIT"), venue("DERIBIT")]

describe("VenueCatalogue", () => {
  it("groups listings with the same kind, base, quote and settlement automatically", () => {
    const catalogue = Either.getOrThrow(
      build({ venues, listings: [{ spec: binanceSpot }, { spec: binancePerp }, { spec: okxSpot }, { spec: bybitPerp }, { spec: deribitPerp }] })
    )
    const ids = (id: string) => VenueCatalogue.equivalents(catalogue, VenueCatalogue.lookup(catalogue, id)!).map((l) => l.canonicalId)
    // Spot BTC-USDT on Binance and OKX; USDT perpetuals on Binance and Bybit; Deribit's USDC perpetual alone.
    expect(ids("OKX:SPOT_PAIR:BTC-USDT")).toEqual(["BINANCE-SPOT:SPOT_PAIR:BTC-USDT", "OKX:SPOT_PAIR:BTC-USDT"])
    expect(ids("BYBIT:PERPETUAL:BTC-USDT")).toEqual(["BINANCE-FUTURES:PERPETUAL:BTC-USDT", "BYBIT:PERPETUAL:BTC-USDT"])
    expect(ids("DERIBIT:PERPETUAL:BTC-USDC")).toEqual(["DERIBIT:PERPETUAL:BTC-USDC"])
    expect(VenueCatalogue.venuesFor(catalogue, "BINANCE-SPOT:SPOT_PAIR:BTC-USDT")).toEqual(["BINANCE-SPOT", "OKX"])
    expect(VenueCatalogue.venuesFor(catalogue, "OKX:SPOT_PAIR:ETH-USDT")).toEqual([])
  })

  it("merges groups named in an explicit equivalence, and keeps them apart without auto grouping", () => {
    const listings = [{ spec: binancePerp }, { spec: bybitPerp }, { spec: deribitPerp }]
    const joined = Either.getOrThrow(
      build({ venues, listings, equivalences: [["BINANCE-FUTURES:PERPETUAL:BTC-USDT", "DERIBIT:PERPETUAL:BTC-USDC"]] })
    )
    expect(joined.groups.map((g) => g.length)).toEqual([3])
    const apart = Either.getOrThrow(build({ venues, listings, autoEquivalence: false }))
    expect(apart.groups.map((g) => g.length)).toEqual([1, 1, 1])
  })

  it("carries each listing's fees, venue latency and access path", () => {
    const catalogue = Either.getOrThrow(
      build({ venues: [venue("BINANCE-SPOT", 7, "ccxt"), venue("OKX", 12, "external")], listings: [{ spec: binanceSpot }, { spec: okxSpot }] })
    )
    const okx = VenueCatalogue.lookup(catalogue, "CRYPTO:OKX:SPOT_PAIR:BTC-USDT")!
    expect(okx).toMatchObject({ venue: "OKX", access: "external", latencyMs: 12, enabled: true })
    expect(okx.spec.makerFee.toString()).toBe("0.0008")
  })

  it.each([
    [{ venues: [venue("OKX"), venue("OKX")], listings: [] }, "Duplicate"],
    [{ venues: [venue("OKX")], listings: [{ spec: okxSpot }, { spec: okxSpot }] }, "Duplicate"],
    [{ venues: [venue("OKX")], listings: [{ spec: binanceSpot }] }, "UnknownVenue"],
    [{ venues, listings: [{ spec: { ...okxSpot, venue: "BYBIT" } }] }, "InvalidListing"],
    [{ venues, listings: [{ spec: { ...okxSpot, baseAsset: "ETH" } }] }, "InvalidListing"],
    [{ venues, listings: [{ spec: { ...okxSpot, canonicalId: "OKX:SPOT:BTC-USDT" } }] }, "InvalidListing"],
    [{ venues, listings: [{ spec: okxSpot }], equivalences: [["OKX:SPOT_PAIR:BTC-USDT", "BYBIT:SPOT_PAIR:BTC-USDT"]] }, "InvalidEquivalence"],
    [
      { venues, listings: [{ spec: okxSpot }, { spec: binancePerp }], equivalences: [["OKX:SPOT_PAIR:BTC-USDT", "BINANCE-FUTURES:PERPETUAL:BTC-USDT"]] },
      "InvalidEquivalence"
    ],
    [{ venues, listings: [], costs: { splitMinSavingBps: "-1" } }, "InvalidConfig"],
    [{ venues, listings: [], typo: true } as RouterConfig.RouterConfigEncoded, "InvalidConfig"]
  ])("refuses a bad configuration (%#) with %s", (config, reason) => {
    const error = reasonOf(config)
    expect(error?.reason).toBe(reason)
    expect(error?.message.length).toBeGreaterThan(10)
  })

  it("fills in documented defaults", () => {
    const config = decodeConfig({ venues: [], listings: [] })
    expect(config.costs.latencyPenaltyBpsPerMs.toString()).toBe("0.01")
    expect(config.costs.splitMinSavingBps.toString()).toBe("0.5")
    expect(config.costs.split).toBe(true)
    expect(config.autoEquivalence).toBe(true)
  })

  it("keeps an inverse listing out of a linear group", () => {
    const inverse = {
      ...spec({ id: "BYBIT:PERPETUAL:BTC-USDT@INV", venue: "BYBIT", kind: "PERPETUAL", tick: "0.5", lot: "1", maker: "0", taker: "0.00075" }),
      settlementAsset: "BTC",
      contractType: "INVERSE" as const
    }
    expect(reasonOf({ venues, listings: [{ spec: binancePerp }, { spec: inverse }], equivalences: [["BINANCE-FUTURES:PERPETUAL:BTC-USDT", "BYBIT:PERPETUAL:BTC-USDT@INV"]] })?.reason).toBe(
      "InvalidEquivalence"
    )
  })
})
