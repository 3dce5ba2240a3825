/**
 * The catalog's Parquet files: one instrument, one kind, one UTC day each.
 *
 * Column types were chosen by measurement (see the README): times and ids are INT64
 * DELTA_BINARY_PACKED; prices and sizes are integer units, INT32 when every value of
 * the file fits (hyparquet decodes INT32 delta about 3x faster than INT64 delta) and
 * INT64 otherwise; small codes (aggressor, side, flags) are INT32 and left to the
 * writer's dictionary choice. Pages are snappy-compressed.
 */
import type { AsyncBuffer, ColumnData, DecodedArray, FileMetaData } from "hyparquet"
import { parquetMetadata, parquetRead } from "hyparquet"
import type { ColumnSource } from "hyparquet-writer"
import { parquetWriteBuffer } from "hyparquet-writer"
import type { BookBatch, EventBatch, QuoteBatch, TradeBatch } from "../EventBatch.js"
import type { Kind } from "../MarketEvent.js"
import { splitMicros } from "../Timestamp.js"
import { pow10 } from "./units.js"

/** Format tag written in every file's key-value metadata. */
export const SCHEMA_TAG = "odum.marketdata/1"

/** Rows per row group: about 1 MB per 8-byte column before compression, a few MB decoded. */
export const ROW_GROUP_SIZE = 131_072

/** How each kind's columns are typed. */
type ColumnType = "time" | "id" | "units" | "code" | "tradeId"

const COLUMNS: Record<Kind, ReadonlyArray<readonly [name: string, field: string, type: ColumnType]>> = {
  trades: [
    ["ts", "ts", "time"],
    ["ts_recv", "tsRecv", "time"],
    ["price", "price", "units"],
    ["size", "size", "units"],
    ["aggressor", "aggressor", "code"],
    ["trade_id", "tradeId", "tradeId"]
  ],
  quotes: [
    ["ts", "ts", "time"],
    ["ts_recv", "tsRecv", "time"],
    ["bid_price", "bidPrice", "units"],
    ["bid_size", "bidSize", "units"],
    ["ask_price", "askPrice", "units"],
    ["ask_size", "askSize", "units"]
  ],
  book: [
    ["ts", "ts", "time"],
    ["ts_recv", "tsRecv", "time"],
    ["seq", "seq", "id"],
    ["flags", "flags", "code"],
    ["side", "side", "code"],
    ["price", "price", "units"],
    ["size", "size", "units"]
  ]
}

/** The Parquet column names of a kind, in file order. */
export const columnNames = (kind: Kind): ReadonlyArray<string> => COLUMNS[kind].map(([name]) => name)

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

const unitsColumn = (name: string, data: Float64Array): ColumnSource => {
  let fits = true
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    if (v < INT32_MIN || v > INT32_MAX) {
      fits = false
      break
    }
  }
  return fits
    ? { name, data: Int32Array.from(data), type: "INT32", nullable: false, encoding: "DELTA_BINARY_PACKED" }
    : {
        name,
        data: BigInt64Array.from(data, (v) => BigInt(v)),
        type: "INT64",
        nullable: false,
        encoding: "DELTA_BINARY_PACKED"
      }
}

/** File-level facts the reader needs, stored as key-value metadata. */
export interface FileHeader {
  readonly kind: Kind
  readonly instrument: string
  readonly priceScale: number
  readonly sizeScale: number
}

