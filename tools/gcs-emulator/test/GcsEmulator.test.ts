import { Storage } from "@google-cloud/storage"
import { createHash, randomBytes } from "node:crypto"
import * as http from "node:http"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type GcsEmulator, startGcsEmulator } from "../src/index.js"

let emu: GcsEmulator
let storage: Storage

// The client retries on its own by default; off here so every request the test causes is visible.
const client = (url: string) =>
  new Storage({ apiEndpoint: url, projectId: "test", retryOptions: { autoRetry: false } })

beforeAll(async () => {
  emu = await startGcsEmulator({ buckets: ["bkt"], downloadChunkSize: 16 * 1024 })
  storage = client(emu.url)
})
afterAll(() => emu.close())
beforeEach(() => emu.reset())

const api = (path: string, init?: RequestInit) => fetch(`${emu.url}${path}`, init)

describe("hashes", () => {
  it("reports CRC32C big-endian base64 and MD5 base64, as GCS does", async () => {
    // CRC32C("123456789") = 0xE3069283, the standard check value of the Castagnoli polynomial.
    const o = emu.putObject("bkt", "check", "123456789")
    expect(Buffer.from(o.crc32c, "base64").toString("hex")).toBe("e3069283")
    expect(o.md5Hash).toBe(createHash("md5").update("123456789").digest("base64"))
    const meta = await (await api("/storage/v1/b/bkt/o/check")).json()
    expect(meta).toMatchObject({ name: "check", bucket: "bkt", size: "9", crc32c: "4waSgw==", md5Hash: o.md5Hash })
    const media = await api("/storage/v1/b/bkt/o/check?alt=media")
    expect(media.headers.get("x-goog-hash")).toBe(`crc32c=4waSgw==,md5=${o.md5Hash}`)
    expect(media.headers.get("x-goog-stored-content-encoding")).toBe("identity")
  })
})

describe("buckets", () => {
  it("creates, reads and refuses duplicates through the client", async () => {
    const [bucket] = await storage.createBucket("fresh")
    expect(bucket.name).toBe("fresh")
    const [exists] = await storage.bucket("fresh").exists()
    expect(exists).toBe(true)
    await expect(storage.createBucket("fresh")).rejects.toMatchObject({ code: 409 })
    const [missing] = await storage.bucket("nope").exists()
    expect(missing).toBe(false)
  })

  it("answers 404 to an upload into a bucket that does not exist", async () => {
    await expect(storage.bucket("nope").file("x").save("data", { resumable: false })).rejects.toMatchObject({ code: 404 })
  })
})

