import type { File, FileMetadata, Storage as GcsClient } from "@google-cloud/storage"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { StorageError } from "../StorageError.js"
import { fromGcs, httpStatusOf } from "./gcsErrors.js"
import type { Meta, WriteChecks } from "./local.js"
import { fromReadable, pumpInto } from "./nodeStreams.js"

/** Settings of the GCS backend (already defaulted). */
export interface GcsBackendSettings {
  readonly client: GcsClient
  /** A download that yields no bytes for this long fails as Transient. */
  readonly downloadIdleTimeout: Duration.DurationInput
  /** Metadata calls (stat, list page, delete) that take longer fail as Transient. */
  readonly requestTimeout: Duration.DurationInput
  /** Uploads of at least this many bytes (or of unknown size) use a resumable session. */
  readonly resumableThreshold: number
  /** Resumable uploads send chunks of this size (multiple of 256 KiB); one streaming PUT when absent. */
  readonly uploadChunkSize?: number
  /** Objects per list request. */
  readonly listPageSize: number
}

const metaOf = (m: FileMetadata): Meta => {
  const size = Number(m.size ?? 0)
  return {
    size,
    ...(typeof m.crc32c === "string" ? { crc32c: m.crc32c } : {}),
    ...(typeof m.md5Hash === "string" ? { md5: m.md5Hash } : {}),
    ...(typeof m.updated === "string" ? { updated: new Date(m.updated) } : {}),
    ...(typeof m.contentType === "string" ? { contentType: m.contentType } : {}),
    ...(m.generation !== undefined ? { generation: String(m.generation) } : {})
  }
}

/** The GCS backend, on bucket + object name. Operations here run once; the service retries them. */
export const makeGcs = (s: GcsBackendSettings) => {
  const file = (bucket: string, key: string): File => s.client.bucket(bucket).file(key)
  const idle = Duration.decode(s.downloadIdleTimeout)

  const timed = <A>(uri: string, what: string, eff: Effect.Effect<A, StorageError>) =>
    Effect.timeoutFail(eff, {
      duration: s.requestTimeout,
      onTimeout: () =>
        new StorageError({ reason: "Transient", uri, detail: `${what} took longer than ${Duration.format(s.requestTimeout)}` })
    })

  const call = <A>(uri: string, what: string, f: () => Promise<A>) =>
    timed(uri, what, Effect.tryPromise({ try: f, catch: (e) => fromGcs(uri, e) }))

  /**
   * One download attempt. A full read keeps the client's CRC32C validation on (a mismatch
   * fails the stream at its end); a range read cannot be validated (GCS hashes whole objects).
   * The idle timeout also covers a connection cut mid-body, which the client's transport
   * (node-fetch 2) would otherwise wait on forever.
   */
  const read = (
    uri: string,
    bucket: string,
    key: string,
    range?: { readonly start: number; readonly endExclusive: number }
  ): Stream.Stream<Uint8Array, StorageError> => {
    if (range !== undefined && range.endExclusive <= range.start) return Stream.empty
    const stream = fromReadable(
      () =>
        file(bucket, key).createReadStream(
          range === undefined ? { validation: "crc32c" } : { start: range.start, end: range.endExclusive - 1 }
        ),
      (e) => fromGcs(uri, e)
    ).pipe(
      Stream.timeoutFail(
        () => new StorageError({ reason: "Transient", uri, detail: `download stalled: no data for ${Duration.format(idle)}` }),
        idle
      )
    )
    // A range starting at or past the end is answered 416; reading past the end yields nothing.
    return range === undefined
      ? stream
      : Stream.catchAll(stream, (e) => (httpStatusOf(e.cause) === 416 ? Stream.empty : Stream.fail(e)))
  }

  const stat = (uri: string, bucket: string, key: string) =>
    call(uri, "stat", () => file(bucket, key).getMetadata()).pipe(Effect.map(([m]) => metaOf(m)))

  /**
   * One upload attempt. The client computes CRC32C as bytes go out and compares it with the
   * server's; on a mismatch it deletes the object and fails (IntegrityMismatch). Expected
   * checksums are sent as object metadata, so GCS itself refuses data that does not match.
   */
  const write = <E>(
    uri: string,
    bucket: string,
    key: string,
    source: Stream.Stream<Uint8Array, E>,
    checks: WriteChecks & { readonly contentType?: string; readonly size?: number }
  ): Effect.Effect<Meta, StorageError | E> =>
    Effect.suspend(() => {
      const f = file(bucket, key)
      const resumable = checks.size === undefined || checks.size >= s.resumableThreshold
      const ws = f.createWriteStream({
        resumable,
        validation: "crc32c",
        ...(checks.contentType !== undefined ? { contentType: checks.contentType } : {}),
        metadata: {
          ...(checks.expectedCrc32c !== undefined ? { crc32c: checks.expectedCrc32c } : {}),
          ...(checks.expectedMd5 !== undefined ? { md5Hash: checks.expectedMd5 } : {})
        },
        ...(resumable && s.uploadChunkSize !== undefined ? { chunkSize: s.uploadChunkSize } : {})
      })
      return pumpInto(source, ws, (e) => fromGcs(uri, e)).pipe(
        Effect.map(() => metaOf(f.metadata)),
        Effect.flatMap((meta) => {
          const bad =
            (checks.expectedCrc32c !== undefined && meta.crc32c !== checks.expectedCrc32c) ||
            (checks.expectedMd5 !== undefined && meta.md5 !== undefined && meta.md5 !== checks.expectedMd5)
          if (!bad) return Effect.succeed(meta)
          // GCS should have refused it; if it did not, do not keep bytes that fail the caller's check.
          return remove(uri, bucket, key).pipe(
            Effect.ignore,
            Effect.zipRight(
              new StorageError({
                reason: "IntegrityMismatch",
                uri,
                detail: `stored CRC32C ${meta.crc32c}, MD5 ${meta.md5}; expected ${checks.expectedCrc32c ?? "-"}, ${checks.expectedMd5 ?? "-"}`
              })
            )
          )
        })
      )
    })

  /** Deleting what is already gone succeeds, so a retried delete cannot fail on its own first attempt. */
  const remove = (uri: string, bucket: string, key: string) =>
    call(uri, "delete", () => file(bucket, key).delete()).pipe(
      Effect.asVoid,
      Effect.catchIf(
        (e) => e.reason === "NotFound",
        () => Effect.void
      )
    )

  const listPage = (uri: string, bucket: string, prefix: string, delimiter: string | undefined, pageToken: string | undefined) =>
    call(uri, "list", () =>
      s.client.bucket(bucket).getFiles({
        autoPaginate: false,
        prefix,
        maxResults: s.listPageSize,
        ...(delimiter !== undefined ? { delimiter } : {}),
        ...(pageToken !== undefined ? { pageToken } : {})
      })
    ).pipe(
      Effect.map(([files, next, response]) => {
        const nextToken = (next as { pageToken?: unknown } | null)?.pageToken
        const prefixes = (response as { prefixes?: unknown } | undefined)?.prefixes
        return {
          objects: files.map((f) => ({ key: f.name, meta: metaOf(f.metadata) })),
          prefixes: Array.isArray(prefixes) ? prefixes.filter((p): p is string => typeof p === "string") : [],
          ...(typeof nextToken === "string" && nextToken !== "" ? { nextPageToken: nextToken } : {})
        }
      })
    )

  return { read, stat, write, remove, listPage } as const
}

/** The GCS backend's operations. */
export type GcsBackend = ReturnType<typeof makeGcs>
