import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Storage as GcsClient, type StorageOptions as GcsClientOptions } from "@google-cloud/storage"
import * as Chunk from "effect/Chunk"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { type GcsBackend, makeGcs } from "./internal/gcs.js"
import { toUint8Array } from "./internal/hash.js"
import { compareKeys, type LocalBackend, makeLocal, type Meta } from "./internal/local.js"
import { defaultRetryPolicy, type RetryPolicy, retrySchedule } from "./internal/retry.js"
import * as StorageConfig from "./StorageConfig.js"
import { StorageError } from "./StorageError.js"
import * as StorageUri from "./StorageUri.js"

/** How transient failures are retried: `maxRetries`, `baseDelay` (doubling, ±20% jitter), `maxDelay`. */
export type { RetryPolicy } from "./internal/retry.js"

/** What is known of one stored object. Checksums are base64, as GCS reports them. */
export interface ObjectInfo {
  /** The object's URI, in the same form (gs://, file://, bare key) as the URI it was asked by. */
  readonly uri: string
  readonly size: number
  /** Big-endian CRC32C, base64. Always on GCS; locally after an upload or `stat(uri, { checksums: true })`. */
  readonly crc32c?: string
  /** MD5, base64. As for `crc32c` (GCS omits it for composite objects). */
  readonly md5?: string
  readonly updated?: Date
  /** Content type; GCS only (the local filesystem keeps none). */
  readonly contentType?: string
  /** GCS object generation. */
  readonly generation?: string
}

/** A complete listing (all pages): objects, and the rolled-up prefixes when a delimiter was given. */
export interface ListResult {
  readonly objects: ReadonlyArray<ObjectInfo>
  /** Common prefixes (each ending in the delimiter), as URIs in the form of the listed prefix. */
  readonly prefixes: ReadonlyArray<string>
}

/** Options of the upload operations. */
export interface UploadOptions {
  /** Content type stored on GCS (guessed from the name when absent); ignored locally. */
  readonly contentType?: string
  /** Refuse the upload (IntegrityMismatch, nothing kept) unless the data has this CRC32C (base64). */
  readonly expectedCrc32c?: string
  /** Refuse the upload (IntegrityMismatch, nothing kept) unless the data has this MD5 (base64). */
  readonly expectedMd5?: string
}

/** Options of `stat`. */
export interface StatOptions {
  /** Locally, read the file to compute CRC32C and MD5 (GCS always reports them). */
  readonly checksums?: boolean
}

/** Options of `list`. */
export interface ListOptions {
  /** Roll names up at the first delimiter after the prefix (usually "/"), as GCS does. */
  readonly delimiter?: string
}

/** Unified storage: one interface over GCS and the local filesystem, addressed by URI. */
export interface StorageService {
  /** The whole object, integrity-checked (CRC32C on GCS) before it is returned. */
  readonly download: (uri: string) => Effect.Effect<Uint8Array, StorageError>
  /** Bytes [start, endExclusive), clipped to the object's end (so past the end is empty). Not checksummed. */
  readonly downloadRange: (uri: string, start: number, endExclusive: number) => Effect.Effect<Uint8Array, StorageError>
  /**
   * The object as a stream of chunks, never buffered whole. On GCS the CRC32C check runs at
   * the end: a mismatch fails the stream after the data went by, so consumers that must not
   * act on bad bytes should use `download` or `downloadFile`. Retried only before the first chunk.
   */
  readonly downloadStream: (uri: string) => Stream.Stream<Uint8Array, StorageError>
  /** Copies the object to a local file atomically: on any failure (including a checksum mismatch) nothing is written. */
  readonly downloadFile: (uri: string, localPath: string) => Effect.Effect<ObjectInfo, StorageError>
  readonly stat: (uri: string, options?: StatOptions) => Effect.Effect<ObjectInfo, StorageError>
  readonly upload: (uri: string, data: Uint8Array | string, options?: UploadOptions) => Effect.Effect<ObjectInfo, StorageError>
  readonly uploadFile: (uri: string, localPath: string, options?: UploadOptions) => Effect.Effect<ObjectInfo, StorageError>
  /**
   * Uploads a stream of unknown length (GCS: one resumable session). Not retried: a stream
   * may not be replayable; a Transient failure is for the caller to retry with a fresh stream.
   */
  readonly uploadStream: <E>(
    uri: string,
    stream: Stream.Stream<Uint8Array, E>,
    options?: UploadOptions
  ) => Effect.Effect<ObjectInfo, StorageError | E>
  /** Every object whose key starts with the prefix (all pages), in key order. */
  readonly list: (prefixUri: string, options?: ListOptions) => Effect.Effect<ListResult, StorageError>
  readonly exists: (uri: string) => Effect.Effect<boolean, StorageError>
  /** Deletes the object; deleting what does not exist succeeds (idempotent, so safe to retry). */
  readonly delete: (uri: string) => Effect.Effect<void, StorageError>
}

