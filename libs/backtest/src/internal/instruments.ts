/**
 * From the config and the catalog's instrument definitions to what the engine runs on:
 * the data instruments to replay (in a fixed order: the order the config first names
 * them), each listing's domain `InstrumentSpec` (fees from the config when it sets them)
 * and the integer scales its matching engine runs at, so catalog units feed it as they are.
 */
import { Decimal, type InstrumentSpec } from "@odum/domain"
import { InstrumentId } from "@odum/instrument-id"
import type { Instrument } from "@odum/marketdata"
import * as Either from "effect/Either"
import { intern } from "./intern.js"
import type { BacktestConfig } from "../BacktestConfig.js"

/** A listing ready for the engine. */
export interface ListingPlan {
  readonly venue: string
  readonly venueIndex: number
  readonly spec: InstrumentSpec.InstrumentSpec
  /** Index of its market data in `Plan.data`. */
  readonly dataIndex: number
  /** The scales its engine runs at: those of its market data. */
  readonly priceScale: number
  readonly sizeScale: number
  /** The config path of the listing, for messages. */
  readonly path: string
}

/** A data instrument (one replayed catalog instrument). */
export interface DataPlan {
  readonly id: string
  readonly definition: Instrument.InstrumentDefinition
  /** Indexes into `Plan.listings` of the listings it feeds. */
  readonly listings: ReadonlyArray<number>
}

/** What the engine runs on. */
export interface Plan {
  readonly data: ReadonlyArray<DataPlan>
  readonly listings: ReadonlyArray<ListingPlan>
  /** Listing index by canonical id. */
  readonly listingIndex: ReadonlyMap<string, number>
}

/** The data instruments a config replays, in the order it first names them (the merge's tie-break order). */
export const dataInstruments = (config: BacktestConfig): ReadonlyArray<{ readonly id: string; readonly path: string }> => {
  const out: Array<{ id: string; path: string }> = []
  const seen = new Set<string>()
  config.venues.forEach((v, vi) =>
    v.instruments.forEach((l, li) => {
      const id = l.marketData ?? l.instrument
      if (!seen.has(id)) {
        seen.add(id)
        out.push({ id, path: `venues[${vi}].instruments[${li}].${l.marketData === undefined ? "instrument" : "marketData"}` })
      }
    })
  )
  return out
}

const decimalsOf = (d: Decimal.Decimal): number => d.scale

const KINDS: Record<string, InstrumentSpec.InstrumentKind | undefined> = {
  SPOT_PAIR: "SPOT",
  PERPETUAL: "PERPETUAL",
  FUTURE: "FUTURE",
  OPTION: "OPTION"
}

/**
 * The domain spec of a catalog definition. Inverse (`@INV`) contracts sized in the quote
 * currency (Deribit, Bybit) count one contract per quote unit (`contractSize` 1), since
 * their stored sizes are in that currency; other sizes are contracts of `contractSize`.
 */
export const specOf = (
  def: Instrument.InstrumentDefinition,
  fees: { readonly maker: Decimal.Decimal; readonly taker: Decimal.Decimal } | undefined
): Either.Either<InstrumentSpec.InstrumentSpec, string> => {
  const key = InstrumentId.parse(def.id)
  if (Either.isLeft(key)) return Either.left(key.left.message)
  const k = key.right
  const kind = KINDS[k.type]
  if (kind === undefined) return Either.left(`${def.id}: instrument type ${k.type} is not simulated`)
  const maker = fees?.maker ?? (def.makerFee === undefined ? undefined : Decimal.unsafeFromString(def.makerFee))
  const taker = fees?.taker ?? (def.takerFee === undefined ? undefined : Decimal.unsafeFromString(def.takerFee))
  if (maker === undefined || taker === undefined) {
    return Either.left(`${def.id}: the catalog gives no fee rates for it; set "fees" on the listing or its venue`)
  }
  const inverse = k.qualifier === "INV"
  const expiry = def.expiry === undefined ? undefined : Date.parse(def.expiry)
  if (expiry !== undefined && Number.isNaN(expiry)) return Either.left(`${def.id}: expiry ${JSON.stringify(def.expiry)} is not a date`)
  const spec: InstrumentSpec.InstrumentSpec = {
    canonicalId: intern(def.id),
    venue: intern(k.venue) as InstrumentSpec.InstrumentSpec["venue"],
    baseAsset: intern(def.base),
    quoteAsset: intern(def.quote),
    settlementAsset: intern(def.settle ?? (inverse ? def.base : def.quote)),
    kind,
    tickSize: Decimal.unsafeFromString(def.tickSize),
    lotSize: Decimal.unsafeFromString(def.lotSize),
    minQuantity: def.minSize === undefined ? Decimal.zero : Decimal.unsafeFromString(def.minSize),
    ...(def.minNotional === undefined ? {} : { minNotional: Decimal.unsafeFromString(def.minNotional) }),
    makerFee: maker,
    takerFee: taker,
    contractSize: inverse && def.sizeUnit === "quote" ? Decimal.one : Decimal.unsafeFromString(def.contractSize),
    contractType: inverse ? "INVERSE" : "LINEAR",
    ...(expiry === undefined ? {} : { expiry }),
    ...(def.strike === undefined ? {} : { strike: Decimal.unsafeFromString(def.strike) }),
    ...(def.optionRight === undefined ? {} : { right: def.optionRight === "C" ? ("CALL" as const) : ("PUT" as const) })
  }
  return Either.right(spec)
}

/**
 * The plan of a config over the definitions it needs (`definitions` maps every listing id
 * and every data instrument id to its definition). Issues name the config path.
 */
export const plan = (
  config: BacktestConfig,
  definitions: ReadonlyMap<string, Instrument.InstrumentDefinition>
): Either.Either<Plan, ReadonlyArray<string>> => {
  const issues: Array<string> = []
  const data = dataInstruments(config)
  const dataIndex = new Map(data.map((d, i) => [d.id, i]))
  const feeds: Array<Array<number>> = data.map(() => [])
  const listings: Array<ListingPlan> = []
  const listingIndex = new Map<string, number>()
  config.venues.forEach((v, vi) =>
    v.instruments.forEach((l, li) => {
      const path = `venues[${vi}].instruments[${li}]`
      const def = definitions.get(l.instrument)
      const dataId = l.marketData ?? l.instrument
      const dataDef = definitions.get(dataId)
      if (def === undefined || dataDef === undefined) return // reported by the caller
      const spec = specOf(def, l.fees ?? v.fees)
      if (Either.isLeft(spec)) {
        issues.push(`${path}.instrument: ${spec.left}`)
        return
      }
      const s = spec.right
      if (decimalsOf(s.tickSize) > dataDef.priceScale || decimalsOf(s.lotSize) > dataDef.sizeScale) {
        issues.push(
          `${path}.marketData: ${dataId}'s prices and sizes (scales ${dataDef.priceScale}/${dataDef.sizeScale}) cannot carry ${l.instrument}'s tick ${Decimal.format(s.tickSize)} and lot ${Decimal.format(s.lotSize)}`
        )
        return
      }
      const di = dataIndex.get(dataId)!
      listingIndex.set(l.instrument, listings.length)
      feeds[di]!.push(listings.length)
      listings.push({ venue: v.venue, venueIndex: vi, spec: s, dataIndex: di, priceScale: dataDef.priceScale, sizeScale: dataDef.sizeScale, path })
    })
  )
  if (issues.length > 0) return Either.left(issues)
  return Either.right({
    data: data.map((d, i) => ({ id: d.id, definition: definitions.get(d.id)!, listings: feeds[i]! })),
    listings,
    listingIndex
  })
}
