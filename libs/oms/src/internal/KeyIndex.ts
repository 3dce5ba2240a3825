/**
 * The order manager's indexes by operation id and by (venue, venue order id): chained hash
 * tables of small integers only, as `ClientIndex` is for client order ids: bucket heads, and
 * per order handle its key's hash and the next handle in its bucket's chain.
 *
 * Why not a `Map`: every order brings a fresh operation id and a fresh venue order id, and a
 * `Map` hashes each over every character on first use (`String::ComputeAndSetRawHash`), walks
 * bucket chains of same-length keys with full string comparisons (`StringEqual`: the
 * backtest's ids share their `trade-driven-` prefix), and grows from empty after every
 * rebuild or generation (`OrderedHashTable::Rehash`). Here a key is hashed from its last
 * few characters and its length (sequential ids differ there), entries are compared by
 * hash first, and an evicted order's entry is unlinked at once from the hash kept by its
 * handle (no string read), so the table grows only with the orders held; it holds integers
 * only, so storing into it takes no write barrier however old it is.
 *
 * Chained, not open addressing (session 23): with linear probing, removal by backward shift
 * was ~110 instructions per table and eviction in the backtest (three tables; the manager's
 * `unindex` 470 a tick); unlinking from a chain of about one entry is a few loads and a
 * store, and an insertion links at its bucket's head. Backtest: 12,307 -> 12,093 a tick
 * (`evict` with `unindex` inlined 393 + 470 -> 520).
 *
 * Should keys not differ in their tails (ids of another making), a long chain switches the
 * table to hashing every key whole, for good.
 */
/** What the table indexes: a slot with its handle and its order's keys. */
export interface Keyed {
  readonly handle: number
  readonly record: {
    readonly order: { readonly operationId: string; readonly venue?: string | undefined; readonly venueOrderId?: string | undefined }
  }
}

/** Entries of the smallest table (a power of two). */
const MIN_CAPACITY = 1024

/** Chain entries past which `set` makes the table hash every key whole. */
const LONG_PROBE = 64

/**
 * Characters of a key's end that its hash reads (unless the table hashes whole): 3 in a table
 * of `MIN_CAPACITY` entries (at most 512 keys), 4 in one of up to `SHORT_CAPACITY`, 6 in a
 * larger one (the table rehashed from the keys as it grows past each). Sequential decimal ids
 * differ in their last 3 digits over 1,000 ids and in their last 4 over 10,000, more than
 * such a table holds; each character not read saves ~28 instructions (`charCodeAt`, more on
 * an id that is a slice of a longer string, and a multiply), two hashes per order.
 */
const TINY_TAIL = 3
const SHORT_TAIL = 4
const TAIL = 6
/** Entries of the largest table whose keys are hashed from `SHORT_TAIL` characters. */
const SHORT_CAPACITY = 4096
/** The characters a table of `capacity` entries hashes (see `TINY_TAIL`). */
export const tailFor = (capacity: number): number =>
  capacity <= MIN_CAPACITY ? TINY_TAIL : capacity <= SHORT_CAPACITY ? SHORT_TAIL : TAIL
/** The tail of a table hashing every key whole (longer than any key). */
export const WHOLE = 0x3fffffff

