/**
 * The hot path of a replay: a k-way merge of per-(instrument, kind) batch streams into
 * one stream in time order, as a plain synchronous cursor.
 *
 * ```ts
 * for (;;) {
 *   while (cursor.next()) handle(cursor.kind, cursor.instrument, cursor.batch, cursor.row)
 *   if (cursor.done) break
 *   await cursor.load() // one await per row group, never per event
 * }
 * ```
 *
 * `next()` allocates nothing: the current event is (`batch`, `row`), read straight from
 * the batch's typed columns (use `tsMicros`/`tsNanos` for its time in a hot loop; `ts`
 * is the same instant as a bigint, which allocates when read). It returns false when it is finished (`done`) or when a
 * source has run out of decoded rows and the merge cannot know what comes next; `load()`
 * then fetches and decodes the next row group of each waiting source (the following
 * group of every source is already being fetched in the background).
 *
 * Order: by `ts`; equal times are broken by source order, which is kind order (the
 * query's `kinds`, default trades, quotes, book) and then instrument order (the query's
 * `instruments`); rows of one source keep their stored order. The order is therefore a
 * pure function of the data and the query, identical on every run.
 */
import type { EventBatch } from "./EventBatch.js"
import { eventAt } from "./EventBatch.js"
import type { InstrumentDefinition } from "./Instrument.js"
import type { Kind, MarketEvent } from "./MarketEvent.js"

/** A pull source of non-empty batches of one instrument and kind; null when exhausted. */
export interface BatchSource {
  readonly kind: Kind
  /** Index into the cursor's instrument table. */
  readonly instrument: number
  readonly next: () => Promise<EventBatch | null>
}

const NOT_READY = 0
const READY = 1
const FAILED = 2

class SourceState {
  batch: EventBatch | null = null
  row = 0
  length = 0
  micros: Float64Array = new Float64Array(0)
  nanos: Uint16Array = new Uint16Array(0)
  /** The prefetched next batch, valid when status is READY (null: the source is exhausted). */
  ahead: EventBatch | null = null
  status = NOT_READY
  error: unknown = undefined
  pending: Promise<void> | null = null
  exhausted = false
  constructor(readonly source: BatchSource) {}

  prefetch(): void {
    this.status = NOT_READY
    this.pending = this.source.next().then(
      (b) => {
        this.ahead = b
        this.status = READY
      },
      (e: unknown) => {
        this.error = e
        this.status = FAILED
      }
    )
  }

  /** Makes the prefetched batch current; false when the source has no more rows. */
  takeAhead(): boolean {
    const b = this.ahead
    this.ahead = null
    if (b === null) {
      this.exhausted = true
      this.batch = null
      return false
    }
    this.batch = b
    this.row = 0
    this.length = b.length
    this.micros = b.tsMicros
    this.nanos = b.tsNanos
    this.prefetch()
    return true
  }
}

/** A time-ordered merge over several batch sources. */
export class MergedCursor {
  /** Kind of the current event. */
  kind: Kind = "trades"
  /** Instrument index (into `instruments`) of the current event. */
  instrument = 0
  /** Batch holding the current event; read its columns at `row`. */
  batch: EventBatch = EMPTY
  /** Row of the current event in `batch`. */
  row = 0
  /** True once every source is exhausted. */
  done = false
  /** Events returned by `next()` so far. */
  count = 0

  private readonly states: Array<SourceState>
  private readonly heap: Int32Array
  private heapSize = 0
  /** Current time of each source as µs and ns-within-µs: numbers, so comparing allocates nothing. */
  private readonly headMicros: Float64Array
  private readonly headNanos: Float64Array
  private current = -1
  private readonly waiting: Array<number> = []

  /**
   * @param instruments the instrument table that `instrument` indexes.
   * @param sources in tie-break order (earlier wins at equal `ts`).
   */
  constructor(
    readonly instruments: ReadonlyArray<InstrumentDefinition>,
    sources: ReadonlyArray<BatchSource>
  ) {
    this.states = sources.map((s) => new SourceState(s))
    this.heap = new Int32Array(sources.length)
    this.headMicros = new Float64Array(sources.length)
    this.headNanos = new Float64Array(sources.length)
    for (let i = 0; i < this.states.length; i++) {
      this.states[i]!.prefetch()
      this.waiting.push(i)
    }
    if (sources.length === 0) this.done = true
  }

  /** Time of the current event, ns since the epoch. */
  get ts(): bigint {
    return this.batch.ts[this.row]!
  }

  /** The current event as a plain object (allocates; for tools and tests). */
  event(): MarketEvent {
    const d = this.instruments[this.instrument]!
    return eventAt(this.batch, this.row, d.id, d)
  }

  /** True when `next()` returned false only because `load()` is needed. */
  get needsLoad(): boolean {
    return this.waiting.length > 0
  }

