import { randomUUID } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { type Fault, FaultSet, type Phase, type RequestFacts } from "./Faults.js"
import { boundaryOf, parseMultipart } from "./internal/multipart.js"
import { crc32cBase64, md5Base64, parseGoogHash } from "./internal/hashes.js"
import { type PutOptions, Store, type StoredObject } from "./Store.js"

/** Options of {@link startGcsEmulator}. */
export interface GcsEmulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number
  /** Address to bind; loopback by default. */
  readonly host?: string
  /** Fault rules in force from the start (see {@link Fault}). */
  readonly faults?: ReadonlyArray<Fault>
  /** Buckets that exist from the start. */
  readonly buckets?: ReadonlyArray<string>
  /** Create a bucket on first upload instead of answering 404 (real GCS answers 404). */
  readonly autoCreateBuckets?: boolean
  /** Bytes per write when serving media, so clients see a multi-chunk body (64 KiB by default). */
  readonly downloadChunkSize?: number
}

/** One request the emulator received, for tests to assert on. */
export interface RecordedRequest {
  readonly method: string
  /** Percent-decoded path. */
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /** Kinds of the fault rules that fired on it. */
  readonly faults: ReadonlyArray<Fault["kind"]>
  /** Status sent, or undefined when the connection was dropped before an answer. */
  status: number | undefined
}

