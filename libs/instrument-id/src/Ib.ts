/**
 * Interactive Brokers contracts, with the field names and values @stoqey/ib uses
 * (`secType` "STK" | "OPT" | "FUT" | "FOP" | "CASH", `right` "C" | "P", numeric `strike`
 * and `multiplier`). The adapter passes the result to @stoqey/ib as a `Contract`.
 *
 * Mapping (the id's optional `-EXCHANGE` suffix is the listing exchange):
 * - `IB:EQUITY:AAPL-USD[-NASDAQ]`        STK, routed SMART, primaryExch from the suffix
 * - `IB:OPTION:AAPL-USD-150-20241220-C`  OPT, SMART unless the suffix names an exchange, multiplier 100
 * - `IB:FUTURE:ES-USD-20241220[-CME]`    FUT on the suffix's exchange, or the usual one for well-known roots
 * - `IB:FUTURE_OPTION:ES-USD-5000-20241220-C[-CME]`  FOP, exchange as for futures
 * - `IB:SPOT_PAIR:EUR-USD`                CASH on IDEALPRO
 * IB symbols with a space (`BRK B`) are written with a dot (`BRK.B`).
 */
import * as Either from "effect/Either"
import * as InstrumentIdError from "./InstrumentIdError.js"
import type * as InstrumentKey from "./InstrumentKey.js"
import { expiryProblem } from "./internal/dates.js"
import { formatKey } from "./internal/format.js"
import { validateKey } from "./internal/validate.js"

/** The IB security types a canonical id maps to. */
export type SecType = "STK" | "OPT" | "FUT" | "FOP" | "CASH"

/** An IB contract as @stoqey/ib writes it (the subset that identifies an instrument). */
export interface IbContract {
  readonly symbol: string
  readonly secType: SecType
  readonly exchange: string
  readonly primaryExch?: string
  readonly currency: string
  /** `YYYYMMDD`, the last trade date. */
  readonly lastTradeDateOrContractMonth?: string
  readonly strike?: number
  readonly right?: "C" | "P"
  readonly multiplier?: number
}

/** What `fromIb` reads: an @stoqey/ib `Contract` or contract details' `contract`, loosely typed. */
export interface IbContractLike {
  readonly symbol?: string | undefined
  readonly secType?: string | undefined
  readonly exchange?: string | undefined
  readonly primaryExch?: string | undefined
  readonly currency?: string | undefined
  readonly lastTradeDateOrContractMonth?: string | undefined
  readonly strike?: number | undefined
  readonly right?: string | undefined
  readonly multiplier?: number | string | undefined
}

/** The standard contract size of US equity and index options, written on every OPT contract. */
export const OPTION_MULTIPLIER = 100

/**
 * Where the common futures roots are listed, used when a FUTURE or FUTURE_OPTION id
 * names no exchange. Any other root needs the exchange in the id.
 */
export const DEFAULT_FUTURES_EXCHANGE: { readonly [root: string]: string } = {
  ES: "CME",
  MES: "CME",
  NQ: "CME",
  MNQ: "CME",
  RTY: "CME",
  M2K: "CME",
  YM: "CBOT",
  MYM: "CBOT",
  ZB: "CBOT",
  ZN: "CBOT",
  ZF: "CBOT",
  ZT: "CBOT",
  ZC: "CBOT",
  ZS: "CBOT",
  ZW: "CBOT",
  CL: "NYMEX",
  MCL: "NYMEX",
  NG: "NYMEX",
  RB: "NYMEX",
  HO: "NYMEX",
  GC: "COMEX",
  MGC: "COMEX",
  SI: "COMEX",
  HG: "COMEX",
  VIX: "CFE"
}

type Key = InstrumentKey.InstrumentKey
type Result<A> = Either.Either<A, InstrumentIdError.InstrumentIdError>

const defaultFuturesExchange = (root: string): string | undefined =>
  Object.prototype.hasOwnProperty.call(DEFAULT_FUTURES_EXCHANGE, root) ? DEFAULT_FUTURES_EXCHANGE[root] : undefined

/** IB strikes are doubles; refuse a strike the double cannot carry exactly. */
const strikeNumber = (strike: string): number | undefined => {
  const n = Number(strike)
  return Number.isFinite(n) && String(n) === strike ? n : undefined
}