/** Encodes a batch (already validated: sorted, safe integers) as one Parquet file. */
export const encode = (batch: EventBatch, header: FileHeader, rowGroupSize = ROW_GROUP_SIZE): Uint8Array => {
  const columnData: Array<ColumnSource> = COLUMNS[batch.kind].map(([name, field, type]) => {
    const data = (batch as unknown as Record<string, unknown>)[field]
    switch (type) {
      case "time":
      case "id":
        return { name, data: data as BigInt64Array, type: "INT64", nullable: false, encoding: "DELTA_BINARY_PACKED" }
      case "units":
        return unitsColumn(name, data as Float64Array)
      case "code":
        return { name, data: data as Int32Array, type: "INT32", nullable: false }
      case "tradeId":
        return data instanceof BigInt64Array
          ? { name, data, type: "INT64", nullable: false, encoding: "DELTA_BINARY_PACKED" }
          : { name, data: Array.from(data as ReadonlyArray<string>), type: "STRING", nullable: false }
    }
  })
  const buffer = parquetWriteBuffer({
    columnData,
    rowGroupSize,
    kvMetadata: [
      { key: "odum.schema", value: SCHEMA_TAG },
      { key: "odum.kind", value: header.kind },
      { key: "odum.instrument", value: header.instrument },
      { key: "odum.price_scale", value: String(header.priceScale) },
      { key: "odum.size_scale", value: String(header.sizeScale) },
      { key: "odum.ts_unit", value: "ns" }
    ],
    createdBy: "@odum/marketdata"
  })
  return new Uint8Array(buffer)
}

/** A row group's place in the file and its time bounds (from column statistics). */
export interface RowGroupInfo {
  readonly index: number
  readonly rowStart: number
  readonly rows: number
  readonly tsMin: bigint
  readonly tsMax: bigint
  /** Byte span of all its column chunks: one ranged read fetches the whole group. */
  readonly byteStart: number
  readonly byteEnd: number
}

/** What the reader knows about a file after its footer. */
export interface FileInfo extends FileHeader {
  readonly size: number
  readonly rows: number
  readonly metadata: FileMetaData
  readonly rowGroups: ReadonlyArray<RowGroupInfo>
}

/** Bytes to fetch from the end of a file first: the footer of a day file is a few KB. */
export const FOOTER_GUESS = 64 * 1024

/**
 * Length of the footer (metadata + 8 trailing bytes) from a file's last 8 bytes, or an
 * error text when the file does not end with the Parquet magic.
 */
export const footerLength = (tail: Uint8Array): number | string => {
  const n = tail.length
  if (n < 8) return "file is shorter than a Parquet footer"
  const magic = String.fromCharCode(tail[n - 4]!, tail[n - 3]!, tail[n - 2]!, tail[n - 1]!)
  if (magic !== "PAR1") return "file does not end with the Parquet magic PAR1"
  const view = new DataView(tail.buffer, tail.byteOffset, n)
  return view.getUint32(n - 8, true) + 8
}

/** Parses the footer bytes (at least the whole footer, ending at the file's end) into a FileInfo. */
export const fileInfo = (footer: Uint8Array, size: number): FileInfo | string => {
  let metadata: FileMetaData
  try {
    const ab = footer.buffer.slice(footer.byteOffset, footer.byteOffset + footer.byteLength) as ArrayBuffer
    metadata = parquetMetadata(ab)
  } catch (e) {
    return `unreadable Parquet footer: ${e instanceof Error ? e.message : String(e)}`
  }
  const kv = new Map((metadata.key_value_metadata ?? []).map((e) => [e.key, e.value ?? ""]))
  if (kv.get("odum.schema") !== SCHEMA_TAG) return `not a catalog file (odum.schema is ${JSON.stringify(kv.get("odum.schema"))})`
  const kind = kv.get("odum.kind")
  if (kind !== "trades" && kind !== "quotes" && kind !== "book") return `unknown odum.kind ${JSON.stringify(kind)}`
  const priceScale = Number(kv.get("odum.price_scale"))
  const sizeScale = Number(kv.get("odum.size_scale"))
  if (!Number.isInteger(priceScale) || !Number.isInteger(sizeScale)) return "missing odum.price_scale or odum.size_scale"
  const names = metadata.schema.slice(1).map((e) => e.name)
  const expected = columnNames(kind)
  if (names.join(",") !== expected.join(",")) return `columns ${names.join(",")} are not ${expected.join(",")}`
  const rowGroups: Array<RowGroupInfo> = []
  let rowStart = 0
  for (const [index, rg] of metadata.row_groups.entries()) {
    const tsChunk = rg.columns[0]?.meta_data
    const stats = tsChunk?.statistics
    const min = stats?.min_value ?? stats?.min
    const max = stats?.max_value ?? stats?.max
    if (typeof min !== "bigint" || typeof max !== "bigint") return `row group ${index} has no ts statistics`
    let byteStart = Number.POSITIVE_INFINITY
    let byteEnd = 0
    for (const c of rg.columns) {
      const m = c.meta_data
      if (m === undefined) return `row group ${index} has a column without metadata`
      const start = Number(m.dictionary_page_offset ?? m.data_page_offset)
      const dataStart = Number(m.data_page_offset)
      const first = Math.min(start, dataStart)
      byteStart = Math.min(byteStart, first)
      byteEnd = Math.max(byteEnd, first + Number(m.total_compressed_size))
    }
    const rows = Number(rg.num_rows)
    rowGroups.push({ index, rowStart, rows, tsMin: min, tsMax: max, byteStart, byteEnd })
    rowStart += rows
  }
  return {
    kind,
    instrument: kv.get("odum.instrument") ?? "",
    priceScale,
    sizeScale,
    size,
    rows: rowStart,
    metadata,
    rowGroups
  }
}

