/**
 * Market events as plain objects: trades, top-of-book quotes and order-book level
 * updates. Prices and sizes are integer units at the instrument's price and size
 * scales (`price / 10^priceScale`), so converting to exact decimal text is lossless.
 * The hot path uses the columnar form (`EventBatch`) instead; these objects are for
 * tests, tools and the CLI.
 */
import { formatUnits } from "./internal/units.js"
import * as Timestamp from "./Timestamp.js"

/** The kinds of data the catalog stores, one Parquet file family each. */
export type Kind = "trades" | "quotes" | "book"

/** Every kind, in the default tie-break order of a merged read (see `MergedCursor`). */
export const kinds: ReadonlyArray<Kind> = ["trades", "quotes", "book"]

/** True for a kind name. */
export const isKind = (u: unknown): u is Kind => u === "trades" || u === "quotes" || u === "book"

/** Taker side of a trade: +1 the buyer took liquidity, -1 the seller did, 0 the venue did not say. */
export type Aggressor = 1 | -1 | 0

/** Aggressor code of a taker buy. */
export const BUY = 1
/** Aggressor code of a taker sell. */
export const SELL = -1
/** Aggressor code when the venue does not say. */
export const NO_AGGRESSOR = 0

/** Book side code of a bid level. */
export const BID = 1
/** Book side code of an ask level. */
export const ASK = -1

/** Book row flag: the row belongs to a full snapshot of the book. */
export const F_SNAPSHOT = 1
/** Book row flag: clear both sides before applying this row (first row of a snapshot). */
export const F_CLEAR = 2
/** Book row flag: last row of one venue message; the book is consistent after applying it. */
export const F_LAST = 4
/** Book row flag: a snapshot the catalog wrote at the start of a day file, not one the venue sent. */
export const F_SYNTHETIC = 8

/** One trade. */
export interface Trade {
  readonly kind: "trades"
  readonly instrument: string
  /** Exchange time, ns since the epoch. */
  readonly ts: bigint
  /** Local receive time, ns since the epoch; 0n when the source did not record one. */
  readonly tsRecv: bigint
  readonly price: number
  readonly size: number
  readonly aggressor: Aggressor
  readonly tradeId: string
  readonly priceScale: number
  readonly sizeScale: number
}

/** Best bid and ask. A side with size 0 is empty (price 0). */
export interface Quote {
  readonly kind: "quotes"
  readonly instrument: string
  readonly ts: bigint
  readonly tsRecv: bigint
  readonly bidPrice: number
  readonly bidSize: number
  readonly askPrice: number
  readonly askSize: number
  readonly priceScale: number
  readonly sizeScale: number
}

/**
 * One order-book level update. Size 0 deletes the level. Snapshot rows carry
 * `F_SNAPSHOT` (the first also `F_CLEAR`); the last row of each venue message carries
 * `F_LAST`.
 */
export interface BookUpdate {
  readonly kind: "book"
  readonly instrument: string
  readonly ts: bigint
  readonly tsRecv: bigint
  /** The venue's update id (Binance `u`, Bybit `u`, Deribit `change_id`). */
  readonly seq: bigint
  readonly flags: number
  /** `BID` (1) or `ASK` (-1). */
  readonly side: 1 | -1
  readonly price: number
  readonly size: number
  readonly priceScale: number
  readonly sizeScale: number
}

/** Any market event. */
export type MarketEvent = Trade | Quote | BookUpdate

const sideName = (a: number): "BUY" | "SELL" | null => (a === BUY ? "BUY" : a === SELL ? "SELL" : null)

const flagNames = (flags: number): Array<string> => {
  const out: Array<string> = []
  if (flags & F_SNAPSHOT) out.push("snapshot")
  if (flags & F_CLEAR) out.push("clear")
  if (flags & F_LAST) out.push("last")
  if (flags & F_SYNTHETIC) out.push("synthetic")
  return out
}

/**
 * The JSON form used by tools (one object per line in `odum data head --json`): exact
 * decimal strings for prices and sizes, ns times as decimal strings plus an ISO time.
 */
export const toJson = (e: MarketEvent): Record<string, unknown> => {
  const base = { kind: e.kind, instrument: e.instrument, ts: e.ts.toString(), time: Timestamp.toIso(e.ts) }
  const recv = e.tsRecv === 0n ? {} : { tsRecv: e.tsRecv.toString() }
  switch (e.kind) {
    case "trades":
      return {
        ...base,
        ...recv,
        price: formatUnits(e.price, e.priceScale),
        size: formatUnits(e.size, e.sizeScale),
        aggressor: sideName(e.aggressor),
        tradeId: e.tradeId
      }
    case "quotes":
      return {
        ...base,
        ...recv,
        bidPrice: formatUnits(e.bidPrice, e.priceScale),
        bidSize: formatUnits(e.bidSize, e.sizeScale),
        askPrice: formatUnits(e.askPrice, e.priceScale),
        askSize: formatUnits(e.askSize, e.sizeScale)
      }
    case "book":
      return {
        ...base,
        ...recv,
        seq: e.seq.toString(),
        side: e.side === BID ? "BID" : "ASK",
        price: formatUnits(e.price, e.priceScale),
        size: formatUnits(e.size, e.sizeScale),
        flags: flagNames(e.flags)
      }
  }
}
