import { type Reason, StorageError } from "../StorageError.js"

const transientCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET"
])

const integrityCodes = new Set(["CONTENT_DOWNLOAD_MISMATCH", "FILE_NO_UPLOAD", "FILE_NO_UPLOAD_DELETE", "MD5_NOT_AVAILABLE"])

const field = (e: unknown, key: string): unknown =>
  typeof e === "object" && e !== null && key in e ? (e as Record<string, unknown>)[key] : undefined

/** The HTTP status an error of @google-cloud/storage (ApiError, GaxiosError, or a resumable-upload Error) carries. */
export const httpStatusOf = (e: unknown): number | undefined => {
  const code = field(e, "code")
  if (typeof code === "number") return code
  const status = field(field(e, "response"), "status")
  if (typeof status === "number") return status
  // With its own retries off, the resumable upload reports a retryable status only in the
  // message ("Retry limit exceeded - status: 503 ...").
  const m = /\bstatus: (\d{3})\b/.exec(String(field(e, "message") ?? ""))
  return m !== null ? Number(m[1]) : undefined
}

const reasonOfStatus = (status: number, message: string): Reason => {
  if (status === 404) return "NotFound"
  if (status === 401 || status === 403) return "PermissionDenied"
  if (status === 408 || status === 429 || status >= 500) return "Transient"
  // GCS rejects an upload whose declared crc32c/md5Hash differs from what it received.
  if (status === 400 && /(crc32c|md5).*(doesn't|does not|not) match/i.test(message)) return "IntegrityMismatch"
  return "Unknown"
}

/** Classifies anything the GCS client throws or emits into a StorageError. */
export const fromGcs = (uri: string, e: unknown): StorageError => {
  if (e instanceof StorageError) return e
  const code = field(e, "code")
  const message = String(field(e, "message") ?? e)
  let reason: Reason = "Unknown"
  if (typeof code === "string" && integrityCodes.has(code)) reason = "IntegrityMismatch"
  else if (typeof code === "string" && transientCodes.has(code)) reason = "Transient"
  else {
    const status = httpStatusOf(e)
    if (status !== undefined) reason = reasonOfStatus(status, message)
    else if (/socket hang up|premature close|aborted|network|ECONNRESET/i.test(message)) reason = "Transient"
  }
  return new StorageError({ reason, uri, detail: message.slice(0, 500), cause: e })
}
