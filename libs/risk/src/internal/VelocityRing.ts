/**
 * The timestamps of the most recent orders that passed, in a ring. A sliding window of
 * `limit` orders per `windowMs` allows an order at `now` iff fewer than `limit` recorded
 * orders lie in `(now - windowMs, now]`, i.e. iff the `limit`-th most recent one is at
 * least `windowMs` old. One ring serves both the per-second and the per-minute window.
 * The capacity only grows (to the largest limit in force), so a limit raised by a new
 * config still sees every order the old one let through.
 *
 * A ring of capacity 1 (no limit in force: every strategy's and the global ring until a
 * config sets one) keeps its one time in a field instead of a typed array: `record` is on
 * every allowed order's path, and a typed array's store costs its bounds and length checks
 * (about 25 instructions more per ring and order in the backtest's count).
 */
export class VelocityRing {
  /** The ring, once the capacity is 2 or more (undefined at capacity 1). */
  private times: Float64Array | undefined = undefined
  /** The capacity (the length of `times`, or 1). */
  private cap: number
  /**
   * At capacity 1: the recorded time (when `size` is 1). Starts as a double (not 0): V8 then
   * keeps the field unboxed into its own number, and a time past 2^31 (a heap number) is
   * copied into it, not stored as a pointer (a young one would take the write barrier).
   */
  private last = -Infinity
  /** Next slot of `times` to write. */
  private head = 0
  /** Recorded timestamps held (at most the capacity). */
  private size = 0

  constructor(capacity: number) {
    this.cap = Math.max(1, capacity)
    if (this.cap > 1) this.times = new Float64Array(this.cap)
  }

  /** The k-th most recent recorded time (k >= 1), or -Infinity if fewer were recorded. */
  kthMostRecent(k: number): number {
    if (k > this.size) return -Infinity
    // (At capacity 1, size <= 1: k is 1.)
    if (this.cap === 1) return this.last
    let i = this.head - k
    if (i < 0) i += this.cap
    return (this.times as Float64Array)[i] as number
  }

  /** True if one more order at `now` keeps the window within `limit` (a negative limit means none). */
  allows(limit: number, windowMs: number, now: number): boolean {
    if (limit < 0) return true
    if (limit === 0) return false
    return this.kthMostRecent(limit) <= now - windowMs
  }

  /** Orders recorded in `(now - windowMs, now]`, up to the capacity (diagnostics). */
  countWithin(windowMs: number, now: number): number {
    let n = 0
    while (n < this.size && this.kthMostRecent(n + 1) > now - windowMs) n++
    return n
  }

  /** Records an order at `now`, first growing to `capacity` if that is larger. */
  record(now: number, capacity: number): void {
    if (capacity > this.cap) this.grow(capacity)
    if (this.cap === 1) {
      this.last = now
      this.size = 1
      return
    }
    const times = this.times as Float64Array
    times[this.head] = now
    this.head = this.head + 1 === this.cap ? 0 : this.head + 1
    if (this.size < this.cap) this.size++
  }

  private grow(capacity: number): void {
    const next = new Float64Array(capacity)
    // Oldest first, so the most recent sits just before the new head.
    for (let k = this.size; k >= 1; k--) next[this.size - k] = this.kthMostRecent(k)
    this.times = next
    this.cap = capacity
    this.head = this.size
  }
}
