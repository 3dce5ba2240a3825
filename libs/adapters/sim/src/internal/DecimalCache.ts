/**
 * A direct-mapped cache of exact decimals by integer units: one slot per key (a hash of its
 * low 32 bits), a collision replaces the slot. Fills repeat a few prices, sizes and fees near
 * the touch; a hit costs an array read and a compare (no Map hashing, no bigint, no
 * allocation), a miss the conversion it saves. Keys are safe integers (the callers check).
 */
import type { Decimal } from "@odum/domain"

/** 2^32 / golden ratio: Fibonacci hashing (Knuth), the product's top bits name the slot. */
const GOLDEN = 0x9e3779b9

/** The cache (see the module comment). */
export class DecimalCache {
  private readonly keys: Float64Array
  private readonly values: Array<Decimal.Decimal | undefined>
  private readonly shift: number

  /** `bits` in [1, 31]: 2^bits slots. */
  constructor(bits: number = 12) {
    const size = 1 << bits
    this.keys = new Float64Array(size).fill(NaN)
    this.values = new Array<Decimal.Decimal | undefined>(size).fill(undefined)
    this.shift = 32 - bits
  }

  /**
   * The decimal cached for `units`, if it is in its slot. The slot is computed here, not by a
   * call of `slot`: the engine's fill path, where this is inlined, had no inlining budget left
   * for `slot`, and called it (GOLDEN written out: see `slot`).
   */
  get(units: number): Decimal.Decimal | undefined {
    const i = Math.imul(units, 0x9e3779b9) >>> this.shift
    return this.keys[i] === units ? this.values[i] : undefined
  }

  /** Puts `d` in the slot of `units`. */
  set(units: number, d: Decimal.Decimal): void {
    const i = Math.imul(units, 0x9e3779b9) >>> this.shift
    this.keys[i] = units
    this.values[i] = d
  }

  /**
   * The slot of `units`: the top bits of its low 32 bits (`Math.imul` keeps those of any safe
   * integer, negative ones too) times GOLDEN. Not `units mod 2^bits`: keys share factors of two
   * (prices on a tick of 10 units, fees of a rate of 4 units times those), and the low bits
   * then left most slots unused (the backtest's taker fees, 40 units a tick, used an eighth).
   * `get` and `set` compute it themselves with GOLDEN written out as a literal (a bundler makes
   * the module constant a var, which V8 loads and converts on every use).
   */
  /** @internal the slot `get` and `set` use (for tests). */
  slot(units: number): number {
    return Math.imul(units, GOLDEN) >>> this.shift
  }
}
