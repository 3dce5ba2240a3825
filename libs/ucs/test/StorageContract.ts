// The storage cases every backend must pass. Each backend's test file provides a layer with
// Storage and a Fixture, and calls `storageContract` inside `it.layer`.
import type { Vitest } from "@effect/vitest"
import { expect } from "@effect/vitest"
import * as FileSystem from "@effect/platform/FileSystem"
import { CRC32C } from "@google-cloud/storage"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { createHash, randomBytes } from "node:crypto"
import * as Storage from "../src/Storage.js"
import type { StorageError } from "../src/StorageError.js"
import * as StorageUri from "../src/StorageUri.js"

/** What a backend's test file supplies to the shared cases. */
export interface FixtureService {
  /** A fresh, empty base URI (ending in "/") for one test, so tests sharing a layer never collide. */
  readonly fresh: () => string
  /** A local scratch directory for uploadFile/downloadFile. */
  readonly scratch: string
  /** Whether `stat` reports checksums without being asked (GCS does). */
  readonly statHasChecksums: boolean
}

/** The per-backend fixture. */
export class Fixture extends Context.Tag("@odum/ucs/test/Fixture")<Fixture, FixtureService>() {}

export const crc32cOf = (data: Uint8Array): string => {
  const c = new CRC32C()
  c.update(Buffer.from(data))
  return c.toString()
}
export const md5Of = (data: Uint8Array): string => createHash("md5").update(data).digest("base64")

/** The failure of an effect that must fail, as a StorageError. */
export const failure = <A, E>(eff: Effect.Effect<A, E>) =>
  Effect.flip(eff) as unknown as Effect.Effect<StorageError & E, never>

const bytes = (n: number) => new Uint8Array(randomBytes(n))

