/**
 * ccxt's unified market symbols. ccxt writes spot `BTC/USDT`, perpetuals
 * `BASE/QUOTE:SETTLE` (linear `BTC/USDT:USDT`, inverse `BTC/USD:BTC`), futures
 * `BASE/QUOTE:SETTLE-YYMMDD` and options `BASE/QUOTE:SETTLE-YYMMDD-STRIKE-C|P`.
 * Each venue maps to one ccxt exchange id; `fromCcxt` also accepts `binance` for every
 * Binance market, since ccxt's `binance` class loads them all.
 */
import * as Either from "effect/Either"
import * as InstrumentIdError from "./InstrumentIdError.js"
import * as InstrumentKey from "./InstrumentKey.js"
import { formatKey } from "./internal/format.js"
import { fromYymmdd, toYymmdd } from "./internal/dates.js"
import { validateKey } from "./internal/validate.js"
import type * as Venue from "./Venue.js"

/** The ccxt exchange ids this library maps to and from. */
export type ExchangeId = "binance" | "binanceusdm" | "binancecoinm" | "bybit" | "okx" | "deribit"

/** A market as ccxt names it: the exchange class id and the unified symbol. */
export interface CcxtMarket {
  readonly exchange: ExchangeId
  readonly symbol: string
}

type Key = InstrumentKey.InstrumentKey
type Result<A> = Either.Either<A, InstrumentIdError.InstrumentIdError>

const EXCHANGE_OF_VENUE: { readonly [V in Venue.Venue]: ExchangeId | undefined } = {
  "BINANCE-SPOT": "binance",
  "BINANCE-FUTURES": "binanceusdm",
  "BINANCE-COINM": "binancecoinm",
  // ccxt has no separate class for Binance options: the `binance` class trades them.
  "BINANCE-OPTIONS": "binance",
  BYBIT: "bybit",
  OKX: "okx",
  DERIBIT: "deribit",
  IB: undefined
}

/** The ccxt exchange id and unified symbol of a crypto instrument (IB ids are not expressible). */
export const toCcxt = (key: Key): Result<CcxtMarket> => {
  const exchange = EXCHANGE_OF_VENUE[key.venue]
  if (exchange === undefined) {
    return Either.left(
      InstrumentIdError.make("NotExpressible", formatKey(key), `ccxt has no exchange for venue ${key.venue}`)
    )
  }
  const pair = key.base + "/" + key.quote
  const settle = InstrumentKey.settlementCurrency(key)
  let symbol: string
  switch (key.type) {
    case "SPOT_PAIR":
      symbol = pair
      break
    case "PERPETUAL":
      symbol = pair + ":" + settle
      break
    case "FUTURE":
      symbol = pair + ":" + settle + "-" + toYymmdd(key.expiry!)
      break
    case "OPTION":
      symbol = pair + ":" + settle + "-" + toYymmdd(key.expiry!) + "-" + key.strike + "-" + key.right
      break
    default:
      return Either.left(
        InstrumentIdError.make("NotExpressible", formatKey(key), `ccxt has no ${key.type} on ${key.venue}`)
      )
  }
  return Either.right({ exchange, symbol })
}

type Kind = "spot" | "linear" | "inverse" | "option"

const venueOf = (exchange: string, kind: Kind): Venue.Venue | undefined => {
  switch (exchange) {
    case "binance":
      return kind === "spot"
        ? "BINANCE-SPOT"
        : kind === "linear"
          ? "BINANCE-FUTURES"
          : kind === "inverse"
            ? "BINANCE-COINM"
            : "BINANCE-OPTIONS"
    case "binanceusdm":
      return kind === "linear" ? "BINANCE-FUTURES" : undefined
    case "binancecoinm":
      return kind === "inverse" ? "BINANCE-COINM" : undefined
    case "bybit":
      return "BYBIT"
    case "okx":
      return "OKX"
    case "deribit":
      return "DERIBIT"
    default:
      return undefined
  }
}

const KNOWN: ReadonlySet<string> = new Set<ExchangeId>(["binance", "binanceusdm", "binancecoinm", "bybit", "okx", "deribit"])
const KNOWN_EXCHANGES = `known exchanges: ${[...KNOWN].join(", ")}`

/**
 * The canonical key of a ccxt market. Quanto contracts (settled in neither base nor
 * quote) have no canonical form and are refused.
 */
export const fromCcxt = (exchange: string, symbol: string): Result<Key> => {
  const input = `${exchange} ${symbol}`
  const bad = (detail: string) => Either.left(InstrumentIdError.make("InvalidVenueForm", input, detail))
  if (!KNOWN.has(exchange)) {
    return Either.left(
      InstrumentIdError.make("NotExpressible", input, `unknown ccxt exchange ${JSON.stringify(exchange)}`, KNOWN_EXCHANGES)
    )
  }
  const slash = symbol.indexOf("/")
  if (slash <= 0) return bad("ccxt symbol has no BASE/QUOTE")
  const colon = symbol.indexOf(":", slash)
  const base = symbol.slice(0, slash)
  const quote = symbol.slice(slash + 1, colon < 0 ? symbol.length : colon)
  let kind: Kind
  let settle: string | undefined
  let fields: { -readonly [K in keyof Key]: Key[K] }
  if (colon < 0) {
    kind = "spot"
    fields = { venue: "BINANCE-SPOT", type: "SPOT_PAIR", base, quote }
  } else {
    const rest = symbol.slice(colon + 1).split("-")
    settle = rest[0]!
    const inverse = settle === base && settle !== quote
    if (!inverse && settle !== quote) {
      return Either.left(
        InstrumentIdError.make("NotExpressible", input, `settlement ${settle} is neither base nor quote (quanto)`)
      )
    }
    if (rest.length === 1) {
      kind = inverse ? "inverse" : "linear"
      fields = { venue: "BINANCE-SPOT", type: "PERPETUAL", base, quote }
    } else {
      const expiry = fromYymmdd(rest[1]!)
      if (expiry === undefined) return bad(`expiry ${JSON.stringify(rest[1])} is not a YYMMDD date`)
      if (rest.length === 2) {
        kind = inverse ? "inverse" : "linear"
        fields = { venue: "BINANCE-SPOT", type: "FUTURE", base, quote, expiry }
      } else if (rest.length === 4 && (rest[3] === "C" || rest[3] === "P")) {
        kind = "option"
        fields = { venue: "BINANCE-SPOT", type: "OPTION", base, quote, expiry, strike: rest[2]!, right: rest[3] }
      } else {
        return bad("ccxt symbol is not BASE/QUOTE[:SETTLE[-YYMMDD[-STRIKE-C|P]]]")
      }
    }
    if (inverse && kind !== "option") fields.qualifier = "INV"
  }
  const venue = venueOf(exchange, kind)
  if (venue === undefined) {
    return Either.left(InstrumentIdError.make("NotExpressible", input, `ccxt ${exchange} lists no ${kind} markets`))
  }
  fields.venue = venue
  const error = validateKey(fields, input)
  if (error !== undefined) return Either.left(error)
  // Options carry no @INV: the quote implies the settlement, so the symbol's must agree.
  if (kind === "option" && settle !== InstrumentKey.settlementCurrency(fields)) {
    return Either.left(
      InstrumentIdError.make(
        "NotExpressible",
        input,
        `option settled in ${settle} has no canonical id`,
        "canonical crypto options settle in the base coin when quoted in USD, otherwise in the quote"
      )
    )
  }
  return Either.right(fields)
}
