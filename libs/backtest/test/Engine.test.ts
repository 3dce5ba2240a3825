/**
 * The replay loop's reading of the cursor: the batch view it reads columns through, and the
 * events it counts and the first and last event times it keeps, against the cursor walked
 * on its own.
 */
import { describe, expect, it } from "@effect/vitest"
import { Decimal } from "@odum/domain"
import type { EventBatch } from "@odum/marketdata"
import type { OrderRequest } from "@odum/oms"
import * as Effect from "effect/Effect"
import * as fc from "fast-check"
import { BatchView } from "../src/internal/Engine.js"
import { prepare } from "../src/internal/prepare.js"
import { decode, example, storage, tempDir } from "./fixtures.js"

const TIMEOUT = 180_000

const f64 = (n: number, at: number) => Float64Array.from({ length: n }, (_, i) => at + i)
const i32 = (n: number, at: number) => Int32Array.from({ length: n }, (_, i) => at + i)
const ns = (n: number, at: number) => BigInt64Array.from({ length: n }, (_, i) => BigInt(at + i))

/** A batch of `kind` with distinct columns; `reordered` builds it with its fields in another order (another hidden class, as a trimmed batch has). */
const batchOf = (kind: EventBatch.EventBatch["kind"], n: number, at: number, reordered: boolean): EventBatch.EventBatch => {
  const common = { length: n, ts: ns(n, at), tsMicros: f64(n, at + 1), tsNanos: new Uint16Array(n), tsRecv: ns(n, at + 2) }
  switch (kind) {
    case "trades": {
      const cols = { price: f64(n, at + 3), size: f64(n, at + 4), aggressor: i32(n, at + 5), tradeId: ns(n, at + 6) }
      return reordered ? { ...cols, ...common, kind } : { kind, ...common, ...cols }
    }
    case "quotes": {
      const cols = { bidPrice: f64(n, at + 3), bidSize: f64(n, at + 4), askPrice: f64(n, at + 5), askSize: f64(n, at + 6) }
      return reordered ? { ...cols, ...common, kind } : { kind, ...common, ...cols }
    }
    case "book": {
      const cols = { seq: ns(n, at + 3), flags: i32(n, at + 4), side: i32(n, at + 5), price: f64(n, at + 6), size: f64(n, at + 7) }
      return reordered ? { ...cols, ...common, kind } : { kind, ...common, ...cols }
    }
  }
}

/** Each kind's code in the view and the columns the view carries for it. */
const viewed = {
  trades: { code: 0, columns: ["price", "size", "aggressor"] },
  quotes: { code: 1, columns: ["bidPrice", "bidSize", "askPrice", "askSize"] },
  book: { code: 2, columns: ["price", "size", "side", "flags"] }
} as const

/** What the view must show of `b`: its kind's code and its own columns. */
const expectViewOf = (v: BatchView, b: EventBatch.EventBatch) => {
  expect(v.batch).toBe(b)
  expect(v.ts).toBe(b.ts)
  expect(v.tsMicros).toBe(b.tsMicros)
  const { code, columns } = viewed[b.kind]
  expect(v.kind).toBe(code)
  for (const column of columns) expect(v[column]).toBe((b as unknown as Record<string, unknown>)[column])
}

describe("BatchView", () => {
  it("as a property: after any sequence of batches of any kinds and field orders, shows the last one's columns", () => {
    const kinds = fc.constantFrom<EventBatch.EventBatch["kind"]>("trades", "quotes", "book")
    fc.assert(
      fc.property(fc.array(fc.tuple(kinds, fc.integer({ min: 1, max: 4 }), fc.boolean()), { minLength: 1, maxLength: 12 }), (steps) => {
        const v = new BatchView()
        steps.forEach(([kind, n, reordered], i) => {
          const b = batchOf(kind, n, i * 100, reordered)
          v.set(b)
          expectViewOf(v, b)
        })
      }),
      { numRuns: 200 }
    )
  })
})

/** The cursor of `config` walked to its end: events by kind, the first and last event's times. */
const walk = async (config: ReturnType<typeof decode>) => {
  const { cursor } = await Effect.runPromise(prepare(config, "walk", { tables: false }).pipe(Effect.provide(storage(tempDir()))))
  const counts = { trades: 0, quotes: 0, book: 0 }
  let first: bigint | undefined
  let last: bigint | undefined
  for (;;) {
    while (cursor.next()) {
      counts[cursor.kind]++
      const ts = cursor.batch.ts[cursor.row]!
      if (first === undefined) first = ts
      last = ts
    }
    if (cursor.done) break
    await cursor.load()
  }
  return { counts, first, last }
}

