/**
 * @odum/marketdata read path: the catalog's merged, typed trade stream against the raw
 * Parquet decode rate of the library it uses (hyparquet), from the local filesystem and
 * through the GCS emulator.
 *
 * Data: the real Binance USD-M BTCUSDT trades (btcusdt_20240808.gz, 21,313 trades, the
 * largest real trades file), replayed back to back, each copy shifted in time by the
 * recording's span, until there are at least 10 million trades (a few day files).
 */
import { NodeContext } from "@effect/platform-node"
import { Catalog, type EventBatch, Importers, type MergedCursor } from "@odum/marketdata"
import { Storage } from "@odum/ucs"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { parquetRead } from "hyparquet"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { replicate } from "./internal/replicate.js"

const REAL = fileURLToPath(new URL("../../../../shared/data/real/", import.meta.url))
const INSTRUMENT = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"
const MIN_EVENTS = 10_000_000
const TARGET_EVENTS_PER_SECOND = 5_000_000
const TARGET_RATIO = 0.5

const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

/**
 * Starts tools/gcs-emulator in its own process (as a remote store would be: its CPU is
 * not the reader's thread) and resolves with its URL.
 */
const startEmulatorProcess = (bucket: string): Promise<{ url: string; child: ChildProcess }> =>
  new Promise((resolve, reject) => {
    const bin = fileURLToPath(new URL("../../gcs-emulator/bin/gcs-emulator.mjs", import.meta.url))
    const child = spawn(process.execPath, [bin, "--bucket", bucket], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf("\n")
      if (nl >= 0) resolve({ url: out.slice(0, nl).trim(), child })
    })
    child.once("error", reject)
    child.once("exit", (code) => reject(new Error(`gcs-emulator exited with ${code}`)))
  })

const localLayer = (root: string) =>
  Catalog.layer({ root }).pipe(Layer.provide(Storage.layerLocal({ root })), Layer.provide(NodeContext.layer))

const runWith = <A, E>(layer: Layer.Layer<Catalog.Catalog>, f: (c: Catalog.CatalogService) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.flatMap(Catalog.Catalog, f).pipe(Effect.provide(layer)))

/**
 * Drains a trades cursor, touching the time (as a backtest clock would: µs numbers),
 * price, size and aggressor of every event, and checking the order.
 */
const consume = async (cursor: MergedCursor.MergedCursor): Promise<{ events: number; checksum: number }> => {
  let events = 0
  let checksum = 0
  let last = Number.NEGATIVE_INFINITY
  for (;;) {
    while (cursor.next()) {
      const b = cursor.batch as EventBatch.TradeBatch
      const i = cursor.row
      const t = b.tsMicros[i]!
      if (t < last) throw new Error("merged stream out of order")
      last = t
      checksum += b.price[i]! + b.size[i]! * b.aggressor[i]!
      events++
    }
    if (cursor.done) return { events, checksum }
    await cursor.load()
  }
}

const best = async (times: number, f: () => Promise<number>): Promise<number> => {
  let ms = Number.POSITIVE_INFINITY
  for (let i = 0; i < times; i++) ms = Math.min(ms, await f())
  return ms
}

