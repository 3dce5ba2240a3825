/**
 * The timestamps of the most recent orders that passed, in a ring. A sliding window of
 * `limit` orders per `windowMs` allows an order at `now` iff fewer than `limit` recorded
 * orders lie in `(now - windowMs, now]`, i.e. iff the `limit`-th most recent one is at
 * least `windowMs` old. One ring serves both the per-second and the per-minute window.
 * The capacity only grows (to the largest limit in force), so a limit raised by a new
 * config still sees every order the old one let through.
 */
export class VelocityRing {
  private times: Float64Array
  /** Next slot to write. */
  private head = 0
  /** Recorded timestamps held (at most the capacity). */
  private size = 0

  constructor(capacity: number) {
    this.times = new Float64Array(Math.max(1, capacity))
  }

  /** The k-th most recent recorded time (k >= 1), or -Infinity if fewer were recorded. */
  kthMostRecent(k: number): number {
    if (k > this.size) return -Infinity
    const cap = this.times.length
    let i = this.head - k
    if (i < 0) i += cap
    return this.times[i] as number
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
    if (capacity > this.times.length) this.grow(capacity)
    this.times[this.head] = now
    this.head = this.head + 1 === this.times.length ? 0 : this.head + 1
    if (this.size < this.times.length) this.size++
  }

  private grow(capacity: number): void {
    const next = new Float64Array(capacity)
    // Oldest first, so the most recent sits just before the new head.
    for (let k = this.size; k >= 1; k--) next[this.size - k] = this.kthMostRecent(k)
    this.times = next
    this.head = this.size
  }
}