describe("uploads", () => {
  it("stores a multipart upload (resumable: false) with its content type", async () => {
    const file = storage.bucket("bkt").file("dir/a.json")
    await file.save('{"a":1}', { resumable: false, contentType: "application/json" })
    const stored = emu.getObject("bkt", "dir/a.json")
    expect(stored?.data.toString()).toBe('{"a":1}')
    expect(stored?.contentType).toBe("application/json")
    expect(emu.requests().map((r) => r.query["uploadType"])).toContain("multipart")
  })

  it("stores a media upload", async () => {
    const r = await api("/upload/storage/v1/b/bkt/o?uploadType=media&name=m.bin", {
      method: "POST",
      body: new Uint8Array([1, 2, 3]),
      headers: { "content-type": "application/x-test" }
    })
    expect(r.status).toBe(200)
    expect(await r.json()).toMatchObject({ name: "m.bin", size: "3", contentType: "application/x-test" })
  })

  it("stores a resumable upload sent in one streaming PUT, checking the client's X-Goog-Hash", async () => {
    const data = randomBytes(300_000)
    await storage.bucket("bkt").file("big.bin").save(data, { resumable: true })
    expect(emu.getObject("bkt", "big.bin")?.data.equals(data)).toBe(true)
    const puts = emu.requests().filter((r) => r.method === "PUT")
    expect(puts).toHaveLength(1)
    expect(puts[0]?.status).toBe(200)
  })

  it("stores a chunked resumable upload, answering 308 with the received range between chunks", async () => {
    const data = randomBytes(256 * 1024 * 2 + 1000)
    await storage.bucket("bkt").file("chunked.bin").save(data, { resumable: true, chunkSize: 256 * 1024 })
    expect(emu.getObject("bkt", "chunked.bin")?.data.equals(data)).toBe(true)
    const statuses = emu.requests().filter((r) => r.method === "PUT").map((r) => r.status)
    expect(statuses).toEqual([308, 308, 200])
  })

  it("speaks the resumable protocol: session URI, 308 with Range, status query, completion", async () => {
    const init = await api("/upload/storage/v1/b/bkt/o?uploadType=resumable&name=r.txt", {
      method: "POST",
      body: JSON.stringify({ contentType: "text/plain" }),
      headers: { "content-type": "application/json" }
    })
    expect(init.status).toBe(200)
    const session = init.headers.get("location")!
    expect(session).toContain("upload_id=")
    const first = await fetch(session, { method: "PUT", body: "hello ", headers: { "content-range": "bytes 0-5/*" } })
    expect(first.status).toBe(308)
    expect(first.headers.get("range")).toBe("bytes=0-5")
    const query = await fetch(session, { method: "PUT", headers: { "content-range": "bytes */*" } })
    expect(query.status).toBe(308)
    expect(query.headers.get("range")).toBe("bytes=0-5")
    // A resent overlap is skipped, not duplicated.
    const last = await fetch(session, { method: "PUT", body: " world", headers: { "content-range": "bytes 5-10/11" } })
    expect(last.status).toBe(200)
    expect(await last.json()).toMatchObject({ name: "r.txt", size: "11", contentType: "text/plain" })
    expect(emu.getObject("bkt", "r.txt")?.data.toString()).toBe("hello world")
  })

  it("rejects a final chunk whose X-Goog-Hash does not match what was received", async () => {
    const init = await api("/upload/storage/v1/b/bkt/o?uploadType=resumable&name=bad.txt", { method: "POST" })
    const session = init.headers.get("location")!
    const r = await fetch(session, {
      method: "PUT",
      body: "abc",
      headers: { "content-range": "bytes 0-2/3", "x-goog-hash": "crc32c=AAAAAA==" }
    })
    expect(r.status).toBe(400)
    expect(emu.getObject("bkt", "bad.txt")).toBeUndefined()
  })

  it("honours ifGenerationMatch=0 (create only)", async () => {
    emu.putObject("bkt", "once", "1")
    const r = await api("/upload/storage/v1/b/bkt/o?uploadType=media&name=once&ifGenerationMatch=0", {
      method: "POST",
      body: "2"
    })
    expect(r.status).toBe(412)
    expect(emu.getObject("bkt", "once")?.data.toString()).toBe("1")
  })
})

describe("downloads", () => {
  it("serves media that the client validates (CRC32C) and reads in several chunks", async () => {
    const data = randomBytes(200_000)
    emu.putObject("bkt", "d.bin", data)
    const chunks: Array<Buffer> = []
    for await (const c of storage.bucket("bkt").file("d.bin").createReadStream({ validation: "crc32c" })) chunks.push(c as Buffer)
    expect(Buffer.concat(chunks).equals(data)).toBe(true)
    expect(chunks.length).toBeGreaterThan(1)
  })

  it("serves byte ranges with 206 and Content-Range, and 416 past the end", async () => {
    emu.putObject("bkt", "r.bin", "0123456789")
    const r = await api("/storage/v1/b/bkt/o/r.bin?alt=media", { headers: { range: "bytes=2-5" } })
    expect(r.status).toBe(206)
    expect(r.headers.get("content-range")).toBe("bytes 2-5/10")
    expect(await r.text()).toBe("2345")
    const tail = await api("/storage/v1/b/bkt/o/r.bin?alt=media", { headers: { range: "bytes=-3" } })
    expect(await tail.text()).toBe("789")
    const open = await api("/storage/v1/b/bkt/o/r.bin?alt=media", { headers: { range: "bytes=8-" } })
    expect(await open.text()).toBe("89")
    const past = await api("/storage/v1/b/bkt/o/r.bin?alt=media", { headers: { range: "bytes=10-12" } })
    expect(past.status).toBe(416)
    const [viaClient] = await storage.bucket("bkt").file("r.bin").download({ start: 3, end: 6 })
    expect(viaClient.toString()).toBe("3456")
  })

  it("answers 404 for a missing object and for a stale generation", async () => {
    const o = emu.putObject("bkt", "g", "x")
    expect((await api("/storage/v1/b/bkt/o/none")).status).toBe(404)
    expect((await api(`/storage/v1/b/bkt/o/g?generation=${o.generation - 1}`)).status).toBe(404)
    expect((await api(`/storage/v1/b/bkt/o/g?generation=${o.generation}`)).status).toBe(200)
  })

  it("serves the paths without /storage/v1 that STORAGE_EMULATOR_HOST makes the client use", async () => {
    emu.putObject("bkt", "short", "s")
    expect(await (await api("/b/bkt/o/short?alt=media")).text()).toBe("s")
  })
})

