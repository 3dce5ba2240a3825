// Storage throughput: the CRC32C every transfer is checked with, and streamed upload/download
// through the local backend and the GCS backend (against the in-process emulator).
// Run: npx tsx --tsconfig tools/bench/tsconfig.json tools/bench/src/ucs.bench.ts
import { NodeContext } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import { startGcsEmulator } from "@odum/gcs-emulator"
import { Storage } from "@odum/ucs"
import { CRC32C } from "@google-cloud/storage"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { randomBytes } from "node:crypto"

const MB = 1024 * 1024
// Checksumming must keep up with a 1 Gbit/s link (125 MB/s) so it never bounds a transfer.
const CRC_TARGET_MBPS = 125

const mbps = (bytes: number, ms: number) => bytes / MB / (ms / 1000)
const line = (name: string, bytes: number, ms: number, target?: number) => {
  const rate = mbps(bytes, ms)
  const ratio = target === undefined ? "" : `  ratio to target ${target} MB/s: ${(rate / target).toFixed(2)}`
  console.log(`${name.padEnd(44)} ${rate.toFixed(0).padStart(6)} MB/s${ratio}`)
}

const crcBench = () => {
  const data = randomBytes(64 * MB)
  let best = Number.POSITIVE_INFINITY
  for (let round = 0; round < 6; round++) {
    const t = performance.now()
    const c = new CRC32C()
    for (let i = 0; i < data.length; i += 64 * 1024) c.update(data.subarray(i, i + 64 * 1024))
    best = Math.min(best, performance.now() - t)
  }
  line("CRC32C (@google-cloud/storage), warm", data.length, best, CRC_TARGET_MBPS)
}

const roundTrip = (label: string, uri: string, size: number) =>
  Effect.gen(function* () {
    const storage = yield* Storage.Storage
    const parts = Array.from({ length: size / MB }, () => new Uint8Array(randomBytes(MB)))
    let t = performance.now()
    yield* storage.uploadStream(uri, Stream.fromIterable(parts))
    line(`${label}: uploadStream ${size / MB} MB`, size, performance.now() - t)
    t = performance.now()
    let n = 0
    yield* Stream.runForEach(storage.downloadStream(uri), (c) => Effect.sync(() => (n += c.length)))
    if (n !== size) throw new Error(`read ${n} of ${size} bytes`)
    line(`${label}: downloadStream ${size / MB} MB`, size, performance.now() - t)
  })

const main = Effect.gen(function* () {
  crcBench()
  const fs = yield* FileSystem.FileSystem
  const root = yield* fs.makeTempDirectoryScoped({ prefix: "ucs-bench-" })
  yield* roundTrip("local", "bench/local.bin", 64 * MB).pipe(Effect.provide(Storage.layerLocal({ root })))
  const emu = yield* Effect.acquireRelease(
    Effect.promise(() => startGcsEmulator({ buckets: ["bench"] })),
    (e) => Effect.promise(() => e.close())
  )
  // Client and emulator share this process (and its core); the client checks CRC32C both ways.
  yield* roundTrip("gcs (emulator, same process)", "gs://bench/x.bin", 32 * MB).pipe(
    Effect.provide(Storage.layerGcs({ apiEndpoint: emu.url }))
  )
})

/** Runs the storage benchmark (called by `npm run bench`). */
export const run = (): Promise<void> =>
  Effect.runPromise(main.pipe(Effect.scoped, Effect.provide(Layer.mergeAll(NodeContext.layer))))
