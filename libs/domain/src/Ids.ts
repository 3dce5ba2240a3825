/**
 * Identifier types. Each is a branded string schema, so an operation id can never be
 * passed where a venue order id is expected; `X.make(s)` validates, `Schema.decodeUnknown(X)`
 * decodes at a boundary.
 */
import * as Schema from "effect/Schema"

/** Printable ASCII without spaces: ids end up in URLs, logs, SQL and venue requests. */
const printable = /^[\x21-\x7E]+$/

/** The caller's id for one order request; unique per order, the key of idempotency. */
export const OperationId = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(256),
  Schema.pattern(printable, { message: () => "an operation id is printable ASCII without spaces" }),
  Schema.brand("OperationId"),
  Schema.annotations({ identifier: "OperationId" })
)
/** The caller's id for one order request. */
export type OperationId = typeof OperationId.Type

/**
 * The id we give a venue for an order. Ours are `clientOrderIdFor(operationId)`; the
 * schema also admits ids of external orders found during reconciliation, so it is the
 * union of venue alphabets (Binance: `[.A-Z:/a-z0-9_-]`), up to Deribit's 64 characters.
 */
export const ClientOrderId = Schema.String.pipe(
  Schema.pattern(/^[.A-Za-z0-9:/_-]{1,64}$/, {
    message: () => "a client order id is 1-64 characters of letters, digits and . : / _ -"
  }),
  Schema.brand("ClientOrderId"),
  Schema.annotations({ identifier: "ClientOrderId" })
)
/** The id we give a venue for an order. */
export type ClientOrderId = typeof ClientOrderId.Type

/** The id a venue assigns to an order (IB's integer ids are kept as their decimal string). */
export const VenueOrderId = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(128),
  Schema.pattern(printable),
  Schema.brand("VenueOrderId"),
  Schema.annotations({ identifier: "VenueOrderId" })
)
/** The id a venue assigns to an order. */
export type VenueOrderId = typeof VenueOrderId.Type

/** The strategy (or account partition) an order belongs to. */
export const StrategyId = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(128),
  Schema.pattern(printable),
  Schema.brand("StrategyId"),
  Schema.annotations({ identifier: "StrategyId" })
)
/** The strategy an order belongs to. */
export type StrategyId = typeof StrategyId.Type

/** A venue's id for one execution (trade); with the venue, it de-duplicates fills. */
export const TradeId = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(128),
  Schema.pattern(printable),
  Schema.brand("TradeId"),
  Schema.annotations({ identifier: "TradeId" })
)
/** A venue's id for one execution. */
export type TradeId = typeof TradeId.Type

/** A venue code as in canonical instrument ids: upper-case words joined by "-" or "_", e.g. "BINANCE-SPOT". */
export const Venue = Schema.String.pipe(
  Schema.pattern(/^[A-Z0-9]+(?:[-_][A-Z0-9]+)*$/, {
    message: () => 'a venue code is upper-case letters and digits joined by "-" or "_", like "BINANCE-SPOT"'
  }),
  Schema.maxLength(32),
  Schema.brand("Venue"),
  Schema.annotations({ identifier: "Venue" })
)
/** A venue code. */
export type Venue = typeof Venue.Type

/** Prefix of every client order id we derive, so our orders are recognisable on a venue. */
export const CLIENT_ORDER_ID_PREFIX = "od"

/**
 * Length of a derived client order id: "od" + 26 base32 digits of a 128-bit hash. Within
 * OKX's clOrdId limit (1-32 alphanumerics), the tightest of the venues.
 */
export const CLIENT_ORDER_ID_LENGTH = 28

/**
 * The client order id of an operation: "od" + the 128-bit MurmurHash3 (x86_128, seed 0) of
 * the operation id's UTF-16LE code units, in base32 (RFC 4648 alphabet, lower case, no
 * padding: 26 digits, the last carrying 3 bits). Deterministic, so a retry or a restart
 * sends the same id and the venue refuses a duplicate; 28 lower-case alphanumerics, so it
 * fits OKX (1-32 alphanumeric), Binance and Bybit (<= 36), Deribit labels (<= 64) and IB
 * order refs alike.
 *
 * Not a cryptographic hash: ~0.2 us in plain JavaScript where SHA-256 through node:crypto
 * cost ~1.3 us per order. For n distinct operation ids the chance of any collision is about
 * n^2 / 2^129 (1e9 ids: ~1.5e-21), negligible for ids our own strategies choose; ids crafted
 * to collide are possible, which is why the OMS still refuses a client order id it already
 * holds (`ClientOrderIdCollision`).
 */
