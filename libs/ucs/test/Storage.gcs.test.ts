import { NodeContext } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import { describe, expect, it, layer } from "@effect/vitest"
import { type GcsEmulator, startGcsEmulator } from "@odum/gcs-emulator"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { randomBytes } from "node:crypto"
import * as Storage from "../src/Storage.js"
import * as StorageConfig from "../src/StorageConfig.js"
import { crc32cOf, failure, Fixture, storageContract } from "./StorageContract.js"

const BUCKET = "ucs-test"
const OTHER = "ucs-other"

/** The emulator, started for the suite and closed after it. */
class Emulator extends Context.Tag("@odum/ucs/test/Emulator")<Emulator, GcsEmulator>() {}

const EmulatorLive = Layer.scoped(
  Emulator,
  Effect.acquireRelease(
    Effect.promise(() => startGcsEmulator({ buckets: [BUCKET, OTHER] })),
    (emu) => Effect.promise(() => emu.close())
  )
)

const ScratchLive = (mode: "bare" | "gs") =>
  Layer.scoped(
    Fixture,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const scratch = yield* fs.makeTempDirectoryScoped({ prefix: "ucs-gcs-" })
      let n = 0
      return {
        fresh: () => (mode === "bare" ? `${mode}${++n}/` : `gs://${OTHER}/${mode}${++n}/`),
        scratch,
        statHasChecksums: true
      }
    })
  )

/** Small pages, short timeouts and fast retries, so every path is exercised quickly. */
const testOptions = {
  listPageSize: 3,
  retry: { maxRetries: 3, baseDelay: "5 millis", maxDelay: "50 millis" },
  downloadIdleTimeout: "1 second",
  requestTimeout: "5 seconds"
} satisfies Storage.GcsOptions

const gcsLayer = (mode: "bare" | "gs", extra: Storage.GcsOptions = {}) =>
  Layer.unwrapEffect(
    Effect.map(Emulator, (emu) => Storage.layerGcs({ ...testOptions, ...extra, bucket: BUCKET, apiEndpoint: emu.url }))
  ).pipe(
    Layer.provideMerge(ScratchLive(mode)),
    Layer.provideMerge(EmulatorLive),
    Layer.provideMerge(NodeContext.layer)
  )

// Live clock throughout: this is real I/O, whose retries wait real backoff delays. (One case
// needs it without any injected fault: abandoning a download makes the client destroy its
// pooled HTTP agent, which resets the next request's connection; that request is retried.)
describe("GCS backend (emulator), bare keys in the default bucket", () => {
  layer(gcsLayer("bare"), { excludeTestServices: true })((it) => storageContract(it))
})

describe("GCS backend (emulator), gs:// URIs, chunked resumable uploads", () => {
  layer(gcsLayer("gs", { uploadChunkSize: 256 * 1024, resumableThreshold: 1 }), { excludeTestServices: true })((it) =>
    storageContract(it)
  )
})

