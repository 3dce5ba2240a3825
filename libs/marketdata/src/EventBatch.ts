/**
 * Columnar batches: the hot-path form of market events. One batch holds consecutive
 * rows of one instrument and one kind (one Parquet row group, trimmed to the query's
 * time range). Times are `BigInt64Array` ns (`ts`, exact) and, for hot loops, the same
 * instants as exact µs numbers (`tsMicros`) plus the ns within each µs (`tsNanos`):
 * reading a bigint per event allocates, reading a number does not. Prices and sizes are
 * integer units in `Float64Array`s (always safe integers, so exact) at the instrument's
 * scales.
 */
import type { BookUpdate, Kind, MarketEvent, Quote, Trade } from "./MarketEvent.js"
import { splitMicros } from "./Timestamp.js"

/** Trade ids: numeric ids stay INT64 (no string per row); other venues' ids are text. */
export type TradeIds = BigInt64Array | ReadonlyArray<string>

/** Trades of one instrument. */
export interface TradeBatch {
  readonly kind: "trades"
  readonly length: number
  readonly ts: BigInt64Array
  /** `ts` as exact µs since the epoch (floor). */
  readonly tsMicros: Float64Array
  /** `ts` modulo 1000: the ns within the µs. */
  readonly tsNanos: Uint16Array
  readonly tsRecv: BigInt64Array
  readonly price: Float64Array
  readonly size: Float64Array
  /** +1 taker buy, -1 taker sell, 0 unknown. */
  readonly aggressor: Int32Array
  readonly tradeId: TradeIds
}

/** Top-of-book quotes of one instrument. */
export interface QuoteBatch {
  readonly kind: "quotes"
  readonly length: number
  readonly ts: BigInt64Array
  /** `ts` as exact µs since the epoch (floor). */
  readonly tsMicros: Float64Array
  /** `ts` modulo 1000: the ns within the µs. */
  readonly tsNanos: Uint16Array
  readonly tsRecv: BigInt64Array
  readonly bidPrice: Float64Array
  readonly bidSize: Float64Array
  readonly askPrice: Float64Array
  readonly askSize: Float64Array
}

/** Order-book level updates of one instrument. */
export interface BookBatch {
  readonly kind: "book"
  readonly length: number
  readonly ts: BigInt64Array
  /** `ts` as exact µs since the epoch (floor). */
  readonly tsMicros: Float64Array
  /** `ts` modulo 1000: the ns within the µs. */
  readonly tsNanos: Uint16Array
  readonly tsRecv: BigInt64Array
  readonly seq: BigInt64Array
  readonly flags: Int32Array
  /** +1 bid, -1 ask. */
  readonly side: Int32Array
  readonly price: Float64Array
  readonly size: Float64Array
}

/** Any batch. */
export type EventBatch = TradeBatch | QuoteBatch | BookBatch

/** The batch type of a kind. */
export type BatchOf<K extends Kind> = Extract<EventBatch, { kind: K }>

/** The trade id of row `i` as text. */
export const tradeIdAt = (ids: TradeIds, i: number): string => {
  const v = ids[i]
  return v === undefined ? "" : typeof v === "string" ? v : v.toString()
}

/** Scales needed to turn a batch row into a plain event. */
export interface Scales {
  readonly priceScale: number
  readonly sizeScale: number
}

/** Row `i` of a batch as a plain event object (allocates: not for the hot path). */
export const eventAt = (batch: EventBatch, i: number, instrument: string, scales: Scales): MarketEvent => {
  const { priceScale, sizeScale } = scales
  switch (batch.kind) {
    case "trades": {
      const e: Trade = {
        kind: "trades",
        instrument,
        ts: batch.ts[i]!,
        tsRecv: batch.tsRecv[i]!,
        price: batch.price[i]!,
        size: batch.size[i]!,
        aggressor: batch.aggressor[i]! as Trade["aggressor"],
        tradeId: tradeIdAt(batch.tradeId, i),
        priceScale,
        sizeScale
      }
      return e
    }
    case "quotes": {
      const e: Quote = {
        kind: "quotes",
        instrument,
        ts: batch.ts[i]!,
        tsRecv: batch.tsRecv[i]!,
        bidPrice: batch.bidPrice[i]!,
        bidSize: batch.bidSize[i]!,
        askPrice: batch.askPrice[i]!,
        askSize: batch.askSize[i]!,
        priceScale,
        sizeScale
      }
      return e
    }
    case "book": {
      const e: BookUpdate = {
        kind: "book",
        instrument,
        ts: batch.ts[i]!,
        tsRecv: batch.tsRecv[i]!,
        seq: batch.seq[i]!,
        flags: batch.flags[i]!,
        side: batch.side[i]! === 1 ? 1 : -1,
        price: batch.price[i]!,
        size: batch.size[i]!,
        priceScale,
        sizeScale
      }
      return e
    }
  }
}

/** A batch of `kind` from plain events of one instrument (tests, small writers). */
export const fromEvents = <K extends Kind>(kind: K, events: ReadonlyArray<MarketEvent>): BatchOf<K> => {
  const n = events.length
  const ts = new BigInt64Array(n)
  const tsRecv = new BigInt64Array(n)
  events.forEach((e, i) => {
    if (e.kind !== kind) throw new TypeError(`fromEvents(${kind}): row ${i} is a ${e.kind} event`)
    ts[i] = e.ts
    tsRecv[i] = e.tsRecv
  })
  const { micros: tsMicros, nanos: tsNanos } = splitMicros(ts)
  const col = (f: (e: never) => number): Float64Array => Float64Array.from(events, (e) => f(e as never))
  switch (kind) {
    case "trades": {
      const rows = events as ReadonlyArray<Trade>
      const numeric = rows.every((e) => /^-?\d{1,18}$/.test(e.tradeId))
      const batch: TradeBatch = {
        kind: "trades",
        length: n,
        ts,
        tsMicros,
        tsNanos,
        tsRecv,
        price: col((e: Trade) => e.price),
        size: col((e: Trade) => e.size),
        aggressor: Int32Array.from(rows, (e) => e.aggressor),
        tradeId: numeric ? BigInt64Array.from(rows, (e) => BigInt(e.tradeId)) : rows.map((e) => e.tradeId)
      }
      return batch as BatchOf<K>
    }
    case "quotes": {
      const batch: QuoteBatch = {
        kind: "quotes",
        length: n,
        ts,
        tsMicros,
        tsNanos,
        tsRecv,
        bidPrice: col((e: Quote) => e.bidPrice),
        bidSize: col((e: Quote) => e.bidSize),
        askPrice: col((e: Quote) => e.askPrice),
        askSize: col((e: Quote) => e.askSize)
      }
      return batch as BatchOf<K>
    }
    default: {
      const rows = events as ReadonlyArray<BookUpdate>
      const batch: BookBatch = {
        kind: "book",
        length: n,
        ts,
        tsMicros,
        tsNanos,
        tsRecv,
        seq: BigInt64Array.from(rows, (e) => e.seq),
        flags: Int32Array.from(rows, (e) => e.flags),
        side: Int32Array.from(rows, (e) => e.side),
        price: col((e: BookUpdate) => e.price),
        size: col((e: BookUpdate) => e.size)
      }
      return batch as BatchOf<K>
    }
  }
}
