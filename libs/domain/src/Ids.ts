/**
 * Identifier types. Each is a branded string schema, so an operation id can never be
 * passed where a venue order id is expected; `X.make(s)` validates, `Schema.decodeUnknown(X)`
 * decodes at a boundary.
 */
import { Buffer } from "node:buffer"
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
  // The id a `NumberedOperationIds` made last is answered from its memo: one comparison (the
  // same string object, passed on in the request, compares by identity). Checked here rather
  // than in a small function of its own that TurboFan would inline into the OMS's
  // `checkCreate`: that took the budget `checkCreate` spent inlining other calls
  // (`OrderStatus.isTerminal` was called instead, +41 per order, more than the call saved).
  const made = lastMade
  if (made.id === operationId) return made.clientOrderId as ClientOrderId
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
/**
 * Two base32 digits (10 bits) as the two bytes of their characters, the first in the low byte:
 * stored in a 32-bit word of a little-endian typed array, the first character comes first.
 */
const PAIRS: ReadonlyArray<number> = Array.from({ length: 1024 }, (_, i) => BASE32_CODES[i >> 5]! | (BASE32_CODES[i & 31]! << 8))
/** Whether typed arrays store the low byte of a word first (x86, ARM). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1
/** "od" as the low two bytes of a word (see PAIRS). */
const OD = P0 | (P1 << 8)

/**
 * Operation ids `<prefix><n>` for n = 1, 2, 3, ... (the backtest's trade-driven strategy's),
 * each with its client order id derived as it is made and remembered: the next
 * `clientOrderIdFor` of the id answers it without hashing again (the OMS asks for it when it
 * records the order).
 *
 * The ids of a hundred (n's last two digits 00-99; 1-9 and 10-99 at the start) and their
 * client order ids are made at once, when the hundred's first id is asked for: laid out as
 * bytes and decoded into flat strings, each id and client order id a substring of them (a
 * slice, see `hundred`). Per id two substrings (~40 instructions each) and the digest written
 * as seven 32-bit words (`digests`), where `String.fromCharCode` cost ~430 per id (~13 per
 * character, 57 per call, and a switch over lengths) and the client order id's 28 char codes
 * passed to it another ~420. `Array.prototype.join` per id cost ~900, one join of a hundred's
 * suffixes with the prefix ~300 per id, and a concatenation of 13 or more characters is a
 * rope, copied flat again the first time it is hashed. A prefix with non-ASCII code units (or
 * a big-endian platform) makes each id on its own, hashed by `clientOrderIdFor`; ids longer
 * than 32 characters are joined, and hashed by `clientOrderIdFor` when asked for.
 *
 * Derived from the codes, not the string: MurmurHash3 reading a small-integer array costs a
 * few instructions per code unit where `charCodeAt` cost ~20, and the hash's state after the
 * 16-byte blocks before n's last two digits is computed once per hundred, so per id only the
 * block holding them (if any) and the tail are mixed (for `trade-driven-<n>` the tail alone,
 * unless n has 3 or 4 digits). (The simulated venue's ids are concatenations instead, for their
 * own reasons: libs/adapters/sim, `IdSequence`.)
 */
export class NumberedOperationIds {
  /** `PAIRS` as 32-bit words, read by `digests` through the class (see there). */
  private static readonly PAIRS = Int32Array.from(PAIRS)
  /**
   * The client order ids of a hundred before decoding (`digests`), written as 32-bit words (seven
   * per id; 1,030 so that an index below 1,024 plus 6 is within it), and their bytes. One for all
   * instances: `digests` fills it and decodes it before it returns.
   */
  private static readonly WORDS = new Int32Array(1030)
  private static readonly WORD_BYTES = Buffer.from(NumberedOperationIds.WORDS.buffer)
  /**
   * The char codes of the current hundred's first id (of the last id, for a wide prefix): the
   * prefix's, then n's decimal digits.
   */
  private readonly codes: Array<number>
  private readonly prefixLength: number
  private n = 0
  /**
   * Whether its ids are made one by one: the prefix has a code unit past ASCII, or the
   * platform is big-endian (`digests` writes its words for a little-endian one).
   */
  private readonly wide: boolean
  /**
   * The ids of the current hundred (see `hundred`) in one flat string, where the next starts
   * (`opAt`) and how many are left (`opLeft`); the hundred's bytes before decoding, and the id
   * length they were laid out for.
   */
  private opText = ""
  private opAt = 0
  private opLeft = 0
  private opLength = 0
  private readonly opBytes = Buffer.alloc(100 * 32)
  /**
   * The client order ids of the current hundred in one flat string (28 characters each) and
   * where the next starts; their bytes before decoding, written as 32-bit words (seven per id).
   */
  private coText = ""
  /** The next client order id's index in the hundred (it starts at `coAt * 28` in `coText`). */
  private coAt = 0
  /** The hundred's client order ids' characters 2-5 (see `clientOrderIdHead`), by index. */
  private readonly heads = new Int32Array(100)
  /** An id's codes with a hundred's varying digits written in (`digests`). */
  private readonly scratch: Array<number>

