/**
 * Row accumulation shared by the importers: prices and sizes are kept as the digits the
 * source wrote (mantissa + decimals) until every row is read, so the import can pick the
 * smallest scale that holds all of them exactly; problems are collected with their row.
 */
import type { BookBatch, QuoteBatch, TradeBatch } from "../../EventBatch.js"
import { F_CLEAR, F_LAST, F_SNAPSHOT } from "../../MarketEvent.js"
import type { ImportProblem } from "../../MarketDataError.js"
import { splitMicros } from "../../Timestamp.js"
import { numberToDecimalText, parseDecimalText, type ParsedDecimal, rescale } from "../units.js"

/** Most problems an ImportError lists (the count covers all). */
export const MAX_LISTED_PROBLEMS = 100

/** Problems of one import, in row order. */
export class Problems {
  readonly listed: Array<ImportProblem> = []
  count = 0
  add(row: number, message: string): void {
    this.count++
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push({ row, message })
  }
}

const scratch: ParsedDecimal = { mantissa: 0, decimals: 0 }

/** A column of decimals as written by the source. */
export class DecimalColumn {
  private readonly mantissa: Array<number> = []
  private readonly decimals: Array<number> = []
  maxDecimals = 0
  get length(): number {
    return this.mantissa.length
  }
  /** Parses `text` (or a JSON number) and appends it; false when it is not an exact decimal. */
  push(value: string | number | null | undefined, allowNegative = false): boolean {
    const text = typeof value === "number" ? numberToDecimalText(value) : value
    if (text === undefined || text === null || !parseDecimalText(text, scratch)) return false
    if (scratch.mantissa < 0 && !allowNegative) return false
    this.mantissa.push(scratch.mantissa)
    this.decimals.push(scratch.decimals)
    if (scratch.decimals > this.maxDecimals) this.maxDecimals = scratch.decimals
    return true
  }
  /** Removes the last value (a row that failed after this column parsed). */
  pop(): void {
    this.mantissa.pop()
    this.decimals.pop()
  }
  /** Units at `scale` (>= maxDecimals); undefined when a value would pass 2^53. */
  toUnits(scale: number): Float64Array | undefined {
    const n = this.mantissa.length
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const u = rescale(this.mantissa[i]!, this.decimals[i]!, scale)
      if (Number.isNaN(u)) return undefined
      out[i] = u
    }
    return out
  }
}

const times = (ts: ReadonlyArray<bigint>) => {
  const column = BigInt64Array.from(ts)
  const { micros, nanos } = splitMicros(column)
  return { ts: column, tsMicros: micros, tsNanos: nanos }
}

/** Where a stream's rows came from, to name them in problems. */
export interface RowRef {
  readonly row: number
}

/** Time-ordered rows of one kind for one instrument. */
abstract class Rows {
  readonly ts: Array<bigint> = []
  readonly tsRecv: Array<bigint> = []
  readonly rowOf: Array<number> = []
  get length(): number {
    return this.ts.length
  }
  /** The last stored ts, or undefined. */
  get lastTs(): bigint | undefined {
    return this.ts[this.ts.length - 1]
  }
  protected stamp(row: number, ts: bigint, tsRecv: bigint): void {
    this.ts.push(ts)
    this.tsRecv.push(tsRecv)
    this.rowOf.push(row)
  }
  abstract priceDecimals(): number
  abstract sizeDecimals(): number
}

/** Trades being imported. */
export class TradeRows extends Rows {
  readonly price = new DecimalColumn()
  readonly size = new DecimalColumn()
  readonly aggressor: Array<number> = []
  readonly tradeId: Array<string> = []
  /** Appends a row; returns a problem text (and appends nothing) when a value is malformed. */
  add(
    row: number,
    ts: bigint,
    tsRecv: bigint,
    price: string | number | null | undefined,
    size: string | number | null | undefined,
    aggressor: number,
    tradeId: string
  ): string | undefined {
    if (!this.price.push(price)) return `price ${JSON.stringify(price)} is not a non-negative decimal`
    if (!this.size.push(size)) {
      this.price.pop()
      return `size ${JSON.stringify(size)} is not a non-negative decimal`
    }
    this.aggressor.push(aggressor)
    this.tradeId.push(tradeId)
    this.stamp(row, ts, tsRecv)
    return undefined
  }
  priceDecimals(): number {
    return this.price.maxDecimals
  }
  sizeDecimals(): number {
    return this.size.maxDecimals
  }
  toBatch(priceScale: number, sizeScale: number): TradeBatch | undefined {
    const price = this.price.toUnits(priceScale)
    const size = this.size.toUnits(sizeScale)
    if (price === undefined || size === undefined) return undefined
    const numeric = this.tradeId.every((t) => /^-?\d{1,18}$/.test(t))
    return {
      kind: "trades",
      length: this.length,
      ...times(this.ts),
      tsRecv: BigInt64Array.from(this.tsRecv),
      price,
      size,
      aggressor: Int32Array.from(this.aggressor),
      tradeId: numeric ? BigInt64Array.from(this.tradeId, (t) => BigInt(t)) : [...this.tradeId]
    }
  }
}