/** Runs the marketdata benchmark and prints its figures. */
export async function run(): Promise<void> {
  console.log("marketdata")
  const tmp = mkdtempSync(join(tmpdir(), "odum-marketdata-bench-"))
  let emulator: ChildProcess | undefined
  try {
    // 1. The real trades, imported through the real importers.
    const source = join(tmp, "source")
    await runWith(localLayer(source), (catalog) =>
      Effect.gen(function* () {
        yield* Importers.importFile(join(REAL, "binance.json"), { catalog })
        yield* Importers.importFile(join(REAL, "btcusdt_20240808.gz"), { catalog })
      })
    )
    const { real, def } = await runWith(localLayer(source), (catalog) =>
      Effect.gen(function* () {
        const def = yield* catalog.instrument(INSTRUMENT)
        const c = yield* catalog.cursor({ instruments: [INSTRUMENT], kinds: ["trades"], withRecvTime: true, withTradeIds: true })
        // One day file of 21,313 rows is a single row group: the first batch is all of it.
        let batch: EventBatch.TradeBatch | undefined
        while (c.next()) batch ??= c.batch as EventBatch.TradeBatch
        return { real: batch!, def }
      })
    )
    const copies = Math.ceil(MIN_EVENTS / real.length)
    const replay = replicate(real, copies)
    console.log(
      `  data: ${fmt(real.length)} real BTCUSDT trades (btcusdt_20240808.gz) replayed ${copies} times, each copy shifted by the recording's span: ${fmt(replay.length)} trades`
    )

    // 2. Write them as a catalog (day files).
    const benchRoot = join(tmp, "bench")
    const t0 = performance.now()
    const report = await runWith(localLayer(benchRoot), (catalog) =>
      Effect.zipRight(catalog.putInstruments([def]), catalog.writeTrades(INSTRUMENT, replay))
    )
    const writeMs = performance.now() - t0
    const dir = join(benchRoot, "data/trades/BINANCE-FUTURES", INSTRUMENT.replaceAll(":", "+"))
    const files = readdirSync(dir).map((f) => join(dir, f))
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0)
    console.log(
      `  write: ${report.days.length} day files, ${fmt(bytes)} bytes (${(bytes / replay.length).toFixed(2)} B/trade) in ${fmt(writeMs)} ms`
    )

    // 3. Raw decode rate of hyparquet over the same files, already in memory.
    const buffers = files.map((f) => {
      const b = readFileSync(f)
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
    })
    const raw = async (columns: Array<string> | undefined) => {
      const ms = await best(3, async () => {
        const t = performance.now()
        for (const file of buffers) await parquetRead(columns === undefined ? { file, onChunk: () => {} } : { file, columns, onChunk: () => {} })
        return performance.now() - t
      })
      return (replay.length / ms) * 1000
    }
    // The cursor decodes what a replay reads (ts, price, size, aggressor); ts_recv and
    // trade_id only on request. The ratio compares like with like.
    const core = ["ts", "price", "size", "aggressor"]
    const rawRate = await raw(core)
    const rawAll = await raw(undefined)
    console.log(`  hyparquet raw decode, ${core.join(", ")} (from memory)`.padEnd(52) + `${fmt(rawRate).padStart(12)} rows/s  (${fmt(rawRate * core.length)} values/s)`)
    console.log(`  hyparquet raw decode, all 6 columns (from memory)`.padEnd(52) + `${fmt(rawAll).padStart(12)} rows/s  (${fmt(rawAll * 6)} values/s)`)

    const line = (label: string, events: number, ms: number) => {
      const rate = (events / ms) * 1000
      console.log(
        `  ${label.padEnd(50)} ${fmt(rate).padStart(12)} events/s  target ${fmt(TARGET_EVENTS_PER_SECOND)}  ratio ${(rate / TARGET_EVENTS_PER_SECOND).toFixed(2)}; vs raw decode ${(rate / rawRate).toFixed(2)} (target ${TARGET_RATIO})  (${fmt(events)} in ${fmt(ms)} ms)`
      )
    }

    // 4. The catalog's merged typed stream, local filesystem.
    let checksum = 0
    const localMs = await best(3, async () => {
      const t = performance.now()
      const r = await runWith(localLayer(benchRoot), (catalog) =>
        Effect.flatMap(catalog.cursor({ instruments: [INSTRUMENT], kinds: ["trades"] }), (c) => Effect.promise(() => consume(c)))
      )
      if (r.events !== replay.length) throw new Error(`read ${r.events} events, wrote ${replay.length}`)
      checksum = r.checksum
      return performance.now() - t
    })
    line("catalog cursor, local filesystem", replay.length, localMs)

    // 5. The same through the GCS emulator (HTTP range reads per row group), in its own process.
    const started = await startEmulatorProcess("odum-bench")
    emulator = started.child
    const gcsLayer = (root: string) =>
      Catalog.layer({ root }).pipe(
        Layer.provide(Storage.layerGcs({ apiEndpoint: started.url, projectId: "bench", bucket: "odum-bench" })),
        Layer.provide(NodeContext.layer)
      )
    const uploads = [...files, join(benchRoot, "instruments/BINANCE-FUTURES.json")]
    await Effect.runPromise(
      Effect.forEach(uploads, (f) => Effect.flatMap(Storage.Storage, (st) => st.uploadFile(`gs://odum-bench/catalog/${f.slice(benchRoot.length + 1)}`, f))).pipe(
        Effect.provide(Storage.layerGcs({ apiEndpoint: started.url, projectId: "bench", bucket: "odum-bench" }).pipe(Layer.provide(NodeContext.layer)))
      )
    )
    const gcsMs = await best(3, async () => {
      const t = performance.now()
      const r = await runWith(gcsLayer("gs://odum-bench/catalog"), (catalog) =>
        Effect.flatMap(catalog.cursor({ instruments: [INSTRUMENT], kinds: ["trades"] }), (c) => Effect.promise(() => consume(c)))
      )
      if (r.events !== replay.length || r.checksum !== checksum) throw new Error("GCS read differs from the local read")
      return performance.now() - t
    })
    line("catalog cursor, GCS emulator (own process, HTTP)", replay.length, gcsMs)
  } finally {
    emulator?.kill("SIGTERM")
    rmSync(tmp, { recursive: true, force: true })
  }
}
