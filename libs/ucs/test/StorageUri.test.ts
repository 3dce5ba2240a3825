import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as path from "node:path"
import * as StorageUri from "../src/StorageUri.js"

// Segments as they occur in object names: any printable text, but not "", "." or "..".
const segment = fc
  .string({ unit: fc.oneof(fc.constantFrom("a", "Z", "0", "-", "_", ".", " ", "%", ":", "=", "+", "é", "€", "価"), fc.char()), minLength: 1, maxLength: 12 })
  .filter((s) => s !== "." && s !== ".." && !s.includes("/") && !/[\u0000-\u001f\u007f]/.test(s))
const key = fc.array(segment, { minLength: 1, maxLength: 5 }).map((xs) => xs.join("/"))
const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{1,20}[a-z0-9]$/)

describe("StorageUri.parse", () => {
  it.prop("gs:// URIs round-trip through format", [bucket, key], ([b, k]) => {
    const u = StorageUri.parse(StorageUri.gs(b, k))
    expect(u).toEqual(Either.right({ _tag: "Gcs", bucket: b, key: k }))
    expect(StorageUri.format(Either.getOrThrow(u))).toBe(`gs://${b}/${k}`)
  })

  it.prop("file:// URIs round-trip to the same absolute path, whatever the characters", [key], ([k]) => {
    const p = `/tmp/${k}`
    const uri = StorageUri.file(p)
    expect(StorageUri.parse(uri)).toEqual(Either.right({ _tag: "File", path: p }))
  })

  it.prop("a relative key that parses never leaves the root it resolves against", [fc.string({ maxLength: 30 })], ([s]) => {
    const parsed = StorageUri.parse(s)
    if (Either.isRight(parsed) && parsed.right._tag === "Relative") {
      const root = "/srv/root"
      expect(path.resolve(root, parsed.right.key).startsWith(`${root}/`)).toBe(true)
    }
  })

  it.prop("never throws, whatever the input", [fc.string({ unit: "binary", maxLength: 40 })], ([s]) => {
    expect(() => StorageUri.parse(s, "object")).not.toThrow()
    expect(() => StorageUri.parse(s, "prefix")).not.toThrow()
  })

  it.prop("segments of '.', '..' or '' are refused anywhere in a key", [key, fc.constantFrom(".", "..", "")], ([k, bad]) => {
    const withBad = `${k}/${bad}/x`
    expect(Either.isLeft(StorageUri.parse(withBad))).toBe(true)
    expect(Either.isLeft(StorageUri.parse(`gs://bucket/${withBad}`))).toBe(true)
  })

  it("tells what is wrong", () => {
    const reason = (s: string, kind: StorageUri.Kind = "object") => Either.getLeft(StorageUri.parse(s, kind)).pipe((o) => o._tag === "Some" ? o.value : "ok")
    expect(reason("s3://b/k")).toBe("unsupported scheme 's3'")
    expect(reason("/etc/passwd")).toBe("absolute path: write it as file:///...")
    expect(reason("gs://Bad_Bucket/k")).toBe("invalid bucket name 'Bad_Bucket'")
    expect(reason("gs://bucket")).toBe("empty object key")
    expect(reason("gs://bucket", "prefix")).toBe("ok")
    expect(reason("a/b/")).toBe("object key ends with '/'")
    expect(reason("a/b/", "prefix")).toBe("ok")
    expect(reason("", "prefix")).toBe("ok")
    expect(reason("file://host/x")).toMatch(/^invalid file URI/)
    expect(reason("file:///tmp/dir/")).toBe("file URI names a directory")
    // Instrument ids contain ':' but are keys, not schemes.
    expect(reason("market-data/BINANCE-SPOT:SPOT_PAIR:BTC-USDT/2024.parquet")).toBe("ok")
  })
})

describe("StorageUri.join", () => {
  it("joins parts with exactly one '/' in every form", () => {
    expect(StorageUri.join("gs://b/market-data", "2024", "x.parquet")).toBe("gs://b/market-data/2024/x.parquet")
    expect(StorageUri.join("gs://bkt/", "/x/")).toBe("gs://bkt/x")
    expect(StorageUri.join("", "a", "b")).toBe("a/b")
    expect(StorageUri.join("results/", "run 1")).toBe("results/run 1")
    expect(StorageUri.join("file:///tmp/d/", "a b.txt")).toBe("file:///tmp/d/a%20b.txt")
    expect(StorageUri.parse(StorageUri.join("file:///tmp/d", "a b.txt"))).toEqual(Either.right({ _tag: "File", path: "/tmp/d/a b.txt" }))
  })
})
