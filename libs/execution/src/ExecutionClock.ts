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
}

/** A clock set by hand: backtests (advanced by replayed events) and tests. */
export class ManualClock implements ExecutionClock {
  private ns: bigint
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