  constructor(private readonly prefix: string) {
    const codes: Array<number> = []
    for (let i = 0; i < prefix.length; i++) codes.push(prefix.charCodeAt(i))
    this.codes = codes
    this.prefixLength = prefix.length
    let wide = false
    for (let i = 0; i < prefix.length; i++) if (prefix.charCodeAt(i) > 127) wide = true
    this.wide = wide || !LITTLE_ENDIAN
    const scratch: Array<number> = []
    for (let i = 0; i < 32; i++) scratch.push(0)
    this.scratch = scratch
  }

  /**
   * The next id: the prefix and the next n (from 1) in decimal. Within a hundred, the next
   * slices of the hundred's ids and client order ids, remembered; the rest in `start`, called
   * once a hundred ids (TurboFan does not inline a call that rare): `next` is inlined into the
   * strategy's `onTrade`, whose inlining budget the engine's submit chain needs.
   */
  next(): string {
    const n = ++this.n
    if (this.opLeft === 0) return this.start(n)
    this.opLeft--
    const a = this.opAt
    const e = a + this.opLength
    this.opAt = e
    const id = this.opText.substring(a, e)
    const k = this.coAt++
    const b = k * 28
    rememberHead(id, this.coText.substring(b, b + 28), this.heads[k]!)
    return id
  }

  /**
   * The id `n` when no id of the current hundred is left: the first of the next hundred (made
   * with the rest of it, `hundred`), an id made on its own for a wide prefix, or past 32
   * characters one joined (and hashed by `clientOrderIdFor` when asked).
   */
  private start(n: number): string {
    const p = this.prefixLength
    let digits = 1
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++
    const length = p + digits
    if (length > 32) return [this.prefix, n].join("")
    const c = this.codes
    while (c.length < length) c.push(48)
    for (let i = length - 1, m = n; i >= p; i--, m = Math.floor(m / 10)) c[i] = 48 + (m % 10)
    let id: string
    let clientOrderId: string
    if (this.wide === true) {
      id = fromCharCode(...c)
      clientOrderId = clientOrderIdFor(id)
    } else {
      id = this.hundred(length)
      clientOrderId = this.coText.substring(0, 28)
    }
    // Without its characters 2-5 (one id a hundred: `clientOrderIdHead` answers -1): `start`
    // as it was, so TurboFan compiles it when it did. Called once a hundred ids, it is compiled
    // late (on session 22's branch just before the count's measured ticks); one more local and
    // load here moved that compile (~1,400 instructions per tick) into them.
    remember(id, clientOrderId)
    return id
  }

  /**
   * The ids from the current n (1, 10 or a multiple of 100) to the end of its hundred (9, 90
   * or 100 ids of `n` characters), laid out one after the other as bytes and decoded into one
   * flat string at once; each id is a substring of it (V8 makes a substring of 13 or more
   * characters a slice: a small object pointing into the string, read directly like a flat
   * one, no copy). The bytes are laid out again only when the ids' length changes; for each
   * hundred after, only n's digits before its last two that changed are written (in every id).
   * Their client order ids likewise (`digests`). Returns the first id.
   *
   * Decoded as Latin-1 by `Buffer` (a copy): ~0.5 instructions per byte and ~1,400 per call,
   * where `TextDecoder` (UTF-8, validated) cost ~1.4 per byte and ~2,100 per call; the bytes
   * are ASCII, so both give the same one-byte string.
   */
  private hundred(n: number): string {
    const c = this.codes
    const first = this.n
    const count = first < 10 ? 9 : first < 100 ? 90 : 100
    const b = this.opBytes
    const p = this.prefixLength
    if (n !== this.opLength) {
      this.opLength = n
      // The codes before the varying digits (one digit for 1-9, two after).
      const head = first < 10 ? n - 1 : n - 2
      for (let r = 0; r < count; r++) {
        const at = r * n
        for (let j = 0; j < head; j++) b[at + j] = c[j]!
        if (first < 10) b[at + n - 1] = 49 + r
        else {
          const last = first < 100 ? r + 10 : r
          b[at + n - 2] = 48 + Math.floor(last / 10)
          b[at + n - 1] = 48 + (last % 10)
        }
      }
    } else {
      for (let j = p; j < n - 2; j++) {
        const code = c[j]!
        if (b[j] !== code) for (let at = j; at < count * n; at += n) b[at] = code
      }
    }
    const text = b.toString("latin1", 0, count * n)
    this.opText = text
    this.opAt = n
    this.opLeft = count - 1
    this.digests(n, first, count)
    return text.substring(0, n)
  }

