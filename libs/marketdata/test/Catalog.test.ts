import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { setFlagsFromString } from "node:v8"
import type { EventBatch } from "../src/EventBatch.js"
import { fromEvents } from "../src/EventBatch.js"
import type { BookUpdate, Trade } from "../src/MarketEvent.js"
import { ASK, BID, F_CLEAR, F_LAST, F_SNAPSHOT, F_SYNTHETIC } from "../src/MarketEvent.js"
import type { MergedCursor } from "../src/MergedCursor.js"
import * as Timestamp from "../src/Timestamp.js"
import { run, tempCatalog, testInstrument } from "./helpers.js"

const ID = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"
const DAY = Timestamp.dayStart("2024-08-08")

/** `n` trades one every `stepMs`, starting `startMs` after 2024-08-08 00:00 UTC. */
const trades = (n: number, startMs: number, stepMs: number): Array<Trade> =>
  Array.from({ length: n }, (_, i) => ({
    kind: "trades" as const,
    instrument: ID,
    ts: DAY + BigInt(startMs + i * stepMs) * 1_000_000n + BigInt(i % 1000),
    tsRecv: DAY + BigInt(startMs + i * stepMs + 5) * 1_000_000n,
    price: 600_000 + ((i * 7) % 50),
    size: 1 + ((i * 13) % 900),
    aggressor: i % 3 === 0 ? -1 : 1,
    tradeId: String(1_000_000 + i),
    priceScale: 1,
    sizeScale: 3
  }))

/** Every event of a cursor as plain objects. */
const drainEvents = async (c: MergedCursor) => {
  const out = []
  for (;;) {
    while (c.next()) out.push(c.event())
    if (c.done) return out
    await c.load()
  }
}

const everything = { withRecvTime: true, withTradeIds: true } as const

