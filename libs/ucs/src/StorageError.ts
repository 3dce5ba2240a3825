import * as Data from "effect/Data"

/**
 * Why a storage operation failed. Only `Transient` is retried (with backoff); the others
 * are final answers that a retry would only repeat.
 */
export type Reason =
  /** The object (or bucket) does not exist. */
  | "NotFound"
  /** Credentials are missing or do not allow the operation (HTTP 401/403, EACCES). */
  | "PermissionDenied"
  /** The URI is malformed, uses an unsupported scheme, or names no location this layer can reach. */
  | "InvalidUri"
  /** An argument other than the URI is out of range (e.g. a byte range with end < start). */
  | "InvalidArgument"
  /** Bytes did not match their CRC32C/MD5 (corrupted transfer or storage); nothing was kept. */
  | "IntegrityMismatch"
  /** Worth retrying: HTTP 408/429/5xx, connection resets, stalled transfers. */
  | "Transient"
  /** Anything else (bad request, precondition failed, local I/O error). */
  | "Unknown"

/** The one error of every storage operation: a reason, the URI it concerned, and the underlying cause. */
export class StorageError extends Data.TaggedError("StorageError")<{
  readonly reason: Reason
  readonly uri: string
  readonly detail?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.reason}: ${this.uri}${this.detail !== undefined ? ` (${this.detail})` : ""}`
  }
}

/** Whether the error is worth retrying. */
export const isTransient = (e: StorageError): boolean => e.reason === "Transient"