/** The IB contract of an IB instrument; other venues' instruments are not expressible. */
export const toIb = (key: Key): Result<IbContract> => {
  const id = formatKey(key)
  const notExpressible = (detail: string, hint?: string) =>
    Either.left(InstrumentIdError.make("NotExpressible", id, detail, hint))
  if (key.venue !== "IB") return notExpressible(`venue ${key.venue} is not Interactive Brokers`)
  const symbol = key.base.replace(/\./g, " ")
  const currency = key.quote
  switch (key.type) {
    case "EQUITY":
      return Either.right(
        key.exchange === undefined
          ? { symbol, secType: "STK", exchange: "SMART", currency }
          : { symbol, secType: "STK", exchange: "SMART", primaryExch: key.exchange, currency }
      )
    case "SPOT_PAIR":
      return Either.right({ symbol, secType: "CASH", exchange: key.exchange ?? "IDEALPRO", currency })
    case "FUTURE":
    case "FUTURE_OPTION": {
      const exchange = key.exchange ?? defaultFuturesExchange(key.base)
      if (exchange === undefined) {
        return notExpressible(
          `IB needs the exchange of ${key.base} futures`,
          `append it to the payload, e.g. ${formatKey({ ...key, exchange: "CME" })}`
        )
      }
      if (key.type === "FUTURE") {
        return Either.right({
          symbol,
          secType: "FUT",
          exchange,
          currency,
          lastTradeDateOrContractMonth: key.expiry!
        })
      }
      const strike = strikeNumber(key.strike!)
      if (strike === undefined) return notExpressible(`strike ${key.strike} does not fit IB's double`)
      return Either.right({
        symbol,
        secType: "FOP",
        exchange,
        currency,
        lastTradeDateOrContractMonth: key.expiry!,
        strike,
        right: key.right!
      })
    }
    case "OPTION": {
      const strike = strikeNumber(key.strike!)
      if (strike === undefined) return notExpressible(`strike ${key.strike} does not fit IB's double`)
      return Either.right({
        symbol,
        secType: "OPT",
        exchange: key.exchange ?? "SMART",
        currency,
        lastTradeDateOrContractMonth: key.expiry!,
        strike,
        right: key.right!,
        multiplier: OPTION_MULTIPLIER
      })
    }
    default:
      return notExpressible(`IB has no ${key.type}`)
  }
}

/**
 * The canonical key of an IB contract. Needs symbol, secType and currency; dated
 * contracts need a full `YYYYMMDD` last trade date (a bare contract month is refused),
 * options a strike and right. An exchange equal to the default `toIb` would fill in is
 * left out, so `toIb(fromIb(c))` gives back `c`.
 */
export const fromIb = (contract: IbContractLike): Result<Key> => {
  const input = JSON.stringify(contract)
  const bad = (detail: string) => Either.left(InstrumentIdError.make("InvalidVenueForm", input, detail))
  const { currency, secType, symbol } = contract
  if (symbol === undefined || symbol === "") return bad("IB contract has no symbol")
  if (currency === undefined || currency === "") return bad("IB contract has no currency")
  if (symbol.includes(".")) {
    return Either.left(InstrumentIdError.make("NotExpressible", input, `IB symbol ${JSON.stringify(symbol)} contains a dot`))
  }
  const base = symbol.replace(/ /g, ".")
  const exchange = contract.exchange === "" ? undefined : contract.exchange
  let key: { -readonly [K in keyof Key]: Key[K] }
  switch (secType) {
    case "STK": {
      key = { venue: "IB", type: "EQUITY", base, quote: currency }
      const listing = contract.primaryExch || (exchange === "SMART" ? undefined : exchange)
      if (listing) key.exchange = listing
      break
    }
    case "CASH":
      key = { venue: "IB", type: "SPOT_PAIR", base, quote: currency }
      if (exchange !== undefined && exchange !== "IDEALPRO") key.exchange = exchange
      break
    case "FUT":
    case "FOP":
    case "OPT": {
      const expiry = contract.lastTradeDateOrContractMonth
      if (expiry === undefined) return bad(`${secType} contract has no lastTradeDateOrContractMonth`)
      if (expiryProblem(expiry) !== undefined) {
        return bad(`lastTradeDateOrContractMonth ${JSON.stringify(expiry)} is not a YYYYMMDD last trade date`)
      }
      if (secType === "FUT") {
        key = { venue: "IB", type: "FUTURE", base, quote: currency, expiry }
      } else {
        const { right, strike } = contract
        if (strike === undefined || !Number.isFinite(strike) || strike <= 0) return bad(`${secType} contract has no strike`)
        const r = right === "C" || right === "CALL" ? "C" : right === "P" || right === "PUT" ? "P" : undefined
        if (r === undefined) return bad(`${secType} contract right ${JSON.stringify(right)} is not C, P, CALL or PUT`)
        key = {
          venue: "IB",
          type: secType === "OPT" ? "OPTION" : "FUTURE_OPTION",
          base,
          quote: currency,
          expiry,
          strike: String(strike),
          right: r
        }
        if (secType === "OPT" && contract.multiplier !== undefined && Number(contract.multiplier) !== OPTION_MULTIPLIER) {
          return Either.left(
            InstrumentIdError.make("NotExpressible", input, `option multiplier ${contract.multiplier} is not ${OPTION_MULTIPLIER}`)
          )
        }
      }
      if (secType === "OPT") {
        if (exchange !== undefined && exchange !== "SMART") key.exchange = exchange
      } else {
        if (exchange === undefined) return bad(`${secType} contract has no exchange`)
        if (exchange !== defaultFuturesExchange(base)) key.exchange = exchange
      }
      break
    }
    default:
      return Either.left(
        InstrumentIdError.make("NotExpressible", input, `IB secType ${JSON.stringify(secType)} has no canonical id`)
      )
  }
  const error = validateKey(key, input)
  return error === undefined ? Either.right(key) : Either.left(error)
}