describe("Engine.run", () => {
  for (const name of ["backtest.example.json", "backtest.router.example.json", "backtest.twap.example.json"]) {
    it(
      `${name}: counts every event by kind and keeps the first and last event's times, as the cursor walked alone gives them`,
      async () => {
        const config = decode(example(name))
        const expected = await walk(config)
        expect(expected.first).toBeDefined()
        const { engine, cursor } = await Effect.runPromise(prepare(config, "run", { tables: false }).pipe(Effect.provide(storage(tempDir()))))
        await engine.run(cursor)
        expect(engine.eventCounts).toEqual(expected.counts)
        expect(engine.firstEventNs).toBe(expected.first)
        expect(engine.lastEventNs).toBe(expected.last)
      },
      TIMEOUT
    )
  }

  for (const kinds of [undefined, ["trades"]]) {
    it(
      `with yieldEvery, gives the event loop a turn at every multiple of it (rounded to 1,024) events, and replays the same (${kinds === undefined ? "the example's kinds" : "trades alone: runs of rows read without the cursor"})`,
      async () => {
        const base = example("backtest.example.json") as { data: Record<string, unknown> }
        const config = decode(kinds === undefined ? base : { ...base, data: { ...base.data, kinds } })
        const expected = await walk(config)
        const total = expected.counts.trades + expected.counts.quotes + expected.counts.book
        for (const [yieldEvery, every] of [
          [4_096, 4_096],
          [3_000, 3_072]
        ] as const) {
          expect(total).toBeGreaterThan(3 * every)
          const { engine, cursor } = await Effect.runPromise(prepare(config, "yields", { tables: false }).pipe(Effect.provide(storage(tempDir()))))
          // The events replayed at each turn of the event loop while the replay runs.
          const seen = new Set<number>()
          let running = true
          const watch = () => {
            const c = engine.eventCounts
            seen.add(c.trades + c.quotes + c.book)
            if (running) setImmediate(watch)
          }
          setImmediate(watch)
          await engine.run(cursor, undefined, undefined, yieldEvery)
          running = false
          for (let m = every; m < total; m += every) expect(seen.has(m), `a turn after ${m} events`).toBe(true)
          expect(engine.eventCounts).toEqual(expected.counts)
          expect(engine.lastEventNs).toBe(expected.last)
        }
      },
      TIMEOUT
    )
  }

  it(
    "a range with no event keeps no first or last event time",
    async () => {
      const base = example("backtest.example.json") as { data: Record<string, unknown> }
      const config = decode({ ...base, data: { ...base.data, from: "2000-01-01T00:00:00Z", to: "2000-01-02T00:00:00Z" } })
      const { engine, cursor } = await Effect.runPromise(prepare(config, "empty", { tables: false }).pipe(Effect.provide(storage(tempDir()))))
      await engine.run(cursor)
      expect(engine.eventCounts).toEqual({ trades: 0, quotes: 0, book: 0 })
      expect(engine.firstEventNs).toBeUndefined()
      expect(engine.lastEventNs).toBeUndefined()
    },
    TIMEOUT
  )
})

describe("Engine.submit", () => {
  for (const name of ["backtest.example.json", "backtest.router.example.json"]) {
    it(
      `${name}: gives the risk book every listing's current reference price before each order, and the order that price as its arrival price`,
      async () => {
        const config = decode(example(name))
        const { engine, cursor } = await Effect.runPromise(prepare(config, "refs", { tables: false }).pipe(Effect.provide(storage(tempDir()))))
        const listings = engine.plan.listings.map((l) => {
          const m = engine.sims[l.venueIndex]!.engine(l.spec.canonicalId)!
          return { id: l.spec.canonicalId, m }
        })
        // Each listing's reference price read off its matching engine (mid, else last trade), at scale 18.
        const expected = () =>
          listings.map(({ m }) => {
            const bid = m.book.bids.bestPrice()
            const ask = m.book.asks.bestPrice()
            const units2 = bid > 0 && ask > 0 ? bid + ask : m.lastTradePrice > 0 ? 2 * m.lastTradePrice : undefined
            return units2 === undefined ? undefined : (BigInt(units2) * 10n ** BigInt(18 - m.priceScale)) / 2n
          })
        let submits = 0
        let checked = 0
        let now: Array<bigint | undefined> = []
        let listing = -1
        const core = engine.core as { submitOnly: (r: OrderRequest.OrderRequest) => unknown }
        const submitOnly = core.submitOnly.bind(engine.core)
        core.submitOnly = (request) => {
          submits++
          now = expected()
          listing = listings.findIndex((l) => l.id === request.canonicalId)
          listings.forEach(({ id }, i) => {
            if (now[i] !== undefined && engine.riskBook.referencePrice(id) !== now[i]) {
              expect([submits, id, engine.riskBook.referencePrice(id)]).toEqual([submits, id, now[i]])
            }
          })
          return submitOnly(request)
        }
        const add = engine.held.add.bind(engine.held)
        engine.held.add = (operationId, arrival) => {
          // The submitted order (its children, created by the core, have none).
          if (operationId === `${config.strategy.strategyId}-${submits}`) {
            const want = listing >= 0 ? now[listing] : undefined
            const got = arrival === undefined ? undefined : Decimal.toScaled(arrival, 18)
            if (got !== want) expect([submits, got]).toEqual([submits, want])
            checked++
          }
          return add(operationId, arrival)
        }
        await engine.run(cursor)
        expect(submits).toBeGreaterThan(0)
        expect(checked).toBe(submits)
      },
      TIMEOUT
    )
  }
})
