import * as Either from "effect/Either"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

/**
 * A parsed storage location: a GCS object (`gs://bucket/key`), an absolute local path
 * (`file:///abs/path`), or a key relative to the configured default location.
 */
export type StorageUri =
  | { readonly _tag: "Gcs"; readonly bucket: string; readonly key: string }
  | { readonly _tag: "File"; readonly path: string }
  | { readonly _tag: "Relative"; readonly key: string }

/** Whether a URI names one object, or a listing prefix (which may be empty or end in "/"). */
export type Kind = "object" | "prefix"

// GCS bucket names: 3-63 of [a-z0-9._-], starting and ending alphanumeric (the dotted
// 222-character form is not needed here).
const bucketPattern = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/
const controlChars = /[\u0000-\u001f\u007f]/
const schemePattern = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//

/**
 * Checks a key (GCS object name or relative path) segment by segment. Empty, "." and ".."
 * segments are refused so a key means the same object on GCS and on disk (where the
 * filesystem would collapse them) and can never climb out of the local root.
 */
const checkKey = (key: string, kind: Kind): string | undefined => {
  if (Buffer.byteLength(key, "utf8") > 1024) return "key longer than 1024 bytes"
  if (kind === "object" && key === "") return "empty object key"
  if (key === "") return undefined
  if (key.startsWith("/")) return "key starts with '/'"
  const segments = key.split("/")
  // A prefix may end in "/" (an empty last segment); an object may not.
  const last = segments.length - 1
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!
    if (s === "" && !(kind === "prefix" && i === last)) {
      return kind === "object" && i === last ? "object key ends with '/'" : "empty path segment ('//')"
    }
    if (s === "." || s === "..") return `'${s}' path segment`
  }
  return undefined
}

/** Parses a storage URI; the Left is a sentence saying what is wrong. */
export const parse = (uri: string, kind: Kind = "object"): Either.Either<StorageUri, string> => {
  if (controlChars.test(uri)) return Either.left("control character in URI")
  if (uri.startsWith("gs://")) {
    const rest = uri.slice("gs://".length)
    const slash = rest.indexOf("/")
    const bucket = slash < 0 ? rest : rest.slice(0, slash)
    const key = slash < 0 ? "" : rest.slice(slash + 1)
    if (!bucketPattern.test(bucket)) return Either.left(`invalid bucket name '${bucket}'`)
    const bad = checkKey(key, kind)
    return bad !== undefined ? Either.left(bad) : Either.right({ _tag: "Gcs", bucket, key })
  }
  if (uri.startsWith("file:")) {
    let p: string
    try {
      p = fileURLToPath(uri)
    } catch (e) {
      return Either.left(`invalid file URI (${e instanceof Error ? e.message : String(e)})`)
    }
    if (!path.isAbsolute(p)) return Either.left("file URI path is not absolute")
    if (kind === "object" && (p.endsWith("/") || p === "/")) return Either.left("file URI names a directory")
    return Either.right({ _tag: "File", path: p })
  }
  if (schemePattern.test(uri)) return Either.left(`unsupported scheme '${uri.slice(0, uri.indexOf(":"))}'`)
  if (uri.startsWith("/")) return Either.left("absolute path: write it as file:///...")
  const bad = checkKey(uri, kind)
  return bad !== undefined ? Either.left(bad) : Either.right({ _tag: "Relative", key: uri })
}

/** Renders a parsed URI back to its string form. */
export const format = (u: StorageUri): string => {
  switch (u._tag) {
    case "Gcs":
      return `gs://${u.bucket}/${u.key}`
    case "File": {
      const href = pathToFileURL(u.path).href
      // pathToFileURL drops a trailing slash; a prefix needs it.
      return u.path.endsWith("/") && !href.endsWith("/") ? `${href}/` : href
    }
    case "Relative":
      return u.key
  }
}

/** A `gs://` URI for a bucket and key. */
export const gs = (bucket: string, key = ""): string => `gs://${bucket}/${key}`

/** A `file://` URI for an absolute local path. */
export const file = (absolutePath: string): string => format({ _tag: "File", path: absolutePath })

/**
 * Appends key segments to a base URI (any form), with exactly one "/" between parts:
 * `join("gs://b/market-data", "2024", "x.parquet")` is `gs://b/market-data/2024/x.parquet`.
 * File URIs are percent-encoded as needed.
 */
export const join = (base: string, ...parts: ReadonlyArray<string>): string => {
  const tail = parts
    .map((p) => p.replace(/^\/+|\/+$/g, ""))
    .filter((p) => p !== "")
    .join("/")
  if (tail === "") return base
  if (base.startsWith("file:")) {
    const p = fileURLToPath(base)
    return file(`${p.replace(/\/+$/, "")}/${tail}`)
  }
  if (base === "") return tail
  return `${base.replace(/\/+$/, "")}/${tail}`
}
