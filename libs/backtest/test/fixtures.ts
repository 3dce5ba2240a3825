/**
 * Shared by the tests: the repository's example configs and bundled sample catalog, a
 * local storage over a fresh temp folder, and readers of the result files.
 */
import { NodeContext } from "@effect/platform-node"
import { InstrumentSpec } from "@odum/domain"
import { Storage } from "@odum/ucs"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { mkdtempSync, readFileSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Backtest, BacktestConfig, type RunSummary } from "../src/index.js"

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url))

/** The bundled sample catalog as a file:// URI. */
export const SAMPLE_CATALOG = pathToFileURL(join(ROOT, "data/sample-catalog")).href

/** An example config file's JSON, with its catalog pointed at the sample catalog by URI. */
export const example = (name: string): Record<string, unknown> => {
  const json = JSON.parse(readFileSync(join(ROOT, "config", name), "utf8")) as Record<string, unknown>
  const data = json["data"] as Record<string, unknown>
  return { ...json, data: { ...data, catalog: SAMPLE_CATALOG } }
}

/** Decodes a config or throws with the decoder's message. */
export const decode = (input: unknown): BacktestConfig.BacktestConfig => {
  const r = BacktestConfig.decode(input)
  if (Either.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

/** A fresh temp folder. */
export const tempDir = (prefix = "odum-backtest-test-"): string => mkdtempSync(join(tmpdir(), prefix))

/** Local storage rooted at `root` (the sample catalog is addressed by file:// URI). */
export const storage = (root: string) => Storage.layerLocal({ root }).pipe(Layer.provide(NodeContext.layer))

/** Runs a config, writing under `out` (a local folder). */
export const runTo = (config: BacktestConfig.BacktestConfig, out: string, options: Backtest.RunOptions = {}) =>
  Effect.runPromise(
    Backtest.run(BacktestConfig.withOutputUri(config, pathToFileURL(out).href), options).pipe(Effect.provide(storage(out)))
  )

/** Runs a config and returns the failure (or throws if it succeeded). */
export const runFailure = async (config: BacktestConfig.BacktestConfig, out: string, options: Backtest.RunOptions = {}) => {
  const exit = await Effect.runPromiseExit(
    Backtest.run(BacktestConfig.withOutputUri(config, pathToFileURL(out).href), options).pipe(Effect.provide(storage(out)), Effect.flip)
  )
  if (exit._tag === "Failure") throw new Error("the run succeeded")
  return exit.value
}

/** A parsed CSV file: header and rows as records (no quoting beyond RFC 4180). */
export const readCsv = (path: string): { header: Array<string>; rows: Array<Record<string, string>> } => {
  const text = readFileSync(path, "utf8")
  const records: Array<Array<string>> = []
  let field = ""
  let row: Array<string> = []
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ",") {
      row.push(field)
      field = ""
    } else if (ch === "\n") {
      row.push(field)
      records.push(row)
      row = []
      field = ""
    } else field += ch
  }
  const [header, ...rest] = records
  return { header: header!, rows: rest.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ""]))) }
}

/** Every file of a run folder, by name. */
export const filesOf = (dir: string): Map<string, Buffer> => new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]))

/** The summary of a run folder. */
export const summaryOf = (dir: string): RunSummary.RunSummary => JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"))

/** The local folder of a run's files. */
export const runDir = (completed: Backtest.Completed): string => fileURLToPath(completed.paths.root)

/** A linear USDT-margined perpetual on venue A (tick 0.1, lot 0.001, fees 2 / 4 bp). */
export const LINEAR_PERP = Schema.decodeSync(InstrumentSpec.InstrumentSpec)({
  canonicalId: "A:PERPETUAL:BTC-USDT",
  venue: "A",
  baseAsset: "BTC",
  quoteAsset: "USDT",
  settlementAsset: "USDT",
  kind: "PERPETUAL",
  tickSize: "0.1",
  lotSize: "0.001",
  minQuantity: "0.001",
  makerFee: "0.0002",
  takerFee: "0.0004",
  contractSize: "1",
  contractType: "LINEAR"
})
