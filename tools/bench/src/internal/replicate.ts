import { type EventBatch, Timestamp } from "@odum/marketdata"

/**
 * `copies` back-to-back copies of a trade batch, each shifted in time by the batch's span
 * (and its trade ids by their span), so the short real recordings can be replayed to reach
 * ten million events while staying strictly time-ordered and free of duplicate trade ids.
 */
export const replicate = (t: EventBatch.TradeBatch, copies: number): EventBatch.TradeBatch => {
  const n = t.length
  const total = n * copies
  const span = t.ts[n - 1]! - t.ts[0]! + 1_000_000n
  const ids = t.tradeId as BigInt64Array
  const idSpan = ids[n - 1]! - ids[0]! + 1n
  const out = {
    kind: "trades" as const,
    length: total,
    ts: new BigInt64Array(total),
    tsRecv: new BigInt64Array(total),
    price: new Float64Array(total),
    size: new Float64Array(total),
    aggressor: new Int32Array(total),
    tradeId: new BigInt64Array(total)
  }
  for (let r = 0; r < copies; r++) {
    const shift = BigInt(r) * span
    const idShift = BigInt(r) * idSpan
    const at = r * n
    for (let i = 0; i < n; i++) {
      out.ts[at + i] = t.ts[i]! + shift
      out.tsRecv[at + i] = t.tsRecv[i]! + shift
      out.tradeId[at + i] = ids[i]! + idShift
    }
    out.price.set(t.price, at)
    out.size.set(t.size, at)
    out.aggressor.set(t.aggressor, at)
  }
  const { micros, nanos } = Timestamp.splitMicros(out.ts)
  return { ...out, tsMicros: micros, tsNanos: nanos }
}
