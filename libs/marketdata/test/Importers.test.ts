import { describe, expect, it } from "@effect/vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import type { CatalogService } from "../src/Catalog.js"
import * as Importers from "../src/Importers.js"
import { LevelBook } from "../src/internal/book.js"
import type { MarketEvent } from "../src/MarketEvent.js"
import { BUY, F_CLEAR, F_LAST, F_SNAPSHOT, SELL } from "../src/MarketEvent.js"
import type { MergedCursor } from "../src/MergedCursor.js"
import * as Timestamp from "../src/Timestamp.js"
import { REAL, run, tempCatalog, tempDir } from "./helpers.js"

const BTC = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"
const ETH = "BINANCE-FUTURES:PERPETUAL:ETH-USDT"

const importInto = (catalog: CatalogService, file: string, options: Partial<Importers.ImportOptions> = {}) =>
  run(Importers.importFile(file.startsWith("/") ? file : join(REAL, file), { catalog, ...options }))

const drain = async (c: MergedCursor): Promise<Array<MarketEvent>> => {
  const out: Array<MarketEvent> = []
  for (;;) {
    while (c.next()) out.push(c.event())
    if (c.done) return out
    await c.load()
  }
}

const all = { withRecvTime: true, withTradeIds: true } as const

describe("instrument definitions from the real files", () => {
  it("binance.json (ccxt): tick and step from the exchange filters, fees, canonical ids", async () => {
    const { catalog } = await tempCatalog()
    const report = await importInto(catalog, "binance.json")
    expect(report.format).toBe("ccxt-markets")
    expect(report.counts).toMatchObject({ markets: 18, definitions: 16 })
    expect(report.notes.join("\n")).toContain("left out 2 entries: stubs")
    const perp = await run(catalog.instrument(BTC))
    expect(perp).toMatchObject({ venueSymbol: "BTCUSDT", tickSize: "0.1", lotSize: "0.001", takerFee: "0.0004", makerFee: "0.0002", priceScale: 1, sizeScale: 3 })
    expect(await run(catalog.instrument(ETH))).toMatchObject({ tickSize: "0.01", lotSize: "0.001" })
    expect(await run(catalog.instrument("BINANCE-SPOT:SPOT_PAIR:BTC-USDT"))).toMatchObject({ tickSize: "0.01", lotSize: "0.00001", takerFee: "0.001" })
    expect(await run(catalog.instrument("BINANCE-COINM:PERPETUAL:BTC-USD@INV"))).toMatchObject({ contractSize: "100", sizeUnit: "contracts", takerFee: "0.0005", makerFee: "0.0001" })
  })

  it("DERIBIT.0: BTC-PERPETUAL and options with their fees", async () => {
    const { catalog } = await tempCatalog()
    const report = await importInto(catalog, "DERIBIT.0")
    expect(report.format).toBe("deribit-instruments")
    expect(report.counts).toMatchObject({ instruments: 398 + 426 + 177 + 16 })
    expect(await run(catalog.instrument("DERIBIT:PERPETUAL:BTC-USD@INV"))).toMatchObject({
      tickSize: "0.5",
      contractSize: "10",
      makerFee: "0",
      takerFee: "0.0005",
      sizeUnit: "quote"
    })
    const option = await run(catalog.instrument("DERIBIT:OPTION:BTC-USD-34000-20211231-P"))
    expect(option).toMatchObject({ tickSize: "0.0005", makerFee: "0.0003", takerFee: "0.0003", strike: "34000", optionRight: "P" })
    expect(option.expiry).toBe("2021-12-31T08:00:00.000Z")
  })

  it("BYBIT.0: linear and inverse perpetuals with 2021's fees; dated futures are left out and said so", async () => {
    const { catalog } = await tempCatalog()
    const report = await importInto(catalog, "BYBIT.0")
    expect(report.counts).toMatchObject({ symbols: 15, definitions: 13 })
    expect(report.notes).toEqual(["left out 2 entries: dated futures: the v2 listing gives no expiry date"])
    expect(await run(catalog.instrument("BYBIT:PERPETUAL:BTC-USDT"))).toMatchObject({ tickSize: "0.5", takerFee: "0.00075", makerFee: "-0.00025" })
    expect(await run(catalog.instrument("BYBIT:PERPETUAL:BTC-USD@INV"))).toMatchObject({ sizeUnit: "quote" })
  })

  it("LEAN symbol properties: only the requested ids, with tick and lot sizes", async () => {
    const { catalog } = await tempCatalog()
    const report = await importInto(catalog, "symbol-properties-database.csv", { only: [BTC, "BYBIT:PERPETUAL:XRP-USDT"] })
    expect(report.format).toBe("lean-symbol-properties")
    expect(report.counts).toMatchObject({ rows: 10_821, definitions: 2 })
    expect(await run(catalog.instrument(BTC))).toMatchObject({ tickSize: "0.1", lotSize: "0.001" })
    expect(await run(catalog.instrument("BYBIT:PERPETUAL:XRP-USDT"))).toMatchObject({ tickSize: "0.0001", lotSize: "1", minSize: "1" })
  })
})

