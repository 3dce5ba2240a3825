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
  // The id a `NumberedOperationIds` made last is answered from its memo: one comparison (the
  // same string object, passed on in the request, compares by identity). Checked here rather
  // than in a small function of its own that TurboFan would inline into the OMS's
  // `checkCreate`: that took the budget `checkCreate` spent inlining other calls
  // (`OrderStatus.isTerminal` was called instead, +41 per order, more than the call saved).
  const made = lastMade
  if (made[0] === operationId) return made[1] as ClientOrderId
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

/**
 * Operation ids `<prefix><n>` for n = 1, 2, 3, ... (the backtest's trade-driven strategy's),
 * each with its client order id derived as it is made and remembered: the next
 * `clientOrderIdFor` of the id answers it without hashing again (the OMS asks for it when it
 * records the order).
 *
 * The ids of a hundred (n's last two digits 00-99; 1-9 and 10-99 at the start) are laid out
 * as bytes and decoded into one flat string at once, and each id is a substring of it (a
 * slice, see `hundred`): per id a substring (~40 instructions) where `String.fromCharCode` of
 * its char codes cost ~430 (~13 per character, 57 per call, and a switch over lengths).
 * `Array.prototype.join` per id cost ~900, one join of a hundred's suffixes with the prefix
 * ~300 per id, and a concatenation of 13 or more characters is a rope, copied flat again the
 * first time it is hashed. The id's char codes are still kept (the prefix, then n's decimal
 * digits, incremented in place) for the hash. A prefix with non-ASCII code units makes each
 * id on its own; ids longer than 32 characters are joined, and hashed by `clientOrderIdFor`.
 *
 * Derived from the codes, not the string: MurmurHash3 reading a small-integer array costs a
 * few instructions per code unit where `charCodeAt` cost ~20, and the hash's state after each
 * 16-byte block is kept, so only the blocks from the first changed code are mixed again (for
 * `trade-driven-<n>` the tail alone, 99 ids in 100). (The simulated venue's ids are
 * concatenations instead, for their own reasons: libs/adapters/sim, `IdSequence`.)
 */
export class NumberedOperationIds {
  /** The current id's char codes: the prefix's, then n's decimal digits. */
  private readonly codes: Array<number>
  private readonly prefixLength: number
  private length: number
  private n = 0
  /**
   * MurmurHash3's four lanes before the first 16-byte block and after each of an id's (up to
   * 32 codes: four blocks; at 4k the state after k blocks), in an array of doubles (int32 values past a small integer's range stored
   * unboxed). Those after the blocks that end at or before code `valid` are the current
   * codes'.
   */
  private readonly states: Array<number>
  private valid = 0
  /** Whether the prefix has a code unit past ASCII (its ids are made one by one). */
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
  private readonly opBytes = new Uint8Array(100 * 32)

  constructor(private readonly prefix: string) {
    const codes: Array<number> = []
    for (let i = 0; i < prefix.length; i++) codes.push(prefix.charCodeAt(i))
    codes.push(48)
    this.codes = codes
    this.prefixLength = prefix.length
    let wide = false
    for (let i = 0; i < prefix.length; i++) if (prefix.charCodeAt(i) > 127) wide = true
    this.wide = wide
    this.length = codes.length
    const states: Array<number> = []
    // A double first, so the array holds doubles from the start.
    states.push(0.5)
    for (let i = 1; i < 20; i++) states.push(0)
    states[0] = 0
    this.states = states
  }

  /** The next id: the prefix and the next n (from 1) in decimal. */
  next(): string {
    const n = ++this.n
    const c = this.codes
    const p = this.prefixLength
    // n's digits plus one, carried from the last; `i` ends at the first code that changed.
    let i = this.length - 1
    while (i >= p && c[i] === 57) c[i--] = 48
    if (i >= p) c[i]!++
    else {
      // 9...9 + 1: one digit more, 1 then zeros.
      c[p] = 49
      c.push(48)
      this.length++
      i = p
    }
    const length = this.length
    if (length > 32) return [this.prefix, n].join("")
    if (i < this.valid) this.valid = i
    // The rest in a function too large for TurboFan to inline: `next` stays small inside the
    // strategy's `onTrade`, whose inlining budget the engine's submit chain needs.
    return this.make(length)
  }

