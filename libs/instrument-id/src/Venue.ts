/**
 * The venues a canonical id may name, and what each one lists. The list is closed on
 * purpose: a typo in a venue fails at parse time, and every converter can switch over
 * venues exhaustively. Adding a venue means adding it here with its capabilities.
 */
import * as Schema from "effect/Schema"
import type { Chain, InstrumentType } from "./InstrumentKey.js"

/** The optional first part of an id; it is implied by the venue and only checked against it. */
export const AssetClass = Schema.Literal("CRYPTO", "TRADFI")

/** The optional first part of an id; it is implied by the venue and only checked against it. */
export type AssetClass = typeof AssetClass.Type

/**
 * Venue codes. Binance is four venues because it runs four separate markets with their
 * own APIs, keys and ccxt classes: spot, USD-M futures, COIN-M futures and options.
 */
export const Venue = Schema.Literal(
  "BINANCE-SPOT",
  "BINANCE-FUTURES",
  "BINANCE-COINM",
  "BINANCE-OPTIONS",
  "BYBIT",
  "OKX",
  "DERIBIT",
  "IB"
)

/** A venue code. */
export type Venue = typeof Venue.Type

/** Every venue code, in a stable order. */
export const all: ReadonlyArray<Venue> = Venue.literals

/** What a venue lists; `parse` refuses ids outside it. */
export interface Capabilities {
  /** The asset class an explicit `ASSET_CLASS:` prefix must match. */
  readonly assetClass: AssetClass
  /** The instrument types the venue lists. */
  readonly types: ReadonlyArray<InstrumentType>
  /** Whether it lists linear (quote-settled) perpetuals and futures. */
  readonly linear: boolean
  /** Whether it lists inverse (base-settled, `@INV`) perpetuals and futures. */
  readonly inverse: boolean
  /** Whether payloads may end with `-EXCHANGE` (the listing exchange; IB only). */
  readonly exchangeSuffix: boolean
  /** The chains an on-chain venue accepts as `@CHAIN`; empty for off-chain venues. */
  readonly chains: ReadonlyArray<Chain>
}

const crypto = (types: ReadonlyArray<InstrumentType>, linear: boolean, inverse: boolean): Capabilities => ({
  assetClass: "CRYPTO",
  types,
  linear,
  inverse,
  exchangeSuffix: false,
  chains: []
})

const ALL_CRYPTO: ReadonlyArray<InstrumentType> = ["SPOT_PAIR", "PERPETUAL", "FUTURE", "OPTION"]

/** The capabilities of every venue. */
export const capabilities: { readonly [V in Venue]: Capabilities } = {
  "BINANCE-SPOT": crypto(["SPOT_PAIR"], true, false),
  "BINANCE-FUTURES": crypto(["PERPETUAL", "FUTURE"], true, false),
  "BINANCE-COINM": crypto(["PERPETUAL", "FUTURE"], false, true),
  "BINANCE-OPTIONS": crypto(["OPTION"], true, false),
  BYBIT: crypto(ALL_CRYPTO, true, true),
  OKX: crypto(ALL_CRYPTO, true, true),
  DERIBIT: crypto(ALL_CRYPTO, true, true),
  IB: {
    assetClass: "TRADFI",
    types: ["EQUITY", "FUTURE", "OPTION", "FUTURE_OPTION", "SPOT_PAIR"],
    linear: true,
    inverse: false,
    exchangeSuffix: true,
    chains: []
  }
}

/** Whether `s` is a venue code (a cheap guard for untyped input). */
export const isVenue = (s: string): s is Venue => Object.prototype.hasOwnProperty.call(capabilities, s)
