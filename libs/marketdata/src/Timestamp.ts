/**
 * Event times are nanoseconds since the Unix epoch (UTC) as `bigint`.
 *
 * Why bigint: ns since 1970 is about 1.7e18, past 2^53, so a `number` cannot hold it
 * exactly. Columnar batches keep times in a `BigInt64Array` (what the Parquet INT64
 * column decodes to without a copy), and V8 compares values read from it without
 * allocating in the merge loop. Sources with coarser clocks (ms, µs) are scaled up
 * exactly.
 */

/** Nanoseconds per millisecond, microsecond and day. */
export const NS_PER_MS = 1_000_000n
/** Nanoseconds per microsecond. */
export const NS_PER_US = 1_000n
/** Nanoseconds per second. */
export const NS_PER_S = 1_000_000_000n
/** Nanoseconds per UTC day (no leap seconds in Unix time). */
export const NS_PER_DAY = 86_400n * NS_PER_S

/** Milliseconds (a safe integer, as venues send them) to ns. */
export const fromMillis = (ms: number): bigint => BigInt(ms) * NS_PER_MS

/** Microseconds (a safe integer) to ns. */
export const fromMicros = (us: number): bigint => BigInt(us) * NS_PER_US

/** ns to whole milliseconds, rounded towards negative infinity. */
export const toMillis = (ns: bigint): number => Number(floorDiv(ns, NS_PER_MS))

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}

/**
 * Decimal seconds as text ("1626993723.804855", as cryptofeed stamps its lines) to ns,
 * exactly; undefined when the text is not `digits[.digits]` or has more than 9 decimals.
 */
export const fromSecondsText = (text: string): bigint | undefined => {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text)
  if (m === null) return undefined
  const frac = (m[2] ?? "").padEnd(9, "0")
  return BigInt(m[1]!) * NS_PER_S + BigInt(frac)
}

/** ISO-8601 text with nanoseconds, e.g. `2024-08-08T23:54:16.298000000Z`. */
export const toIso = (ns: bigint): string => {
  const ms = floorDiv(ns, NS_PER_MS)
  const subMs = ns - ms * NS_PER_MS
  const base = new Date(Number(ms)).toISOString() // ...sss Z
  return `${base.slice(0, -1)}${subMs.toString().padStart(6, "0")}Z`
}

/**
 * Parses an instant: ISO-8601 (`2024-08-08`, `2024-08-08T23:55:00Z`, with up to 9
 * fractional digits) or an integer of ns. Undefined for anything else; a date-time
 * without a zone is refused rather than guessed.
 */
export const parse = (text: string): bigint | undefined => {
  if (/^-?\d+$/.test(text)) return BigInt(text)
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}))?$/.exec(text)
  if (m === null) return undefined
  const [, date, time, frac, zone] = m
  const ms = Date.parse(time === undefined ? `${date}T00:00:00Z` : `${date}T${time}${zone}`)
  if (Number.isNaN(ms)) return undefined
  return BigInt(ms) * NS_PER_MS + BigInt((frac ?? "").padEnd(9, "0"))
}

/** The UTC day of an instant as `YYYY-MM-DD` (the catalog's partition key). */
export const dayOf = (ns: bigint): string => new Date(Number(floorDiv(ns, NS_PER_DAY) * 86_400_000n)).toISOString().slice(0, 10)

/** The first ns of a UTC day given as `YYYY-MM-DD`. */
export const dayStart = (day: string): bigint => {
  const ms = Date.parse(`${day}T00:00:00Z`)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(ms)) throw new RangeError(`not a day: ${JSON.stringify(day)}`)
  return BigInt(ms) * NS_PER_MS
}

/** A time column as exact µs numbers plus the ns within each µs. */
export interface MicrosColumns {
  /** floor(ts / 1000): µs since the epoch, a safe integer until the year 2255. */
  readonly micros: Float64Array
  /** ts - micros * 1000, in [0, 999]. */
  readonly nanos: Uint16Array
}

/**
 * Splits ns times into exact µs numbers and their ns remainders without creating a
 * bigint per row (reads the 64-bit words as two 32-bit halves): consumers and the merge
 * compare plain numbers, which V8 does without allocating.
 */
export const splitMicros = (ts: BigInt64Array): MicrosColumns => {
  const n = ts.length
  const micros = new Float64Array(n)
  const nanos = new Uint16Array(n)
  const words = new Int32Array(ts.buffer, ts.byteOffset, n * 2)
  // ts = hi * 2^32 + lo, and 2^32 = 4294967 * 1000 + 296.
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i]! >>> 0
    const hi = words[2 * i + 1]!
    const t = hi * 296 + lo
    const q = Math.floor(t / 1000)
    micros[i] = hi * 4294967 + q
    nanos[i] = t - q * 1000
  }
  return { micros, nanos }
}