describe("Catalog write and read", () => {
  it("stores trades as one file per UTC day and reads them back exactly, in order", async () => {
    const { catalog } = await tempCatalog({ rowGroupSize: 100 })
    await run(catalog.putInstruments([testInstrument()]))
    // 1,000 trades every 3 minutes from 2024-08-08 00:00: they span three days.
    const input = trades(1000, 0, 180_000)
    const report = await run(catalog.writeTrades(ID, fromEvents("trades", input)))
    expect(report.days.map((d) => d.day)).toEqual(["2024-08-08", "2024-08-09", "2024-08-10"])
    expect(report.days.map((d) => d.rows)).toEqual([480, 480, 40])
    expect(report.days.every((d) => d.status === "created")).toBe(true)

    const holdings = await run(catalog.list())
    expect(holdings).toHaveLength(1)
    expect(holdings[0]!.rows).toBe(1000)
    expect(holdings[0]!.days.map((d) => [d.day, d.rows])).toEqual([
      ["2024-08-08", 480],
      ["2024-08-09", 480],
      ["2024-08-10", 40]
    ])

    const out = await drainEvents(await run(catalog.cursor({ instruments: [ID], ...everything })))
    expect(out).toEqual(input)
  })

  it("answers a time range with exactly the rows in [from, to), reading only the row groups it touches", async () => {
    const ranges: Array<[string, number, number]> = []
    const { catalog } = await tempCatalog({
      rowGroupSize: 100,
      wrap: (s) => ({
        ...s,
        downloadRange: (uri, start, end) => {
          ranges.push([uri, start, end])
          return s.downloadRange(uri, start, end)
        }
      })
    })
    await run(catalog.putInstruments([testInstrument()]))
    const input = trades(1000, 0, 180_000)
    await run(catalog.writeTrades(ID, fromEvents("trades", input)))
    ranges.length = 0
    const from = input[550]!.ts
    const to = input[700]!.ts
    const out = await drainEvents(await run(catalog.cursor({ instruments: [ID], from, to, ...everything })))
    expect(out).toEqual(input.slice(550, 700))
    // Only the 2024-08-09 file is opened (rows 480..959): its footer, then row groups
    // 0 (rows 480-579), 1 and 2 (580-779). Nothing of the other days.
    expect(new Set(ranges.map(([uri]) => uri.split("/").pop()))).toEqual(new Set(["2024-08-09.parquet"]))
    const dataReads = ranges.filter(([, start, end]) => end - start < 64 * 1024 && start > 0)
    expect(dataReads.length).toBeLessThanOrEqual(4)
  })

  it("answers a time range of quotes over several days with exactly the rows in [from, to), every column its own", async () => {
    // Split by day on writing, trimmed to the range on reading: each column sliced as itself.
    const { catalog } = await tempCatalog({ rowGroupSize: 100 })
    await run(catalog.putInstruments([testInstrument()]))
    const input = trades(600, 0, 300_000).map((t, i) => ({
      kind: "quotes" as const,
      instrument: ID,
      ts: t.ts,
      tsRecv: t.tsRecv,
      bidPrice: 600_000 + ((i * 7) % 50),
      bidSize: 1 + ((i * 13) % 900),
      askPrice: 600_100 + ((i * 11) % 50),
      askSize: 2 + ((i * 17) % 900),
      priceScale: 1,
      sizeScale: 3
    }))
    await run(catalog.writeQuotes(ID, fromEvents("quotes", input)))
    const from = input[250]!.ts
    const to = input[420]!.ts
    const out = await drainEvents(await run(catalog.cursor({ instruments: [ID], kinds: ["quotes"], from, to, withRecvTime: true })))
    expect(out).toEqual(input.slice(250, 420))
  })

  it("gives a range-trimmed batch the hidden class of a whole decoded batch, with the same columns in the same order", async () => {
    // The replay loop reads every batch's columns: a trimmed batch of another hidden class made
    // its reads polymorphic (a deoptimisation at the first one). V8's own test of that, where
    // natives syntax can be enabled.
    setFlagsFromString("--allow-natives-syntax")
    const sameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (a: object, b: object) => boolean
    const { catalog } = await tempCatalog({ rowGroupSize: 100 })
    await run(catalog.putInstruments([testInstrument()]))
    const input = trades(1000, 0, 180_000)
    await run(catalog.writeTrades(ID, fromEvents("trades", input)))
    const from = input[550]!.ts
    const to = input[700]!.ts
    const c = await run(catalog.cursor({ instruments: [ID], from, to, ...everything }))
    const batches: Array<EventBatch> = []
    const out = []
    for (;;) {
      while (c.next()) {
        if (batches[batches.length - 1] !== c.batch) batches.push(c.batch)
        out.push(c.event())
      }
      if (c.done) break
      await c.load()
    }
    expect(out).toEqual(input.slice(550, 700))
    // Rows 550-579 (trimmed), 580-679 (whole) and 680-699 (trimmed).
    expect(batches.map((b) => b.length)).toEqual([30, 100, 20])
    const keys = Object.keys(batches[1]!)
    for (const b of batches) {
      expect(Object.keys(b)).toEqual(keys)
      expect(sameMap(b, batches[1]!)).toBe(true)
    }
  })

  it("leaves a day file alone when the same rows are written again, appends later rows, and refuses a conflicting overlap", async () => {
    const { catalog } = await tempCatalog()
    await run(catalog.putInstruments([testInstrument()]))
    const first = trades(100, 0, 1000)
    await run(catalog.writeTrades(ID, fromEvents("trades", first)))
    const again = await run(catalog.writeTrades(ID, fromEvents("trades", first)))
    expect(again.days.map((d) => d.status)).toEqual(["unchanged"])

    const later = trades(50, 200_000, 1000)
    const appended = await run(catalog.writeTrades(ID, fromEvents("trades", later)))
    expect(appended.days.map((d) => d.status)).toEqual(["appended"])

    const conflicting = trades(10, 5_000, 1000).map((t) => ({ ...t, price: t.price + 1 }))
    const error = await run(catalog.writeTrades(ID, fromEvents("trades", conflicting))).catch((e: unknown) => e)
    expect(error).toMatchObject({ _tag: "CatalogError", reason: "Overlap" })

    const out = await drainEvents(await run(catalog.cursor({ instruments: [ID], ...everything })))
    expect(out).toEqual([...first, ...later])
  })

  it("decodes receive times and trade ids only when asked", async () => {
    const { catalog } = await tempCatalog()
    await run(catalog.putInstruments([testInstrument()]))
    const input = trades(5, 0, 1000)
    await run(catalog.writeTrades(ID, fromEvents("trades", input)))
    const lean = await drainEvents(await run(catalog.cursor({ instruments: [ID] })))
    expect(lean.map((e) => [e.tsRecv, e.kind === "trades" ? e.tradeId : "?"])).toEqual(input.map(() => [0n, ""]))
    expect(lean.map((e) => e.ts)).toEqual(input.map((t) => t.ts))
    const cursor = await run(catalog.cursor({ instruments: [ID], withRecvTime: true }))
    expect(cursor.next()).toBe(true)
    expect(cursor.batch.tsRecv[cursor.row]).toBe(input[0]!.tsRecv)
    expect(BigInt(cursor.batch.tsMicros[cursor.row]!) * 1000n + BigInt(cursor.batch.tsNanos[cursor.row]!)).toBe(input[0]!.ts)
  })

  it("refuses rows out of time order and unknown instruments, writing nothing", async () => {
    const { catalog } = await tempCatalog()
    await run(catalog.putInstruments([testInstrument()]))
    const t = trades(10, 0, 1000)
    const swapped = [t[0]!, t[2]!, t[1]!, ...t.slice(3)]
    await expect(run(catalog.writeTrades(ID, fromEvents("trades", swapped)))).rejects.toMatchObject({
      reason: "InvalidInput",
      message: expect.stringContaining("row 2")
    })
    await expect(run(catalog.writeTrades("BINANCE-FUTURES:PERPETUAL:ETH-USDT", fromEvents("trades", t)))).rejects.toMatchObject({
      reason: "UnknownInstrument"
    })
    expect(await run(catalog.list())).toEqual([])
  })

  it("reads files written at a smaller scale after the instrument's scale grew, exactly", async () => {
    const { catalog } = await tempCatalog()
    await run(catalog.putInstruments([testInstrument()]))
    const input = trades(20, 0, 1000)
    await run(catalog.writeTrades(ID, fromEvents("trades", input)))
    const update = await run(catalog.putInstruments([testInstrument({ priceScale: 2, sources: ["finer"] })]))
    expect(update).toEqual({ added: 0, updated: 1, unchanged: 0 })
    expect((await run(catalog.instrument(ID))).sources).toEqual(["test", "finer"])
    const out = await drainEvents(await run(catalog.cursor({ instruments: [ID], ...everything })))
    expect(out.map((e) => (e.kind === "trades" ? e.price : -1))).toEqual(input.map((t) => t.price * 10))
    expect(out.every((e) => e.priceScale === 2)).toBe(true)
  })
})