describe("listing", () => {
  const seed = () => {
    for (const n of ["a/1", "a/2", "a/b/3", "b/4", "c", "d/5", "d/6"]) emu.putObject("bkt", n, n)
  }

  it("filters by prefix and rolls up names by delimiter", async () => {
    seed()
    const [files, , resp] = await storage.bucket("bkt").getFiles({ autoPaginate: false, delimiter: "/" })
    expect(files.map((f) => f.name)).toEqual(["c"])
    expect((resp as { prefixes?: Array<string> }).prefixes).toEqual(["a/", "b/", "d/"])
    const [inA, , respA] = await storage.bucket("bkt").getFiles({ autoPaginate: false, prefix: "a/", delimiter: "/" })
    expect(inA.map((f) => f.name)).toEqual(["a/1", "a/2"])
    expect((respA as { prefixes?: Array<string> }).prefixes).toEqual(["a/b/"])
  })

  it("pages with maxResults and pageToken, counting prefixes and items together", async () => {
    seed()
    const seen: Array<string> = []
    let token: string | undefined
    let pages = 0
    do {
      const q = new URLSearchParams({ delimiter: "/", maxResults: "2", ...(token ? { pageToken: token } : {}) })
      const body = (await (await api(`/storage/v1/b/bkt/o?${q}`)).json()) as {
        items?: Array<{ name: string }>
        prefixes?: Array<string>
        nextPageToken?: string
      }
      seen.push(...(body.prefixes ?? []), ...(body.items ?? []).map((i) => i.name))
      token = body.nextPageToken
      pages += 1
    } while (token !== undefined)
    expect(pages).toBe(2)
    expect(seen.sort()).toEqual(["a/", "b/", "c", "d/"])
    // The client follows nextPageToken itself when asked for one page at a time.
    const names: Array<string> = []
    let query: object | null = { autoPaginate: false, maxResults: 3 }
    let clientPages = 0
    while (query !== null) {
      const [files, next]: [Array<{ name: string }>, object | null, unknown] = await storage.bucket("bkt").getFiles(query)
      names.push(...files.map((f) => f.name))
      query = next
      clientPages += 1
    }
    expect(clientPages).toBe(3)
    expect(names).toEqual(["a/1", "a/2", "a/b/3", "b/4", "c", "d/5", "d/6"])
  })
})

describe("delete", () => {
  it("deletes an object and answers 404 the second time", async () => {
    emu.putObject("bkt", "gone", "x")
    await storage.bucket("bkt").file("gone").delete()
    expect(emu.getObject("bkt", "gone")).toBeUndefined()
    await expect(storage.bucket("bkt").file("gone").delete()).rejects.toMatchObject({ code: 404 })
  })
})

