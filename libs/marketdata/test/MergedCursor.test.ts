import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import type { TradeBatch } from "../src/EventBatch.js"
import { drain, MergedCursor } from "../src/MergedCursor.js"
import * as Timestamp from "../src/Timestamp.js"
import { testInstrument } from "./helpers.js"

/** A trades batch whose trade ids say which source and row each event is. */
const batch = (source: number, start: number, times: ReadonlyArray<bigint>): TradeBatch => {
  const ts = BigInt64Array.from(times)
  const { micros, nanos } = Timestamp.splitMicros(ts)
  const n = times.length
  return {
    kind: "trades",
    length: n,
    ts,
    tsMicros: micros,
    tsNanos: nanos,
    tsRecv: new BigInt64Array(n),
    price: new Float64Array(n),
    size: new Float64Array(n),
    aggressor: new Int32Array(n),
    tradeId: Array.from(times, (_, i) => `${source}:${start + i}`)
  }
}

// Times near 2024 with ties: a few ms values and sub-µs differences.
const time = fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 2 })).map(([ms, ns]) => 1723161256000000000n + BigInt(ms) * 1_000_000n + BigInt(ns))

describe("MergedCursor", () => {
  it("yields every row once, in (ts, source) order, keeping each source's own order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.array(time, { maxLength: 40 }), fc.integer({ min: 1, max: 7 })), { minLength: 1, maxLength: 5 }),
        async (sources) => {
          const rows = sources.map(([times]) => [...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
          const cursor = new MergedCursor(
            [testInstrument()],
            rows.map((times, s) => {
              // Split each source into batches of the drawn size, some fetched late.
              const size = sources[s]![1]
              const batches: Array<TradeBatch> = []
              for (let i = 0; i < times.length; i += size) batches.push(batch(s, i, times.slice(i, i + size)))
              let k = 0
              return {
                kind: "trades" as const,
                instrument: 0,
                next: () => new Promise((resolve) => setTimeout(() => resolve(batches[k++] ?? null), k % 2))
              }
            })
          )
          const seen: Array<string> = []
          const count = await drain(cursor, (c) => seen.push(`${(c.batch as TradeBatch).tradeId[c.row]}`))
          const expected = rows
            .flatMap((times, s) => times.map((t, i) => ({ t, s, i })))
            .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.s - b.s || a.i - b.i))
            .map(({ s, i }) => `${s}:${i}`)
          expect(seen).toEqual(expected)
          expect(count).toBe(expected.length)
          expect(cursor.done).toBe(true)
        }
      ),
      { numRuns: 60 }
    )
  })

  it("runAhead and skip move through the same events, in the same order, as next()", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.array(time, { maxLength: 40 }), fc.integer({ min: 1, max: 9 })), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 20 }),
        async (sources, steps) => {
          const rows = sources.map(([times]) => [...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
          const make = () =>
            new MergedCursor(
              [testInstrument()],
              rows.map((times, s) => {
                const size = sources[s]![1]
                const batches: Array<TradeBatch> = []
                for (let i = 0; i < times.length; i += size) batches.push(batch(s, i, times.slice(i, i + size)))
                let k = 0
                return { kind: "trades" as const, instrument: 0, next: () => Promise.resolve(batches[k++] ?? null) }
              })
            )
          const expected: Array<string> = []
          await drain(make(), (c) => expected.push(`${(c.batch as TradeBatch).tradeId[c.row]}`))
          // Each event's id and the cursor's count there; rows after it read from the batch, then skipped.
          const cursor = make()
          const seen: Array<string> = []
          let step = 0
          for (;;) {
            while (cursor.next()) {
              expect(cursor.count).toBe(seen.length + 1)
              seen.push(`${(cursor.batch as TradeBatch).tradeId[cursor.row]}`)
              const ahead = cursor.runAhead()
              const n = Math.min(ahead, steps[step++ % steps.length]!)
              const b = cursor.batch as TradeBatch
              for (let i = 1; i <= n; i++) seen.push(`${b.tradeId[cursor.row + i]}`)
              cursor.skip(n)
              expect(cursor.count).toBe(seen.length)
              expect(cursor.runAhead()).toBe(ahead - n)
              expect(() => cursor.skip(ahead - n + 1)).toThrow(RangeError)
            }
            if (cursor.done) break
            await cursor.load()
          }
          expect(seen).toEqual(expected)
        }
      ),
      { numRuns: 80 }
    )
  })

  it("surfaces a source's failure from load() and stops", async () => {
    const cursor = new MergedCursor([testInstrument()], [
      { kind: "trades", instrument: 0, next: () => Promise.reject(new Error("disk on fire")) }
    ])
    await expect(cursor.load()).rejects.toThrow("disk on fire")
  })
})