/** A running emulator. */
export interface GcsEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`: the client's `apiEndpoint`. */
  readonly url: string
  readonly port: number
  /** Stops listening and drops open connections. */
  readonly close: () => Promise<void>
  /** Replaces the fault rules. */
  readonly setFaults: (faults: ReadonlyArray<Fault>) => void
  /** How many times each current rule has yet to fire. */
  readonly faultsRemaining: () => ReadonlyArray<number>
  /** Every request received since start or the last `clearRequests`. */
  readonly requests: () => ReadonlyArray<RecordedRequest>
  readonly clearRequests: () => void
  readonly createBucket: (bucket: string) => void
  /** Writes an object directly (no HTTP), e.g. to seed a test. */
  readonly putObject: (bucket: string, name: string, data: Uint8Array | string, options?: PutOptions) => StoredObject
  /** Reads an object directly (no HTTP). */
  readonly getObject: (bucket: string, name: string) => StoredObject | undefined
  /** Drops all buckets, objects, sessions, faults and the request log; re-creates the initial buckets. */
  readonly reset: () => void
}

interface Session {
  readonly bucket: string
  readonly name: string
  readonly put: PutOptions
  readonly declared: { crc32c?: string; md5?: string }
  readonly preconditions: URLSearchParams
  readonly chunks: Array<Buffer>
  received: number
  done?: StoredObject
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string
  ) {
    super(message)
  }
}

const enc = encodeURIComponent

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const readBody = (req: http.IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
    req.on("aborted", () => reject(new Error("request aborted")))
  })

const parseJson = (body: Buffer): Record<string, unknown> => {
  if (body.length === 0) return {}
  try {
    const v: unknown = JSON.parse(body.toString("utf8"))
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>
  } catch {
    // fall through
  }
  throw new HttpError(400, "parseError", "Request body is not a JSON object")
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined)

const stringRecord = (v: unknown): Record<string, string> | undefined => {
  if (typeof v !== "object" || v === null) return undefined
  const out: Record<string, string> = {}
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x
  return out
}

const putOptionsOf = (metadata: Record<string, unknown>, contentType: string | undefined): PutOptions => {
  const ct = contentType ?? str(metadata["contentType"])
  const ce = str(metadata["contentEncoding"])
  const custom = stringRecord(metadata["metadata"])
  return {
    ...(ct !== undefined ? { contentType: ct } : {}),
    ...(ce !== undefined ? { contentEncoding: ce } : {}),
    ...(custom !== undefined ? { metadata: custom } : {})
  }
}

const objectResource = (base: string, o: StoredObject) => ({
  kind: "storage#object",
  id: `${o.bucket}/${o.name}/${o.generation}`,
  selfLink: `${base}/storage/v1/b/${enc(o.bucket)}/o/${enc(o.name)}`,
  mediaLink: `${base}/download/storage/v1/b/${enc(o.bucket)}/o/${enc(o.name)}?generation=${o.generation}&alt=media`,
  name: o.name,
  bucket: o.bucket,
  generation: String(o.generation),
  metageneration: "1",
  contentType: o.contentType,
  ...(o.contentEncoding !== undefined ? { contentEncoding: o.contentEncoding } : {}),
  storageClass: "STANDARD",
  size: String(o.data.length),
  md5Hash: o.md5Hash,
  crc32c: o.crc32c,
  etag: `${o.md5Hash}/${o.generation}`,
  timeCreated: o.timeCreated.toISOString(),
  updated: o.updated.toISOString(),
  timeStorageClassUpdated: o.timeCreated.toISOString(),
  ...(o.metadata !== undefined ? { metadata: o.metadata } : {})
})

const bucketResource = (name: string, created: Date) => ({
  kind: "storage#bucket",
  id: name,
  name,
  projectNumber: "0",
  metageneration: "1",
  location: "US",
  storageClass: "STANDARD",
  etag: "CAE=",
  timeCreated: created.toISOString(),
  updated: created.toISOString()
})

const reasonOf = (status: number): string => {
  switch (status) {
    case 400:
      return "invalid"
    case 401:
      return "required"
    case 403:
      return "forbidden"
    case 404:
      return "notFound"
    case 409:
      return "conflict"
    case 412:
      return "conditionNotMet"
    case 429:
      return "rateLimitExceeded"
    case 503:
      return "backendError"
    default:
      return status >= 500 ? "internalError" : "invalid"
  }
}

const sendJson = (res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    "content-type": "application/json; charset=UTF-8",
    "content-length": Buffer.byteLength(text),
    ...headers
  })
  res.end(text)
}

const sendError = (
  res: http.ServerResponse,
  status: number,
  message: string,
  reason = reasonOf(status),
  headers: http.OutgoingHttpHeaders = {}
) => sendJson(res, status, { error: { code: status, message, errors: [{ domain: "global", reason, message }] } }, headers)

type Range = { start: number; end: number } | "unsatisfiable" | undefined

// Single byte ranges only (`bytes=a-b`, `bytes=a-`, `bytes=-n`); anything else serves the whole object, as GCS does.
const parseRange = (header: string | undefined, size: number): Range => {
  if (header === undefined) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m === null) return undefined
  const [, a = "", b = ""] = m
  if (a === "") {
    if (b === "") return undefined
    const n = Number(b)
    if (n === 0 || size === 0) return "unsatisfiable"
    return { start: Math.max(0, size - n), end: size - 1 }
  }
  const start = Number(a)
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1)
  if (start >= size || end < start) return "unsatisfiable"
  return { start, end }
}

type ContentRange =
  | { readonly kind: "whole" }
  | { readonly kind: "query"; readonly total: number | "*" }
  | { readonly kind: "data"; readonly start: number; readonly end: number | "*"; readonly total: number | "*" }

const parseContentRange = (header: string | undefined): ContentRange | undefined => {
  if (header === undefined) return { kind: "whole" }
  const q = /^bytes \*\/(\d+|\*)$/.exec(header.trim())
  if (q !== null) return { kind: "query", total: q[1] === "*" ? "*" : Number(q[1]) }
  // The client sends `bytes 0--1/0` for an empty final chunk, so the end may be -1.
  const d = /^bytes (\d+)-(-?\d+|\*)\/(\d+|\*)$/.exec(header.trim())
  if (d === null) return undefined
  return {
    kind: "data",
    start: Number(d[1]),
    end: d[2] === "*" ? "*" : Number(d[2]),
    total: d[3] === "*" ? "*" : Number(d[3])
  }
}

const flipOneByte = (data: Buffer): Buffer => {
  const copy = Buffer.from(data)
  if (copy.length > 0) copy[copy.length >> 1] = copy[copy.length >> 1]! ^ 0xff
  return copy
}

/**
 * Starts an in-memory server for the subset of the GCS JSON API that
 * `@google-cloud/storage` 7 uses: buckets, media/multipart/resumable uploads, metadata,
 * media downloads with ranges, listing with prefix/delimiter/paging, delete, with real
 * CRC32C/MD5 values and fault injection.
 */
export const startGcsEmulator = async (options: GcsEmulatorOptions = {}): Promise<GcsEmulator> => {
  const store = new Store()
  const faults = new FaultSet()
  const sessions = new Map<string, Session>()
  let log: Array<RecordedRequest> = []
  const entries = new WeakMap<RequestFacts, RecordedRequest>()
  /** Spends the rules that fire in this phase and notes them on the request's log entry. */
  const fire = (facts: RequestFacts, phase: Phase): ReadonlyArray<Fault> => {
    const fired = faults.take(facts, phase)
    const entry = entries.get(facts)
    if (entry !== undefined) (entry.faults as Array<Fault["kind"]>).push(...fired.map((f) => f.kind))
    return fired
  }
  const chunkSize = Math.max(1, options.downloadChunkSize ?? 64 * 1024)
  const initialBuckets = options.buckets ?? []
  const seed = () => {
    for (const b of initialBuckets) store.createBucket(b)
  }
  seed()
  faults.set(options.faults ?? [])

  const ensureBucket = (bucket: string) => {
    if (store.hasBucket(bucket)) return
    if (options.autoCreateBuckets === true) store.createBucket(bucket)
    else throw new HttpError(404, "notFound", `The specified bucket does not exist: ${bucket}`)
  }

  const checkPreconditions = (q: URLSearchParams, current: StoredObject | undefined) => {
    const gm = q.get("ifGenerationMatch")
    if (gm !== null && Number(gm) !== (current?.generation ?? 0)) {
      throw new HttpError(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.")
    }
    const gnm = q.get("ifGenerationNotMatch")
    if (gnm !== null && current !== undefined && Number(gnm) === current.generation) {
      throw new HttpError(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.")
    }
  }

  /** Stores uploaded bytes, checking preconditions and the client's declared hashes. */
  const finalize = (
    facts: RequestFacts,
    bucket: string,
    name: string,
    data: Buffer,
    put: PutOptions,
    declared: { crc32c?: string; md5?: string },
    preconditions: URLSearchParams
  ): StoredObject => {
    ensureBucket(bucket)
    checkPreconditions(preconditions, store.get(bucket, name))
    const corrupt = fire(facts, "upload").some((f) => f.kind === "corrupt")
    if (corrupt) return store.put(bucket, name, flipOneByte(data), put)
    if (declared.crc32c !== undefined) {
      const actual = crc32cBase64(data)
      if (actual !== declared.crc32c) {
        throw new HttpError(400, "invalid", `Provided CRC32C "${declared.crc32c}" doesn't match calculated CRC32C "${actual}".`)
      }
    }
    if (declared.md5 !== undefined) {
      const actual = md5Base64(data)
      if (actual !== declared.md5) {
        throw new HttpError(400, "invalid", `Provided MD5 hash "${declared.md5}" doesn't match calculated MD5 hash "${actual}".`)
      }
    }
    return store.put(bucket, name, data, put)
  }

  const serveMedia = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    facts: RequestFacts,
    o: StoredObject
  ) => {
    const fired = fire(facts, "download")
    const body = fired.some((f) => f.kind === "corrupt") ? flipOneByte(o.data) : o.data
    const midStream = fired.find((f) => f.kind === "reset-mid-stream")
    const size = o.data.length
    const range = parseRange(req.headers.range, size)
    const common: http.OutgoingHttpHeaders = {
      "content-type": o.contentType,
      "x-goog-hash": `crc32c=${o.crc32c},md5=${o.md5Hash}`,
      "x-goog-generation": String(o.generation),
      "x-goog-metageneration": "1",
      "x-goog-stored-content-encoding": o.contentEncoding ?? "identity",
      "x-goog-stored-content-length": String(size),
      "accept-ranges": "bytes",
      etag: `"${o.md5Hash}"`,
      "last-modified": o.updated.toUTCString(),
      ...(o.contentEncoding !== undefined ? { "content-encoding": o.contentEncoding } : {})
    }
    if (range === "unsatisfiable") {
      sendError(res, 416, "The requested range cannot be satisfied.", "requestedRangeNotSatisfiable", {
        "content-range": `bytes */${size}`
      })
      return
    }
    const start = range?.start ?? 0
    const end = range?.end ?? size - 1
    const slice = body.subarray(start, end + 1)
    res.writeHead(range === undefined ? 200 : 206, {
      ...common,
      "content-length": slice.length,
      ...(range !== undefined ? { "content-range": `bytes ${start}-${end}/${size}` } : {})
    })
    if (req.method === "HEAD") {
      res.end()
      return
    }
    const cut = midStream?.kind === "reset-mid-stream" ? Math.min(midStream.afterBytes, slice.length) : undefined
    const limit = cut ?? slice.length
    let closed = false
    res.once("close", () => {
      closed = true
    })
    for (let offset = 0; offset < limit && !closed; offset += chunkSize) {
      const piece = slice.subarray(offset, Math.min(offset + chunkSize, limit))
      if (!res.write(piece)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off("drain", done)
            res.off("close", done)
            resolve()
          }
          res.on("drain", done)
          res.on("close", done)
        })
      }
    }
    if (cut !== undefined) {
      // Let what was written reach the socket, then drop the connection mid-body.
      await new Promise<void>((resolve) => res.write(Buffer.alloc(0), () => resolve()))
      res.socket?.destroy()
      return
    }
    res.end()
  }

  const handleUpload = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    facts: RequestFacts,
    bucket: string,
    base: string
  ) => {
    const q = facts.query
    const uploadId = q.get("upload_id")
    const method = req.method ?? "GET"
    if (uploadId !== null) {
      const body = await readBody(req)
      const session = sessions.get(uploadId)
      if (session === undefined) throw new HttpError(404, "notFound", `No such upload session: ${uploadId}`)
      if (method === "DELETE") {
        sessions.delete(uploadId)
        res.writeHead(499, { "content-length": 0 })
        res.end()
        return
      }
      if (method !== "PUT" && method !== "POST") throw new HttpError(405, "invalid", `${method} on an upload session`)
      if (session.done !== undefined) {
        sendJson(res, 200, objectResource(base, session.done))
        return
      }
      const cr = parseContentRange(req.headers["content-range"])
      if (cr === undefined) throw new HttpError(400, "invalid", `Bad Content-Range: ${req.headers["content-range"]}`)
      let final: boolean
      if (cr.kind === "query") {
        final = body.length === 0 && cr.total !== "*" && cr.total === session.received
      } else {
        if (cr.kind === "data" && cr.start > session.received) {
          throw new HttpError(400, "invalid", `Chunk starts at ${cr.start} but only ${session.received} bytes were received`)
        }
        const skip = cr.kind === "data" ? session.received - cr.start : 0
        if (skip < body.length) {
          const fresh = body.subarray(skip)
          session.chunks.push(fresh)
          session.received += fresh.length
        }
        if (cr.kind === "whole") final = true
        else if (cr.total !== "*") {
          if (session.received > cr.total) {
            throw new HttpError(400, "invalid", `Received ${session.received} bytes for an object of ${cr.total}`)
          }
          final = session.received === cr.total
        } else final = cr.end === "*"
      }
      if (!final) {
        res.writeHead(308, {
          "content-length": 0,
          ...(session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {})
        })
        res.end()
        return
      }
      const headerHash = parseGoogHash(str(req.headers["x-goog-hash"]))
      const declared = { ...session.declared, ...headerHash }
      const o = finalize(
        facts,
        session.bucket,
        session.name,
        Buffer.concat(session.chunks),
        session.put,
        declared,
        session.preconditions
      )
      session.done = o
      sendJson(res, 200, objectResource(base, o))
      return
    }

    if (method !== "POST") throw new HttpError(405, "invalid", `${method} on the upload endpoint`)
    const body = await readBody(req)
    const uploadType = q.get("uploadType") ?? "media"
    switch (uploadType) {
      case "media": {
        const name = q.get("name")
        if (name === null || name === "") throw new HttpError(400, "required", "Required parameter: name")
        const ct = str(req.headers["content-type"])
        const o = finalize(facts, bucket, name, body, ct !== undefined ? { contentType: ct } : {}, {}, q)
        sendJson(res, 200, objectResource(base, o))
        return
      }
      case "multipart": {
        const boundary = boundaryOf(str(req.headers["content-type"]))
        const parts = boundary === undefined ? undefined : parseMultipart(body, boundary)
        if (parts === undefined || parts.length !== 2) {
          throw new HttpError(400, "invalid", "Multipart upload needs a multipart/related body of two parts")
        }
        const [metaPart, mediaPart] = parts as [(typeof parts)[0], (typeof parts)[0]]
        const metadata = parseJson(metaPart.body)
        const name = str(metadata["name"]) ?? q.get("name")
        if (name === null || name === "") throw new HttpError(400, "required", "Required parameter: name")
        const crc = str(metadata["crc32c"])
        const md5 = str(metadata["md5Hash"])
        const declared = { ...(crc !== undefined ? { crc32c: crc } : {}), ...(md5 !== undefined ? { md5 } : {}) }
        const o = finalize(facts, bucket, name, mediaPart.body, putOptionsOf(metadata, str(metadata["contentType"]) ?? mediaPart.headers["content-type"]), declared, q)
        sendJson(res, 200, objectResource(base, o))
        return
      }
      case "resumable": {
        ensureBucket(bucket)
        const metadata = parseJson(body)
        const name = q.get("name") ?? str(metadata["name"])
        if (name === undefined || name === "") throw new HttpError(400, "required", "Required parameter: name")
        checkPreconditions(q, store.get(bucket, name))
        const id = randomUUID()
        const crc = str(metadata["crc32c"])
        const md5 = str(metadata["md5Hash"])
        sessions.set(id, {
          bucket,
          name,
          put: putOptionsOf(metadata, str(req.headers["x-upload-content-type"])),
          declared: { ...(crc !== undefined ? { crc32c: crc } : {}), ...(md5 !== undefined ? { md5 } : {}) },
          preconditions: new URLSearchParams(q),
          chunks: [],
          received: 0
        })
        const location = `${base}/upload/storage/v1/b/${enc(bucket)}/o?uploadType=resumable&name=${enc(name)}&upload_id=${id}`
        res.writeHead(200, { location, "content-length": 0, "x-guploader-uploadid": id })
        res.end()
        return
      }
      default:
        throw new HttpError(400, "invalid", `Unsupported uploadType: ${uploadType}`)
    }
  }

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, facts: RequestFacts, base: string) => {
    const method = req.method ?? "GET"
    let raw = facts.rawPath
    let kind: "api" | "upload" | "download" = "api"
    if (raw.startsWith("/upload/storage/v1/")) {
      kind = "upload"
      raw = raw.slice("/upload/storage/v1".length)
    } else if (raw.startsWith("/download/storage/v1/")) {
      kind = "download"
      raw = raw.slice("/download/storage/v1".length)
    } else if (raw.startsWith("/storage/v1/") || raw === "/storage/v1") {
      // STORAGE_EMULATOR_HOST makes the client drop the /storage/v1 prefix, so both forms are served.
      raw = raw.slice("/storage/v1".length)
    }
    const seg = raw
      .split("/")
      .filter((s, i) => i > 0 || s !== "")
      .map((s) => {
        try {
          return decodeURIComponent(s)
        } catch {
          throw new HttpError(400, "invalid", `Malformed percent-encoding in path: ${facts.rawPath}`)
        }
      })
    const q = facts.query

    if (seg[0] !== "b") throw new HttpError(404, "notFound", `Not found: ${facts.path}`)
    const bucket = seg[1]

    if (kind === "upload") {
      if (bucket === undefined || seg[2] !== "o" || seg.length !== 3) {
        throw new HttpError(404, "notFound", `Not an upload path: ${facts.path}`)
      }
      await handleUpload(req, res, facts, bucket, base)
      return
    }

    // Everything else carries no body we need; drain it so the connection stays usable.
    const body = await readBody(req)

    if (bucket === undefined) {
      if (method === "GET") {
        sendJson(res, 200, {
          kind: "storage#buckets",
          items: store.bucketNames().map((b) => bucketResource(b, store.bucketCreated(b)!))
        })
        return
      }
      if (method === "POST") {
        const name = str(parseJson(body)["name"])
        if (name === undefined || name === "") throw new HttpError(400, "required", "Required: bucket name")
        if (!store.createBucket(name)) {
          throw new HttpError(409, "conflict", "Your previous request to create the named bucket succeeded and you already own it.")
        }
        sendJson(res, 200, bucketResource(name, store.bucketCreated(name)!))
        return
      }
      throw new HttpError(405, "invalid", `${method} /b`)
    }

    if (seg.length === 2) {
      if (method === "GET") {
        const created = store.bucketCreated(bucket)
        if (created === undefined) throw new HttpError(404, "notFound", `The specified bucket does not exist: ${bucket}`)
        sendJson(res, 200, bucketResource(bucket, created))
        return
      }
      if (method === "DELETE") {
        const r = store.deleteBucket(bucket)
        if (r === "missing") throw new HttpError(404, "notFound", `The specified bucket does not exist: ${bucket}`)
        if (r === "not-empty") throw new HttpError(409, "conflict", "The bucket you tried to delete is not empty.")
        res.writeHead(204)
        res.end()
        return
      }
      throw new HttpError(405, "invalid", `${method} on a bucket`)
    }

    if (seg[2] !== "o") throw new HttpError(404, "notFound", `Not found: ${facts.path}`)

    if (seg.length === 3) {
      if (method !== "GET") throw new HttpError(405, "invalid", `${method} on an object list`)
      const maxResults = q.get("maxResults")
      const page = store.list(bucket, {
        ...(q.get("prefix") !== null ? { prefix: q.get("prefix")! } : {}),
        ...(q.get("delimiter") !== null ? { delimiter: q.get("delimiter")! } : {}),
        ...(q.get("pageToken") !== null ? { pageToken: q.get("pageToken")! } : {}),
        ...(q.get("startOffset") !== null ? { startOffset: q.get("startOffset")! } : {}),
        ...(q.get("endOffset") !== null ? { endOffset: q.get("endOffset")! } : {}),
        ...(maxResults !== null && Number.isFinite(Number(maxResults)) ? { maxResults: Number(maxResults) } : {})
      })
      if (page === undefined) throw new HttpError(404, "notFound", `The specified bucket does not exist: ${bucket}`)
      sendJson(res, 200, {
        kind: "storage#objects",
        ...(page.items.length > 0 ? { items: page.items.map((o) => objectResource(base, o)) } : {}),
        ...(page.prefixes.length > 0 ? { prefixes: page.prefixes } : {}),
        ...(page.nextPageToken !== undefined ? { nextPageToken: page.nextPageToken } : {})
      })
      return
    }

    // Object names may hold "/", which the client sends as %2F; join back any that were not.
    const name = seg.slice(3).join("/")
    if (!store.hasBucket(bucket)) throw new HttpError(404, "notFound", `The specified bucket does not exist: ${bucket}`)
    const o = store.get(bucket, name)
    const generation = q.get("generation")
    if (o === undefined || (generation !== null && Number(generation) !== o.generation)) {
      throw new HttpError(404, "notFound", `No such object: ${bucket}/${name}`)
    }
    checkPreconditions(q, o)
    if (method === "GET" || method === "HEAD") {
      if (kind === "download" || q.get("alt") === "media") await serveMedia(req, res, facts, o)
      else sendJson(res, 200, objectResource(base, o))
      return
    }
    if (method === "DELETE") {
      store.delete(bucket, name)
      res.writeHead(204)
      res.end()
      return
    }
    throw new HttpError(501, "notImplemented", `${method} on an object is not emulated`)
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://emulator")
    let decoded: string
    try {
      decoded = decodeURIComponent(url.pathname)
    } catch {
      decoded = url.pathname
    }
    const facts: RequestFacts = { method: req.method ?? "GET", rawPath: url.pathname, path: decoded, query: url.searchParams }
    const entry: RecordedRequest = {
      method: facts.method,
      path: decoded,
      query: Object.fromEntries(url.searchParams),
      faults: [],
      status: undefined
    }
    log.push(entry)
    entries.set(facts, entry)
    res.once("finish", () => {
      entry.status = res.statusCode
    })
    const base = `http://${req.headers.host ?? "127.0.0.1"}`

    try {
      const fired = fire(facts, "request")
      for (const f of fired) if (f.kind === "delay") await sleep(f.ms)
      const terminal = fired.find((f) => f.kind !== "delay")
      if (terminal?.kind === "reset") {
        req.socket.destroy()
        return
      }
      if (terminal?.kind === "status") {
        await readBody(req).catch(() => Buffer.alloc(0))
        sendError(
          res,
          terminal.status,
          terminal.message ?? `Injected fault: HTTP ${terminal.status}`,
          reasonOf(terminal.status),
          terminal.retryAfterSeconds !== undefined ? { "retry-after": String(terminal.retryAfterSeconds) } : {}
        )
        return
      }
      await route(req, res, facts, base)
    } catch (e) {
      if (res.headersSent) {
        res.destroy()
        return
      }
      if (e instanceof HttpError) sendError(res, e.status, e.message, e.reason)
      else sendError(res, 500, e instanceof Error ? e.message : String(e))
    }
  }

  const server = http.createServer((req, res) => {
    void handle(req, res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
    setFaults: (fs) => faults.set(fs),
    faultsRemaining: () => faults.remaining(),
    requests: () => log,
    clearRequests: () => {
      log = []
    },
    createBucket: (bucket) => {
      store.createBucket(bucket)
    },
    putObject: (bucket, name, data, putOptions) => {
      store.createBucket(bucket)
      return store.put(bucket, name, typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data), putOptions)
    },
    getObject: (bucket, name) => store.get(bucket, name),
    reset: () => {
      store.clear()
      sessions.clear()
      faults.set([])
      log = []
      seed()
    }
  }
}
