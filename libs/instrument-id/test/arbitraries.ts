/**
 * fast-check generators of valid keys, built from the venue rules rather than from the
 * parser, so a property that parses what they format really tests the parser.
 */
import * as fc from "fast-check"
import type { InstrumentKey } from "../src/index.js"
import { Ib, Venue } from "../src/index.js"

type Key = InstrumentKey.InstrumentKey
type Mutable = { -readonly [K in keyof Key]: Key[K] }

const pad = (n: number, width: number) => String(n).padStart(width, "0")

/** A real calendar date in 2000-2099 as YYYYMMDD. */
export const expiry: fc.Arbitrary<string> = fc
  .date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2099, 11, 31)), noInvalidDate: true })
  .map((d) => `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}`)

/** A canonical positive decimal with at most 13 significant digits (exact as a double too). */
export const strike: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 0, max: 9_999_999 }), fc.option(fc.integer({ min: 1, max: 999_999 }), { nil: undefined }))
  .map(([int, frac]) => (frac === undefined ? String(int) : `${int}.${String(frac).padStart(6, "0").replace(/0+$/, "")}`))
  .filter((s) => s !== "0")

/** An asset code; mostly real ones so collisions (base = quote) stay rare but happen. */
export const code: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("BTC", "ETH", "SOL", "XRP", "USDT", "USDC", "USD", "1000PEPE", "MATIC"),
  fc.stringMatching(/^[A-Z0-9]{1,10}$/)
)

const right = fc.constantFrom("C" as const, "P" as const)

const cryptoVenues = Venue.all.filter((v) => v !== "IB")

/** A valid key of a crypto venue, without asset class (as the venue converters return it). */
export const cryptoKey = (venues: ReadonlyArray<Venue.Venue> = cryptoVenues): fc.Arbitrary<Key> =>
  fc
    .constantFrom(...venues)
    .chain((venue) => {
      const caps = Venue.capabilities[venue]
      return fc.record({
        venue: fc.constant(venue),
        type: fc.constantFrom(...caps.types),
        base: code,
        quote: code,
        expiry,
        strike,
        right,
        inverse: caps.inverse && caps.linear ? fc.boolean() : fc.constant(caps.inverse)
      })
    })
    .filter((r) => r.base !== r.quote)
    .map((r) => {
      const key: Mutable = { venue: r.venue, type: r.type, base: r.base, quote: r.quote }
      if (r.type === "FUTURE" || r.type === "OPTION") key.expiry = r.expiry
      if (r.type === "OPTION") {
        key.strike = r.strike
        key.right = r.right
      }
      if (r.inverse && (r.type === "PERPETUAL" || r.type === "FUTURE")) key.qualifier = "INV"
      return key
    })

const ibSymbol = fc.oneof(
  fc.constantFrom("AAPL", "MSFT", "SPX", "ES", "CL", "EUR", "BRK.B", "GC"),
  fc.stringMatching(/^[A-Z][A-Z0-9]{0,5}(\.[A-Z])?$/)
)
const ibExchange = fc.constantFrom("NASDAQ", "NYSE", "ARCA", "CBOE", "CME", "CBOT", "NYMEX", "EUREX", "ICEEU", "IBIS2")

/**
 * A valid IB key whose exchange (when present) is not the default `toIb` would fill in,
 * so it survives `fromIb(toIb(key))` unchanged. Futures without a default need one.
 */
export const ibKey: fc.Arbitrary<Key> = fc
  .record({
    type: fc.constantFrom(...Venue.capabilities.IB.types),
    base: ibSymbol,
    quote: fc.constantFrom("USD", "EUR", "GBP", "JPY", "CHF"),
    expiry,
    strike,
    right,
    exchange: fc.option(ibExchange, { nil: undefined })
  })
  .filter((r) => r.base !== r.quote)
  .map((r) => {
    const key: Mutable = { venue: "IB", type: r.type, base: r.base, quote: r.quote }
    if (r.type !== "EQUITY" && r.type !== "SPOT_PAIR") key.expiry = r.expiry
    if (r.type === "OPTION" || r.type === "FUTURE_OPTION") {
      key.strike = r.strike
      key.right = r.right
    }
    const futures = r.type === "FUTURE" || r.type === "FUTURE_OPTION"
    const fallback = futures ? Ib.DEFAULT_FUTURES_EXCHANGE[r.base] : undefined
    const exchange = r.exchange ?? (futures && fallback === undefined ? "EUREX" : undefined)
    if (exchange !== undefined && exchange !== fallback) key.exchange = exchange
    return key
  })

/** Any valid key, sometimes with its asset class spelled out. */
export const anyKey: fc.Arbitrary<Key> = fc
  .tuple(fc.oneof(cryptoKey(), ibKey), fc.boolean())
  .map(([key, withClass]) =>
    withClass ? { assetClass: Venue.capabilities[key.venue].assetClass, ...key } : key
  )
