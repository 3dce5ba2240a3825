/**
 * Instrument definitions as the catalog stores them (the "instruments store",
 * `<root>/instruments/<VENUE>.json`): what the venue calls the instrument, its tick and
 * lot sizes, contract size, fees, and the price and size scales of its stored units.
 *
 * Scales: every price in the catalog is `units / 10^priceScale`, every size
 * `units / 10^sizeScale`. An import picks the smallest scales that represent both the
 * definition's tick/lot sizes and every value in the data, and a scale only ever grows:
 * files written at a smaller scale are multiplied up when read (exact).
 */
import { InstrumentId } from "@odum/instrument-id"
import * as Schema from "effect/Schema"
import { decimalsOfText, formatUnits } from "./internal/units.js"

const DecimalText = Schema.String.pipe(
  Schema.pattern(/^-?\d+(\.\d+)?$/),
  Schema.annotations({ identifier: "DecimalText", description: "an exact decimal string such as 0.10" })
)

const Scale = Schema.Int.pipe(Schema.between(0, 18))

const optional = <S extends Schema.Schema.Any>(s: S) => Schema.optionalWith(s, { exact: true })

/** One instrument's definition. */
export const InstrumentDefinition = Schema.Struct({
  /** Canonical id, e.g. `BINANCE-FUTURES:PERPETUAL:BTC-USDT`. */
  id: InstrumentId.InstrumentIdString,
  /** The venue's own symbol (`BTCUSDT`, `BTC-PERPETUAL`), how raw feeds name it. */
  venueSymbol: Schema.String,
  base: Schema.String,
  quote: Schema.String,
  /** Settlement currency of derivatives; absent for spot pairs. */
  settle: optional(Schema.String),
  /** Price increment. */
  tickSize: DecimalText,
  /** Quantity increment, in the unit sizes are stored in (base coin, or contracts). */
  lotSize: DecimalText,
  /** Smallest order quantity, when the source gives it. */
  minSize: optional(DecimalText),
  /** Smallest order notional in the quote currency, when the source gives it. */
  minNotional: optional(DecimalText),
  /** Value of one contract (1 for spot and linear contracts sized in the base coin). */
  contractSize: DecimalText,
  /**
   * What sizes count: the base coin (spot, linear contracts, options), the quote currency
   * (Deribit and Bybit inverse contracts are sized in USD), or contracts of `contractSize`
   * (Binance COIN-M).
   */
  sizeUnit: Schema.Literal("base", "quote", "contracts"),
  /** Maker fee as a fraction of notional (negative is a rebate), when the source gives it. */
  makerFee: optional(DecimalText),
  /** Taker fee as a fraction of notional, when the source gives it. */
  takerFee: optional(DecimalText),
  /** Expiry instant (ISO-8601) of futures and options. */
  expiry: optional(Schema.String),
  /** Strike of options, in the quote currency. */
  strike: optional(DecimalText),
  optionRight: optional(Schema.Literal("C", "P")),
  /** Digits after the point of stored price units. */
  priceScale: Scale,
  /** Digits after the point of stored size units. */
  sizeScale: Scale,
  /** Where the definition came from (file names), latest last. */
  sources: Schema.Array(Schema.String)
}).annotations({ identifier: "InstrumentDefinition" })

/** One instrument's definition. */
export type InstrumentDefinition = typeof InstrumentDefinition.Type

/** The JSON document of one venue's definitions, sorted by id. */
export const VenueDefinitions = Schema.Struct({
  version: Schema.Literal(1),
  venue: Schema.String,
  instruments: Schema.Array(InstrumentDefinition)
})

/** The JSON document of one venue's definitions. */
export type VenueDefinitions = typeof VenueDefinitions.Type

/** The venue part of a canonical id (after the optional asset-class prefix). */
export const venueOf = (id: string): string => {
  const parts = id.split(":")
  return parts.length >= 4 ? parts[1]! : parts[0]!
}

/**
 * The id as one path segment: `:` becomes `+` (canonical ids never hold `+`, `/` or
 * `%`), so paths stay readable and safe on every filesystem and in object names.
 */
export const escapeId = (id: string): string => id.replaceAll(":", "+")

/** Inverse of `escapeId`. */
export const unescapeId = (segment: string): string => segment.replaceAll("+", ":")

/** Smallest scales that represent the definition's own tick, lot and minimum sizes. */
export const minimalScales = (
  d: Pick<InstrumentDefinition, "tickSize" | "lotSize" | "minSize">
): { priceScale: number; sizeScale: number } => ({
  priceScale: decimalsOfText(d.tickSize),
  sizeScale: Math.max(decimalsOfText(d.lotSize), d.minSize === undefined ? 0 : decimalsOfText(d.minSize))
})

/** A price in units of this instrument as exact decimal text. */
export const formatPrice = (d: Pick<InstrumentDefinition, "priceScale">, units: number): string =>
  formatUnits(units, d.priceScale)

/** A size in units of this instrument as exact decimal text. */
export const formatSize = (d: Pick<InstrumentDefinition, "sizeScale">, units: number): string =>
  formatUnits(units, d.sizeScale)

/**
 * Merges a new definition of the same id into an existing one: fields the new source
 * gives win, fields it lacks are kept (LEAN's table has no fees, ccxt's has them), scales
 * never shrink, sources accumulate.
 */
export const merge = (existing: InstrumentDefinition, update: InstrumentDefinition): InstrumentDefinition => {
  const sources = [...existing.sources.filter((s) => !update.sources.includes(s)), ...update.sources]
  return {
    ...existing,
    ...update,
    priceScale: Math.max(existing.priceScale, update.priceScale),
    sizeScale: Math.max(existing.sizeScale, update.sizeScale),
    sources
  }
}