  /**
   * The id of the first `n` codes, its client order id derived (`clientOrderIdFor`'s
   * computation, read from the codes) and remembered.
   *
   * The mixing, finalisation and base32 digits are `clientOrderIdFor`'s written out again, not
   * shared: a shared part would take the digest as arguments (int32 values past a small
   * integer's range, boxed as heap numbers at a call that is not inlined, and one this size is
   * not) or through a typed array (~100 instructions per id, session 16). The tests hold both
   * to the C reference's digest for every id they make.
   */
  private make(n: number): string {
    const c = this.codes
    let id: string
    if (this.opLeft !== 0) {
      const a = this.opAt
      this.opAt = a + n
      this.opLeft--
      id = this.opText.substring(a, a + n)
    } else id = this.hundred(n)
    const st = this.states
    // The blocks that end at or before code `valid` are unchanged: start after the last of them.
    const from = this.valid - (this.valid & 7)
    const s0 = from >> 1
    let h1 = st[s0]! | 0
    let h2 = st[s0 + 1]! | 0
    let h3 = st[s0 + 2]! | 0
    let h4 = st[s0 + 3]! | 0
    let k1: number
    let k2: number
    let k3: number
    let k4: number
    // The 16-byte blocks from the first whose codes changed; the state after each is kept.
    const blocks = n - (n & 7)
    for (let i = from; i < blocks; i += 8) {
      k1 = c[i]! | (c[i + 1]! << 16)
      k2 = c[i + 2]! | (c[i + 3]! << 16)
      k3 = c[i + 4]! | (c[i + 5]! << 16)
      k4 = c[i + 6]! | (c[i + 7]! << 16)

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
      const at = (i >> 1) + 4
      st[at] = h1
      st[at + 1] = h2
      st[at + 2] = h3
      st[at + 3] = h4
    }
    this.valid = blocks
    // The tail: 0-7 code units (an even number of bytes), each lane mixed if it has any.
    const r = n & 7
    if (r > 0) {
      k1 = c[blocks]! | (r > 1 ? c[blocks + 1]! << 16 : 0)
      k1 = Math.imul(k1, 0x239b961b)
      h1 ^= Math.imul((k1 << 15) | (k1 >>> 17), 0xab0e9789)
      if (r > 2) {
        k2 = c[blocks + 2]! | (r > 3 ? c[blocks + 3]! << 16 : 0)
        k2 = Math.imul(k2, 0xab0e9789)
        h2 ^= Math.imul((k2 << 16) | (k2 >>> 16), 0x38b34ae5)
      }
      if (r > 4) {
        k3 = c[blocks + 4]! | (r > 5 ? c[blocks + 5]! << 16 : 0)
        k3 = Math.imul(k3, 0x38b34ae5)
        h3 ^= Math.imul((k3 << 17) | (k3 >>> 15), 0xa1e38b93)
      }
      if (r > 6) {
        k4 = c[blocks + 6]!
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
    const clientOrderId = fromCharCode(
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
    )
    // Into a young array renewed every 64 ids: stored into a long-lived one (or a module
    // variable), each new id, a young string, takes V8's write barrier slow path (~50).
    if (++madeSince >= 64) {
      madeSince = 0
      lastMade = [id, clientOrderId]
    } else {
      const made = lastMade
      made[0] = id
      made[1] = clientOrderId
    }
    return id
  }

  /**
   * The ids from the current n (1, 10 or a multiple of 100) to the end of its hundred (9, 90
   * or 100 ids of `n` characters), laid out one after the other as bytes and decoded into one
   * flat string at once; each id is a substring of it (V8 makes a substring of 13 or more
   * characters a slice: a small object pointing into the string, read directly like a flat
   * one, no copy). The bytes are laid out again only when the ids' length changes; for each
   * hundred after, only n's digits before its last two that changed are written (in every id).
   * Returns the first id.
   */
  private hundred(n: number): string {
    const c = this.codes
    if (this.wide === true) return fromCharCode(...c)
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
    const text = ascii.decode(b.subarray(0, count * n))
    this.opText = text
    this.opAt = n
    this.opLeft = count - 1
    return text.substring(0, n)
  }
}

/** The id a `NumberedOperationIds` made last and its client order id (none yet: undefined, which no id equals). */
let lastMade: Array<string | undefined> = [undefined, undefined]
/** Ids made since `lastMade` was renewed. */
let madeSince = 0

/** A hundred's ids are ASCII bytes: UTF-8 decodes them to a one-byte string, as Latin-1 would. */
const ascii = new TextDecoder()

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
