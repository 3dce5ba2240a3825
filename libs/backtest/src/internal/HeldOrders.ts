/**
 * The orders the OMS still holds, in creation order: for each, its creation index (its row
 * in orders.csv) and its arrival price, until the OMS hands over its final record (on
 * eviction, or when the replay ends).
 *
 * Memory follows the number of orders held, never the run's: a resolved entry is cleared,
 * and the array is compacted (live entries moved down, in order) once cleared entries are
 * most of it. So it holds at most about twice what the OMS holds (its working orders and
 * its retained finished ones), plus 1,024.
 *
 * No map by id in the common case: the OMS evicts oldest-finished first, which in a replay
 * is nearly always creation order (orders that finish out of order, e.g. a denial overtaking
 * an order in flight, are a few places apart). `take` looks right after the last order it
 * found, then at the oldest entries held; only when those miss does it build an index by
 * id, kept up to date while it exists and dropped after a long run of hits, so a run whose
 * orders finish far out of order pays what a map of every held order costs, no more.
 */
import type { Decimal } from "@odum/domain"

/** Entries looked at from the oldest held before falling back to the index. */
const SCAN = 16
/** Hits in a row (found without the index) after which the index is dropped. */
const DROP_INDEX_AFTER = 4_096
/** Cleared entries tolerated before a compaction (and at most half the array). */
const COMPACT_AFTER = 1_024

export class HeldOrders {
  /** Operation ids, in creation order; undefined once resolved. */
  private ids: Array<string | undefined> = []
  /** Creation index of each entry. */
  private created: Array<number> = []
  private arrivals: Array<Decimal.Decimal | undefined> = []
  /**
   * Entries in use (held and cleared) at the front of the three arrays, which a compaction
   * makes anew with room for what is held and a compaction's worth of adds (entries past `n`
   * are spare): cut to the live entries with `length = w`, V8 trimmed each backing store and
   * every add after it grew it again by pushes (~49 instructions per tick in the count,
   * `GrowFastSmiOrObjectElements`). New arrays, not the old ones kept: those grow old, and
   * each add's young id and arrival stored into them took the write barrier's slow path.
   */
  private n = 0
  /** Position of the oldest entry still held (every one before it is resolved). */
  private head = 0
  /** Position right after the last entry found: where the next one usually is. */
  private hint = 0
  private cleared = 0
  private createdCount = 0
  /** Position by operation id of every held entry; only after a miss (see the module comment). */
  private index: Map<string, number> | undefined = undefined
  private hitsWithIndex = 0
  /**
   * Where the last successful `take` found its order (-1: none, or moved by a compaction to
   * `takenSaved`): its arrival stays in `arrivals` until the next `take`, so that `take` stores
   * no (often young) decimal into this long-lived object, which took V8's write barrier slow
   * path on most evictions.
   */
  private takenAt = -1
  private takenSaved: Decimal.Decimal | undefined = undefined

  /** The arrival price of the order the last successful `take` resolved (undefined after a failed one). */
  get takenArrival(): Decimal.Decimal | undefined {
    return this.takenAt >= 0 ? this.arrivals[this.takenAt] : this.takenSaved
  }

  /** Orders created so far (the next creation index). */
  get count(): number {
    return this.createdCount
  }

  /** Orders held (added and not yet taken). */
  get held(): number {
    return this.n - this.cleared
  }

  /** Entries in memory: the arrays (held, cleared and spare entries) plus the index, if any. */
  get footprint(): number {
    return this.ids.length + (this.index === undefined ? 0 : this.index.size)
  }

  /** Records a new order (with its arrival price, if a strategy order); returns its creation index. */
  add(operationId: string, arrival: Decimal.Decimal | undefined): number {
    const i = this.createdCount++
    const n = this.n
    if (this.index !== undefined) this.index.set(operationId, n)
    if (n < this.ids.length) {
      this.ids[n] = operationId
      this.created[n] = i
      this.arrivals[n] = arrival
    } else {
      this.ids.push(operationId)
      this.created.push(i)
      this.arrivals.push(arrival)
    }
    this.n = n + 1
    return i
  }

  /**
   * Resolves a held order: returns its creation index (its arrival price in `takenArrival`)
   * and forgets it; -1 if `operationId` is not held.
   */
  take(operationId: string): number {
    // The previous take's arrival is released now (see `takenAt`).
    if (this.takenAt >= 0) {
      this.arrivals[this.takenAt] = undefined
      this.takenAt = -1
    } else if (this.takenSaved !== undefined) this.takenSaved = undefined
    const p = this.find(operationId)
    if (p < 0) return -1
    const i = this.created[p]!
    this.takenAt = p
    this.ids[p] = undefined
    this.cleared++
    this.hint = p + 1
    if (p === this.head) {
      const ids = this.ids
      const n = this.n
      let h = p + 1
      while (h < n && ids[h] === undefined) h++
      this.head = h
    }
    if (this.cleared > COMPACT_AFTER && this.cleared * 2 > this.n) {
      // The compaction drops the entry `takenAt` points to: its arrival is kept aside.
      this.takenSaved = this.arrivals[p]
      this.takenAt = -1
      this.compact()
    }
    return i
  }

  /** The held operation ids, in creation order. */
  heldIds(): Array<string> {
    const out: Array<string> = []
    for (let p = this.head; p < this.n; p++) {
      const id = this.ids[p]
      if (id !== undefined) out.push(id)
    }
    return out
  }

  /** Position of a held id, or -1. */
  private find(operationId: string): number {
    const ids = this.ids
    const n = this.n
    if (this.hint < n && ids[this.hint] === operationId) return this.hit(this.hint, operationId)
    const limit = Math.min(n, this.head + SCAN)
    for (let p = this.head; p < limit; p++) if (ids[p] === operationId) return this.hit(p, operationId)
    let index = this.index
    if (index === undefined) {
      index = new Map()
      for (let p = this.head; p < n; p++) {
        const id = ids[p]
        if (id !== undefined) index.set(id, p)
      }
      this.index = index
    }
    this.hitsWithIndex = 0
    const p = index.get(operationId)
    if (p === undefined) return -1
    index.delete(operationId)
    return p
  }

  private hit(p: number, operationId: string): number {
    const index = this.index
    if (index !== undefined) {
      index.delete(operationId)
      if (++this.hitsWithIndex >= DROP_INDEX_AFTER) this.index = undefined
    }
    return p
  }

  /** Moves the held entries, in order, to the front of new arrays (see `n`); positions change, so the index goes. */
  private compact(): void {
    const { ids, created, arrivals } = this
    const n = this.n
    const room = this.held + COMPACT_AFTER + 1
    // Holes, not filled in: the arrays are holey whether filled or not (an array made with a
    // length stays of a holey kind), a hole reads as undefined, and only entries below `n` are
    // read; filling the three was ~13 instructions per tick in the count (a compaction per
    // 1,025 orders).
    const ids2 = new Array<string | undefined>(room)
    const created2 = new Array<number>(room)
    const arrivals2 = new Array<Decimal.Decimal | undefined>(room)
    let w = 0
    for (let p = this.head; p < n; p++) {
      const id = ids[p]
      if (id === undefined) continue
      ids2[w] = id
      created2[w] = created[p]!
      arrivals2[w] = arrivals[p]
      w++
    }
    this.ids = ids2
    this.created = created2
    this.arrivals = arrivals2
    this.n = w
    this.cleared = 0
    this.head = 0
    this.hint = 0
    this.index = undefined
  }
}
