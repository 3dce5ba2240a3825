/**
 * The slice of UCS the catalog uses, as plain promises over keys relative to the
 * catalog root. The merge loop awaits at most one promise per row group, so the catalog
 * runs its Storage effects here, at the edge, and the hot path never touches Effect.
 */
import { type Storage, StorageUri } from "@odum/ucs"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"

/** One stored object under the catalog root. */
export interface StoredObject {
  /** Path relative to the root, `/`-separated. */
  readonly key: string
  readonly size: number
}

/** Promise-based object access relative to a root. Rejections are the storage's own errors. */
export interface ObjectStore {
  readonly root: string
  readonly uri: (key: string) => string
  readonly read: (key: string) => Promise<Uint8Array>
  readonly readRange: (key: string, start: number, end: number) => Promise<Uint8Array>
  readonly size: (key: string) => Promise<number>
  readonly write: (key: string, data: Uint8Array | string) => Promise<void>
  readonly exists: (key: string) => Promise<boolean>
  /** Every object whose key starts with `prefix` (recursively), sorted by key. */
  readonly list: (prefix: string) => Promise<ReadonlyArray<StoredObject>>
}

/** Joins a root URI and a relative key with exactly one `/` (file URIs stay percent-encoded). */
export const joinUri = (root: string, key: string): string => (key === "" ? root : StorageUri.join(root, key))

/**
 * The canonical form of a catalog root: an absolute path becomes a `file://` URI, and a
 * URI is re-rendered the way UCS renders listings, so listed URIs start with it.
 */
export const canonicalRoot = (root: string): string => {
  const uri = root.startsWith("/") ? StorageUri.file(root) : root
  const parsed = StorageUri.parse(uri, "prefix")
  return parsed._tag === "Right" ? StorageUri.format(parsed.right).replace(/\/+$/, "") : uri.replace(/\/+$/, "")
}

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> =>
  Effect.runPromise(Effect.either(effect)).then((e) => {
    if (Either.isLeft(e)) throw e.left
    return e.right
  })

/** The key of `uri` relative to `rootUri`, or undefined when it is not under it. */
const relativeKey = (rootUri: string, uri: string): string | undefined => {
  const base = rootUri.endsWith("/") ? rootUri : `${rootUri}/`
  return uri.startsWith(base) ? uri.slice(base.length) : undefined
}

/** An ObjectStore over a UCS `Storage` service. */
export const fromStorage = (storage: Storage.StorageService, rootUri: string): ObjectStore => {
  const root = canonicalRoot(rootUri)
  const uri = (key: string) => joinUri(root, key)
  return {
    root,
    uri,
    read: (key) => run(storage.download(uri(key))),
    readRange: (key, start, end) => run(storage.downloadRange(uri(key), start, end)),
    size: (key) => run(Effect.map(storage.stat(uri(key)), (s) => Number(s.size))),
    write: (key, data) => run(Effect.asVoid(storage.upload(uri(key), data))),
    exists: (key) => run(storage.exists(uri(key))),
    list: async (prefix) => {
      const listing = await run(storage.list(uri(prefix)))
      const out: Array<StoredObject> = []
      for (const o of listing.objects) {
        const key = relativeKey(root, o.uri)
        if (key !== undefined) out.push({ key, size: Number(o.size) })
      }
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    }
  }
}
