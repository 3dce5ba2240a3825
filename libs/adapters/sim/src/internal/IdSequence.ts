/**
 * Ids made of a fixed prefix and a counter in decimal (`O1`, `O2`, ..., `BINANCE-1`, ...),
 * the text `prefix + n` would give, built without converting the number: the counter's
 * thousands are converted once per thousand ids and kept with the prefix, and the last three
 * digits come from a table. `prefix + n` converted a new number on every id (V8's
 * number-to-string cache misses on a number it has not seen, then stores it: ~225
 * instructions per id, a write barrier's slow path among them); here an id is one string
 * concatenation.
 *
 * The backtest's operation ids (libs/domain, `Ids.NumberedOperationIds`) are the same kind of text made
 * another way on purpose: from their char codes, as one flat string. Those are longer than
 * 12 characters, so a concatenation would be a rope, copied flat again the first time the id
 * keys a Map. Venue order ids (`O<n>`) are short, so flat either way; trade ids
 * (`<venue>-<n>`) were concatenations before this class too, and are a Map key only where
 * positions deduplicate fills. Here a concatenation costs less than a string
 * built from char codes.
 */

/** "0" to "999". */
const PLAIN = Array.from({ length: 1000 }, (_, i) => String(i))
/** "000" to "999". */
const PADDED = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"))

/** A counter from 1 rendered as `prefix + n` (see the module comment). */
export class IdSequence {
  /** `n` less its last three digits: the thousands `head` and `digits` are set for. */
  private base = 0
  /** The last three digits of the last number handed out (`n - base`). */
  private low = 0
  /** `prefix + thousands`, or the prefix alone below 1,000. */
  private head = ""
  /** The last three digits' texts: PADDED, or PLAIN below 1,000. */
  private digits: ReadonlyArray<string> = PLAIN

  /** `after`: the number before the first one handed out (default 0: ids from `prefix + 1`). */
  constructor(
    readonly prefix: string,
    after = 0
  ) {
    // Exact for any safe integer (the remainder and the difference are).
    this.low = after % 1000
    this.setBase(after - this.low)
  }

  /**
   * The next id: `prefix + n` for the next n (1, 2, ...). The last three digits are a counter
   * of their own that runs to 1,000, where the next thousands begin (in a method of its own):
   * no remainder of n per id (~10 instructions of the venue's `arriveOrder` and `fill` each;
   * counted with the core's fresh queues, see ExecutionCore). Small: it is inlined into the venue's event methods, whose
   * inlining budget it shares with the sink they call.
   */
  next(): string {
    let low = this.low + 1
    if (low === 1000) low = this.nextThousand()
    this.low = low
    return this.head + this.digits[low]!
  }

  /** Moves `head` and `digits` to the next thousands; the last three digits start again at 0. */
  private nextThousand(): number {
    this.setBase(this.base + 1000)
    return 0
  }

  /** Sets `head` and `digits` for the thousands of `base` (a multiple of 1,000). */
  private setBase(base: number): void {
    this.base = base
    const thousands = base / 1000
    if (thousands === 0) {
      this.head = this.prefix
      this.digits = PLAIN
    } else {
      this.head = this.prefix + thousands
      this.digits = PADDED
    }
  }

  /** The last number handed out (0 before the first). */
  get count(): number {
    return this.base + this.low
  }
}
