/**
 * A price-level order book over integer units (L2: one aggregated size per price).
 *
 * Each side is a price ladder: a window of `window` consecutive prices (a Float64Array of
 * sizes indexed by `price - base`) placed around the touch, where nearly every update
 * lands, so an update is an array store and no object is allocated. Levels outside the
 * window (far from the touch; a Binance feed reports levels 90% away) live in a Map. The
 * best level is always inside the window: a better price outside it, or an emptied window,
 * re-centres the window on the new best (rare: the touch must move by a large part of the
 * window). The deepest level is tracked for the queue model, recomputed lazily when deleted.
 */
import { BID, type BookSide } from "./MarketEvent.js"

/** Default ladder window: 65,536 prices (e.g. 6,553.6 USDT of BTC at a 0.1 tick), 512 KiB per side. */
export const DEFAULT_WINDOW = 1 << 16

/** One side of the book. */
export class Side {
  private readonly slots: Float64Array
  /** Price of slot 0. */
  private base = 0
  private placed = false
  private readonly far = new Map<number, number>()
  /** Levels inside the window. */
  private inWindow = 0
  /** Bounds of the non-empty slots (conservative: they grow on insert, reset on clear). */
  private lo: number
  private hi = -1
  /** Slot of the best level, -1 when the side is empty. */
  private bestIdx = -1
  private worst = NaN
  private worstStale = false
  /** Number of levels. */
  length = 0

  constructor(
    /** BID (1) or ASK (-1). */
    readonly side: BookSide,
    readonly window: number = DEFAULT_WINDOW
  ) {
    this.slots = new Float64Array(window)
    this.lo = window
  }

  /** Removes every level. */
  clear(): void {
    if (this.hi >= this.lo) this.slots.fill(0, this.lo, this.hi + 1)
    this.far.clear()
    this.lo = this.window
    this.hi = -1
    this.inWindow = 0
    this.length = 0
    this.bestIdx = -1
    this.worst = NaN
    this.worstStale = false
  }

  /** Best price (highest bid, lowest ask); NaN when the side is empty. */
  bestPrice(): number {
    return this.bestIdx < 0 ? NaN : this.base + this.bestIdx
  }

  /** Size at the best price; 0 when empty. */
  bestSize(): number {
    return this.bestIdx < 0 ? 0 : this.slots[this.bestIdx]!
  }

  /** Size at `price`, 0 if there is no level. */
  sizeAt(price: number): number {
    const i = price - this.base
    if (i >= 0 && i < this.window) return this.slots[i]!
    return this.far.get(price) ?? 0
  }

  /** Sets the size at `price`; 0 deletes the level. */
  set(price: number, size: number): void {
    if (!this.placed) this.recentre(price)
    const i = price - this.base
    if (i >= 0 && i < this.window) {
      const old = this.slots[i]!
      if (size > 0) {
        this.slots[i] = size
        if (old === 0) {
          this.inWindow++
          this.length++
          if (i < this.lo) this.lo = i
          if (i > this.hi) this.hi = i
          if (this.bestIdx < 0 || (this.side === BID ? i > this.bestIdx : i < this.bestIdx)) this.bestIdx = i
          this.noteInsert(price)
        }
      } else if (old > 0) {
        this.slots[i] = 0
        this.inWindow--
        this.length--
        if (i === this.bestIdx) this.findBest()
        this.noteDelete(price)
      }
      return
    }
    if (size > 0) {
      if (this.length === 0 || this.isBetter(price, this.base + this.bestIdx)) {
        this.recentre(price)
        this.set(price, size)
        return
      }
      this.setFar(price, size)
    } else if (this.far.delete(price)) {
      this.length--
      this.noteDelete(price)
    }
  }

  /** Adds or updates a level outside the window (it is worse than the best). */
  private setFar(price: number, size: number): void {
    if (!this.far.has(price)) {
      this.length++
      this.noteInsert(price)
    }
    this.far.set(price, size)
  }

  /** Takes `quantity` (at most the best size) from the best level; the level goes when emptied. */
  takeFromBest(quantity: number): void {
    const left = this.slots[this.bestIdx]! - quantity
    if (left > 0) this.slots[this.bestIdx] = left
    else this.set(this.base + this.bestIdx, 0)
  }

  /**
   * How much visible size rests ahead of a new order joining at `price` on this side: the
   * level's size; 0 when the price is better than the best or an empty price inside the
   * visible range; Infinity when it lies beyond the deepest visible level (or the side is
   * empty), where the depth is unknown.
   */
  queueAt(price: number): number {
    if (this.length === 0) return Infinity
    if (this.isBetter(price, this.base + this.bestIdx)) return 0
    if (this.isBetter(this.worstPrice(), price)) return Infinity
    return this.sizeAt(price)
  }