/** Quotes being imported. */
export class QuoteRows extends Rows {
  readonly bidPrice = new DecimalColumn()
  readonly bidSize = new DecimalColumn()
  readonly askPrice = new DecimalColumn()
  readonly askSize = new DecimalColumn()
  /** Appends a row; an empty side is written as price 0, size 0 by the caller. */
  add(
    row: number,
    ts: bigint,
    tsRecv: bigint,
    bidPrice: string | number | null | undefined,
    bidSize: string | number | null | undefined,
    askPrice: string | number | null | undefined,
    askSize: string | number | null | undefined
  ): string | undefined {
    const cols: Array<[DecimalColumn, string | number | null | undefined, string]> = [
      [this.bidPrice, bidPrice, "bid price"],
      [this.bidSize, bidSize, "bid size"],
      [this.askPrice, askPrice, "ask price"],
      [this.askSize, askSize, "ask size"]
    ]
    for (let i = 0; i < cols.length; i++) {
      const [col, value, name] = cols[i]!
      if (!col.push(value)) {
        for (let j = 0; j < i; j++) cols[j]![0].pop()
        return `${name} ${JSON.stringify(value)} is not a non-negative decimal`
      }
    }
    this.stamp(row, ts, tsRecv)
    return undefined
  }
  priceDecimals(): number {
    return Math.max(this.bidPrice.maxDecimals, this.askPrice.maxDecimals)
  }
  sizeDecimals(): number {
    return Math.max(this.bidSize.maxDecimals, this.askSize.maxDecimals)
  }
  toBatch(priceScale: number, sizeScale: number): QuoteBatch | undefined {
    const bidPrice = this.bidPrice.toUnits(priceScale)
    const bidSize = this.bidSize.toUnits(sizeScale)
    const askPrice = this.askPrice.toUnits(priceScale)
    const askSize = this.askSize.toUnits(sizeScale)
    if (bidPrice === undefined || bidSize === undefined || askPrice === undefined || askSize === undefined) return undefined
    return {
      kind: "quotes",
      length: this.length,
      ...times(this.ts),
      tsRecv: BigInt64Array.from(this.tsRecv),
      bidPrice,
      bidSize,
      askPrice,
      askSize
    }
  }
}

/** Book level updates being imported. */
export class BookRows extends Rows {
  readonly seq: Array<bigint> = []
  readonly flags: Array<number> = []
  readonly side: Array<number> = []
  readonly price = new DecimalColumn()
  readonly size = new DecimalColumn()
  add(
    row: number,
    ts: bigint,
    tsRecv: bigint,
    seq: bigint,
    flags: number,
    side: 1 | -1,
    price: string | number | null | undefined,
    size: string | number | null | undefined
  ): string | undefined {
    if (!this.price.push(price)) return `price ${JSON.stringify(price)} is not a non-negative decimal`
    if (!this.size.push(size)) {
      this.price.pop()
      return `size ${JSON.stringify(size)} is not a non-negative decimal`
    }
    this.seq.push(seq)
    this.flags.push(flags)
    this.side.push(side)
    this.stamp(row, ts, tsRecv)
    return undefined
  }
  /**
   * A snapshot of an empty book: one row that only clears (price 0, size 0, flagged
   * snapshot|clear|last), so the emptiness is stored rather than lost.
   */
  addEmptySnapshot(row: number, ts: bigint, tsRecv: bigint, seq: bigint): void {
    this.add(row, ts, tsRecv, seq, F_SNAPSHOT | F_CLEAR | F_LAST, 1, "0", "0")
  }

  /** Sets a flag on the last row (marks the end of a venue message). */
  flagLast(flag: number): void {
    const n = this.flags.length
    if (n > 0) this.flags[n - 1]! |= flag
  }
  priceDecimals(): number {
    return this.price.maxDecimals
  }
  sizeDecimals(): number {
    return this.size.maxDecimals
  }
  toBatch(priceScale: number, sizeScale: number): BookBatch | undefined {
    const price = this.price.toUnits(priceScale)
    const size = this.size.toUnits(sizeScale)
    if (price === undefined || size === undefined) return undefined
    return {
      kind: "book",
      length: this.length,
      ...times(this.ts),
      tsRecv: BigInt64Array.from(this.tsRecv),
      seq: BigInt64Array.from(this.seq),
      flags: Int32Array.from(this.flags),
      side: Int32Array.from(this.side),
      price,
      size
    }
  }
}

/** The rows of every kind for one instrument. */
export interface InstrumentRows {
  readonly trades: TradeRows
  readonly quotes: QuoteRows
  readonly book: BookRows
}

/** Fresh empty rows for one instrument. */
export const instrumentRows = (): InstrumentRows => ({ trades: new TradeRows(), quotes: new QuoteRows(), book: new BookRows() })