const NO_IDS: ReadonlyArray<string> = []

const concatChunks = (chunks: ReadonlyArray<DecodedArray>, rows: number): DecodedArray => {
  if (chunks.length === 1) return chunks[0]!
  const first = chunks[0]
  if (first === undefined) return []
  if (Array.isArray(first)) return chunks.flatMap((c) => Array.from(c as ArrayLike<unknown>))
  const Ctor = first.constructor as new (n: number) => Exclude<DecodedArray, Array<unknown>>
  const out = new Ctor(rows)
  let at = 0
  for (const c of chunks) {
    ;(out as Int32Array).set(c as Int32Array, at)
    at += c.length
  }
  return out
}

/** Integer units as numbers at `scale`, from an INT32 or INT64 column at `fileScale`. */
const toUnits = (data: DecodedArray, fileScale: number, scale: number, column: string): Float64Array => {
  const k = pow10(scale - fileScale)
  const n = data.length
  const out = new Float64Array(n)
  if (data instanceof Int32Array) {
    if (k === 1) for (let i = 0; i < n; i++) out[i] = data[i]!
    else for (let i = 0; i < n; i++) out[i] = data[i]! * k
  } else if (data instanceof BigInt64Array) {
    for (let i = 0; i < n; i++) out[i] = Number(data[i]!) * k
    for (let i = 0; i < n; i++) if (!Number.isSafeInteger(out[i]!)) throw new Error(`${column}: row ${i} is not a safe integer`)
  } else {
    throw new Error(`${column}: expected an INT32 or INT64 column`)
  }
  return out
}

const asBigInts = (data: DecodedArray, column: string): BigInt64Array => {
  if (data instanceof BigInt64Array) return data
  throw new Error(`${column}: expected an INT64 column`)
}

const asInt32 = (data: DecodedArray, column: string): Int32Array => {
  if (data instanceof Int32Array) return data
  if (Array.isArray(data)) return Int32Array.from(data as Array<number>)
  throw new Error(`${column}: expected an INT32 column`)
}

/**
 * An AsyncBuffer over the bytes of one row group, so hyparquet reads them from memory
 * with no further I/O. Offsets are file offsets.
 */
const spanBuffer = (span: Uint8Array, spanStart: number, fileSize: number): AsyncBuffer => ({
  byteLength: fileSize,
  slice(start: number, end?: number): ArrayBuffer {
    const from = start - spanStart
    const to = (end ?? fileSize) - spanStart
    if (from < 0 || to > span.length) throw new RangeError(`read [${start}, ${end}) outside the fetched row group`)
    return span.buffer.slice(span.byteOffset + from, span.byteOffset + to) as ArrayBuffer
  }
})