export const clientOrderIdFor = (operationId: string): ClientOrderId => {
  // MurmurHash3_x86_128 (Austin Appleby's public-domain design), seed 0, over the UTF-16LE
  // bytes of the id, read two code units per 32-bit word, on 32-bit lanes with Math.imul (no
  // allocation, no bigint). Written here rather than in a function of its own, so the digest
  // stays in four locals: handed over through a typed array, its four stores and loads cost
  // ~100 instructions per id. The multipliers are literals and the rotations written out:
  // bundlers (esbuild) turn top-level consts into vars, which V8 neither folds nor types, so
  // each use of a named constant loaded it and converted it through a double, and each call
  // of a `rotl` helper re-checked its target.
  const s = operationId
  const n = s.length
  let h1 = 0
  let h2 = 0
  let h3 = 0
  let h4 = 0
  let k1: number
  let k2: number
  let k3: number
  let k4: number
  // 16-byte blocks: eight code units each.
  const blocks = n - (n & 7)
  for (let i = 0; i < blocks; i += 8) {
    k1 = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)
    k2 = s.charCodeAt(i + 2) | (s.charCodeAt(i + 3) << 16)
    k3 = s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 16)
    k4 = s.charCodeAt(i + 6) | (s.charCodeAt(i + 7) << 16)

    k1 = Math.imul(k1, 0x239b961b)
    h1 ^= Math.imul((k1 << 15) | (k1 >>> 17), 0xab0e9789)
    h1 = (Math.imul(((h1 << 19) | (h1 >>> 13)) + h2, 5) + 0x561ccd1b) | 0
    k2 = Math.imul(k2, 0xab0e9789)
    h2 ^= Math.imul((k2 << 16) | (k2 >>> 16), 0x38b34ae5)
    h2 = (Math.imul(((h2 << 17) | (h2 >>> 15)) + h3, 5) + 0x0bcaa747) | 0
    k3 = Math.imul(k3, 0x38b34ae5)
    h3 ^= Math.imul((k3 << 17) | (k3 >>> 15), 0xa1e38b93)
    h3 = (Math.imul(((h3 << 15) | (h3 >>> 17)) + h4, 5) + 0x96cd1c35) | 0
    k4 = Math.imul(k4, 0xa1e38b93)
    h4 ^= Math.imul((k4 << 18) | (k4 >>> 14), 0x239b961b)
    h4 = (Math.imul(((h4 << 13) | (h4 >>> 19)) + h1, 5) + 0x32ac3b17) | 0
  }
  // The tail: 0-7 code units (an even number of bytes), each lane mixed if it has any.
  const r = n & 7
  if (r > 0) {
    k1 = s.charCodeAt(blocks) | (r > 1 ? s.charCodeAt(blocks + 1) << 16 : 0)
    k1 = Math.imul(k1, 0x239b961b)
    h1 ^= Math.imul((k1 << 15) | (k1 >>> 17), 0xab0e9789)
    if (r > 2) {
      k2 = s.charCodeAt(blocks + 2) | (r > 3 ? s.charCodeAt(blocks + 3) << 16 : 0)
      k2 = Math.imul(k2, 0xab0e9789)
      h2 ^= Math.imul((k2 << 16) | (k2 >>> 16), 0x38b34ae5)
    }
    if (r > 4) {
      k3 = s.charCodeAt(blocks + 4) | (r > 5 ? s.charCodeAt(blocks + 5) << 16 : 0)
      k3 = Math.imul(k3, 0x38b34ae5)
      h3 ^= Math.imul((k3 << 17) | (k3 >>> 15), 0xa1e38b93)
    }
    if (r > 6) {
      k4 = s.charCodeAt(blocks + 6)
      k4 = Math.imul(k4, 0xa1e38b93)
      h4 ^= Math.imul((k4 << 18) | (k4 >>> 14), 0x239b961b)
    }
  }
  const len = n * 2
  h1 ^= len
  h2 ^= len
  h3 ^= len
  h4 ^= len
  h1 = (h1 + h2 + h3 + h4) | 0
  h2 = (h2 + h1) | 0
  h3 = (h3 + h1) | 0
  h4 = (h4 + h1) | 0
  h1 = fmix(h1)
  h2 = fmix(h2)
  h3 = fmix(h3)
  h4 = fmix(h4)
  h1 = (h1 + h2 + h3 + h4) | 0
  h2 = (h2 + h1) | 0
  h3 = (h3 + h1) | 0
  h4 = (h4 + h1) | 0
  // The digest as one big-endian bit string (h1..h4 each little-endian, as MurmurHash3
  // writes them), cut into 5-bit digits (unrolled); the 26th has 3 bits and two zero bits.
  const w0 = bswap(h1)
  const w1 = bswap(h2)
  const w2 = bswap(h3)
  const w3 = bswap(h4)
  const B = BASE32_CODES
  // One flat string from char codes, passed as arguments (no array, no apply): concatenation
  // would build a rope that is flattened (copied again) the first time the id keys a Map.
  return fromCharCode(
    P0,
    P1,
    B[(w0 >>> 27) & 31]!,
    B[(w0 >>> 22) & 31]!,
    B[(w0 >>> 17) & 31]!,
    B[(w0 >>> 12) & 31]!,
    B[(w0 >>> 7) & 31]!,
    B[(w0 >>> 2) & 31]!,
    B[((w0 << 3) & 31) | (w1 >>> 29)]!,
    B[(w1 >>> 24) & 31]!,
    B[(w1 >>> 19) & 31]!,
    B[(w1 >>> 14) & 31]!,
    B[(w1 >>> 9) & 31]!,
    B[(w1 >>> 4) & 31]!,
    B[((w1 << 1) & 31) | (w2 >>> 31)]!,
    B[(w2 >>> 26) & 31]!,
    B[(w2 >>> 21) & 31]!,
    B[(w2 >>> 16) & 31]!,
    B[(w2 >>> 11) & 31]!,
    B[(w2 >>> 6) & 31]!,
    B[(w2 >>> 1) & 31]!,
    B[((w2 << 4) & 31) | (w3 >>> 28)]!,
    B[(w3 >>> 23) & 31]!,
    B[(w3 >>> 18) & 31]!,
    B[(w3 >>> 13) & 31]!,
    B[(w3 >>> 8) & 31]!,
    B[(w3 >>> 3) & 31]!,
    B[(w3 << 2) & 31]!
  ) as ClientOrderId
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
const BASE32_CODES: ReadonlyArray<number> = Array.from(BASE32, (c) => c.charCodeAt(0))
/** The prefix's two char codes ("od"). */
const P0 = CLIENT_ORDER_ID_PREFIX.charCodeAt(0)
const P1 = CLIENT_ORDER_ID_PREFIX.charCodeAt(1)
const fromCharCode = String.fromCharCode

const fmix = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** Big-endian view of a little-endian 32-bit word (the digest's byte order). */
const bswap = (x: number): number => ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)
