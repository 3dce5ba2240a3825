import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import { randomUUID } from "node:crypto"
import { type Reason, StorageError } from "../StorageError.js"
import { Hasher, toUint8Array } from "./hash.js"

/** What a backend knows of one object; the service adds the URI. */
export interface Meta {
  readonly size: number
  readonly crc32c?: string
  readonly md5?: string
  readonly updated?: Date
  readonly contentType?: string
  readonly generation?: string
}

/** Upload checks a backend applies before it keeps the bytes. */
export interface WriteChecks {
  readonly expectedCrc32c?: string
  readonly expectedMd5?: string
}

/** Marks in-flight temp files so listings skip them. */
export const tempMarker = ".ucs-tmp-"

const readChunkSize = 64 * 1024

const fromPlatform = (uri: string, e: PlatformError): StorageError => {
  let reason: Reason = "Unknown"
  if (e._tag === "SystemError") {
    if (e.reason === "NotFound") reason = "NotFound"
    else if (e.reason === "PermissionDenied") reason = "PermissionDenied"
  }
  return new StorageError({ reason, uri, detail: e.message, cause: e })
}

/** The local filesystem backend, on absolute paths. */
export const makeLocal = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path

  const statFile = (uri: string, p: string) =>
    fs.stat(p).pipe(
      Effect.mapError((e) => fromPlatform(uri, e)),
      Effect.filterOrFail(
        (info) => info.type === "File",
        () => new StorageError({ reason: "NotFound", uri, detail: "not a file" })
      )
    )

  const metaOf = (info: FileSystem.File.Info): Meta => {
    const updated = Option.getOrUndefined(info.mtime)
    return { size: Number(info.size), ...(updated !== undefined ? { updated } : {}) }
  }

  const read = (uri: string, p: string, range?: { readonly start: number; readonly endExclusive: number }) =>
    Stream.unwrap(
      Effect.map(statFile(uri, p), (info) => {
        const size = Number(info.size)
        const start = Math.min(range?.start ?? 0, size)
        const end = Math.min(range?.endExclusive ?? size, size)
        if (end <= start) return Stream.empty
        return fs
          .stream(p, { offset: start, bytesToRead: end - start, chunkSize: readChunkSize })
          .pipe(
            Stream.map(toUint8Array),
            Stream.mapError((e) => fromPlatform(uri, e))
          )
      })
    )

  const stat = (uri: string, p: string, checksums: boolean) =>
    Effect.gen(function* () {
      const info = yield* statFile(uri, p)
      const meta = metaOf(info)
      if (!checksums) return meta
      const h = new Hasher()
      yield* Stream.runForEach(read(uri, p), (c) => Effect.sync(() => h.update(c)))
      const d = h.digest()
      return { ...meta, crc32c: d.crc32c, md5: d.md5 }
    })

  /**
   * Writes through a temp file beside the target and renames it into place, so readers see
   * the old object or the whole new one, never a partial write; a failed or mismatching
   * write leaves nothing behind.
   */
  const write = <E>(uri: string, p: string, source: Stream.Stream<Uint8Array, E>, checks: WriteChecks) =>
    Effect.gen(function* () {
      const dir = path.dirname(p)
      yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError((e) => fromPlatform(uri, e)))
      const tmp = path.join(dir, `.${path.basename(p)}${tempMarker}${randomUUID().slice(0, 8)}`)
      const h = new Hasher()
      return yield* Effect.gen(function* () {
        yield* source.pipe(
          Stream.tap((c) => Effect.sync(() => h.update(c))),
          // The platform sink refuses a zero-length write.
          Stream.filter((c) => c.length > 0),
          Stream.run(fs.sink(tmp).pipe(Sink.mapError((e) => fromPlatform(uri, e))))
        )
        const d = h.digest()
        if (checks.expectedCrc32c !== undefined && checks.expectedCrc32c !== d.crc32c) {
          return yield* new StorageError({
            reason: "IntegrityMismatch",
            uri,
            detail: `CRC32C of the data is ${d.crc32c}, expected ${checks.expectedCrc32c}`
          })
        }
        if (checks.expectedMd5 !== undefined && checks.expectedMd5 !== d.md5) {
          return yield* new StorageError({
            reason: "IntegrityMismatch",
            uri,
            detail: `MD5 of the data is ${d.md5}, expected ${checks.expectedMd5}`
          })
        }
        yield* fs.rename(tmp, p).pipe(Effect.mapError((e) => fromPlatform(uri, e)))
        const info = yield* statFile(uri, p)
        return { ...metaOf(info), crc32c: d.crc32c, md5: d.md5 } satisfies Meta
      }).pipe(Effect.ensuring(fs.remove(tmp).pipe(Effect.ignore)))
    })

  const remove = (uri: string, p: string) =>
    fs.stat(p).pipe(
      Effect.flatMap((info) => (info.type === "File" ? fs.remove(p) : Effect.void)),
      Effect.catchIf(
        (e) => e._tag === "SystemError" && e.reason === "NotFound",
        () => Effect.void
      ),
      Effect.mapError((e) => fromPlatform(uri, e))
    )

  /**
   * Every file under `root` whose key (path relative to root, "/"-separated) starts with
   * `keyPrefix`, in key order. Only directories that can hold such keys are walked.
   */
  const walk = (uri: string, root: string, keyPrefix: string) => {
    const visit = (
      absDir: string,
      keyDir: string
    ): Effect.Effect<ReadonlyArray<{ readonly key: string; readonly meta: Meta }>, StorageError> =>
      fs.readDirectory(absDir).pipe(
        Effect.catchIf(
          (e) => e._tag === "SystemError" && (e.reason === "NotFound" || e.reason === "BadResource"),
          () => Effect.succeed([] as Array<string>)
        ),
        Effect.mapError((e) => fromPlatform(uri, e)),
        Effect.flatMap((names) =>
          Effect.forEach(
            names.filter((n) => !n.includes(tempMarker)),
            (name) => {
              const key = keyDir + name
              const abs = path.join(absDir, name)
              const underPrefix = key.startsWith(keyPrefix)
              const dirMayMatch = underPrefix || keyPrefix.startsWith(key + "/")
              if (!underPrefix && !dirMayMatch) return Effect.succeed([])
              return fs.stat(abs).pipe(
                Effect.mapError((e) => fromPlatform(uri, e)),
                Effect.flatMap((info) =>
                  info.type === "Directory"
                    ? dirMayMatch
                      ? visit(abs, key + "/")
                      : Effect.succeed([])
                    : info.type === "File" && underPrefix
                      ? Effect.succeed([{ key, meta: metaOf(info) }])
                      : Effect.succeed([])
                ),
                // A file deleted while listing is simply not listed.
                Effect.catchIf(
                  (e) => e.reason === "NotFound",
                  () => Effect.succeed([])
                )
              )
            },
            { concurrency: 16 }
          )
        ),
        Effect.map((groups) => groups.flat())
      )
    const startKeyDir = keyPrefix.slice(0, keyPrefix.lastIndexOf("/") + 1)
    return visit(startKeyDir === "" ? root : path.join(root, startKeyDir), startKeyDir).pipe(
      Effect.map((entries) => [...entries].sort((a, b) => compareKeys(a.key, b.key)))
    )
  }

  return { read, stat, write, remove, walk } as const
})

/** The local backend's operations. */
export type LocalBackend = Effect.Effect.Success<typeof makeLocal>

/** Key order of GCS listings: by UTF-8 bytes. */
export const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b))
