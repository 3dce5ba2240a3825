/** Readers of the shared real market data (`/work/shared/data/real`, beside the repository). */
import { Decimal, InstrumentSpec } from "@odum/domain"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gunzipSync } from "node:zlib"

const path = (name: string) => fileURLToPath(new URL(`../../../../../shared/data/real/${name}`, import.meta.url))

/** The text of a real data file (gunzipped when it ends in .gz). */
export const readReal = (name: string): string =>
  name.endsWith(".gz") ? gunzipSync(readFileSync(path(name))).toString("utf8") : readFileSync(path(name), "utf8")

/** One line of an hftbacktest raw feed: `<local ns> <json>`. */
export const feedLine = (line: string): { readonly local: bigint; readonly json: any } => {
  const space = line.indexOf(" ")
  return { local: BigInt(line.slice(0, space)), json: JSON.parse(line.slice(space + 1)) }
}

/** The InstrumentSpec of a ccxt market in binance.json (tick, lot and limits from the raw filters, fees from ccxt). */
export const binanceSpec = (symbol: string, canonicalId: string, venue: string, overrides: Record<string, string> = {}) => {
  const m = JSON.parse(readReal("binance.json"))[symbol]
  const filter = (type: string) => m.info.filters.find((f: { filterType: string }) => f.filterType === type)
  return Schema.decodeUnknownSync(InstrumentSpec.InstrumentSpec)({
    canonicalId,
    venue,
    baseAsset: m.base,
    quoteAsset: m.quote,
    settlementAsset: m.settle ?? m.quote,
    kind: m.spot ? "SPOT" : "PERPETUAL",
    contractType: m.inverse ? "INVERSE" : "LINEAR",
    contractSize: String(m.contractSize ?? 1),
    tickSize: filter("PRICE_FILTER").tickSize,
    lotSize: filter("LOT_SIZE").stepSize,
    minQuantity: filter("LOT_SIZE").minQty,
    maxQuantity: filter("LOT_SIZE").maxQty,
    minNotional: filter("MIN_NOTIONAL").notional,
    makerFee: String(m.maker),
    takerFee: String(m.taker),
    ...overrides
  })
}

/** A decimal string in units of 10^-scale (exact; throws if it has more digits). */
export const units = (s: string, scale: number): number => Number(Decimal.toScaled(Decimal.unsafeFromString(s), scale))
