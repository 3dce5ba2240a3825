import { crc32cBase64, md5Base64 } from "./internal/hashes.js"

/** One stored object: its bytes and the metadata GCS keeps for it. */
export interface StoredObject {
  readonly bucket: string
  readonly name: string
  readonly data: Buffer
  readonly generation: number
  readonly contentType: string
  readonly contentEncoding?: string
  readonly crc32c: string
  readonly md5Hash: string
  readonly timeCreated: Date
  readonly updated: Date
  readonly metadata?: Readonly<Record<string, string>>
}

/** Options of an object write. */
export interface PutOptions {
  readonly contentType?: string
  readonly contentEncoding?: string
  readonly metadata?: Readonly<Record<string, string>>
}

/** One page of a listing, in GCS order (by name), items and prefixes counted together. */
export interface ListPage {
  readonly items: ReadonlyArray<StoredObject>
  readonly prefixes: ReadonlyArray<string>
  readonly nextPageToken?: string
}

/** Listing parameters, as in the JSON API's `objects.list`. */
export interface ListQuery {
  readonly prefix?: string
  readonly delimiter?: string
  readonly pageToken?: string
  readonly maxResults?: number
  readonly startOffset?: string
  readonly endOffset?: string
}

const encodeToken = (key: string): string => Buffer.from(key, "utf8").toString("base64url")
const decodeToken = (token: string): string => Buffer.from(token, "base64url").toString("utf8")

// GCS orders names by their UTF-8 bytes.
const byName = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b))

/** In-memory buckets and objects. */
export class Store {
  private readonly buckets = new Map<string, { created: Date; objects: Map<string, StoredObject> }>()
  private generation = Date.now() * 1000

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket)
  }

  bucketNames(): ReadonlyArray<string> {
    return [...this.buckets.keys()].sort(byName)
  }

  bucketCreated(bucket: string): Date | undefined {
    return this.buckets.get(bucket)?.created
  }

  /** Creates the bucket; false if it already exists. */
  createBucket(bucket: string): boolean {
    if (this.buckets.has(bucket)) return false
    this.buckets.set(bucket, { created: new Date(), objects: new Map() })
    return true
  }

  /** Deletes an empty bucket: "missing", "not-empty" or "deleted". */
  deleteBucket(bucket: string): "missing" | "not-empty" | "deleted" {
    const b = this.buckets.get(bucket)
    if (b === undefined) return "missing"
    if (b.objects.size > 0) return "not-empty"
    this.buckets.delete(bucket)
    return "deleted"
  }

  get(bucket: string, name: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.objects.get(name)
  }

  /** Stores a new generation of the object (the bucket must exist). */
  put(bucket: string, name: string, data: Buffer, options: PutOptions = {}): StoredObject {
    const b = this.buckets.get(bucket)
    if (b === undefined) throw new Error(`no bucket ${bucket}`)
    const now = new Date()
    this.generation += 1
    const object: StoredObject = {
      bucket,
      name,
      data,
      generation: this.generation,
      contentType: options.contentType ?? "application/octet-stream",
      ...(options.contentEncoding !== undefined ? { contentEncoding: options.contentEncoding } : {}),
      crc32c: crc32cBase64(data),
      md5Hash: md5Base64(data),
      // Each write is a new generation, which GCS treats as a new object.
      timeCreated: now,
      updated: now,
      ...(options.metadata !== undefined ? { metadata: options.metadata } : {})
    }
    b.objects.set(name, object)
    return object
  }

  delete(bucket: string, name: string): boolean {
    return this.buckets.get(bucket)?.objects.delete(name) ?? false
  }

  clear(): void {
    this.buckets.clear()
  }

  /** One page of `objects.list`; undefined when the bucket does not exist. */
  list(bucket: string, query: ListQuery): ListPage | undefined {
    const b = this.buckets.get(bucket)
    if (b === undefined) return undefined
    const prefix = query.prefix ?? ""
    const delimiter = query.delimiter !== undefined && query.delimiter !== "" ? query.delimiter : undefined
    const after = query.pageToken !== undefined && query.pageToken !== "" ? decodeToken(query.pageToken) : undefined
    const maxResults = Math.max(1, Math.min(query.maxResults ?? 1000, 1000))

    // Entries in name order; with a delimiter, names sharing a rolled-up prefix become one
    // prefix entry placed where its first name would be.
    const names = [...b.objects.keys()].filter((n) => n.startsWith(prefix)).sort(byName)
    const entries: Array<{ key: string; object?: StoredObject }> = []
    let lastPrefix: string | undefined
    for (const name of names) {
      if (query.startOffset !== undefined && byName(name, query.startOffset) < 0) continue
      if (query.endOffset !== undefined && byName(name, query.endOffset) >= 0) continue
      if (delimiter !== undefined) {
        const i = name.indexOf(delimiter, prefix.length)
        if (i >= 0) {
          const p = name.slice(0, i + delimiter.length)
          if (p !== lastPrefix) entries.push({ key: p })
          lastPrefix = p
          continue
        }
      }
      entries.push({ key: name, object: b.objects.get(name)! })
    }

    const start = after === undefined ? 0 : entries.findIndex((e) => byName(e.key, after) > 0)
    const page = start < 0 ? [] : entries.slice(start, start + maxResults)
    const more = start >= 0 && start + maxResults < entries.length
    const last = page[page.length - 1]
    return {
      items: page.flatMap((e) => (e.object !== undefined ? [e.object] : [])),
      prefixes: page.flatMap((e) => (e.object === undefined ? [e.key] : [])),
      ...(more && last !== undefined ? { nextPageToken: encodeToken(last.key) } : {})
    }
  }
}
