/**
 * Whole-column operations on batches (slice, concatenate, compare, validate) for the
 * writer and the reader's range trimming. Column-generic: every batch field other than
 * `kind` and `length` is a column.
 */
import type { BookBatch, EventBatch, QuoteBatch, TradeBatch } from "../EventBatch.js"
import { F_CLEAR } from "../MarketEvent.js"
import type { LevelBook } from "./book.js"

type Column = BigInt64Array | Float64Array | Int32Array | Uint16Array | ReadonlyArray<string>

const columnsOf = (batch: EventBatch): Array<[string, Column]> =>
  Object.entries(batch).filter(([k]) => k !== "kind" && k !== "length") as Array<[string, Column]>

const build = <B extends EventBatch>(kind: B["kind"], length: number, columns: Array<[string, Column]>): B =>
  ({ kind, length, ...Object.fromEntries(columns) }) as unknown as B

const sliceColumn = (c: Column, start: number, end: number): Column =>
  Array.isArray(c) ? c.slice(start, end) : (c as Int32Array).subarray(start, end)

/**
 * Rows [start, end) of a batch; typed columns are views, not copies. Built as the reader's
 * (parquet.ts) literal of its kind, the same fields in the same order, hence the same hidden
 * class: a replay loop reading decoded and range-trimmed batches stays monomorphic (a batch
 * built by spreading its columns into `{ kind, length }` was of another class).
 */
export const slice = <B extends EventBatch>(batch: B, start: number, end: number): B =>
  start === 0 && end === batch.length ? batch : (sliceRows(batch, start, end) as B)

const sliceRows = (b: EventBatch, start: number, end: number): EventBatch => {
  const length = end - start
  switch (b.kind) {
    case "trades": {
      const batch: TradeBatch = {
        kind: "trades",
        length,
        ts: b.ts.subarray(start, end),
        tsMicros: b.tsMicros.subarray(start, end),
        tsNanos: b.tsNanos.subarray(start, end),
        tsRecv: b.tsRecv.subarray(start, end),
        price: b.price.subarray(start, end),
        size: b.size.subarray(start, end),
        aggressor: b.aggressor.subarray(start, end),
        tradeId: sliceColumn(b.tradeId, start, end) as TradeBatch["tradeId"]
      }
      return batch
    }
    case "quotes": {
      const batch: QuoteBatch = {
        kind: "quotes",
        length,
        ts: b.ts.subarray(start, end),
        tsMicros: b.tsMicros.subarray(start, end),
        tsNanos: b.tsNanos.subarray(start, end),
        tsRecv: b.tsRecv.subarray(start, end),
        bidPrice: b.bidPrice.subarray(start, end),
        bidSize: b.bidSize.subarray(start, end),
        askPrice: b.askPrice.subarray(start, end),
        askSize: b.askSize.subarray(start, end)
      }
      return batch
    }
    case "book": {
      const batch: BookBatch = {
        kind: "book",
        length,
        ts: b.ts.subarray(start, end),
        tsMicros: b.tsMicros.subarray(start, end),
        tsNanos: b.tsNanos.subarray(start, end),
        tsRecv: b.tsRecv.subarray(start, end),
        seq: b.seq.subarray(start, end),
        flags: b.flags.subarray(start, end),
        side: b.side.subarray(start, end),
        price: b.price.subarray(start, end),
        size: b.size.subarray(start, end)
      }
      return batch
    }
  }
}

const concatColumn = (a: Column, b: Column): Column => {
  if (Array.isArray(a) || Array.isArray(b)) {
    const text = (c: Column) => (Array.isArray(c) ? (c as ReadonlyArray<string>) : Array.from(c as ArrayLike<unknown>, String))
    return [...text(a), ...text(b)]
  }
  const Ctor = a.constructor as new (n: number) => Int32Array
  const out = new Ctor(a.length + b.length)
  out.set(a as Int32Array, 0)
  out.set(b as Int32Array, a.length)
  return out
}