describe("market data from the real files", () => {
  it("trades.csv (Tardis): 9,999 trades, 5,267 taker buys, ids 42377944..42387942, µs times", async () => {
    const { catalog } = await tempCatalog()
    await importInto(catalog, "binance.json")
    const report = await importInto(catalog, "trades.csv")
    expect(report.format).toBe("tardis-trades")
    expect(report.counts).toMatchObject({ rows: 9999, buys: 5267, sells: 4732 })
    // 2020 prices have cents (9681.92 in quotes), finer than 2023's 0.1 tick: the scale grew.
    const events = await drain(await run(catalog.cursor({ instruments: [BTC], kinds: ["trades"], ...all })))
    expect(events).toHaveLength(9999)
    const ids = events.map((e) => (e.kind === "trades" ? Number(e.tradeId) : 0))
    expect(ids[0]).toBe(42377944)
    expect(ids.at(-1)).toBe(42387942)
    expect(ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1)).toBe(true)
    expect(events.filter((e) => e.kind === "trades" && e.aggressor === BUY)).toHaveLength(5267)
    expect(Timestamp.toIso(events[0]!.ts)).toBe("2020-02-22T00:00:02.111000000Z")
    expect(Timestamp.toIso(events.at(-1)!.ts)).toBe("2020-02-22T02:05:47.728000000Z")
    expect(events[0]!.tsRecv).toBe(1582329602418379000n)
  })

  it("quotes.csv (Tardis): 9,999 quotes, none crossed, ask columns mapped to the ask", async () => {
    const { catalog } = await tempCatalog()
    await importInto(catalog, "binance.json")
    const report = await importInto(catalog, "quotes.csv")
    expect(report.counts).toMatchObject({ rows: 9999 })
    const events = await drain(await run(catalog.cursor({ instruments: [BTC], kinds: ["quotes"] })))
    expect(events).toHaveLength(9999)
    const first = events[0]!
    // binance-futures,BTCUSDT,1582329601096000,...,ask_amount 0.84,ask_price 9682,bid_price 9681.92,bid_amount 0.67
    expect(first).toMatchObject({ kind: "quotes", askPrice: 968200, askSize: 840, bidPrice: 968192, bidSize: 670, priceScale: 2 })
    expect(events.every((e) => e.kind === "quotes" && e.bidPrice < e.askPrice)).toBe(true)
  })

  it("btcusdt_20240808.gz (Binance raw): 21,313 trades (9,616 taker buys), 66,089 quotes, the book rebuilt by the sync rules", async () => {
    const { catalog } = await tempCatalog()
    await importInto(catalog, "binance.json")
    const report = await importInto(catalog, "btcusdt_20240808.gz")
    expect(report.format).toBe("binance-raw")
    expect(report.counts).toMatchObject({
      lines: 93_954,
      trades: 21_313,
      buys: 9_616,
      bookTickers: 66_089,
      depthUpdates: 6_551,
      levelUpdates: 443_521,
      snapshotLevels: 2_000,
      tradeIdGaps: 0
    })
    // Rule 1 drops the diffs older than the snapshot; every other diff is applied.
    expect(report.counts.droppedDiffs! + report.counts.appliedDiffs!).toBe(6_551)
    expect(report.notes[0]).toContain(`dropped ${report.counts.droppedDiffs} depth diffs`)

    const trades = await drain(await run(catalog.cursor({ instruments: [BTC], kinds: ["trades"], ...all })))
    expect(trades).toHaveLength(21_313)
    expect(trades.filter((e) => e.kind === "trades" && e.aggressor === BUY)).toHaveLength(9_616)
    expect(trades.filter((e) => e.kind === "trades" && e.aggressor === SELL)).toHaveLength(21_313 - 9_616)
    // First trade: {"E":1723161256322,"T":1723161256322,"t":5266583935,"p":"61800.30","q":"0.006","m":false}, line prefix 1723161255088176367.
    expect(trades[0]).toMatchObject({ ts: 1723161256322000000n, tsRecv: 1723161255088176367n, price: 618003, size: 6, aggressor: BUY, tradeId: "5266583935" })

    const quotes = await drain(await run(catalog.cursor({ instruments: [BTC], kinds: ["quotes"] })))
    expect(quotes).toHaveLength(66_089)
    expect(quotes.every((q) => q.kind === "quotes" && q.bidPrice < q.askPrice)).toBe(true)

    // Replaying the stored book rows gives a book that is never crossed after a complete message.
    const book = await drain(await run(catalog.cursor({ instruments: [BTC], kinds: ["book"] })))
    expect(book[0]).toMatchObject({ flags: F_SNAPSHOT | F_CLEAR })
    const levels = new LevelBook()
    let crossed = 0
    let messages = 0
    for (const e of book) {
      if (e.kind !== "book") continue
      levels.apply(e.flags, e.side, e.price, e.size)
      if (e.flags & F_LAST) {
        messages++
        const { bid, ask } = levels.best()
        if (!(bid < ask)) crossed++
      }
    }
    expect(crossed).toBe(0)
    expect(messages).toBeGreaterThan(6_500)
  })

  it("ethusdt_20240808.gz: 14,076 trades and 53,992 quotes, merged with BTC in time order", async () => {
    const { catalog } = await tempCatalog()
    await importInto(catalog, "binance.json")
    const report = await importInto(catalog, "ethusdt_20240808.gz")
    expect(report.counts).toMatchObject({ trades: 14_076, bookTickers: 53_992, depthUpdates: 6_586, levelUpdates: 428_662 })
    await importInto(catalog, "btcusdt_20240808.gz")
    const merged = await drain(await run(catalog.cursor({ instruments: [BTC, ETH], kinds: ["trades"] })))
    expect(merged).toHaveLength(21_313 + 14_076)
    expect(merged.every((e, i) => i === 0 || merged[i - 1]!.ts <= e.ts)).toBe(true)
  })

  it("xrpusdt-ob500.data.zip (Bybit): 1 snapshot of 500 + 500 levels and 49 deltas with 2,966 level updates", async () => {
    const { catalog } = await tempCatalog()
    await importInto(catalog, "symbol-properties-database.csv", { only: ["BYBIT:PERPETUAL:XRP-USDT"] })
    const report = await importInto(catalog, "xrpusdt-ob500.data.zip")
    expect(report.format).toBe("bybit-orderbook")
    expect(report.counts).toMatchObject({ lines: 50, snapshots: 1, snapshotLevels: 1000, deltas: 49, levelUpdates: 2966 })
    const rows = await drain(await run(catalog.cursor({ instruments: ["BYBIT:PERPETUAL:XRP-USDT"] })))
    expect(rows).toHaveLength(1000 + 2966)
    expect(rows[0]).toMatchObject({ kind: "book", price: 19531, size: 6203, seq: 20254869n, flags: F_SNAPSHOT | F_CLEAR })
    expect(rows.at(-1)).toMatchObject({ seq: 20254918n })
    expect(Timestamp.toIso(rows[0]!.ts)).toBe("2024-12-01T00:00:00.691000000Z")
  })

  it("DERIBIT.ws.1.0: 89 tickers as quotes and 46 book messages, option prices in the coin", async () => {
    const { catalog } = await tempCatalog()
    await importInto(catalog, "DERIBIT.0")
    const report = await importInto(catalog, "DERIBIT.ws.1.0")
    expect(report.format).toBe("deribit-ws")
    expect(report.counts).toMatchObject({ lines: 138, tickers: 89, bookSnapshots: 10, bookChanges: 36, trades: 0, sent: 1, connects: 1, responses: 1 })
    // ETH-27AUG21-4000-P had an empty book: its snapshot is stored as one clearing row.
    const empty = await drain(await run(catalog.cursor({ instruments: ["DERIBIT:OPTION:ETH-USD-4000-20210827-P"], kinds: ["book"] })))
    expect(empty[0]).toMatchObject({ price: 0, size: 0, flags: F_SNAPSHOT | F_CLEAR | F_LAST })
    const id = "DERIBIT:OPTION:ETH-USD-2800-20210730-C"
    const quotes = await drain(await run(catalog.cursor({ instruments: [id], kinds: ["quotes"], withRecvTime: true })))
    // 1626993723.804855: ticker ETH-30JUL21-2800-C best bid 0.0015 x 4714, ask 0.0025 x 873, timestamp 1626993723632.
    expect(quotes[0]).toMatchObject({ bidPrice: 15, bidSize: 4714, askPrice: 25, askSize: 873, priceScale: 4, ts: 1626993723632000000n, tsRecv: 1626993723804855000n })
  })
})

