import { NodeContext } from "@effect/platform-node"
import * as FileSystem from "@effect/platform/FileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Storage from "../src/Storage.js"
import * as StorageUri from "../src/StorageUri.js"
import { failure, Fixture, storageContract } from "./StorageContract.js"

/** A temp directory holding the storage root and a scratch area, removed after the suite. */
const TempDirs = Layer.scoped(
  Fixture,
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped({ prefix: "ucs-local-" })
    yield* fs.makeDirectory(`${dir}/scratch`)
    let n = 0
    return { fresh: () => `t${++n}/`, scratch: `${dir}/scratch`, statHasChecksums: false, root: `${dir}/root` }
  })
)

const withRoot = (mode: "bare" | "file") =>
  Layer.unwrapEffect(
    Effect.map(Fixture, (fx) => {
      const root = (fx as unknown as { root: string }).root
      const fixture = mode === "bare" ? fx : { ...fx, fresh: () => StorageUri.file(`${root}/${fx.fresh()}`) }
      return Layer.merge(Storage.layerLocal({ root }), Layer.succeed(Fixture, fixture))
    })
  ).pipe(Layer.provideMerge(TempDirs), Layer.provideMerge(NodeContext.layer))

describe("local backend, bare keys", () => {
  it.layer(withRoot("bare"))((it) => storageContract(it))
})

describe("local backend, file:// URIs", () => {
  it.layer(withRoot("file"))((it) => storageContract(it))
})

describe("local backend specifics", () => {
  it.layer(withRoot("bare"))((it) => {
    it.effect("puts bare keys under the root, creating folders", () =>
      Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const fx = yield* Fixture
        const fs = yield* FileSystem.FileSystem
        const root = (fx as unknown as { root: string }).root
        const key = `${fx.fresh()}deep/er/x.txt`
        yield* storage.upload(key, "hi")
        expect(yield* fs.readFileString(`${root}/${key}`)).toBe("hi")
        // The same object through its file:// URI.
        expect(new TextDecoder().decode(yield* storage.download(StorageUri.file(`${root}/${key}`)))).toBe("hi")
      }))

    it.effect("refuses gs:// URIs: GCS is not configured", () =>
      Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const err = yield* failure(storage.download("gs://some-bucket/x"))
        expect(err.reason).toBe("InvalidUri")
        expect(err.message).toContain("GCS is not configured")
      }))

    it.effect("writes atomically: a failed write leaves the old object and no temp file", () =>
      Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const fx = yield* Fixture
        const fs = yield* FileSystem.FileSystem
        const root = (fx as unknown as { root: string }).root
        const base = fx.fresh()
        yield* storage.upload(`${base}obj`, "old")
        const broken = Stream.concat(Stream.make(new Uint8Array([1, 2, 3])), Stream.fail("boom" as const))
        expect(yield* Effect.flip(storage.uploadStream(`${base}obj`, broken))).toBe("boom")
        expect(new TextDecoder().decode(yield* storage.download(`${base}obj`))).toBe("old")
        expect(yield* fs.readDirectory(`${root}/${base}`)).toEqual(["obj"])
      }))

    it.effect("does not list in-flight temp files or empty folders", () =>
      Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const fx = yield* Fixture
        const fs = yield* FileSystem.FileSystem
        const root = (fx as unknown as { root: string }).root
        const base = fx.fresh()
        yield* storage.upload(`${base}real`, "1")
        yield* fs.makeDirectory(`${root}/${base}empty/inner`, { recursive: true })
        yield* fs.writeFileString(`${root}/${base}.real.ucs-tmp-deadbeef`, "partial")
        const listed = yield* storage.list(base, { delimiter: "/" })
        expect(listed).toEqual({ objects: [expect.objectContaining({ uri: `${base}real` })], prefixes: [] })
      }))

    it.effect("downloadFile of a missing object writes nothing", () =>
      Effect.gen(function* () {
        const storage = yield* Storage.Storage
        const fx = yield* Fixture
        const fs = yield* FileSystem.FileSystem
        const dest = `${fx.scratch}/never/here.bin`
        expect((yield* failure(storage.downloadFile(`${fx.fresh()}nope`, dest))).reason).toBe("NotFound")
        expect(yield* fs.exists(dest)).toBe(false)
      }))
  })
})
