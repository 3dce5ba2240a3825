/**
 * A seeded 32-bit pseudo-random generator (Marsaglia's xorshift32), so randomised
 * schedules are reproducible: the same seed gives the same slices in backtest and live.
 * Not for anything secret.
 */
export class Prng {
  private state: number

  constructor(seed: number) {
    // xorshift has a fixed point at 0; any other 32-bit state is fine.
    this.state = seed >>> 0 || 0x9e3779b9
  }

  /** The next value in [0, 2^32). */
  next(): number {
    let x = this.state
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.state = x >>> 0
    return this.state
  }

  /** A whole number in [0, bound) for a positive safe integer bound (modulo bias is irrelevant here). */
  below(bound: number): number {
    if (bound <= 1) return 0
    if (bound <= 0x100000000) return this.next() % bound
    const wide = (BigInt(this.next()) << 32n) | BigInt(this.next())
    return Number(wide % BigInt(bound))
  }
}
