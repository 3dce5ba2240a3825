/**
 * A direct-mapped cache of exact decimals by integer units: one slot per `units mod 2^bits`,
 * a collision replaces the slot. Fills repeat a few prices, sizes and fees near the touch;
 * a hit costs an array read and a compare (no Map hashing, no bigint, no allocation), a
 * miss the conversion it saves. Keys are safe integers (the callers check).
 */
import type { Decimal } from "@odum/domain"

/** The cache (see the module comment). */
export class DecimalCache {
  private readonly keys: Float64Array
  private readonly values: Array<Decimal.Decimal | undefined>
  private readonly mask: number

  constructor(bits: number = 12) {
    const size = 1 << bits
    this.keys = new Float64Array(size).fill(NaN)
    this.values = new Array<Decimal.Decimal | undefined>(size).fill(undefined)
    this.mask = size - 1
  }

  /** The decimal cached for `units`, if it is in its slot. */
  get(units: number): Decimal.Decimal | undefined {
    // `>>> 0` keeps the low 32 bits of any safe integer, negative ones too.
    const i = (units >>> 0) & this.mask
    return this.keys[i] === units ? this.values[i] : undefined
  }

  /** Puts `d` in the slot of `units`. */
  set(units: number, d: Decimal.Decimal): void {
    const i = (units >>> 0) & this.mask
    this.keys[i] = units
    this.values[i] = d
  }
}