export const storageContract = (it: Vitest.MethodsNonLive<Storage.Storage | Fixture | FileSystem.FileSystem, boolean>) => {
  const setup = Effect.all({ storage: Storage.Storage, fx: Fixture, fs: FileSystem.FileSystem })

  it.effect("round-trips bytes, reporting size and checksums of what was stored", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const data = bytes(10_000)
      const uri = `${fx.fresh()}dir/blob.bin`
      const info = yield* storage.upload(uri, data)
      expect(info.uri).toBe(uri)
      expect(info.size).toBe(10_000)
      expect(info.crc32c).toBe(crc32cOf(data))
      expect(info.md5).toBe(md5Of(data))
      const back = yield* storage.download(uri)
      expect(back).toEqual(data)
      expect(back.constructor).toBe(Uint8Array)
    }))

  it.effect("round-trips a string as UTF-8", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const uri = `${fx.fresh()}note.txt`
      const text = "prix: 42 € — 価格 ✓\n"
      yield* storage.upload(uri, text)
      expect(new TextDecoder().decode(yield* storage.download(uri))).toBe(text)
    }))

  it.effect("round-trips an empty object", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const uri = `${fx.fresh()}empty`
      const info = yield* storage.upload(uri, new Uint8Array(0))
      expect(info.size).toBe(0)
      expect(yield* storage.download(uri)).toEqual(new Uint8Array(0))
    }))

  it.effect("uploads an empty stream as an empty object", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const uri = `${fx.fresh()}nothing`
      const info = yield* storage.uploadStream(uri, Stream.empty)
      expect(info.size).toBe(0)
      expect(info.crc32c).toBe(crc32cOf(new Uint8Array(0)))
      expect(yield* storage.download(uri)).toEqual(new Uint8Array(0))
    }))

  it.effect("overwrites: the last upload wins", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const uri = `${fx.fresh()}v`
      yield* storage.upload(uri, "first, longer")
      yield* storage.upload(uri, "second")
      expect(new TextDecoder().decode(yield* storage.download(uri))).toBe("second")
      expect((yield* storage.stat(uri)).size).toBe(6)
    }))

  it.effect("uploads a local file and downloads to a local file", () =>
    Effect.gen(function* () {
      const { storage, fx, fs } = yield* setup
      const data = bytes(300_000)
      const src = `${fx.scratch}/src-${Math.random().toString(36).slice(2)}.bin`
      yield* fs.writeFile(src, data)
      const uri = `${fx.fresh()}from-file.bin`
      const info = yield* storage.uploadFile(uri, src)
      expect(info.size).toBe(data.length)
      expect(info.crc32c).toBe(crc32cOf(data))
      const dest = `${fx.scratch}/dest-${Math.random().toString(36).slice(2)}/copy.bin`
      const local = yield* storage.downloadFile(uri, dest)
      expect(local.uri).toBe(StorageUri.file(dest))
      expect(local.crc32c).toBe(crc32cOf(data))
      // Buffer.equals: a deep toEqual over 300 000 elements takes seconds.
      expect(Buffer.from(yield* fs.readFile(dest)).equals(data)).toBe(true)
    }))

  it.effect("uploads a multi-chunk stream of unknown length", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const parts = Array.from({ length: 40 }, () => bytes(65_536))
      const uri = `${fx.fresh()}streamed.bin`
      const info = yield* storage.uploadStream(uri, Stream.fromIterable(parts))
      const whole = Buffer.concat(parts)
      expect(info.size).toBe(whole.length)
      expect(info.crc32c).toBe(crc32cOf(whole))
      expect(Buffer.from(yield* storage.download(uri)).equals(whole)).toBe(true)
    }))

  it.effect("passes a failure of the uploaded stream through, and keeps nothing", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const uri = `${fx.fresh()}broken.bin`
      const source = Stream.concat(Stream.make(bytes(1000)), Stream.fail("source broke" as const))
      const e = yield* Effect.flip(storage.uploadStream(uri, source))
      expect(e).toBe("source broke")
      expect(yield* storage.exists(uri)).toBe(false)
    }))

  it.effect("streams a large object in many chunks without one whole-object buffer", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const data = bytes(6 * 1024 * 1024)
      const uri = `${fx.fresh()}large.bin`
      yield* storage.upload(uri, data)
      let count = 0
      let total = 0
      let largest = 0
      const hash = new CRC32C()
      yield* Stream.runForEach(storage.downloadStream(uri), (c) =>
        Effect.sync(() => {
          count += 1
          total += c.length
          largest = Math.max(largest, c.length)
          hash.update(Buffer.from(c))
        }))
      expect(total).toBe(data.length)
      expect(hash.toString()).toBe(crc32cOf(data))
      expect(count).toBeGreaterThan(1)
      expect(largest).toBeLessThanOrEqual(1024 * 1024)
    }))

  it.effect("stops reading when the consumer stops early, and the object stays readable", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const data = bytes(2 * 1024 * 1024)
      const uri = `${fx.fresh()}partial.bin`
      yield* storage.upload(uri, data)
      const first = yield* Stream.runCollect(Stream.take(storage.downloadStream(uri), 1))
      expect(Chunk.size(first)).toBe(1)
      const head = Chunk.unsafeGet(first, 0)
      expect(Buffer.from(head).equals(Buffer.from(data.subarray(0, head.length)))).toBe(true)
      expect((yield* storage.download(uri)).length).toBe(data.length)
    }))

  it.effect("reads byte ranges, clipped at the end of the object", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const uri = `${fx.fresh()}digits`
      yield* storage.upload(uri, "0123456789")
      const text = (s: number, e: number) => Effect.map(storage.downloadRange(uri, s, e), (b) => new TextDecoder().decode(b))
      expect(yield* text(0, 3)).toBe("012")
      expect(yield* text(4, 7)).toBe("456")
      expect(yield* text(8, 100)).toBe("89")
      expect(yield* text(5, 5)).toBe("")
      expect(yield* text(10, 20)).toBe("")
      expect(yield* text(50, 60)).toBe("")
    }))

  it.effect("refuses a bad range with InvalidArgument", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const uri = `${fx.fresh()}r`
      yield* storage.upload(uri, "abc")
      for (const [s, e] of [[2, 1], [-1, 2], [0.5, 2], [0, Number.NaN]] as const) {
        const err = yield* failure(storage.downloadRange(uri, s, e))
        expect(err.reason).toBe("InvalidArgument")
      }
    }))

  it.effect("stats an object: size, time, and checksums (asked for locally)", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const data = bytes(1234)
      const uri = `${fx.fresh()}s.bin`
      yield* storage.upload(uri, data)
      const plain = yield* storage.stat(uri)
      expect(plain.uri).toBe(uri)
      expect(plain.size).toBe(1234)
      expect(plain.updated).toBeInstanceOf(Date)
      if (fx.statHasChecksums) expect(plain.crc32c).toBe(crc32cOf(data))
      const full = yield* storage.stat(uri, { checksums: true })
      expect(full.crc32c).toBe(crc32cOf(data))
      expect(full.md5).toBe(md5Of(data))
    }))

  it.effect("lists by prefix, rolls up by delimiter, in key order, with URIs in the listed form", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const base = fx.fresh()
      const keys = ["a/1", "a/2", "a/b/3", "b/4", "c", "ca"]
      for (const k of [...keys].reverse()) yield* storage.upload(`${base}${k}`, k)
      const all = yield* storage.list(base)
      expect(all.objects.map((o) => o.uri)).toEqual(keys.map((k) => `${base}${k}`))
      expect(all.prefixes).toEqual([])
      expect(all.objects.find((o) => o.uri === `${base}a/b/3`)?.size).toBe(5)

      const top = yield* storage.list(base, { delimiter: "/" })
      expect(top.objects.map((o) => o.uri)).toEqual([`${base}c`, `${base}ca`])
      expect(top.prefixes).toEqual([`${base}a/`, `${base}b/`])

      const inA = yield* storage.list(`${base}a/`, { delimiter: "/" })
      expect(inA.objects.map((o) => o.uri)).toEqual([`${base}a/1`, `${base}a/2`])
      expect(inA.prefixes).toEqual([`${base}a/b/`])

      // A prefix need not end at a "/".
      const partial = yield* storage.list(`${base}c`)
      expect(partial.objects.map((o) => o.uri)).toEqual([`${base}c`, `${base}ca`])

      const none = yield* storage.list(`${base}zzz/`)
      expect(none).toEqual({ objects: [], prefixes: [] })
    }))

  it.effect("lists more objects than one page holds", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const base = fx.fresh()
      const names = Array.from({ length: 7 }, (_, i) => `${base}p/${String(i).padStart(2, "0")}`)
      yield* Effect.forEach(names, (n) => storage.upload(n, "x"), { concurrency: 4 })
      const listed = yield* storage.list(`${base}p/`)
      expect(listed.objects.map((o) => o.uri)).toEqual(names)
    }))

  it.effect("tells whether an object exists", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const base = fx.fresh()
      yield* storage.upload(`${base}here/x`, "1")
      expect(yield* storage.exists(`${base}here/x`)).toBe(true)
      expect(yield* storage.exists(`${base}nothere`)).toBe(false)
      // A "directory" is not an object.
      expect(yield* storage.exists(`${base}here`)).toBe(false)
    }))

  it.effect("deletes an object; deleting again succeeds", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const base = fx.fresh()
      yield* storage.upload(`${base}d/x`, "1")
      yield* storage.upload(`${base}d/y`, "2")
      yield* storage.delete(`${base}d/x`)
      expect(yield* storage.exists(`${base}d/x`)).toBe(false)
      yield* storage.delete(`${base}d/x`)
      expect((yield* storage.list(`${base}d/`)).objects.map((o) => o.uri)).toEqual([`${base}d/y`])
      // Deleting a "directory" name deletes nothing.
      yield* storage.delete(`${base}d`)
      expect(yield* storage.exists(`${base}d/y`)).toBe(true)
    }))

  it.effect("answers NotFound for a missing object on every read", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const uri = `${fx.fresh()}missing.bin`
      expect((yield* failure(storage.download(uri))).reason).toBe("NotFound")
      expect((yield* failure(storage.downloadRange(uri, 0, 10))).reason).toBe("NotFound")
      expect((yield* failure(storage.stat(uri))).reason).toBe("NotFound")
      expect((yield* failure(Stream.runDrain(storage.downloadStream(uri)))).reason).toBe("NotFound")
      const err = yield* failure(storage.download(uri))
      expect(err.uri).toBe(uri)
      expect(err._tag).toBe("StorageError")
    }))

  it.effect("answers NotFound for a missing local source file, uploading nothing", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const uri = `${fx.fresh()}x`
      const err = yield* failure(storage.uploadFile(uri, `${fx.scratch}/does-not-exist`))
      expect(err.reason).toBe("NotFound")
      expect(yield* storage.exists(uri)).toBe(false)
    }))

  it.effect("refuses malformed URIs with InvalidUri before touching storage", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const base = fx.fresh()
      for (const uri of [
        "s3://bucket/key",
        "../escape",
        "a/../../escape",
        "a//b",
        "/absolute/path",
        "gs://UPPER/key",
        "gs://b/key",
        `${base}dir/`,
        "",
        "bad\nkey"
      ]) {
        const err = yield* failure(storage.upload(uri, "x"))
        expect({ uri, reason: err.reason }).toEqual({ uri, reason: "InvalidUri" })
      }
      expect((yield* failure(storage.list("a/../b"))).reason).toBe("InvalidUri")
    }))

  it.effect("keeps nothing when the data does not match the expected checksum", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const data = bytes(5000)
      const uri = `${fx.fresh()}checked.bin`
      const wrong = crc32cOf(bytes(10))
      const err = yield* failure(storage.upload(uri, data, { expectedCrc32c: wrong }))
      expect(err.reason).toBe("IntegrityMismatch")
      expect(yield* storage.exists(uri)).toBe(false)
      const badMd5 = yield* failure(storage.upload(uri, data, { expectedMd5: md5Of(bytes(10)) }))
      expect(badMd5.reason).toBe("IntegrityMismatch")
      expect(yield* storage.exists(uri)).toBe(false)
      const ok = yield* storage.upload(uri, data, { expectedCrc32c: crc32cOf(data), expectedMd5: md5Of(data) })
      expect(ok.crc32c).toBe(crc32cOf(data))
    }))

  it.effect("collects a stream and the buffered download to the same bytes", () =>
    Effect.gen(function* () {
      const { storage, fx } = yield* setup
      const data = bytes(200_000)
      const uri = `${fx.fresh()}same.bin`
      yield* storage.upload(uri, data)
      const chunks = yield* Stream.runCollect(storage.downloadStream(uri))
      expect(Buffer.concat(Chunk.toReadonlyArray(chunks)).equals(Buffer.from(data))).toBe(true)
    }))
}
