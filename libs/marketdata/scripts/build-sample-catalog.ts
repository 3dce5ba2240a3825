/**
 * Builds data/sample-catalog/ from the real files in shared/data/real/ (see its
 * SOURCES.md), so a fresh clone can replay real market data with no download:
 *
 *   npx tsx --tsconfig libs/marketdata/tsconfig.json libs/marketdata/scripts/build-sample-catalog.ts [realDir]
 *
 * It removes the catalog's `data/` and `instruments/` first (NOTICE.md stays), then
 * imports instrument definitions (only those the data needs, plus binance.json and
 * BYBIT.0 whole) and every data file. Re-running it gives the same files.
 */
import { NodeContext } from "@effect/platform-node"
import { Storage } from "@odum/ucs"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Catalog, Importers } from "../src/index.js"

const repo = fileURLToPath(new URL("../../../", import.meta.url))
const target = join(repo, "data/sample-catalog")
const real = process.argv[2] ?? join(repo, "../shared/data/real")

const deribitOptions = [
  "BTC-USD-8000-20210924-P",
  "BTC-USD-24000-20210730-P",
  "ETH-USD-2800-20210730-C",
  "BTC-USD-34000-20211231-P",
  "BTC-USD-34000-20210924-P",
  "BTC-USD-15000-20220624-C",
  "BTC-USD-300000-20211231-C",
  "ETH-USD-4000-20210827-P",
  "BTC-USD-30000-20220325-C",
  "ETH-USD-2300-20210723-C"
].map((p) => `DERIBIT:OPTION:${p}`)

const steps: ReadonlyArray<readonly [string, Partial<Importers.ImportOptions>]> = [
  ["binance.json", {}],
  ["BYBIT.0", {}],
  ["DERIBIT.0", { only: [...deribitOptions, "DERIBIT:PERPETUAL:BTC-USD@INV", "DERIBIT:PERPETUAL:ETH-USD@INV"] }],
  ["symbol-properties-database.csv", { only: ["BYBIT:PERPETUAL:XRP-USDT"] }],
  ["trades.csv", {}],
  ["quotes.csv", {}],
  ["btcusdt_20240808.gz", {}],
  ["ethusdt_20240808.gz", {}],
  ["xrpusdt-ob500.data.zip", {}],
  ["DERIBIT.ws.1.0", {}]
]

const program = Effect.gen(function* () {
  const catalog = yield* Catalog.Catalog
  for (const [file, options] of steps) {
    const report = yield* Importers.importFile(join(real, file), { catalog, ...options })
    const wrote = report.written.reduce((n, w) => n + w.rows, 0)
    console.log(`${file}: ${report.format}, ${JSON.stringify(report.counts)}${wrote > 0 ? `, ${wrote} rows written` : ""}`)
    for (const note of report.notes) console.log(`  note: ${note}`)
  }
  for (const h of yield* catalog.list()) {
    console.log(`${h.instrument} ${h.kind}: ${h.rows} rows, ${h.days.map((d) => `${d.day} (${d.bytes} B)`).join(", ")}`)
  }
})

rmSync(join(target, "data"), { recursive: true, force: true })
rmSync(join(target, "instruments"), { recursive: true, force: true })
const layer = Catalog.layer({ root: target }).pipe(Layer.provide(Storage.layerLocal({ root: target })), Layer.provide(NodeContext.layer))
Effect.runPromise(Effect.provide(program, layer)).catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
