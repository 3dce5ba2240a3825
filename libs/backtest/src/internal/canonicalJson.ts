import { createHash } from "node:crypto"

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace: one text per
 * value, whatever order its keys were written in. Used for config hashes.
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== "object") {
    const s = JSON.stringify(value)
    if (s === undefined) throw new TypeError(`cannot hash ${typeof value}`)
    return s
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`
}

/** SHA-256 of UTF-8 text, lower-case hex. */
export const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex")
