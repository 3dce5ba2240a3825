/**
 * Just enough of the zip format to read a single-entry archive (Bybit's history
 * downloads): the central directory names the entry, node:zlib inflates it, and the
 * CRC-32 is checked so a damaged download fails loudly.
 */
import { crc32, inflateRawSync } from "node:zlib"

/** One file in an archive. */
export interface ZipEntry {
  readonly name: string
  readonly data: Uint8Array
}

const EOCD = 0x06054b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50

/** Every entry of the archive, or an error text naming what is wrong. */
export const readZip = (bytes: Uint8Array): ReadonlyArray<ZipEntry> | string => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let eocd = -1
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i
      break
    }
  }
  if (eocd < 0) return "not a zip archive (no end-of-central-directory record)"
  const count = view.getUint16(eocd + 10, true)
  let p = view.getUint32(eocd + 16, true)
  const entries: Array<ZipEntry> = []
  const decoder = new TextDecoder()
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL) return "damaged central directory"
    const method = view.getUint16(p + 10, true)
    const crc = view.getUint32(p + 16, true)
    const compressed = view.getUint32(p + 20, true)
    const size = view.getUint32(p + 24, true)
    const nameLength = view.getUint16(p + 28, true)
    const extraLength = view.getUint16(p + 30, true)
    const commentLength = view.getUint16(p + 32, true)
    const local = view.getUint32(p + 42, true)
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLength))
    p += 46 + nameLength + extraLength + commentLength
    if (compressed === 0xffffffff || size === 0xffffffff) return `${name}: zip64 entries are not supported`
    if (view.getUint32(local, true) !== LOCAL) return `${name}: damaged local header`
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true)
    const raw = bytes.subarray(start, start + compressed)
    let data: Uint8Array
    if (method === 0) data = raw
    else if (method === 8) {
      try {
        data = inflateRawSync(raw)
      } catch (e) {
        return `${name}: cannot inflate (${e instanceof Error ? e.message : String(e)})`
      }
    } else return `${name}: compression method ${method} is not supported`
    if (data.length !== size) return `${name}: inflated to ${data.length} bytes, the directory says ${size}`
    if (crc32(data) >>> 0 !== crc) return `${name}: CRC-32 mismatch (damaged archive)`
    entries.push({ name, data })
  }
  return entries
}