/** The storage service. */
export class Storage extends Context.Tag("@odum/ucs/Storage")<Storage, StorageService>() {}

/** Where bare keys go. */
export type DefaultLocation =
  | { readonly _tag: "Local"; readonly root: string }
  | { readonly _tag: "Gcs"; readonly bucket: string | undefined }

/** Options of {@link make}. */
export interface MakeOptions {
  readonly defaultLocation: DefaultLocation
  /** The GCS backend; without it gs:// URIs are refused (InvalidUri). */
  readonly gcs?: GcsBackend
  readonly retry?: Partial<RetryPolicy>
}

type Target =
  | {
    readonly _tag: "Local"
    readonly uri: string
    /** Absolute path of the object (or of the prefix). */
    readonly path: string
    /** The listing root and the key under it: the local root, or "/" for file:// URIs. */
    readonly root: string
    readonly key: string
    readonly render: (key: string) => string
  }
  | {
    readonly _tag: "Gcs"
    readonly uri: string
    readonly bucket: string
    readonly key: string
    readonly render: (key: string) => string
  }

const invalid = (uri: string, detail: string) => new StorageError({ reason: "InvalidUri", uri, detail })

const concat = (chunks: Chunk.Chunk<Uint8Array>): Uint8Array => {
  const all = Chunk.toReadonlyArray(chunks)
  if (all.length === 1) return all[0]!
  const out = new Uint8Array(all.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of all) {
    out.set(c, at)
    at += c.length
  }
  return out
}

const withUri = (uri: string, meta: Meta): ObjectInfo => ({ uri, ...meta })