  /** Moves to the next event; false when `done` or when `load()` must run first. */
  next(): boolean {
    const cur = this.current
    if (cur >= 0) {
      const s = this.states[cur]!
      const row = s.row + 1
      if (row < s.length) {
        s.row = row
        this.headMicros[cur] = s.micros[row]!
        this.headNanos[cur] = s.nanos[row]!
        if (this.heapSize > 1) this.siftDown(0)
      } else {
        this.popTop()
        if (s.status === READY) {
          if (s.takeAhead()) this.push(cur)
        } else {
          this.waiting.push(cur)
        }
      }
      this.current = -1
    }
    if (this.waiting.length > 0) return false
    if (this.heapSize === 0) {
      this.done = true
      return false
    }
    const top = this.heap[0]!
    const s = this.states[top]!
    this.current = top
    this.batch = s.batch!
    this.row = s.row
    this.instrument = s.source.instrument
    this.kind = s.source.kind
    this.count++
    return true
  }

  /**
   * How many rows after the current event `next()` would return in turn from the current
   * batch, with nothing of another source between them: the rest of the batch while its source
   * is the only one in the merge, else 0. A replay loop can read those rows (`row + 1` to
   * `row + runAhead()`) straight from `batch` and then `skip` past them, instead of a
   * `next()` per event.
   */
  runAhead(): number {
    const cur = this.current
    if (cur < 0 || this.heapSize !== 1) return 0
    const s = this.states[cur]!
    return s.length - 1 - s.row
  }

  /**
   * `n` calls of `next()` (each answering true) when `n` is at most `runAhead()`: moves to the
   * row `n` after the current one in the current batch. Throws a RangeError past `runAhead()`.
   */
  skip(n: number): void {
    if (n === 0) return
    if (!(n > 0 && n <= this.runAhead())) throw new RangeError(`skip(${n}): only ${this.runAhead()} rows can be skipped`)
    const cur = this.current
    const s = this.states[cur]!
    const row = s.row + n
    s.row = row
    this.row = row
    this.headMicros[cur] = s.micros[row]!
    this.headNanos[cur] = s.nanos[row]!
    this.count += n
  }

  /** Fetches what the merge waits for; rejects with the source's error (a CatalogError). */
  async load(): Promise<void> {
    while (this.waiting.length > 0) {
      const i = this.waiting[this.waiting.length - 1]!
      const s = this.states[i]!
      if (s.status === NOT_READY) await s.pending
      if (s.status === FAILED) throw s.error
      this.waiting.pop()
      if (s.takeAhead()) this.push(i)
    }
    if (this.heapSize === 0) this.done = true
  }

  private less(a: number, b: number): boolean {
    const ua = this.headMicros[a]!
    const ub = this.headMicros[b]!
    if (ua !== ub) return ua < ub
    const na = this.headNanos[a]!
    const nb = this.headNanos[b]!
    return na < nb || (na === nb && a < b)
  }

  private push(i: number): void {
    const s = this.states[i]!
    this.headMicros[i] = s.micros[s.row]!
    this.headNanos[i] = s.nanos[s.row]!
    let k = this.heapSize++
    const heap = this.heap
    heap[k] = i
    while (k > 0) {
      const parent = (k - 1) >> 1
      const p = heap[parent]!
      if (!this.less(i, p)) break
      heap[k] = p
      heap[parent] = i
      k = parent
    }
  }

  private popTop(): void {
    const last = this.heap[--this.heapSize]!
    if (this.heapSize > 0) {
      this.heap[0] = last
      this.siftDown(0)
    }
  }

  private siftDown(k: number): void {
    const heap = this.heap
    const n = this.heapSize
    const item = heap[k]!
    for (;;) {
      const l = 2 * k + 1
      if (l >= n) break
      const r = l + 1
      let c = l
      if (r < n && this.less(heap[r]!, heap[l]!)) c = r
      const child = heap[c]!
      if (!this.less(child, item)) break
      heap[k] = child
      k = c
    }
    heap[k] = item
  }
}

const EMPTY: EventBatch = {
  kind: "trades",
  length: 0,
  ts: new BigInt64Array(0),
  tsMicros: new Float64Array(0),
  tsNanos: new Uint16Array(0),
  tsRecv: new BigInt64Array(0),
  price: new Float64Array(0),
  size: new Float64Array(0),
  aggressor: new Int32Array(0),
  tradeId: new BigInt64Array(0)
}

/**
 * Runs a cursor to the end, calling `onEvent` for each event (the cursor is positioned on
 * it). Returns the number of events. One function call per event, no allocation.
 */
export const drain = async (cursor: MergedCursor, onEvent: (cursor: MergedCursor) => void): Promise<number> => {
  const start = cursor.count
  for (;;) {
    while (cursor.next()) onEvent(cursor)
    if (cursor.done) return cursor.count - start
    await cursor.load()
  }
}