/** Target scales of the decoded units (the instrument's current scales). */
export interface TargetScales {
  readonly priceScale: number
  readonly sizeScale: number
}

/** Columns most replays never look at; decoding them costs as much as the rest together. */
export interface OptionalColumns {
  /** Decode `ts_recv` (else `tsRecv` is all 0n). */
  readonly recvTime: boolean
  /** Decode `trade_id` (else `tradeId` is empty). */
  readonly tradeIds: boolean
}

/** Decode everything. */
export const ALL_COLUMNS: OptionalColumns = { recvTime: true, tradeIds: true }

/**
 * Decodes one row group, given its bytes (`span` = file bytes [byteStart, byteEnd)),
 * into a batch with units at `target` scales. Throws on a malformed file.
 */
export const decodeRowGroup = async (
  info: FileInfo,
  rg: RowGroupInfo,
  span: Uint8Array,
  target: TargetScales,
  optional: OptionalColumns = ALL_COLUMNS
): Promise<EventBatch> => {
  const chunks = new Map<string, Array<DecodedArray>>()
  const columns = columnNames(info.kind).filter(
    (c) => (c !== "ts_recv" || optional.recvTime) && (c !== "trade_id" || optional.tradeIds)
  )
  await parquetRead({
    file: spanBuffer(span, rg.byteStart, info.size),
    metadata: info.metadata,
    columns,
    rowStart: rg.rowStart,
    rowEnd: rg.rowStart + rg.rows,
    onChunk: (c: ColumnData) => {
      const list = chunks.get(c.columnName)
      if (list === undefined) chunks.set(c.columnName, [c.columnData])
      else list.push(c.columnData)
    }
  })
  const col = (name: string): DecodedArray => {
    const list = chunks.get(name)
    if (list === undefined) throw new Error(`column ${name} missing from row group ${rg.index}`)
    const data = concatChunks(list, rg.rows)
    if (data.length !== rg.rows) throw new Error(`column ${name} has ${data.length} rows, expected ${rg.rows}`)
    return data
  }
  const price = (name: string) => toUnits(col(name), info.priceScale, target.priceScale, name)
  const size = (name: string) => toUnits(col(name), info.sizeScale, target.sizeScale, name)
  const ts = asBigInts(col("ts"), "ts")
  const { micros: tsMicros, nanos: tsNanos } = splitMicros(ts)
  const tsRecv = optional.recvTime ? asBigInts(col("ts_recv"), "ts_recv") : new BigInt64Array(rg.rows)
  switch (info.kind) {
    case "trades": {
      const ids = optional.tradeIds ? col("trade_id") : NO_IDS
      const batch: TradeBatch = {
        kind: "trades",
        length: rg.rows,
        ts,
        tsMicros,
        tsNanos,
        tsRecv,
        price: price("price"),
        size: size("size"),
        aggressor: asInt32(col("aggressor"), "aggressor"),
        tradeId: ids instanceof BigInt64Array ? ids : Array.from(ids as ArrayLike<unknown>, (v) => String(v))
      }
      return batch
    }
    case "quotes": {
      const batch: QuoteBatch = {
        kind: "quotes",
        length: rg.rows,
        ts,
        tsMicros,
        tsNanos,
        tsRecv,
        bidPrice: price("bid_price"),
        bidSize: size("bid_size"),
        askPrice: price("ask_price"),
        askSize: size("ask_size")
      }
      return batch
    }
    case "book": {
      const batch: BookBatch = {
        kind: "book",
        length: rg.rows,
        ts,
        tsMicros,
        tsNanos,
        tsRecv,
        seq: asBigInts(col("seq"), "seq"),
        flags: asInt32(col("flags"), "flags"),
        side: asInt32(col("side"), "side"),
        price: price("price"),
        size: size("size")
      }
      return batch
    }
  }
}