/** Builds the service over the local backend and, when given, a GCS backend. */
export const make = (options: MakeOptions): Effect.Effect<StorageService, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const local: LocalBackend = yield* makeLocal
    const path = yield* Path.Path
    const gcs = options.gcs
    const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry }
    const schedule = retrySchedule(policy)
    const retry = <A, E>(eff: Effect.Effect<A, E | StorageError>) => Effect.retry(eff, schedule as Schedule.Schedule<unknown, E | StorageError>)
    const defaultRoot = options.defaultLocation._tag === "Local" ? path.resolve(options.defaultLocation.root) : undefined

    const resolve = (uri: string, kind: StorageUri.Kind): Either.Either<Target, StorageError> =>
      Either.flatMap(Either.mapLeft(StorageUri.parse(uri, kind), (d) => invalid(uri, d)), (u): Either.Either<Target, StorageError> => {
        switch (u._tag) {
          case "File":
            return Either.right({
              _tag: "Local",
              uri,
              path: u.path,
              root: "/",
              key: u.path.slice(1),
              render: (k) => StorageUri.file(`/${k}`)
            })
          case "Gcs":
            if (gcs === undefined) return Either.left(invalid(uri, "GCS is not configured in this layer (use layerGcs or layerConfig)"))
            return Either.right({ _tag: "Gcs", uri, bucket: u.bucket, key: u.key, render: (k) => StorageUri.gs(u.bucket, k) })
          case "Relative": {
            const d = options.defaultLocation
            if (d._tag === "Local") {
              return Either.right({
                _tag: "Local",
                uri,
                path: path.join(defaultRoot!, u.key),
                root: defaultRoot!,
                key: u.key,
                render: (k) => k
              })
            }
            if (gcs === undefined || d.bucket === undefined) {
              return Either.left(invalid(uri, "bare key but no default bucket is configured"))
            }
            return Either.right({ _tag: "Gcs", uri, bucket: d.bucket, key: u.key, render: (k) => k })
          }
        }
      })

    const object = (uri: string) => resolve(uri, "object")

    const readStream = (t: Target, range?: { readonly start: number; readonly endExclusive: number }) =>
      t._tag === "Local" ? local.read(t.uri, t.path, range) : gcs!.read(t.uri, t.bucket, t.key, range)

    const checkRange = (uri: string, start: number, endExclusive: number) =>
      Number.isSafeInteger(start) && Number.isSafeInteger(endExclusive) && start >= 0 && endExclusive >= start
        ? Effect.void
        : Effect.fail(
          new StorageError({
            reason: "InvalidArgument",
            uri,
            detail: `range [${start}, ${endExclusive}) must be integers with 0 <= start <= endExclusive`
          })
        )

    const write = <E>(
      t: Target,
      source: Stream.Stream<Uint8Array, E>,
      o: UploadOptions,
      size: number | undefined
    ): Effect.Effect<ObjectInfo, StorageError | E> => {
      const checks = {
        ...(o.expectedCrc32c !== undefined ? { expectedCrc32c: o.expectedCrc32c } : {}),
        ...(o.expectedMd5 !== undefined ? { expectedMd5: o.expectedMd5 } : {})
      }
      const eff =
        t._tag === "Local"
          ? local.write(t.uri, t.path, source, checks)
          : gcs!.write(t.uri, t.bucket, t.key, source, {
            ...checks,
            ...(o.contentType !== undefined ? { contentType: o.contentType } : {}),
            ...(size !== undefined ? { size } : {})
          })
      return Effect.map(eff, (m) => withUri(t.uri, m))
    }

    const localFile = (localPath: string) => {
      const abs = path.resolve(localPath)
      return { abs, uri: StorageUri.file(abs) }
    }

    const service: StorageService = {
      download: (uri) =>
        Effect.flatMap(object(uri), (t) => retry(Effect.map(Stream.runCollect(readStream(t)), concat))),

      downloadRange: (uri, start, endExclusive) =>
        Effect.zipRight(
          checkRange(uri, start, endExclusive),
          Effect.flatMap(object(uri), (t) => retry(Effect.map(Stream.runCollect(readStream(t, { start, endExclusive })), concat)))
        ),

      downloadStream: (uri) =>
        Stream.unwrap(
          Effect.map(object(uri), (t) =>
            Stream.suspend(() => {
              // Re-running a stream that already emitted would repeat bytes: retry only before the first.
              let emitted = false
              return readStream(t).pipe(
                Stream.tap(() => Effect.sync(() => (emitted = true))),
                Stream.retry(Schedule.whileInput(schedule, () => !emitted))
              )
            })
          )
        ),

      downloadFile: (uri, localPath) =>
        Effect.flatMap(object(uri), (t) => {
          const dest = localFile(localPath)
          return retry(local.write(dest.uri, dest.abs, readStream(t), {})).pipe(Effect.map((m) => withUri(dest.uri, m)))
        }),

      stat: (uri, o) =>
        Effect.flatMap(object(uri), (t) =>
          Effect.map(
            t._tag === "Local" ? local.stat(t.uri, t.path, o?.checksums === true) : retry(gcs!.stat(t.uri, t.bucket, t.key)),
            (m) => withUri(uri, m)
          )
        ),

      upload: (uri, data, o = {}) =>
        Effect.flatMap(object(uri), (t) => {
          const bytes = toUint8Array(data)
          return retry(write(t, Stream.make(bytes), o, bytes.length))
        }),

      uploadFile: (uri, localPath, o = {}) =>
        Effect.flatMap(object(uri), (t) => {
          const src = localFile(localPath)
          return Effect.gen(function* () {
            const info = yield* local.stat(src.uri, src.abs, false)
            const source = local.read(src.uri, src.abs)
            return yield* retry(write(t, source, o, info.size))
          })
        }),

      uploadStream: (uri, stream, o = {}) => Effect.flatMap(object(uri), (t) => write(t, stream, o, undefined)),

      list: (prefixUri, o = {}) =>
        Effect.flatMap(resolve(prefixUri, "prefix"), (t) => {
          const delimiter = o.delimiter !== undefined && o.delimiter !== "" ? o.delimiter : undefined
          if (t._tag === "Local") {
            return Effect.map(local.walk(t.uri, t.root, t.key), (entries) => {
              const objects: Array<ObjectInfo> = []
              const prefixes: Array<string> = []
              for (const e of entries) {
                const i = delimiter === undefined ? -1 : e.key.indexOf(delimiter, t.key.length)
                if (i < 0) objects.push(withUri(t.render(e.key), e.meta))
                else {
                  const p = e.key.slice(0, i + delimiter!.length)
                  if (prefixes[prefixes.length - 1] !== p) prefixes.push(p)
                }
              }
              return { objects, prefixes: [...new Set(prefixes)].sort(compareKeys).map(t.render) }
            })
          }
          const g = gcs!
          const loop = (
            token: string | undefined,
            objects: Array<ObjectInfo>,
            prefixes: Array<string>
          ): Effect.Effect<ListResult, StorageError> =>
            Effect.flatMap(retry(g.listPage(t.uri, t.bucket, t.key, delimiter, token)), (page) => {
              for (const x of page.objects) objects.push(withUri(t.render(x.key), x.meta))
              for (const p of page.prefixes) prefixes.push(t.render(p))
              return page.nextPageToken !== undefined
                ? loop(page.nextPageToken, objects, prefixes)
                : Effect.succeed({ objects, prefixes })
            })
          return Effect.suspend(() => loop(undefined, [], []))
        }),

      exists: (uri) =>
        Effect.flatMap(object(uri), (t) =>
          (t._tag === "Local" ? local.stat(t.uri, t.path, false) : retry(gcs!.stat(t.uri, t.bucket, t.key))).pipe(
            Effect.as(true),
            Effect.catchIf(
              (e) => e.reason === "NotFound",
              () => Effect.succeed(false)
            )
          )
        ),

      delete: (uri) =>
        Effect.flatMap(object(uri), (t) =>
          t._tag === "Local" ? local.remove(t.uri, t.path) : retry(gcs!.remove(t.uri, t.bucket, t.key))
        )
    }
    return service
  })