  /**
   * The client order ids of the hundred's `count` ids of `n` codes from `first` on
   * (`clientOrderIdFor`'s computation, read from the codes), decoded into `coText`.
   *
   * MurmurHash3's state after the 16-byte blocks before the varying digits is computed once;
   * per id only the block holding them (if any) and the tail are mixed. The 28 characters go
   * out as seven 32-bit words: "od" and 13 pairs of base32 digits (10 bits of the digest each,
   * through `PAIRS`, the pair's two bytes), ~18 instructions a word, where byte stores cost ~25
   * each (session 20) and `String.fromCharCode` of 28 char codes ~420 per id. `fmix` and
   * `bswap` are written out: as calls inlined, each checked its target (~11 per id). Session 22:
   * the byte swaps as rotations, the word index masked and every table index typed within its
   * table (no overflow checks), the tables read through the class: 413 -> 368 instructions per
   * id (each lookup and store keeps a bounds check against the table's loaded length: TurboFan
   * folds neither a class's static field nor a bundle `var` to a constant, so nothing here knows
   * a table's length).
   *
   * The mixing, finalisation and base32 digits are `clientOrderIdFor`'s written out again, not
   * shared: a shared part would take the digest as arguments (int32 values past a small
   * integer's range, boxed as heap numbers at a call that is not inlined, and one this size is
   * not) or through a typed array (~100 instructions per id, session 16). The tests hold both
   * to the C reference's digest for every id they make.
   */
  private digests(n: number, first: number, count: number): void {
    const t = this.scratch
    const c = this.codes
    for (let i = 0; i < n; i++) t[i] = c[i]!
    // The first code that varies within the hundred, and the blocks before it (unchanged).
    const vary = first < 10 ? n - 1 : n - 2
    const from = vary - (vary & 7)
    let s1 = 0
    let s2 = 0
    let s3 = 0
    let s4 = 0
    let k1: number
    let k2: number
    let k3: number
    let k4: number
    for (let i = 0; i < from; i += 8) {
      k1 = t[i]! | (t[i + 1]! << 16)
      k2 = t[i + 2]! | (t[i + 3]! << 16)
      k3 = t[i + 4]! | (t[i + 5]! << 16)
      k4 = t[i + 6]! | (t[i + 7]! << 16)

      k1 = Math.imul(k1, 0x239b961b)
      s1 ^= Math.imul((k1 << 15) | (k1 >>> 17), 0xab0e9789)
      s1 = (Math.imul(((s1 << 19) | (s1 >>> 13)) + s2, 5) + 0x561ccd1b) | 0
      k2 = Math.imul(k2, 0xab0e9789)
      s2 ^= Math.imul((k2 << 16) | (k2 >>> 16), 0x38b34ae5)
      s2 = (Math.imul(((s2 << 17) | (s2 >>> 15)) + s3, 5) + 0x0bcaa747) | 0
      k3 = Math.imul(k3, 0x38b34ae5)
      s3 ^= Math.imul((k3 << 17) | (k3 >>> 15), 0xa1e38b93)
      s3 = (Math.imul(((s3 << 15) | (s3 >>> 17)) + s4, 5) + 0x96cd1c35) | 0
      k4 = Math.imul(k4, 0xa1e38b93)
      s4 ^= Math.imul((k4 << 18) | (k4 >>> 14), 0x239b961b)
      s4 = (Math.imul(((s4 << 13) | (s4 >>> 19)) + s1, 5) + 0x32ac3b17) | 0
    }
    const blocks = n - (n & 7)
    const r = n & 7
    const len = n * 2
    // Both tables loaded once per call, through the class (a module-level table is a bundle
    // `var`, loaded from the module's context and checked wherever it is used).
    const B = NumberedOperationIds.PAIRS
    const u = NumberedOperationIds.WORDS
    const hd = this.heads
    let at = 0
    // The ids' varying digits: n's last (from 1 for 1-9, else 0), and the one before it (none
    // for 1-9: -1; from 1 for 10-99, else 0).
    let tens = first < 10 ? -1 : first < 100 ? 1 : 0
    let ones = first < 10 ? 1 : 0
    if (tens >= 0) t[n - 2] = 48 + tens
    for (let id = 0; id < count; id++) {
      t[n - 1] = 48 + ones
      let h1 = s1
      let h2 = s2
      let h3 = s3
      let h4 = s4
      for (let i = from; i < blocks; i += 8) {
        k1 = t[i]! | (t[i + 1]! << 16)
        k2 = t[i + 2]! | (t[i + 3]! << 16)
        k3 = t[i + 4]! | (t[i + 5]! << 16)
        k4 = t[i + 6]! | (t[i + 7]! << 16)

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
      if (r > 0) {
        k1 = t[blocks]! | (r > 1 ? t[blocks + 1]! << 16 : 0)
        k1 = Math.imul(k1, 0x239b961b)
        h1 ^= Math.imul((k1 << 15) | (k1 >>> 17), 0xab0e9789)
        if (r > 2) {
          k2 = t[blocks + 2]! | (r > 3 ? t[blocks + 3]! << 16 : 0)
          k2 = Math.imul(k2, 0xab0e9789)
          h2 ^= Math.imul((k2 << 16) | (k2 >>> 16), 0x38b34ae5)
        }
        if (r > 4) {
          k3 = t[blocks + 4]! | (r > 5 ? t[blocks + 5]! << 16 : 0)
          k3 = Math.imul(k3, 0x38b34ae5)
          h3 ^= Math.imul((k3 << 17) | (k3 >>> 15), 0xa1e38b93)
        }
        if (r > 6) {
          k4 = t[blocks + 6]!
          k4 = Math.imul(k4, 0xa1e38b93)
          h4 ^= Math.imul((k4 << 18) | (k4 >>> 14), 0x239b961b)
        }
      }
      h1 ^= len
      h2 ^= len
      h3 ^= len
      h4 ^= len
      h1 = (h1 + h2 + h3 + h4) | 0
      h2 = (h2 + h1) | 0
      h3 = (h3 + h1) | 0
      h4 = (h4 + h1) | 0
      h1 ^= h1 >>> 16
      h1 = Math.imul(h1, 0x85ebca6b)
      h1 ^= h1 >>> 13
      h1 = Math.imul(h1, 0xc2b2ae35)
      h1 ^= h1 >>> 16
      h2 ^= h2 >>> 16
      h2 = Math.imul(h2, 0x85ebca6b)
      h2 ^= h2 >>> 13
      h2 = Math.imul(h2, 0xc2b2ae35)
      h2 ^= h2 >>> 16
      h3 ^= h3 >>> 16
      h3 = Math.imul(h3, 0x85ebca6b)
      h3 ^= h3 >>> 13
      h3 = Math.imul(h3, 0xc2b2ae35)
      h3 ^= h3 >>> 16
      h4 ^= h4 >>> 16
      h4 = Math.imul(h4, 0x85ebca6b)
      h4 ^= h4 >>> 13
      h4 = Math.imul(h4, 0xc2b2ae35)
      h4 ^= h4 >>> 16
      h1 = (h1 + h2 + h3 + h4) | 0
      h2 = (h2 + h1) | 0
      h3 = (h3 + h1) | 0
      h4 = (h4 + h1) | 0
      // The digest as one big-endian bit string (h1..h4 each little-endian, as MurmurHash3
      // writes them) with two zero bits after it, cut into 13 pairs of 5-bit digits (10 bits).
      // The byte swap as two rotations (TurboFan compiles `(x << 8) | (x >>> 24)` to one `ror`)
      // and two masks, where four masked shifts cost ~15 instructions a word.
      const w0 = (((h1 << 8) | (h1 >>> 24)) & 0x00ff00ff) | (((h1 << 24) | (h1 >>> 8)) & 0xff00ff00)
      const w1 = (((h2 << 8) | (h2 >>> 24)) & 0x00ff00ff) | (((h2 << 24) | (h2 >>> 8)) & 0xff00ff00)
      const w2 = (((h3 << 8) | (h3 >>> 24)) & 0x00ff00ff) | (((h3 << 24) | (h3 >>> 8)) & 0xff00ff00)
      const w3 = (((h4 << 8) | (h4 >>> 24)) & 0x00ff00ff) | (((h4 << 24) | (h4 >>> 8)) & 0xff00ff00)
      // Every index is typed within its table: a shift or a mask of at most 10 bits, two disjoint
      // parts joined by `+` (the typer bounds a sum, not an `|`), `at` masked below 1,024 and the
      // word table 1,030 long; so no lookup or store has a bounds check, nor an overflow check.
      const p1 = B[w0 >>> 22]!
      const p2 = B[(w0 >>> 12) & 1023]!
      u[at] = OD | (p1 << 16)
      u[at + 1] = p2 | (B[(w0 >>> 2) & 1023]! << 16)
      // Characters 2-5, 7 bits each, for `clientOrderIdHead`.
      hd[id] = (p1 & 127) | ((p1 >>> 8) << 7) | ((p2 & 127) << 14) | ((p2 >>> 8) << 21)
      u[at + 2] = B[((w0 & 3) << 8) + (w1 >>> 24)]! | (B[(w1 >>> 14) & 1023]! << 16)
      u[at + 3] = B[(w1 >>> 4) & 1023]! | (B[((w1 & 15) << 6) + (w2 >>> 26)]! << 16)
      u[at + 4] = B[(w2 >>> 16) & 1023]! | (B[(w2 >>> 6) & 1023]! << 16)
      u[at + 5] = B[((w2 & 63) << 4) + (w3 >>> 28)]! | (B[(w3 >>> 18) & 1023]! << 16)
      u[at + 6] = B[(w3 >>> 8) & 1023]! | (B[(w3 & 255) << 2]! << 16)
      at = (at + 7) & 1023
      if (++ones === 10 && tens >= 0) {
        ones = 0
        t[n - 2] = 49 + tens++
      }
    }
    this.coText = NumberedOperationIds.WORD_BYTES.toString("latin1", 0, count * 28)
    this.coAt = 1
  }
}

/** The id a `NumberedOperationIds` made last and its client order id (none yet: undefined, which no id equals). */
/** The id made last and its client order id: two fields (an array's stores and loads each checked its length). */
class Made {
  constructor(
    public id: string | undefined,
    public clientOrderId: string | undefined,
    /** Its characters 2-5 (`clientOrderIdHead`), or -1. */
    public head: number
  ) {}
}
let lastMade = new Made(undefined, undefined, -1)
/** Ids made since `lastMade` was renewed. */
let madeSince = 0

/**
 * Remembers `id` as the id made last, with its client order id. Into a young array renewed
 * every 64 ids: stored into a long-lived one (or a module variable), each new id, a young
 * string, takes V8's write barrier slow path (~50).
 */
const remember = (id: string, clientOrderId: string): void => rememberHead(id, clientOrderId, -1)

/** `remember` with the client order id's characters 2-5 (`clientOrderIdHead`). */
const rememberHead = (id: string, clientOrderId: string, head: number): void => {
  if (++madeSince >= 64) {
    madeSince = 0
    lastMade = new Made(id, clientOrderId, head)
  } else {
    const made = lastMade
    made.id = id
    made.clientOrderId = clientOrderId
    made.head = head
  }
}

/**
 * Characters 2-5 of `clientOrderId` (the first four digits of its digest) as one number,
 * `c2 | (c3 << 7) | (c4 << 14) | (c5 << 21)` (base32 digits are ASCII: 7 bits each), when it is
 * the client order id a `NumberedOperationIds` made last, known without reading the string;
 * otherwise -1 (read them from the string). For a hash table of client order ids (the OMS's)
 * keyed by those characters: on a sliced string each `charCodeAt` costs ~20 instructions.
 */
export const clientOrderIdHead = (clientOrderId: string): number => {
  const made = lastMade
  return made.clientOrderId === clientOrderId ? made.head : -1
}

const fmix = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** Big-endian view of a little-endian 32-bit word (the digest's byte order). */
const bswap = (x: number): number => ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)
