/**
 * The core's clock port. Orders and reports are stamped in epoch milliseconds (the
 * domain's unit); venues are driven in epoch nanoseconds (the adapter kit's unit, so a
 * simulated venue's latency keeps its resolution). A backtest advances a manual clock
 * with its replay; the live service reads Effect's Clock (TestClock in tests).
 */
import { ExecutionEvent } from "@odum/adapter-kit"

/** Reads the current time; both readings come from one source. */
export interface ExecutionClock {
  /** Epoch milliseconds (integer). */
  nowMs(): number
  /** Epoch nanoseconds. */
  nowNs(): bigint
  /**
   * Epoch milliseconds of `ns` (the floor, as `ExecutionEvent.toEpochMillis`), optional: a
   * clock that keeps both forms of its time answers its own time without a conversion.
   */
  epochMillisOf?(ns: bigint): number
}

/** A clock set by hand: backtests (advanced by replayed events) and tests. */
export class ManualClock implements ExecutionClock {
  private ns: bigint
  // Left without an initializer (so a tagged field, holding one heap number per time): `= 0`
  // made it a double field, stored in place, but every read that leaves optimised code (the
  // core hands `nowMs()` to the OMS several times per order) then boxed a new heap number:
  // the routed order 24,461 -> 24,592 instructions.
  private ms: number

  /** Starts at `startMs` epoch milliseconds. */
  constructor(startMs: number) {
    this.ns = BigInt(startMs) * 1_000_000n
    this.ms = startMs
  }

  nowMs(): number {
    return this.ms
  }

  nowNs(): bigint {
    return this.ns
  }

  /** Moves to `ns` epoch nanoseconds; never backwards (a backtest's time only advances). */
  setNs(ns: bigint): void {
    if (ns > this.ns) {
      this.ns = ns
      // The venue's events of this time are stamped through the same function: a simulated
      // venue's fill at the clock's time then finds its milliseconds in its one-entry cache,
      // with no second bigint division and conversion per tick.
      this.ms = ExecutionEvent.toEpochMillis(ns)
    }
  }

  /**
   * `setNs` for a caller that has the epoch milliseconds of `ns` already (`ms`, the floor of
   * `ns / 10^6`, which the caller vouches for: e.g. from a catalog's microsecond column). No
   * bigint division and conversion to a number (runtime calls), and no store of the time into
   * `toEpochMillis`'s module-level memo (a new bigint and a new heap number, each through the
   * write barrier's slow path); `epochMillisOf` answers the venue's fills at this time instead.
   * The backtest engine sets its clock this way once per new event time: with the engine's
   * part, `npm run count -- backtest` 18,756 / 18,735 -> 18,273 / 18,194 per tick.
   */
  setNsMs(ns: bigint, ms: number): void {
    if (ns > this.ns) {
      this.ns = ns
      this.ms = ms
    }
  }

  /** Epoch milliseconds of `ns`: the clock's own when `ns` is its time (a venue's event stamped now), else converted. */
  epochMillisOf(ns: bigint): number {
    return ns === this.ns ? this.ms : ExecutionEvent.toEpochMillis(ns)
  }

  /** Moves to `ms` epoch milliseconds; never backwards. */
  setMs(ms: number): void {
    this.setNs(BigInt(ms) * 1_000_000n)
  }

  /** Moves forward by `ms` milliseconds. */
  advanceMs(ms: number): void {
    this.setNs(this.ns + BigInt(ms) * 1_000_000n)
  }
}

/** A manual clock starting at `startMs`. */
export const manual = (startMs: number): ManualClock => new ManualClock(startMs)

/** The wall clock (`Date.now` for milliseconds, `process.hrtime` anchored to it for nanoseconds). */
export const system = (): ExecutionClock => {
  const anchorNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint()
  return {
    nowMs: () => Date.now(),
    nowNs: () => anchorNs + process.hrtime.bigint()
  }
}
