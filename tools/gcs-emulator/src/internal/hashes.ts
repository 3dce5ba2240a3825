import { CRC32C } from "@google-cloud/storage"
import { createHash } from "node:crypto"

/** Base64 of the big-endian CRC32C, the form GCS puts in `crc32c` and `x-goog-hash`. */
export const crc32cBase64 = (data: Uint8Array): string => {
  const crc = new CRC32C()
  crc.update(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
  return crc.toString()
}

/** Base64 of the MD5 digest, the form GCS puts in `md5Hash` and `x-goog-hash`. */
export const md5Base64 = (data: Uint8Array): string => createHash("md5").update(data).digest("base64")

/** Parses an `x-goog-hash` header (`crc32c=...,md5=...`) into its parts. */
export const parseGoogHash = (header: string | undefined): { crc32c?: string; md5?: string } => {
  const out: { crc32c?: string; md5?: string } = {}
  if (header === undefined) return out
  for (const pair of header.split(",")) {
    const i = pair.indexOf("=")
    if (i < 0) continue
    const key = pair.slice(0, i).trim().toLowerCase()
    const value = pair.slice(i + 1).trim()
    if (key === "crc32c") out.crc32c = value
    else if (key === "md5") out.md5 = value
  }
  return out
}
