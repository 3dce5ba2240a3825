/**
 * Results through UCS to a gs:// bucket (the GCS JSON API emulator from tools/gcs-emulator),
 * reading the sample catalog from the local filesystem in the same run: the same bytes as a
 * local run of the same config.
 */
import { NodeContext } from "@effect/platform-node"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type GcsEmulator, startGcsEmulator } from "@odum/gcs-emulator"
import { Storage } from "@odum/ucs"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Backtest, BacktestConfig } from "../src/index.js"
import { decode, filesOf, runDir, runTo, SAMPLE_CATALOG, tempDir } from "./fixtures.js"

const BTC = "BINANCE-FUTURES:PERPETUAL:BTC-USDT"

let emulator: GcsEmulator
beforeAll(async () => {
  emulator = await startGcsEmulator({ buckets: ["odum-results"] })
})
afterAll(async () => {
  await emulator.close()
})

describe("Backtest.run to GCS", () => {
  it(
    "writes every result file to the bucket, byte for byte what a local run writes",
    async () => {
      const config = decode({
        name: "to-gcs",
        data: { catalog: SAMPLE_CATALOG, from: "2024-08-08T23:55:00Z", to: "2024-08-08T23:55:30Z", kinds: ["trades", "quotes"] },
        venues: [{ venue: "BINANCE-FUTURES", latencyMs: 2, balances: { USDT: "100000" }, instruments: [{ instrument: BTC }] }],
        strategy: { type: "trade-driven", instrument: BTC, quantity: "0.001", every: 5 }
      })
      const gcs = Storage.layerGcs({ apiEndpoint: emulator.url, projectId: "test", retry: { maxRetries: 1 } }).pipe(
        Layer.provide(NodeContext.layer)
      )
      const remote = await Effect.runPromise(
        Backtest.run(BacktestConfig.withOutputUri(config, "gs://odum-results/backtests"), {}).pipe(Effect.provide(gcs))
      )
      expect(remote.paths.root).toBe(`gs://odum-results/backtests/${remote.summary.runId}/`)
      const local = filesOf(runDir(await runTo(config, tempDir())))
      for (const [name, bytes] of local) {
        const object = emulator.getObject("odum-results", `backtests/${remote.summary.runId}/${name}`)
        expect(object, name).toBeDefined()
        if (name !== "summary.json") expect(object!.data.equals(bytes), name).toBe(true)
      }
      expect(remote.summary.fillCount).toBeGreaterThan(0)
    },
    180_000
  )
})
