/**
 * The structured form of a canonical instrument id. Every field is a plain string, so a
 * key is cheap to build, compare and serialise; `make` (and `InstrumentId.parse`) are the
 * only ways in that check the rules, and after that the key is trusted.
 */
import * as Either from "effect/Either"
import * as Equivalence_ from "effect/Equivalence"
import * as Schema from "effect/Schema"
import type { InstrumentIdError } from "./InstrumentIdError.js"
import { formatKey } from "./internal/format.js"
import { CHAINS, INSTRUMENT_TYPES, validateKey } from "./internal/validate.js"
import * as Venue from "./Venue.js"

/**
 * Instrument types. EQUITY and FUTURE_OPTION exist for Interactive Brokers; on IB,
 * SPOT_PAIR is a forex pair.
 */
export const InstrumentType = Schema.Literal(...INSTRUMENT_TYPES)

/** An instrument type. */
export type InstrumentType = (typeof INSTRUMENT_TYPES)[number]

/** C(all) or P(ut). */
export const OptionRight = Schema.Literal("C", "P")

/** C(all) or P(ut). */
export type OptionRight = typeof OptionRight.Type

/** Chains an on-chain venue may name with `@CHAIN` (no listed venue is on-chain yet). */
export const Chain = Schema.Literal(...CHAINS)

/** A chain name. */
export type Chain = typeof Chain.Type

/** The `@` suffix: `INV` (inverse, settled in the base coin) or a chain. */
export const Qualifier = Schema.Literal("INV", ...CHAINS)

/** The `@` suffix: `INV` (inverse, settled in the base coin) or a chain. */
export type Qualifier = typeof Qualifier.Type

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** The fields of a key without the cross-field rules (what `InstrumentKey` checks on top). */
export const Fields = Schema.Struct({
  /** Implied by the venue; kept only when the id spelled it. */
  assetClass: optional(Venue.AssetClass),
  venue: Venue.Venue,
  type: InstrumentType,
  /** The base asset, or the IB symbol (IB's `BRK B` is written `BRK.B`). */
  base: Schema.String,
  /** The quote asset, or the IB trading currency. */
  quote: Schema.String,
  /** `YYYYMMDD`: the expiry of futures and options (IB: the last trade date). */
  expiry: optional(Schema.String),
  /** Options only: the strike as an exact canonical decimal string (`50000`, `0.625`). */
  strike: optional(Schema.String),
  right: optional(OptionRight),
  /** IB only: the listing exchange (the primary exchange of a stock). */
  exchange: optional(Schema.String),
  qualifier: optional(Qualifier)
})

/** A valid instrument key: the fields plus every rule `InstrumentId.parse` enforces. */
export const InstrumentKey = Fields.pipe(
  Schema.filter((key) => validateKey(key, formatKey(key))?.message ?? true),
  Schema.annotations({ identifier: "InstrumentKey" })
)

/** The structured form of a canonical instrument id. */
export interface InstrumentKey extends Schema.Schema.Type<typeof Fields> {}

/** Checks a key built in code (or from another format) against every rule. */
export const make = (fields: InstrumentKey): Either.Either<InstrumentKey, InstrumentIdError> => {
  const error = validateKey(fields, formatKey(fields))
  return error === undefined ? Either.right(fields) : Either.left(error)
}

/**
 * Same instrument: every field equal except the asset class, which the venue implies
 * (`CRYPTO:BINANCE-SPOT:SPOT_PAIR:BTC-USDT` is `BINANCE-SPOT:SPOT_PAIR:BTC-USDT`).
 */
export const Equivalence: Equivalence_.Equivalence<InstrumentKey> = Equivalence_.make(
  (a, b) =>
    a.venue === b.venue &&
    a.type === b.type &&
    a.base === b.base &&
    a.quote === b.quote &&
    a.expiry === b.expiry &&
    a.strike === b.strike &&
    a.right === b.right &&
    a.exchange === b.exchange &&
    a.qualifier === b.qualifier
)

/**
 * The currency a derivative settles (and is margined) in, or `undefined` for spot pairs
 * and equities. Perpetuals and futures settle in the quote, or in the base with `@INV`.
 * Crypto options carry no `@INV`: one quoted in USD settles in its base coin (Deribit and
 * OKX BTC options), one quoted in a stablecoin settles in it. IB derivatives settle in
 * their currency.
 */
export const settlementCurrency = (key: InstrumentKey): string | undefined => {
  switch (key.type) {
    case "SPOT_PAIR":
    case "EQUITY":
      return undefined
    case "PERPETUAL":
    case "FUTURE":
      return key.qualifier === "INV" ? key.base : key.quote
    case "OPTION":
      return key.quote === "USD" && Venue.capabilities[key.venue].assetClass === "CRYPTO" ? key.base : key.quote
    case "FUTURE_OPTION":
      return key.quote
  }
}

/** Whether the derivative settles in its base asset (inverse, coin-margined). */
export const isInverse = (key: InstrumentKey): boolean =>
  key.type !== "SPOT_PAIR" && key.type !== "EQUITY" && settlementCurrency(key) === key.base