describe("GCS backend (emulator), faults", () => {
  layer(gcsLayer("bare"), { excludeTestServices: true })((it) => {
    const setup = Effect.gen(function* () {
      const emu = yield* Emulator
      emu.setFaults([])
      emu.clearRequests()
      return { storage: yield* Storage.Storage, emu, fx: yield* Fixture, fs: yield* FileSystem.FileSystem }
    })
    const media = (emu: GcsEmulator, name: string) =>
      emu.requests().filter((r) => r.query["alt"] === "media" && r.path.endsWith(name))

    it.effect("sends bare keys to the default bucket and gs:// to the named one", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const key = `${fx.fresh()}here.txt`
        yield* storage.upload(key, "default")
        yield* storage.upload(`gs://${OTHER}/${key}`, "other")
        expect(emu.getObject(BUCKET, key)?.data.toString()).toBe("default")
        expect(emu.getObject(OTHER, key)?.data.toString()).toBe("other")
      }))

    it.effect("reads all pages of a listing (page size 3)", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const base = fx.fresh()
        for (let i = 0; i < 7; i++) emu.putObject(BUCKET, `${base}${i}`, "x")
        emu.clearRequests()
        const listed = yield* storage.list(base)
        expect(listed.objects).toHaveLength(7)
        const pages = emu.requests().filter((r) => r.path.endsWith(`/b/${BUCKET}/o`) && r.method === "GET")
        expect(pages.map((p) => p.query["maxResults"])).toEqual(["3", "3", "3"])
      }))

    it.effect("retries a download through two 503s, with backoff, and gets the bytes", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const key = `${fx.fresh()}flaky.bin`
        const o = emu.putObject(BUCKET, key, randomBytes(50_000))
        emu.setFaults([{ kind: "status", status: 503, times: 2, match: { query: { alt: "media" } } }])
        const data = yield* storage.download(key)
        expect(Buffer.from(data).equals(o.data)).toBe(true)
        expect(media(emu, key).map((r) => r.status)).toEqual([503, 503, 200])
      }))

    it.effect("retries stat through a 429 and list through a 503", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const key = `${fx.fresh()}limited`
        emu.putObject(BUCKET, key, "x")
        emu.setFaults([
          { kind: "status", status: 429, times: 1, match: { method: "GET", pathIncludes: "limited" } },
          { kind: "status", status: 503, times: 1, match: { method: "GET", query: { maxResults: "3" } } }
        ])
        expect((yield* storage.stat(key)).size).toBe(1)
        expect((yield* storage.list(key)).objects).toHaveLength(1)
        expect(emu.requests().map((r) => r.status)).toEqual([429, 200, 503, 200])
      }))

    it.effect("retries an upload refused with 503 (multipart and resumable)", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const small = `${fx.fresh()}small`
        emu.setFaults([{ kind: "status", status: 503, times: 1, match: { method: "POST", pathIncludes: "/upload/" } }])
        yield* storage.upload(small, "payload")
        expect(emu.getObject(BUCKET, small)?.data.toString()).toBe("payload")

        const big = `${fx.fresh()}big`
        const data = randomBytes(9 * 1024 * 1024)
        emu.setFaults([{ kind: "status", status: 503, times: 2, match: { method: "PUT" } }])
        emu.clearRequests()
        const info = yield* storage.upload(big, data)
        expect(info.crc32c).toBe(crc32cOf(data))
        expect(emu.getObject(BUCKET, big)?.data.equals(data)).toBe(true)
        expect(emu.requests().filter((r) => r.method === "PUT").map((r) => r.status)).toEqual([503, 503, 200])
      }))

    it.effect("retries an upload whose connection was dropped", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const key = `${fx.fresh()}dropped`
        emu.setFaults([{ kind: "reset", times: 1, match: { method: "POST", pathIncludes: "/upload/" } }])
        yield* storage.upload(key, "survived")
        expect(emu.getObject(BUCKET, key)?.data.toString()).toBe("survived")
        expect(emu.requests().map((r) => r.status)).toEqual([undefined, 200])
      }))

    it.effect("does not retry NotFound or PermissionDenied", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const key = `${fx.fresh()}absent`
        expect((yield* failure(storage.download(key))).reason).toBe("NotFound")
        expect(media(emu, key)).toHaveLength(1)
        emu.setFaults([{ kind: "status", status: 403, match: { pathIncludes: "secret" } }])
        emu.clearRequests()
        expect((yield* failure(storage.stat(`${fx.fresh()}secret`))).reason).toBe("PermissionDenied")
        expect(emu.requests()).toHaveLength(1)
      }))

    it.effect("gives up after maxRetries with a Transient error", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const key = `${fx.fresh()}down`
        emu.putObject(BUCKET, key, "x")
        emu.setFaults([{ kind: "status", status: 503, match: { pathIncludes: "down" } }])
        const err = yield* failure(storage.stat(key))
        expect(err.reason).toBe("Transient")
        expect(emu.requests()).toHaveLength(1 + testOptions.retry.maxRetries)
      }))

    it.effect("retries a buffered download cut mid-stream (the cut is caught by the idle timeout, not a hang)", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const key = `${fx.fresh()}cut.bin`
        const o = emu.putObject(BUCKET, key, randomBytes(300_000))
        emu.setFaults([{ kind: "reset-mid-stream", afterBytes: 100_000, times: 1 }])
        const data = yield* storage.download(key)
        expect(Buffer.from(data).equals(o.data)).toBe(true)
        expect(media(emu, key).map((r) => r.status)).toEqual([undefined, 200])
      }))

    it.effect("fails a stream cut after chunks were delivered with a typed Transient error", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const key = `${fx.fresh()}cut-stream.bin`
        emu.putObject(BUCKET, key, randomBytes(300_000))
        emu.setFaults([{ kind: "reset-mid-stream", afterBytes: 100_000, times: 1 }])
        let received = 0
        const err = yield* failure(
          Stream.runForEach(storage.downloadStream(key), (c) => Effect.sync(() => (received += c.length)))
        )
        expect(err.reason).toBe("Transient")
        expect(received).toBeGreaterThan(0)
        expect(received).toBeLessThanOrEqual(100_000)
        // Not retried: a second attempt would have repeated the bytes already delivered.
        expect(media(emu, key)).toHaveLength(1)
      }))

    it.effect("retries a stream that fails before its first chunk", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const key = `${fx.fresh()}late.bin`
        const o = emu.putObject(BUCKET, key, randomBytes(100_000))
        emu.setFaults([{ kind: "reset", times: 1, match: { query: { alt: "media" } } }])
        const chunks = yield* Stream.runCollect(storage.downloadStream(key))
        expect(Buffer.concat([...chunks]).equals(o.data)).toBe(true)
        expect(media(emu, key)).toHaveLength(2)
      }))

    it.effect("detects corrupted download bytes (IntegrityMismatch) and writes no local file", () =>
      Effect.gen(function* () {
        const { storage, emu, fx, fs } = yield* setup
        const key = `${fx.fresh()}rot.bin`
        emu.putObject(BUCKET, key, randomBytes(200_000))
        emu.setFaults([{ kind: "corrupt", times: 2 }])
        expect((yield* failure(storage.download(key))).reason).toBe("IntegrityMismatch")
        const dest = `${fx.scratch}/rot/copy.bin`
        expect((yield* failure(storage.downloadFile(key, dest))).reason).toBe("IntegrityMismatch")
        expect(yield* fs.exists(dest)).toBe(false)
        expect(yield* fs.readDirectory(`${fx.scratch}/rot`)).toEqual([])
        // Not retried: one request each.
        expect(media(emu, key)).toHaveLength(2)
      }))

    it.effect("detects bytes stored corrupted on upload (IntegrityMismatch) and keeps no object", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const small = `${fx.fresh()}bad-small`
        emu.setFaults([{ kind: "corrupt", times: 1 }])
        expect((yield* failure(storage.upload(small, randomBytes(1000)))).reason).toBe("IntegrityMismatch")
        expect(emu.getObject(BUCKET, small)).toBeUndefined()
        const streamed = `${fx.fresh()}bad-stream`
        emu.setFaults([{ kind: "corrupt", times: 1 }])
        const err = yield* failure(storage.uploadStream(streamed, Stream.make(new Uint8Array(randomBytes(5000)))))
        expect(err.reason).toBe("IntegrityMismatch")
        expect(emu.getObject(BUCKET, streamed)).toBeUndefined()
      }))

    it.effect("rides out a slow server (delay shorter than the timeouts)", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const key = `${fx.fresh()}slow`
        emu.putObject(BUCKET, key, "z")
        emu.setFaults([{ kind: "delay", ms: 200, times: 2 }])
        expect(new TextDecoder().decode(yield* storage.download(key))).toBe("z")
        expect(emu.requests()).toHaveLength(1)
      }))

    it.effect("fails a download stalled longer than the idle timeout as Transient, then retries it", () =>
      Effect.gen(function* () {
        const { storage, emu, fx } = yield* setup
        const key = `${fx.fresh()}stalled`
        emu.putObject(BUCKET, key, "late")
        emu.setFaults([{ kind: "delay", ms: 1500, times: 1, match: { query: { alt: "media" } } }])
        expect(new TextDecoder().decode(yield* storage.download(key))).toBe("late")
        expect(media(emu, key)).toHaveLength(2)
      }))
  })
})

