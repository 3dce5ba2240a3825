import { CRC32C } from "@google-cloud/storage"
import { createHash, type Hash } from "node:crypto"

const asBuffer = (chunk: Uint8Array): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)

/** Running CRC32C (the client's own implementation) and MD5 over a stream of chunks. */
export class Hasher {
  private readonly crc = new CRC32C()
  private readonly md5: Hash = createHash("md5")
  size = 0

  update(chunk: Uint8Array): void {
    const b = asBuffer(chunk)
    this.crc.update(b)
    this.md5.update(b)
    this.size += b.length
  }

  /** Base64 CRC32C (big-endian) and base64 MD5, the forms GCS reports. Call once. */
  digest(): { readonly crc32c: string; readonly md5: string; readonly size: number } {
    return { crc32c: this.crc.toString(), md5: this.md5.digest("base64"), size: this.size }
  }
}

/** A plain Uint8Array view of a Buffer (no copy), so callers never depend on Buffer. */
export const toUint8Array = (chunk: Uint8Array | string): Uint8Array =>
  typeof chunk === "string"
    ? new TextEncoder().encode(chunk)
    : chunk.constructor === Uint8Array
      ? chunk
      : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
