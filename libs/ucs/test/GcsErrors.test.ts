import { describe, expect, it } from "@effect/vitest"
import { fromGcs } from "../src/internal/gcsErrors.js"

// The shapes @google-cloud/storage 7 produces (seen against the emulator): ApiError with a
// numeric code, GaxiosError with response.status, node-fetch/system errors with string
// codes, its own integrity codes, and the resumable upload's "Retry limit exceeded" Error.
describe("classifying GCS client errors", () => {
  const cases: ReadonlyArray<[string, unknown, string]> = [
    ["ApiError 404", Object.assign(new Error("No such object"), { code: 404 }), "NotFound"],
    ["ApiError 403", Object.assign(new Error("Forbidden"), { code: 403 }), "PermissionDenied"],
    ["ApiError 401", Object.assign(new Error("Login Required"), { code: 401 }), "PermissionDenied"],
    ["ApiError 429", Object.assign(new Error("rate"), { code: 429 }), "Transient"],
    ["ApiError 503", Object.assign(new Error("backend"), { code: 503 }), "Transient"],
    ["ApiError 412", Object.assign(new Error("precondition"), { code: 412 }), "Unknown"],
    ["GaxiosError 502", Object.assign(new Error("bad gateway"), { response: { status: 502 } }), "Transient"],
    ["connection reset", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), "Transient"],
    ["premature close", Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }), "Transient"],
    ["download mismatch", Object.assign(new Error("mismatch"), { code: "CONTENT_DOWNLOAD_MISMATCH" }), "IntegrityMismatch"],
    ["upload mismatch", Object.assign(new Error("mismatch"), { code: "FILE_NO_UPLOAD" }), "IntegrityMismatch"],
    ["resumable retry limit", new Error("Retry limit exceeded - status: 503 - backend"), "Transient"],
    ["server hash refusal", Object.assign(new Error('Provided CRC32C "x" doesn\'t match calculated CRC32C "y".'), { code: 400 }), "IntegrityMismatch"],
    ["other 400", Object.assign(new Error("Invalid argument"), { code: 400 }), "Unknown"],
    ["a string", "weird", "Unknown"]
  ]
  for (const [name, error, reason] of cases) {
    it(`${name} -> ${reason}`, () => {
      const e = fromGcs("gs://b/k", error)
      expect(e.reason).toBe(reason)
      expect(e.uri).toBe("gs://b/k")
      expect(e.cause).toBe(error)
    })
  }
})
