/**
 * A minimal L2 book over price units, used by the writer to start each day file with a
 * snapshot (so a reader can begin at any day) and by importers to check a stream.
 */
import { ASK, BID, F_CLEAR, F_LAST, F_SNAPSHOT, F_SYNTHETIC } from "../MarketEvent.js"

/** Levels of both sides, price units to size units. */
export class LevelBook {
  readonly bids = new Map<number, number>()
  readonly asks = new Map<number, number>()
  /** Sequence number of the last row applied. */
  lastSeq = 0n

  /** Applies one stored book row. */
  apply(flags: number, side: number, price: number, size: number): void {
    if (flags & F_CLEAR) {
      this.bids.clear()
      this.asks.clear()
    }
    const levels = side === BID ? this.bids : this.asks
    if (size === 0) levels.delete(price)
    else levels.set(price, size)
  }

  /** Best bid and ask prices, NaN for an empty side. */
  best(): { bid: number; ask: number } {
    let bid = Number.NaN
    let ask = Number.NaN
    for (const p of this.bids.keys()) if (!(p <= bid)) bid = p
    for (const p of this.asks.keys()) if (!(p >= ask)) ask = p
    return { bid, ask }
  }

  /**
   * The book as snapshot rows (bids best first, then asks best first), flagged
   * SNAPSHOT|SYNTHETIC, the first also CLEAR and the last also LAST. An empty book gives
   * no rows.
   */
  snapshotRows(): Array<{ flags: number; side: number; price: number; size: number }> {
    const bids = [...this.bids.entries()].sort((a, b) => b[0] - a[0])
    const asks = [...this.asks.entries()].sort((a, b) => a[0] - b[0])
    const rows = [
      ...bids.map(([price, size]) => ({ flags: F_SNAPSHOT | F_SYNTHETIC, side: BID, price, size })),
      ...asks.map(([price, size]) => ({ flags: F_SNAPSHOT | F_SYNTHETIC, side: ASK, price, size }))
    ]
    if (rows.length > 0) {
      rows[0]!.flags |= F_CLEAR
      rows[rows.length - 1]!.flags |= F_LAST
    }
    return rows
  }
}