/** Options of {@link layerLocal}. */
export interface LocalOptions {
  /** Directory that bare keys resolve against (relative paths against the working directory). */
  readonly root: string
}

/**
 * The embedded default: bare keys and file:// URIs on the local filesystem; gs:// URIs are
 * refused (InvalidUri). Needs FileSystem and Path (e.g. `NodeContext.layer`).
 */
export const layerLocal = (options: LocalOptions): Layer.Layer<Storage, never, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(Storage, make({ defaultLocation: { _tag: "Local", root: options.root } }))

/** Options of {@link layerGcs}. */
export interface GcsOptions {
  /** Default bucket for bare keys; without it, bare keys are refused. */
  readonly bucket?: string
  /** API endpoint, e.g. an emulator's URL (then no credentials are sent). */
  readonly apiEndpoint?: string
  readonly projectId?: string
  /** Service-account key file. */
  readonly keyFilename?: string | Redacted.Redacted<string>
  /** Service-account credentials given inline. */
  readonly credentials?: Redacted.Redacted<{ readonly client_email: string; readonly private_key: string }>
  readonly retry?: Partial<RetryPolicy>
  /** A download yielding no bytes for this long fails as Transient (and is retried where safe). Default 60 s. */
  readonly downloadIdleTimeout?: Duration.DurationInput
  /** Limit for one metadata call (stat, list page, delete). Default 60 s. */
  readonly requestTimeout?: Duration.DurationInput
  /** Uploads of at least this many bytes use a resumable session; smaller ones one multipart request. Default 8 MiB. */
  readonly resumableThreshold?: number
  /** Chunk size of resumable uploads (a multiple of 256 KiB); default one streaming request. */
  readonly uploadChunkSize?: number
  /** Objects per list request (GCS allows up to 1000, the default). */
  readonly listPageSize?: number
}

