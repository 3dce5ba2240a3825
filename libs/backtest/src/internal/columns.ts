/**
 * The orders and fills tables of a run that writes its results, kept as compact columns
 * while the replay runs (instead of every order's and fill's record): few-valued strings
 * (venues, instruments, sides, statuses, ...) as dictionary codes, decimals as their exact
 * coefficient and scale, times as integers, all in typed arrays the garbage collector does
 * not trace; only what is unique to a row (operation ids, trade ids, reasons) stays a
 * string. About 150 bytes per order and 100 per fill, against about 1 KB for the records.
 */
import { Decimal, type Fill, type Order } from "@odum/domain"
import type { Value } from "../ResultFiles.js"

const NS_PER_MS = 1_000_000n
const INITIAL = 1_024
const MIN_INT64 = -(2n ** 63n)
const MAX_INT64 = 2n ** 63n - 1n
/** `scales` code of a decimal kept in `wide` (coefficient beyond 64 bits, or a scale beyond 126). */
const WIDE = 127

/** Growth of a typed array to hold index `i`. */
const capacityFor = (current: number, i: number): number => {
  let c = current
  while (c <= i) c *= 2
  return c
}

/** A column of few distinct strings: one Int32 code per row (0: null). */
class CodeColumn {
  private codes = new Int32Array(INITIAL)
  private readonly values: Array<string> = [""]
  private readonly index = new Map<string, number>()
  private last: string | undefined = undefined
  private lastCode = 0

  set(i: number, value: string | null | undefined): void {
    if (i >= this.codes.length) {
      const grown = new Int32Array(capacityFor(this.codes.length, i))
      grown.set(this.codes)
      this.codes = grown
    }
    if (value === null || value === undefined) {
      this.codes[i] = 0
      return
    }
    if (value !== this.last) {
      let code = this.index.get(value)
      if (code === undefined) {
        code = this.values.length
        this.values.push(value)
        this.index.set(value, code)
      }
      this.last = value
      this.lastCode = code
    }
    this.codes[i] = this.lastCode
  }

  get(i: number): string | null {
    const code = this.codes[i]!
    return code === 0 ? null : this.values[code]!
  }
}

/** A column of exact decimals: coefficient (int64) and scale per row; the rare wider one kept whole. */
class DecimalColumn {
  private units = new BigInt64Array(INITIAL)
  /** 0: absent; 1 + scale; WIDE: in `wide`. */
  private scales = new Int8Array(INITIAL)
  private readonly wide = new Map<number, Decimal.Decimal>()

  set(i: number, d: Decimal.Decimal | undefined): void {
    if (i >= this.scales.length) {
      const capacity = capacityFor(this.scales.length, i)
      const units = new BigInt64Array(capacity)
      units.set(this.units)
      this.units = units
      const scales = new Int8Array(capacity)
      scales.set(this.scales)
      this.scales = scales
    }
    if (this.scales[i] === WIDE) this.wide.delete(i)
    if (d === undefined) {
      this.scales[i] = 0
    } else if (d.scale < WIDE - 1 && d.units >= MIN_INT64 && d.units <= MAX_INT64) {
      this.units[i] = d.units
      this.scales[i] = d.scale + 1
    } else {
      this.scales[i] = WIDE
      this.wide.set(i, d)
    }
  }

  /** The decimal as text (`Decimal.format`), or null when absent. */
  text(i: number): string | null {
    const s = this.scales[i]!
    if (s === 0) return null
    if (s === WIDE) return Decimal.format(this.wide.get(i)!)
    return Decimal.format(Decimal.fromScaled(this.units[i]!, s - 1))
  }
}

/** A column of row-unique strings (ids, reasons). */
class TextColumn {
  private readonly values: Array<string | null> = []
  set(i: number, value: string | null | undefined): void {
    while (this.values.length < i) this.values.push(null)
    this.values[i] = value ?? null
  }
  get(i: number): string | null {
    return this.values[i] ?? null
  }
}

/** A column of epoch milliseconds (exact: safe integers). */
class MillisColumn {
  private values = new Float64Array(INITIAL)
  set(i: number, ms: number): void {
    if (i >= this.values.length) {
      const grown = new Float64Array(capacityFor(this.values.length, i))
      grown.set(this.values)
      this.values = grown
    }
    this.values[i] = ms
  }
  /** As ns since the epoch. */
  ns(i: number): bigint {
    return BigInt(this.values[i]!) * NS_PER_MS
  }
}

/** A column of ns timestamps. */
class NanosColumn {
  private values = new BigInt64Array(INITIAL)
  set(i: number, ns: bigint): void {
    if (i >= this.values.length) {
      const grown = new BigInt64Array(capacityFor(this.values.length, i))
      grown.set(this.values)
      this.values = grown
    }
    this.values[i] = ns
  }
  get(i: number): bigint {
    return this.values[i]!
  }
}

/**
 * orders.csv's rows, by creation index: a row is reserved (with its arrival price) when the
 * order is created and filled in from its final record when the OMS hands it over.
 */