describe("malformed input", () => {
  const HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"
  const row = (ts: number, id: number, side = "buy", price = "9682", amount = "0.132") =>
    `binance-futures,BTCUSDT,${ts},${ts + 300},${id},${side},${price},${amount}`
  const withDefinitions = async () => {
    const { catalog } = await tempCatalog()
    await importInto(catalog, "binance.json")
    return catalog
  }
  const file = (name: string, text: string | Uint8Array) => {
    const path = join(tempDir(), name)
    writeFileSync(path, text)
    return path
  }

  it("fails on bad numbers and timestamps going backwards, naming every row, and writes nothing", async () => {
    const catalog = await withDefinitions()
    const path = file("bad.csv", [HEADER, row(1_000_000, 1), row(2_000_000, 2, "buy", "9x82"), row(500_000, 3), row(3_000_000, 4, "sideways")].join("\n"))
    const error = await importInto(catalog, path).catch((e: unknown) => e)
    expect(error).toMatchObject({ _tag: "ImportError", reason: "BadRows", problemCount: 3 })
    const problems = (error as { problems: ReadonlyArray<{ row: number; message: string }> }).problems
    expect(problems.map((p) => p.row)).toEqual([3, 4, 5])
    expect(problems[0]!.message).toContain('price "9x82"')
    expect(problems[1]!.message).toContain("before the previous")
    expect(problems[2]!.message).toContain('side "sideways"')
    expect(await run(catalog.list())).toEqual([])
  })

  it("with skipBad, skips the bad trade rows and lists them in the report", async () => {
    const catalog = await withDefinitions()
    const path = file("bad.csv", [HEADER, row(1_000_000, 1), row(2_000_000, 2, "buy", "-1"), row(3_000_000, 3)].join("\n"))
    const report = await importInto(catalog, path, { skipBad: true })
    expect(report.skippedCount).toBe(1)
    expect(report.skipped[0]).toMatchObject({ row: 3 })
    const events = await drain(await run(catalog.cursor({ instruments: [BTC], ...all })))
    expect(events.map((e) => (e.kind === "trades" ? e.tradeId : ""))).toEqual(["1", "3"])
  })

  it("refuses a header with unknown columns", async () => {
    const catalog = await withDefinitions()
    const path = file("extra.csv", `${HEADER},fee\n${row(1_000_000, 1)},0`)
    await expect(importInto(catalog, path, { format: "tardis-trades" })).rejects.toMatchObject({
      reason: "BadRows",
      problems: [{ row: 1, message: expect.stringContaining("unknown columns fee") }]
    })
  })

  it("fails a Binance depth stream with a pu gap (BookSync), even with skipBad", async () => {
    const catalog = await withDefinitions()
    const T0 = 1723161256000
    const depth = (U: number, u: number, pu: number, dt: number) =>
      `${T0 + dt}000000 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":${T0 + dt},"T":${T0 + dt},"s":"BTCUSDT","U":${U},"u":${u},"pu":${pu},"b":[["100.0","1.000"]],"a":[]}}`
    const snapshot = `${T0 + 1}000000 {"lastUpdateId":15,"E":${T0 + 1},"T":${T0 + 1},"bids":[["100.0","2.000"]],"asks":[["101.0","1.000"]]}`
    const lines = [depth(10, 12, 9, 0), snapshot, depth(13, 16, 12, 2), depth(17, 18, 16, 3), depth(25, 30, 20, 4)]
    const path = file("gap.gz", gzipSync(lines.join("\n")))
    const error = await importInto(catalog, path, { skipBad: true }).catch((e: unknown) => e)
    expect(error).toMatchObject({ _tag: "ImportError", reason: "BookSync" })
    expect((error as { problems: ReadonlyArray<{ row: number; message: string }> }).problems).toEqual([
      { row: 5, message: expect.stringContaining("pu=20 does not follow the previous u=18") }
    ])
  })

  it("refuses data for instruments the catalog does not define", async () => {
    const { catalog } = await tempCatalog()
    await expect(importInto(catalog, "trades.csv")).rejects.toMatchObject({ reason: "UnknownInstrument" })
  })

  it("refuses a file it cannot recognise", async () => {
    const { catalog } = await tempCatalog()
    await expect(importInto(catalog, file("x.txt", "hello\nworld\n"))).rejects.toMatchObject({ reason: "UnknownFormat" })
  })
})