describe("layerConfig", () => {
  const withEnv = (env: Record<string, string>) => (emu: GcsEmulator | undefined) =>
    Storage.layerConfig(undefined, testOptions).pipe(
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({
        ...env,
        ...(emu !== undefined ? { STORAGE_EMULATOR_HOST: emu.url } : {})
      })))))
    )

  it.layer(Layer.merge(EmulatorLive, NodeContext.layer))((it) => {
    it.effect("UNIFIED_CLOUD_SERVICES_USE_DIRECT_GCS=true sends bare keys to the configured bucket", () =>
      Effect.gen(function* () {
        const emu = yield* Emulator
        const layer = withEnv({
          UNIFIED_CLOUD_SERVICES_USE_DIRECT_GCS: "true",
          UNIFIED_CLOUD_SERVICES_GCS_BUCKET: BUCKET,
          EXECUTION_STORE_GCS_BUCKET: OTHER
        })(emu)
        const cfg = yield* Effect.gen(function* () {
          const storage = yield* Storage.Storage
          const cfg = yield* StorageConfig.StorageConfig
          yield* storage.upload("cfg/x.txt", "via config")
          yield* storage.upload(`${cfg.resultsBaseUri}run-1/result.json`, "{}")
          return cfg
        }).pipe(Effect.provide(layer))
        expect(emu.getObject(BUCKET, "cfg/x.txt")?.data.toString()).toBe("via config")
        expect(cfg.resultsBaseUri).toBe(`gs://${OTHER}/`)
        expect(emu.getObject(OTHER, "run-1/result.json")?.data.toString()).toBe("{}")
      }))

    it.effect("defaults to the local root from UNIFIED_CLOUD_LOCAL_PATH", () =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped({ prefix: "ucs-cfg-" })
        const layer = withEnv({ UNIFIED_CLOUD_LOCAL_PATH: dir })(undefined)
        const cfg = yield* Effect.gen(function* () {
          const storage = yield* Storage.Storage
          yield* storage.upload("k/v.txt", "local")
          return yield* StorageConfig.StorageConfig
        }).pipe(Effect.provide(layer))
        expect(cfg.useDirectGcs).toBe(false)
        expect(cfg.resultsBaseUri).toBe("results/")
        expect(yield* fs.readFileString(`${dir}/k/v.txt`)).toBe("local")
      }).pipe(Effect.scoped))

    it.effect("requires a bucket when direct GCS is on, naming the variable", () =>
      Effect.gen(function* () {
        const err = yield* Effect.flip(
          Effect.provide(Storage.Storage, withEnv({ UNIFIED_CLOUD_SERVICES_USE_DIRECT_GCS: "true" })(undefined))
        )
        expect(String(err)).toContain("UNIFIED_CLOUD_SERVICES_GCS_BUCKET")
      }))

    it.effect("keeps the credentials path redacted", () =>
      Effect.gen(function* () {
        const settings = yield* StorageConfig.config.pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["GOOGLE_APPLICATION_CREDENTIALS", "/secret/key.json"]])))
        )
        expect(JSON.stringify(settings)).not.toContain("/secret/key.json")
        expect(String(Option.getOrThrow(settings.credentialsFile))).not.toContain("/secret/key.json")
        expect(Redacted.value(Option.getOrThrow(settings.credentialsFile))).toBe("/secret/key.json")
      }))
  })
})