  /** Total size at prices at least as good as `limit` (all levels if `limit` is NaN), for FOK checks. */
  depthTo(limit: number): number {
    if (this.length === 0) return 0
    const all = limit !== limit
    let total = 0
    if (this.side === BID) {
      const stop = all ? this.lo : Math.max(this.lo, limit - this.base)
      for (let i = this.bestIdx; i >= stop; i--) total += this.slots[i]!
    } else {
      const stop = all ? this.hi : Math.min(this.hi, limit - this.base)
      for (let i = this.bestIdx; i <= stop; i++) total += this.slots[i]!
    }
    if (this.far.size > 0) for (const [p, s] of this.far) if (all || !this.isBetter(limit, p)) total += s
    return total
  }

  /**
   * The best `max` levels (default all), from the best, as [price, size]. Walks the ladder
   * from the touch, so the top of a deep book is cheap; allocates the result.
   */
  levels(max: number = Infinity): Array<[number, number]> {
    const out: Array<[number, number]> = []
    if (this.bestIdx >= 0) {
      const slots = this.slots
      if (this.side === BID) {
        for (let i = this.bestIdx; i >= this.lo && out.length < max; i--) if (slots[i]! > 0) out.push([this.base + i, slots[i]!])
      } else {
        for (let i = this.bestIdx; i <= this.hi && out.length < max; i++) if (slots[i]! > 0) out.push([this.base + i, slots[i]!])
      }
    }
    if (out.length < max && this.far.size > 0) {
      // Far levels are all worse than the window's: sorted, they follow it.
      const far = [...this.far].sort((a, b) => (this.side === BID ? b[0] - a[0] : a[0] - b[0]))
      for (const e of far) {
        if (out.length >= max) break
        out.push(e)
      }
    }
    return out
  }

  private isBetter(a: number, b: number): boolean {
    return this.side === BID ? a > b : a < b
  }

  /** The deepest price (lowest bid, highest ask). */
  private worstPrice(): number {
    if (this.worstStale) {
      let w = NaN
      if (this.inWindow > 0) {
        if (this.side === BID) {
          let i = this.lo
          while (this.slots[i] === 0) i++
          w = this.base + i
        } else {
          let i = this.hi
          while (this.slots[i] === 0) i--
          w = this.base + i
        }
      }
      for (const p of this.far.keys()) if (w !== w || this.isBetter(w, p)) w = p
      this.worst = w
      this.worstStale = false
    }
    return this.worst
  }

  private noteInsert(price: number): void {
    if (!this.worstStale && (this.length === 1 || this.isBetter(this.worst, price))) this.worst = price
  }

  private noteDelete(price: number): void {
    if (this.length === 0) {
      this.worst = NaN
      this.worstStale = false
    } else if (price === this.worst) {
      this.worstStale = true
    }
  }

  /** After the best slot emptied: the next best in the window, or re-centre on the best far level. */
  private findBest(): void {
    if (this.inWindow === 0) {
      this.bestIdx = -1
      if (this.far.size > 0) {
        let best = NaN
        for (const p of this.far.keys()) if (best !== best || this.isBetter(p, best)) best = p
        this.recentre(best)
      }
      return
    }
    let i = this.bestIdx
    if (this.side === BID) while (this.slots[--i] === 0);
    else while (this.slots[++i] === 0);
    this.bestIdx = i
  }

  /** Places the window so `best` sits near its better end, and redistributes every level. */
  private recentre(best: number): void {
    const entries: Array<[number, number]> = []
    for (let i = this.lo; i <= this.hi; i++) if (this.slots[i]! > 0) entries.push([this.base + i, this.slots[i]!])
    for (const e of this.far) entries.push(e)
    this.clear()
    // Most of the window lies on the worse side of the best, where the depth is; an eighth stays as headroom.
    const headroom = this.window >>> 3
    this.base = this.side === BID ? best - (this.window - 1 - headroom) : best - headroom
    this.placed = true
    // Every entry is worse than `best`: it lands in the window or, beyond it, in the far map (no re-centring).
    for (const [p, s] of entries) {
      const i = p - this.base
      if (i >= 0 && i < this.window) this.set(p, s)
      else this.setFar(p, s)
    }
  }
}

/** Both sides of one instrument's book. */
export class OrderBook {
  readonly bids: Side
  readonly asks: Side

  constructor(window: number = DEFAULT_WINDOW) {
    this.bids = new Side(BID, window)
    this.asks = new Side(-1, window)
  }

  /** Empties both sides. */
  clear(): void {
    this.bids.clear()
    this.asks.clear()
  }

  /** The side of `side` (BID or ASK). */
  sideOf(side: BookSide): Side {
    return side === BID ? this.bids : this.asks
  }
}

/** An empty book (`window`: prices per side held in the ladder; must be a positive integer). */
export const make = (window: number = DEFAULT_WINDOW): OrderBook => new OrderBook(window)
