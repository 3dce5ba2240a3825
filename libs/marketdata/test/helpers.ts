/** Shared test fixtures: real data location and catalogs in temp directories over UCS. */
import { NodeContext } from "@effect/platform-node"
import { Storage } from "@odum/ucs"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll } from "vitest"
import * as Catalog from "../src/Catalog.js"
import type { InstrumentDefinition } from "../src/Instrument.js"
import { fromStorage } from "../src/internal/store.js"

/** The real market data shipped beside the repository (shared/data/real). */
export const REAL = fileURLToPath(new URL("../../../../shared/data/real/", import.meta.url))

const created: Array<string> = []
// Each test file that uses these helpers removes its temp directories when it ends.
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh temp directory, removed after the test file. */
export const tempDir = (prefix = "odum-md-"): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  created.push(dir)
  return dir
}

const storageLayer = (root: string) => Storage.layerLocal({ root }).pipe(Layer.provide(NodeContext.layer))

/** The UCS local Storage service rooted at `root`. */
export const localStorage = (root: string): Promise<Storage.StorageService> =>
  Effect.runPromise(Effect.provide(Storage.Storage, storageLayer(root)))

/** A catalog in a new temp directory over UCS's local filesystem backend. */
export const tempCatalog = async (
  options: { rowGroupSize?: number; wrap?: (s: Storage.StorageService) => Storage.StorageService } = {}
): Promise<{ catalog: Catalog.CatalogService; dir: string }> => {
  const dir = tempDir()
  const storage = await localStorage(dir)
  const wrapped = options.wrap === undefined ? storage : options.wrap(storage)
  const catalog = Catalog.makeFromStore(
    fromStorage(wrapped, `file://${dir}`),
    options.rowGroupSize === undefined ? {} : { rowGroupSize: options.rowGroupSize }
  )
  return { catalog, dir }
}

/** Runs an effect, rejecting with its failure (not a FiberFailure wrapper). */
export const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> =>
  Effect.runPromise(Effect.either(effect)).then((e) => {
    if (e._tag === "Left") throw e.left
    return e.right
  })

/** A hand-written definition for synthetic data. */
export const testInstrument = (overrides: Partial<InstrumentDefinition> = {}): InstrumentDefinition => ({
  id: "BINANCE-FUTURES:PERPETUAL:BTC-USDT" as InstrumentDefinition["id"],
  venueSymbol: "BTCUSDT",
  base: "BTC",
  quote: "USDT",
  settle: "USDT",
  tickSize: "0.1",
  lotSize: "0.001",
  contractSize: "1",
  sizeUnit: "base",
  priceScale: 1,
  sizeScale: 3,
  sources: ["test"],
  ...overrides
})