export class OrderRows {
  /** Rows reserved (orders created). */
  private reserved = 0
  private readonly operationId = new TextColumn()
  private readonly parent = new TextColumn()
  private readonly venue = new CodeColumn()
  private readonly instrument = new CodeColumn()
  private readonly side = new CodeColumn()
  private readonly type = new CodeColumn()
  private readonly quantity = new DecimalColumn()
  private readonly price = new DecimalColumn()
  private readonly status = new CodeColumn()
  private readonly filled = new DecimalColumn()
  private readonly createdAt = new MillisColumn()
  private readonly updatedAt = new MillisColumn()
  private readonly reason = new TextColumn()
  private readonly timeInForce = new CodeColumn()
  private readonly average = new DecimalColumn()
  private readonly strategy = new CodeColumn()
  private readonly algorithm = new CodeColumn()
  private readonly arrival = new DecimalColumn()

  /** Rows reserved so far. */
  get size(): number {
    return this.reserved
  }

  /** Reserves row `i` (the next creation index) for an order with this arrival price. */
  reserve(i: number, arrival: Decimal.Decimal | undefined): void {
    this.reserved = i + 1
    this.arrival.set(i, arrival)
  }

  /** Row `i` from the order's final record. */
  set(i: number, o: Order.UnifiedOrder): void {
    this.operationId.set(i, o.operationId)
    this.parent.set(i, o.parentOperationId)
    this.venue.set(i, o.venue)
    this.instrument.set(i, o.canonicalId)
    this.side.set(i, o.side)
    this.type.set(i, o.type)
    this.quantity.set(i, o.quantity)
    this.price.set(i, o.price)
    this.status.set(i, o.status)
    this.filled.set(i, o.filledQuantity)
    this.createdAt.set(i, o.createdAt)
    this.updatedAt.set(i, o.updatedAt)
    this.reason.set(i, o.rejectReason)
    this.timeInForce.set(i, o.timeInForce)
    this.average.set(i, o.averageFillPrice)
    this.strategy.set(i, o.strategyId)
    this.algorithm.set(i, o.execAlgorithm?.name)
  }

  /** The table's rows in creation order (ResultFiles.ORDER_COLUMNS), skipping a row never filled in. */
  rows(): Array<Array<Value>> {
    const out: Array<Array<Value>> = []
    for (let i = 0; i < this.reserved; i++) {
      const id = this.operationId.get(i)
      if (id === null) continue
      const status = this.status.get(i)
      const denied = status === "DENIED"
      const reason = this.reason.get(i)
      out.push([
        id,
        this.parent.get(i),
        this.venue.get(i),
        this.instrument.get(i),
        this.side.get(i),
        this.type.get(i),
        this.quantity.text(i),
        this.price.text(i),
        status,
        this.filled.text(i),
        this.createdAt.ns(i),
        this.updatedAt.ns(i),
        denied ? reason : null,
        this.timeInForce.get(i),
        this.average.text(i),
        this.strategy.get(i),
        this.algorithm.get(i),
        denied ? null : reason,
        this.arrival.text(i)
      ])
    }
    return out
  }
}

/** fills.csv's rows, in the order the OMS recorded them. */
export class FillRows {
  private count = 0
  private readonly ts = new NanosColumn()
  private readonly operationId = new TextColumn()
  private readonly parent = new TextColumn()
  private readonly venue = new CodeColumn()
  private readonly instrument = new CodeColumn()
  private readonly side = new CodeColumn()
  private readonly price = new DecimalColumn()
  private readonly quantity = new DecimalColumn()
  private readonly fee = new DecimalColumn()
  private readonly feeCurrency = new CodeColumn()
  private readonly liquidity = new CodeColumn()
  private readonly tradeId = new TextColumn()
  private readonly strategy = new CodeColumn()

  /** Rows so far. */
  get size(): number {
    return this.count
  }

  /** Appends a fill executed at `ts` (ns) of the order `order` (its parent and strategy are columns too). */
  add(fill: Fill.Fill, ts: bigint, order: Order.UnifiedOrder | undefined): void {
    const i = this.count++
    this.ts.set(i, ts)
    this.operationId.set(i, fill.operationId)
    this.parent.set(i, order?.parentOperationId)
    this.venue.set(i, fill.venue)
    this.instrument.set(i, fill.canonicalId)
    this.side.set(i, fill.side)
    this.price.set(i, fill.price)
    this.quantity.set(i, fill.quantity)
    this.fee.set(i, fill.fee)
    this.feeCurrency.set(i, fill.feeCurrency)
    this.liquidity.set(i, fill.liquidity)
    this.tradeId.set(i, fill.tradeId)
    this.strategy.set(i, order?.strategyId ?? "")
  }

  /** The table's rows (ResultFiles.FILL_COLUMNS). */
  rows(): Array<Array<Value>> {
    const out: Array<Array<Value>> = []
    for (let i = 0; i < this.count; i++) {
      out.push([
        this.ts.get(i),
        this.operationId.get(i),
        this.parent.get(i),
        this.venue.get(i),
        this.instrument.get(i),
        this.side.get(i),
        this.price.text(i),
        this.quantity.text(i),
        this.fee.text(i),
        this.feeCurrency.get(i),
        this.liquidity.get(i),
        this.tradeId.get(i),
        this.strategy.get(i) ?? ""
      ])
    }
    return out
  }
}