// STORAGE_EMULATOR_HOST is often given as host:port; emulators speak plain HTTP.
const endpointOf = (e: string): string => (/^[a-z][a-z0-9+.-]*:\/\//i.test(e) ? e : `http://${e}`)

/** A @google-cloud/storage client whose own retries are off: retries happen in one place, here. */
export const makeGcsClient = (options: GcsOptions): GcsClient => {
  const keyFilename = options.keyFilename
  const clientOptions: GcsClientOptions = {
    retryOptions: { autoRetry: false },
    ...(options.apiEndpoint !== undefined ? { apiEndpoint: endpointOf(options.apiEndpoint) } : {}),
    ...(options.projectId !== undefined ? { projectId: options.projectId } : {}),
    ...(keyFilename !== undefined
      ? { keyFilename: typeof keyFilename === "string" ? keyFilename : Redacted.value(keyFilename) }
      : {}),
    ...(options.credentials !== undefined ? { credentials: { ...Redacted.value(options.credentials) } } : {})
  }
  return new GcsClient(clientOptions)
}

/**
 * GCS through @google-cloud/storage: gs:// URIs, and bare keys in the default bucket;
 * file:// URIs still reach the local filesystem. Needs FileSystem and Path.
 */
export const layerGcs = (options: GcsOptions = {}): Layer.Layer<Storage, never, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(
    Storage,
    Effect.suspend(() =>
      make({
        defaultLocation: { _tag: "Gcs", bucket: options.bucket },
        gcs: makeGcs({
          client: makeGcsClient(options),
          downloadIdleTimeout: options.downloadIdleTimeout ?? "60 seconds",
          requestTimeout: options.requestTimeout ?? "60 seconds",
          resumableThreshold: options.resumableThreshold ?? 8 * 1024 * 1024,
          listPageSize: options.listPageSize ?? 1000,
          ...(options.uploadChunkSize !== undefined ? { uploadChunkSize: options.uploadChunkSize } : {})
        }),
        ...(options.retry !== undefined ? { retry: options.retry } : {})
      })
    )
  )

/**
 * Picks the backend from configuration (see {@link StorageConfig.config}): GCS when
 * `UNIFIED_CLOUD_SERVICES_USE_DIRECT_GCS` is true, else the local root. Also provides the
 * settings as `StorageConfig`. `gcsOptions` adds what the variables do not cover (timeouts, retry).
 */
export const layerConfig = (
  config: Config.Config<StorageConfig.StorageSettings> = StorageConfig.config,
  gcsOptions: Omit<GcsOptions, "bucket" | "apiEndpoint" | "projectId" | "keyFilename"> = {}
): Layer.Layer<Storage | StorageConfig.StorageConfig, ConfigError.ConfigError, FileSystem.FileSystem | Path.Path> =>
  Layer.unwrapEffect(
    Effect.map(config, (settings) => {
      const storage = settings.useDirectGcs
        ? layerGcs({
          ...gcsOptions,
          ...Option.match(settings.marketDataBucket, { onNone: () => ({}), onSome: (bucket) => ({ bucket }) }),
          ...Option.match(settings.emulatorHost, { onNone: () => ({}), onSome: (apiEndpoint) => ({ apiEndpoint }) }),
          ...Option.match(settings.projectId, { onNone: () => ({}), onSome: (projectId) => ({ projectId }) }),
          ...Option.match(settings.credentialsFile, { onNone: () => ({}), onSome: (keyFilename) => ({ keyFilename }) })
        })
        : layerLocal({ root: settings.localRoot })
      return Layer.merge(storage, Layer.succeed(StorageConfig.StorageConfig, StorageConfig.make(settings)))
    })
  )