describe("faults", () => {
  it("answers with an injected status the given number of times, then serves", async () => {
    emu.putObject("bkt", "f", "ok")
    emu.setFaults([{ kind: "status", status: 503, times: 2, match: { method: "GET", pathIncludes: "/o/f" } }])
    expect((await api("/storage/v1/b/bkt/o/f")).status).toBe(503)
    expect((await api("/storage/v1/b/bkt/o/f")).status).toBe(503)
    expect((await api("/storage/v1/b/bkt/o/f")).status).toBe(200)
    expect(emu.requests().map((r) => r.status)).toEqual([503, 503, 200])
    expect(emu.requests()[0]?.faults).toEqual(["status"])
    expect(emu.faultsRemaining()).toEqual([0])
  })

  it("sends Retry-After with an injected 429", async () => {
    emu.setFaults([{ kind: "status", status: 429, retryAfterSeconds: 1, times: 1 }])
    const r = await api("/storage/v1/b/bkt")
    expect(r.status).toBe(429)
    expect(r.headers.get("retry-after")).toBe("1")
    expect(((await r.json()) as { error: { errors: Array<{ reason: string }> } }).error.errors[0]?.reason).toBe("rateLimitExceeded")
  })

  it("delays matching requests without failing them", async () => {
    emu.putObject("bkt", "slow", "x")
    emu.setFaults([{ kind: "delay", ms: 50, times: 1 }])
    const r = await api("/storage/v1/b/bkt/o/slow?alt=media")
    expect(await r.text()).toBe("x")
    expect(emu.requests()[0]?.faults).toEqual(["delay"])
  })

  it("drops the connection before answering on a reset fault", async () => {
    emu.setFaults([{ kind: "reset", times: 1 }])
    await expect(api("/storage/v1/b/bkt")).rejects.toThrow()
    expect((await api("/storage/v1/b/bkt")).status).toBe(200)
  })

  it("drops a media download after the given number of bytes, with Content-Length promising more", async () => {
    const data = randomBytes(100_000)
    emu.putObject("bkt", "cut", data)
    emu.setFaults([{ kind: "reset-mid-stream", afterBytes: 20_000, times: 1 }])
    // Metadata requests are not media and leave the fault armed.
    await storage.bucket("bkt").file("cut").getMetadata()
    expect(emu.faultsRemaining()).toEqual([1])
    // Read with node:http: @google-cloud/storage's transport (node-fetch 2) never ends such a body
    // (node-fetch issue 968), which is why @odum/ucs puts an idle timeout on downloads.
    const outcome = await new Promise<{ received: number; length: string | undefined; error: boolean }>((resolve) => {
      http.get(`${emu.url}/storage/v1/b/bkt/o/cut?alt=media`, (res) => {
        let received = 0
        res.on("data", (c: Buffer) => (received += c.length))
        res.on("error", () => resolve({ received, length: res.headers["content-length"], error: true }))
        res.on("end", () => resolve({ received, length: res.headers["content-length"], error: false }))
      })
    })
    expect(outcome).toEqual({ received: 20_000, length: "100000", error: true })
    expect(emu.requests().at(-1)?.status).toBeUndefined()
    expect(emu.requests().at(-1)?.faults).toEqual(["reset-mid-stream"])
  })

  it("corrupts served media; the client's CRC32C check fails the download", async () => {
    emu.putObject("bkt", "rot", randomBytes(50_000))
    emu.setFaults([{ kind: "corrupt", times: 1 }])
    await expect(storage.bucket("bkt").file("rot").download()).rejects.toMatchObject({ code: "CONTENT_DOWNLOAD_MISMATCH" })
    const [ok] = await storage.bucket("bkt").file("rot").download()
    expect(ok.equals(emu.getObject("bkt", "rot")!.data)).toBe(true)
  })

  it("corrupts stored upload bytes; the client sees the hash differ and deletes the object", async () => {
    emu.setFaults([{ kind: "corrupt", times: 1 }])
    await expect(storage.bucket("bkt").file("up").save(randomBytes(10_000), { resumable: false })).rejects.toMatchObject({
      code: "FILE_NO_UPLOAD"
    })
    expect(emu.getObject("bkt", "up")).toBeUndefined()
  })
})