/** FNV-1a's steps over `key[from, n)`, from `h`. */
const steps = (key: string, from: number, n: number, h: number): number => {
  for (let i = from; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return h
}

/**
 * `steps(key, n - tail, n, h)` (every character of a shorter key), with the usual tail of 3
 * characters unrolled: the loop's control and interrupt check cost ~6 instructions a character.
 * (3 written as a literal: a bundler makes a module constant a `var`, read from the context.)
 */
const tailSteps = (key: string, n: number, tail: number, h: number): number => {
  if (tail !== 3 || n < 3) return steps(key, n <= tail ? 0 : n - tail, n, h)
  h = Math.imul(h ^ key.charCodeAt(n - 3), 0x01000193)
  h = Math.imul(h ^ key.charCodeAt(n - 2), 0x01000193)
  return Math.imul(h ^ key.charCodeAt(n - 1), 0x01000193)
}

/** Mixed to 30 non-negative bits. */
const mix = (h: number): number => {
  h = Math.imul(h ^ (h >>> 15), 0x9e3779b1)
  return (h ^ (h >>> 16)) & 0x3fffffff
}

/**
 * A key's hash from its length and last `tail` characters (every character of a shorter key).
 * The length starts it shifted past a character's 8 bits: started as the length itself, its
 * first step made `trade-driven-10` and `trade-driven-210` one hash (15 ^ "-" = 16 ^ "2").
 */
export const tailHash = (key: string, tail: number): number => {
  const n = key.length
  return mix(tailSteps(key, n, tail, n << 8))
}

/** A venue order id's hash (as `tailHash`'s) with its venue's (length and first character; every character when `tail` is `WHOLE`). */
export const venueHash = (venue: string, venueOrderId: string, tail: number): number =>
  tail === WHOLE ? wholeVenueHash(venue, venueOrderId) : tailVenueHash(venueWord(venue), venueOrderId, tail)

/** What a venue adds to `venueHash` (unless hashing whole): its length and first character. */
const venueWord = (venue: string): number => (venue.length << 16) | venue.charCodeAt(0)

/**
 * The venue `KeyIndex.hashVenue` hashed last and its `venueWord` (a function of the venue
 * alone, so one memo serves every table): an order's venue is mostly the last one's, so its
 * word is one identity test instead of a `charCodeAt` (~25 instructions). In the module, not
 * the table: a table's fields are its state (two managers holding the same orders compare equal).
 */
let lastVenue: string | undefined
let lastVenueWord = 0

/** `venueHash` of a table not hashing whole, from its venue's `venueWord`. */
const tailVenueHash = (word: number, venueOrderId: string, tail: number): number => {
  const n = venueOrderId.length
  const h = tailSteps(venueOrderId, n, tail, n << 8)
  return mix(Math.imul(h ^ word, 0x01000193))
}

/** `venueHash` of a table hashing whole keys (apart: the usual one stays small enough to inline). */
const wholeVenueHash = (venue: string, venueOrderId: string): number => {
  const n = venueOrderId.length
  return mix(steps(venue, 0, venue.length, steps(venueOrderId, 0, n, n)))
}

export class KeyIndex {
  /**
   * Bucket b's first entry: its slot's handle + 1 (0: an empty bucket); a key of hash h is in
   * bucket `h & mask`, its chain linked through `next`. Chained, not open addressing: an
   * evicted order's entry is unlinked from a chain of about one (the backtest holds ~260
   * keys in 1,024 buckets) where linear probing's backward shift cost ~110 instructions per
   * table and eviction, and an insertion links at the head without a probe loop.
   */
  private heads = new Int32Array(MIN_CAPACITY)
  private mask = MIN_CAPACITY - 1
  private live = 0
  /** The hash each handle is indexed under (-1: not indexed). */
  private hashes = new Int32Array(MIN_CAPACITY).fill(-1)
  /** The entry after each indexed handle's in its bucket's chain: handle + 1, 0 at the end. */
  private next = new Int32Array(MIN_CAPACITY)
  /** Characters of a key's end its hash reads: `tailFor` the bucket count, `WHOLE` after a long chain. */
  private tail = TINY_TAIL

  /** `byVenue`: keyed by (venue, venue order id); otherwise by operation id. */
  constructor(private readonly byVenue: boolean) {}

  /** How many keys the table holds. */
  get size(): number {
    return this.live
  }

  /** The hash `get` and `set` take for an operation id. */
  hash(key: string): number {
    return tailHash(key, this.tail)
  }

  /** The hash `get` and `set` take for a venue's order id (`venueHash`'s, the venue's word remembered). */
  hashVenue(venue: string, venueOrderId: string): number {
    const tail = this.tail
    if (tail === WHOLE) return wholeVenueHash(venue, venueOrderId)
    let word = lastVenueWord
    if (venue !== lastVenue) {
      word = venueWord(venue)
      lastVenue = venue
      lastVenueWord = word
    }
    return tailVenueHash(word, venueOrderId, tail)
  }

  /** Whether the slot with this handle is indexed. */
  has(handle: number): boolean {
    return handle < this.hashes.length && this.hashes[handle]! >= 0
  }

  private matches(s: Keyed, key: string, venue: string | undefined): boolean {
    const o = s.record.order
    return this.byVenue === true ? o.venueOrderId === key && o.venue === venue : o.operationId === key
  }

  /** The slot indexed under `key` (and `venue`, by venue), hashed `h`, found in `slots` by its handle; or undefined. */
  get<S extends Keyed>(key: string, venue: string | undefined, h: number, slots: ReadonlyArray<S | undefined>): S | undefined {
    const hashes = this.hashes
    const next = this.next
    let e = this.heads[h & this.mask]!
    while (e !== 0) {
      if (hashes[e - 1] === h) {
        const s = slots[e - 1]!
        if (this.matches(s, key, venue)) return s
      }
      e = next[e - 1]!
    }
    return undefined
  }

  /**
   * Indexes `slot` under `key` (and `venue`), hashed `h`, replacing the slot indexed there
   * (which is then not indexed); a slot indexed under another key leaves it first.
   */
  set<S extends Keyed>(slot: S, key: string, venue: string | undefined, h: number, slots: ReadonlyArray<S | undefined>): void {
    const handle = slot.handle
    const hashes = this.hashes
    // The usual case here (a handle not indexed, a short chain without an entry of the same
    // hash); the rest in `setAny`: small, so the manager's `add` inlines it.
    if (handle < hashes.length && hashes[handle]! < 0 && (this.live << 1) < this.mask) {
      const heads = this.heads
      const next = this.next
      const b = h & this.mask
      const first = heads[b]!
      let e = first
      for (let links = 0; links < 8; links++) {
        if (e === 0) {
          next[handle] = first
          heads[b] = handle + 1
          hashes[handle] = h
          this.live++
          return
        }
        if (hashes[e - 1] === h) break
        e = next[e - 1]!
      }
    }
    this.setAny(slot, key, venue, h, slots)
  }

  private growHashes(handle: number): void {
    let n = this.hashes.length
    while (n <= handle) n *= 2
    const hashes = new Int32Array(n).fill(-1)
    hashes.set(this.hashes)
    this.hashes = hashes
    const next = new Int32Array(n)
    next.set(this.next)
    this.next = next
  }

  /** `set` in every case. */
  private setAny<S extends Keyed>(slot: S, key: string, venue: string | undefined, h: number, slots: ReadonlyArray<S | undefined>): void {
    const handle = slot.handle
    if (handle >= this.hashes.length) this.growHashes(handle)
    else if (this.hashes[handle]! >= 0) this.remove(handle)
    if (2 * (this.live + 1) > this.mask + 1) {
      const tail = this.tail
      const capacity = 2 * (this.mask + 1)
      if (tail !== WHOLE) this.tail = tailFor(capacity)
      this.resize(capacity, tail !== this.tail, slots)
      // The key's hash too, as the table now hashes.
      if (tail !== this.tail) h = this.keyHash(key, venue)
    }
    const hashes = this.hashes
    const next = this.next
    let e = this.heads[h & this.mask]!
    let links = 0
    while (e !== 0) {
      if (hashes[e - 1] === h && this.matches(slots[e - 1]!, key, venue)) {
        // The slot indexed there leaves; this one takes its key.
        this.remove(e - 1)
        break
      }
      if (++links > LONG_PROBE && this.tail !== WHOLE) {
        this.tail = WHOLE
        this.resize(this.mask + 1, true, slots)
        this.setAny(slot, key, venue, this.keyHash(key, venue), slots)
        return
      }
      e = next[e - 1]!
    }
    const b = h & this.mask
    next[handle] = this.heads[b]!
    this.heads[b] = handle + 1
    hashes[handle] = h
    this.live++
  }

  /** Takes the slot with this handle out of the index (nothing if it is not indexed): unlinked from its bucket's chain. */
  remove(handle: number): void {
    const hashes = this.hashes
    if (handle >= hashes.length) return
    const h = hashes[handle]!
    if (h < 0) return
    hashes[handle] = -1
    this.live--
    const next = this.next
    const heads = this.heads
    const b = h & this.mask
    // The unlink is written out in both tables (KeyIndex, ClientIndex): a shared `unlink(heads,
    // next, b, handle)` moved `evict`'s inlining layout, 11,612 a tick against 11,394-11,399.
    let e = heads[b]!
    if (e === handle + 1) {
      heads[b] = next[handle]!
      return
    }
    while (next[e - 1] !== handle + 1) e = next[e - 1]!
    next[e - 1] = next[handle]!
  }

  /** `key`'s hash (with `venue`'s, by venue) as the table hashes now. */
  private keyHash(key: string, venue: string | undefined): number {
    return this.byVenue === true ? venueHash(venue!, key, this.tail) : tailHash(key, this.tail)
  }

  /** `capacity` buckets for the indexed handles (their hashes recomputed from their keys, as the table hashes now, when `rehash`). */
  private resize<S extends Keyed>(capacity: number, rehash: boolean, slots: ReadonlyArray<S | undefined>): void {
    const heads = new Int32Array(capacity)
    const mask = capacity - 1
    const hashes = this.hashes
    const next = this.next
    for (let handle = 0; handle < hashes.length; handle++) {
      let h = hashes[handle]!
      if (h < 0) continue
      if (rehash) {
        const o = slots[handle]!.record.order
        h = this.byVenue === true ? this.keyHash(o.venueOrderId!, o.venue) : this.keyHash(o.operationId, undefined)
        hashes[handle] = h
      }
      next[handle] = heads[h & mask]!
      heads[h & mask] = handle + 1
    }
    this.heads = heads
    this.mask = mask
  }
}