describe("Catalog book files", () => {
  const book = (ms: number, seq: number, flags: number, side: 1 | -1, price: number, size: number): BookUpdate => ({
    kind: "book",
    instrument: ID,
    ts: DAY + BigInt(ms) * 1_000_000n,
    tsRecv: 0n,
    seq: BigInt(seq),
    flags,
    side,
    price,
    size,
    priceScale: 1,
    sizeScale: 3
  })
  const DAY_MS = 86_400_000

  it("starts each later day file with a synthetic snapshot of the book, so a day can be replayed alone", async () => {
    const { catalog } = await tempCatalog()
    await run(catalog.putInstruments([testInstrument()]))
    const rows = [
      book(DAY_MS - 3000, 1, F_SNAPSHOT | F_CLEAR, BID, 100, 5),
      book(DAY_MS - 3000, 1, F_SNAPSHOT, BID, 99, 7),
      book(DAY_MS - 3000, 1, F_SNAPSHOT | F_LAST, ASK, 101, 3),
      book(DAY_MS - 1000, 2, F_LAST, BID, 99, 0), // delete 99
      book(DAY_MS - 500, 3, F_LAST, ASK, 102, 4), // add 102
      book(DAY_MS + 10, 4, F_LAST, BID, 100, 6) // next day: change 100
    ]
    await run(catalog.writeBook(ID, fromEvents("book", rows)))
    const day2 = await drainEvents(await run(catalog.cursor({ instruments: [ID], from: DAY + BigInt(DAY_MS) * 1_000_000n, ...everything })))
    const synthetic = F_SNAPSHOT | F_SYNTHETIC
    expect(day2.map((e) => (e.kind === "book" ? [e.flags, e.side, e.price, e.size, e.seq] : []))).toEqual([
      [synthetic | F_CLEAR, BID, 100, 5, 3n],
      [synthetic, ASK, 101, 3, 3n],
      [synthetic | F_LAST, ASK, 102, 4, 3n],
      [F_LAST, BID, 100, 6, 4n]
    ])
    expect(day2.every((e) => e.ts === rows[5]!.ts)).toBe(true)
  })
})

