/**
 * The measurement behind the choice of Parquet library and column types (README,
 * "Parquet library"): the real BTCUSDT trades of btcusdt_20240808.gz, imported by this
 * library, replayed to ~10M rows, written with several column layouts, and decoded by
 * hyparquet and by parquet-wasm + apache-arrow (dev dependencies, kept for this script).
 *
 *   npx tsx --tsconfig libs/marketdata/tsconfig.json libs/marketdata/scripts/compare-parquet-libs.ts
 */
import { NodeContext } from "@effect/platform-node"
import { Storage } from "@odum/ucs"
import { tableFromIPC } from "apache-arrow"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { parquetRead } from "hyparquet"
import { type ColumnSource, parquetWriteBuffer } from "hyparquet-writer"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as ParquetWasm from "parquet-wasm"
import { Catalog, type EventBatch, Importers } from "../src/index.js"

const REAL = fileURLToPath(new URL("../../../../shared/data/real/", import.meta.url))
const ID = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"
const ROWS = 10_000_000

const realTrades = async (): Promise<EventBatch.TradeBatch> => {
  const dir = mkdtempSync(join(tmpdir(), "odum-compare-"))
  try {
    const layer = Catalog.layer({ root: dir }).pipe(Layer.provide(Storage.layerLocal({ root: dir })), Layer.provide(NodeContext.layer))
    return await Effect.runPromise(
      Effect.gen(function* () {
        const catalog = yield* Catalog.Catalog
        yield* Importers.importFile(join(REAL, "binance.json"), { catalog })
        yield* Importers.importFile(join(REAL, "btcusdt_20240808.gz"), { catalog })
        const c = yield* catalog.cursor({ instruments: [ID], kinds: ["trades"], withRecvTime: true, withTradeIds: true })
        let batch: EventBatch.TradeBatch | undefined
        while (c.next()) batch ??= c.batch as EventBatch.TradeBatch
        return batch!
      }).pipe(Effect.provide(layer))
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const t = await realTrades()
const copies = Math.ceil(ROWS / t.length)
const n = t.length * copies
const span = t.ts[t.length - 1]! - t.ts[0]! + 1_000_000n
const ts = new BigInt64Array(n)
const tsRecv = new BigInt64Array(n)
const ids = new BigInt64Array(n)
const price = new Int32Array(n)
const size = new Int32Array(n)
const aggressor = new Int32Array(n)
const tid = t.tradeId as BigInt64Array
for (let r = 0; r < copies; r++) {
  for (let i = 0; i < t.length; i++) {
    const k = r * t.length + i
    ts[k] = t.ts[i]! + BigInt(r) * span
    tsRecv[k] = t.tsRecv[i]! + BigInt(r) * span
    ids[k] = tid[i]! + BigInt(r * t.length)
    price[k] = t.price[i]!
    size[k] = t.size[i]!
    aggressor[k] = t.aggressor[i]!
  }
}
console.log(`${t.length} real trades x ${copies} = ${n} rows`)

type Layout = { name: string; columns: Array<ColumnSource> }
const int64 = (name: string, data: BigInt64Array, encoding: "PLAIN" | "DELTA_BINARY_PACKED"): ColumnSource => ({ name, data, type: "INT64", nullable: false, encoding })
const layouts: Array<Layout> = [
  {
    name: "all INT64 PLAIN",
    columns: [
      int64("ts", ts, "PLAIN"),
      int64("ts_recv", tsRecv, "PLAIN"),
      int64("price", BigInt64Array.from(price, BigInt), "PLAIN"),
      int64("size", BigInt64Array.from(size, BigInt), "PLAIN"),
      { name: "aggressor", data: aggressor, type: "INT32", nullable: false },
      int64("trade_id", ids, "PLAIN")
    ]
  },
  {
    name: "all INT64 DELTA",
    columns: [
      int64("ts", ts, "DELTA_BINARY_PACKED"),
      int64("ts_recv", tsRecv, "DELTA_BINARY_PACKED"),
      int64("price", BigInt64Array.from(price, BigInt), "DELTA_BINARY_PACKED"),
      int64("size", BigInt64Array.from(size, BigInt), "DELTA_BINARY_PACKED"),
      { name: "aggressor", data: aggressor, type: "INT32", nullable: false },
      int64("trade_id", ids, "DELTA_BINARY_PACKED")
    ]
  },
  {
    name: "catalog: times/ids INT64 DELTA, units INT32 DELTA",
    columns: [
      int64("ts", ts, "DELTA_BINARY_PACKED"),
      int64("ts_recv", tsRecv, "DELTA_BINARY_PACKED"),
      { name: "price", data: price, type: "INT32", nullable: false, encoding: "DELTA_BINARY_PACKED" },
      { name: "size", data: size, type: "INT32", nullable: false, encoding: "DELTA_BINARY_PACKED" },
      { name: "aggressor", data: aggressor, type: "INT32", nullable: false },
      int64("trade_id", ids, "DELTA_BINARY_PACKED")
    ]
  },
  {
    name: "times INT64 PLAIN, units INT32 DELTA",
    columns: [
      int64("ts", ts, "PLAIN"),
      int64("ts_recv", tsRecv, "PLAIN"),
      { name: "price", data: price, type: "INT32", nullable: false, encoding: "DELTA_BINARY_PACKED" },
      { name: "size", data: size, type: "INT32", nullable: false, encoding: "DELTA_BINARY_PACKED" },
      { name: "aggressor", data: aggressor, type: "INT32", nullable: false },
      int64("trade_id", ids, "DELTA_BINARY_PACKED")
    ]
  }
]

const best = async (f: () => Promise<void> | void) => {
  let ms = Number.POSITIVE_INFINITY
  for (let i = 0; i < 3; i++) {
    const start = performance.now()
    await f()
    ms = Math.min(ms, performance.now() - start)
  }
  return ms
}
const rate = (ms: number) => `${((n / ms) * 1000 / 1e6).toFixed(1)}M rows/s`

for (const layout of layouts) {
  const buffer = parquetWriteBuffer({ columnData: layout.columns, rowGroupSize: 131_072 })
  const bytes = new Uint8Array(buffer)
  const hyAll = await best(() => parquetRead({ file: buffer, onChunk: () => {} }))
  const hyCore = await best(() => parquetRead({ file: buffer, columns: ["ts", "price", "size", "aggressor"], onChunk: () => {} }))
  const wasm = await best(() => {
    const table = tableFromIPC(ParquetWasm.readParquet(bytes, { batchSize: 131_072 }).intoIPCStream())
    let rows = 0
    for (const b of table.batches) rows += b.getChild("ts")!.length
    if (rows !== n) throw new Error("row count")
  })
  console.log(
    `${layout.name}: ${(bytes.length / n).toFixed(2)} B/row; hyparquet all columns ${rate(hyAll)}, ts/price/size/aggressor ${rate(hyCore)}; parquet-wasm + arrow all columns ${rate(wasm)}`
  )
}