/** `a` then `b` (same kind). */
export const concat = <B extends EventBatch>(a: B, b: B): B => {
  const bc = new Map(columnsOf(b))
  return build<B>(
    a.kind,
    a.length + b.length,
    columnsOf(a).map(([k, c]) => [k, concatColumn(c, bc.get(k)!)])
  )
}

/** Same kind, same rows, same values in every column (trade ids compared as text). */
export const equals = (a: EventBatch, b: EventBatch): boolean => {
  if (a.kind !== b.kind || a.length !== b.length) return false
  const bc = new Map(columnsOf(b))
  for (const [k, ca] of columnsOf(a)) {
    const cb = bc.get(k)
    if (cb === undefined) return false
    for (let i = 0; i < a.length; i++) if (String(ca[i]) !== String(cb[i])) return false
  }
  return true
}

/** Index of the first row with `ts >= t` (rows sorted by ts). */
export const lowerBound = (ts: BigInt64Array, t: bigint, from = 0, to = ts.length): number => {
  let lo = from
  let hi = to
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ts[mid]! < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The first problem that makes a batch unstorable, or undefined. */
export const validate = (batch: EventBatch): string | undefined => {
  for (const [k, c] of columnsOf(batch)) {
    if (c.length !== batch.length) return `column ${k} has ${c.length} rows, the batch ${batch.length}`
    if (c instanceof Float64Array) {
      for (let i = 0; i < c.length; i++) {
        if (!Number.isSafeInteger(c[i]!)) return `row ${i}: ${k} ${c[i]} is not a safe integer of units`
      }
    }
  }
  const ts = batch.ts
  for (let i = 1; i < ts.length; i++) {
    if (ts[i]! < ts[i - 1]!) return `row ${i}: ts ${ts[i]} is before the previous row's ${ts[i - 1]} (rows must be in time order)`
  }
  if (batch.kind === "book") {
    for (let i = 0; i < batch.length; i++) {
      const s = batch.side[i]
      if (s !== 1 && s !== -1) return `row ${i}: book side ${s} is neither 1 (bid) nor -1 (ask)`
    }
  }
  return undefined
}

/** Splits a time-sorted batch into UTC days: `[day, rows]` in order. */
export const splitByDay = <B extends EventBatch>(batch: B, dayOf: (ns: bigint) => string, dayEnd: (day: string) => bigint): Array<[string, B]> => {
  const out: Array<[string, B]> = []
  let start = 0
  while (start < batch.length) {
    const day = dayOf(batch.ts[start]!)
    const end = lowerBound(batch.ts, dayEnd(day), start)
    out.push([day, slice(batch, start, end)])
    start = end
  }
  return out
}

/**
 * The rows of a book batch with a snapshot of `book` prepended (at the first row's
 * time, with the sequence of the last row applied to it), unless the batch already starts with a clearing snapshot or the
 * book is empty. `book` is then advanced over the batch's rows.
 */
export const withLeadingSnapshot = (batch: BookBatch, book: LevelBook): BookBatch => {
  let out = batch
  if (batch.length > 0 && (batch.flags[0]! & F_CLEAR) === 0) {
    const rows = book.snapshotRows()
    if (rows.length > 0) {
      const n = rows.length
      const snap: BookBatch = {
        kind: "book",
        length: n,
        ts: new BigInt64Array(n).fill(batch.ts[0]!),
        tsMicros: new Float64Array(n).fill(batch.tsMicros[0]!),
        tsNanos: new Uint16Array(n).fill(batch.tsNanos[0]!),
        tsRecv: new BigInt64Array(n).fill(batch.tsRecv[0]!),
        seq: new BigInt64Array(n).fill(book.lastSeq),
        flags: Int32Array.from(rows, (r) => r.flags),
        side: Int32Array.from(rows, (r) => r.side),
        price: Float64Array.from(rows, (r) => r.price),
        size: Float64Array.from(rows, (r) => r.size)
      }
      out = concat(snap, batch)
    }
  }
  for (let i = 0; i < batch.length; i++) book.apply(batch.flags[i]!, batch.side[i]!, batch.price[i]!, batch.size[i]!)
  if (batch.length > 0) book.lastSeq = batch.seq[batch.length - 1]!
  return out
}