describe("Catalog merged reads", () => {
  it("merges instruments and kinds by time, ties broken by kind order then instrument order", async () => {
    const { catalog } = await tempCatalog()
    const eth = "BINANCE-FUTURES:PERPETUAL:ETH-USDT"
    await run(catalog.putInstruments([testInstrument(), testInstrument({ id: eth as never, venueSymbol: "ETHUSDT", base: "ETH" })]))
    const at = (ms: number) => DAY + BigInt(ms) * 1_000_000n
    const trade = (instrument: string, ms: number, id: number): Trade => ({ ...trades(1, 0, 0)[0]!, instrument, ts: at(ms), tsRecv: 0n, tradeId: String(id) })
    const quote = (instrument: string, ms: number) => ({
      kind: "quotes" as const,
      instrument,
      ts: at(ms),
      tsRecv: 0n,
      bidPrice: 1,
      bidSize: 1,
      askPrice: 2,
      askSize: 1,
      priceScale: 1,
      sizeScale: 3
    })
    await run(catalog.writeTrades(ID, fromEvents("trades", [trade(ID, 10, 1), trade(ID, 20, 2), trade(ID, 20, 3)])))
    await run(catalog.writeTrades(eth, fromEvents("trades", [trade(eth, 5, 4), trade(eth, 20, 5)])))
    await run(catalog.writeQuotes(ID, fromEvents("quotes", [quote(ID, 20), quote(ID, 30)])))
    const events = await Effect.runPromise(
      Stream.runCollect(catalog.read({ instruments: [eth, ID], kinds: ["quotes", "trades"], withTradeIds: true }))
    )
    const seen = [...events].map((e) => `${e.ts === at(0) ? 0 : Number((e.ts - DAY) / 1_000_000n)}:${e.kind}:${e.instrument.split(":")[2]}${e.kind === "trades" ? `#${e.tradeId}` : ""}`)
    expect(seen).toEqual([
      "5:trades:ETH-USDT#4",
      "10:trades:BTC-USDT#1",
      "20:quotes:BTC-USDT",
      "20:trades:ETH-USDT#5",
      "20:trades:BTC-USDT#2",
      "20:trades:BTC-USDT#3",
      "30:quotes:BTC-USDT"
    ])
  })

  it("fails a cursor over an undefined instrument with UnknownInstrument", async () => {
    const { catalog } = await tempCatalog()
    await expect(run(catalog.cursor({ instruments: [ID] }))).rejects.toMatchObject({ _tag: "CatalogError", reason: "UnknownInstrument" })
  })
})

