/**
 * The order manager's index by client order id: a chained hash table of small integers
 * only (bucket heads, and per order handle its key's hash and the next handle in its chain,
 * as `KeyIndex`, which says why chained), keyed by a hash computed here instead of V8's.
 *
 * Why not a `Map`: a derived client order id ("od" + 26 base32 digits of a 128-bit hash,
 * `Ids.clientOrderIdFor`) is a fresh 28-character string whose first use as a Map key costs
 * V8 a hash of every character (`String::ComputeAndSetRawHash`, ~400 instructions per order
 * under callgrind), while its digits already are a uniform hash: four of them are enough
 * here. The manager's maps also start empty every key-index generation and grow
 * (`OrderedHashTable::Rehash`, ~100 instructions per key), and keep evicted orders' keys
 * until their generation goes. This table holds integers only (`Int32Array`s): storing
 * into it takes no write barrier however old it is, so it is never copied to stay young; an
 * evicted order's entry is unlinked at once, from the hash and handle its slot holds (no
 * string is read: eviction still touches nothing but the order's slot), so the table only
 * grows with the orders held.
 *
 * Keys of another shape (a loaded order's, a venue's) are hashed over every character; and
 * should 28-character keys not be uniform where `keyHash` reads them (a store's ids of
 * another making), a long chain switches the table to hashing every key whole, for good.
 */
import { Ids } from "@odum/domain"

/** What the table indexes: a slot with its handle, its key's hash while indexed (-1: not), and its key. */
export interface Indexed {
  readonly handle: number
  clientHash: number
  readonly record: { readonly order: { readonly clientOrderId: string } }
}

/** Entries of the smallest table (a power of two). */
const MIN_CAPACITY = 1024

/** Chain entries past which `set` makes the table hash every key whole (see the module comment). */
const LONG_PROBE = 64

/**
 * A 28-character key's hash from four of its characters (a derived id's first four digits:
 * 20 uniform bits, enough for tables of a million entries), mixed; any other key's from
 * every character (`wholeHash`). Non-negative, 30 bits.
 */
export const keyHash = (key: string): number => {
  if (key.length !== 28) return wholeHash(key)
  // The id the OMS just derived (`clientOrderIdFor` answering a `NumberedOperationIds`'s id, the
  // backtest's every order) has those characters at hand (`Ids.clientOrderIdHead`, the same
  // number: base32 digits are ASCII, so their 7-bit fields do not overlap and `|` is `^`);
  // four `charCodeAt` of a sliced string cost ~80 instructions. (Session 22, backtest, counted
  // alternately: 12,354 / 12,340 -> 12,293 / 12,299 a tick; `checkCreate` 795 -> 689 self, the
  // ids' `digests` +35 and `next` in the strategy's `onTrade` +23.)
  let h = Ids.clientOrderIdHead(key)
  if (h < 0) h = key.charCodeAt(2) ^ (key.charCodeAt(3) << 7) ^ (key.charCodeAt(4) << 14) ^ (key.charCodeAt(5) << 21)
  h = Math.imul(h ^ (h >>> 15), 0x9e3779b1)
  return (h ^ (h >>> 16)) & 0x3fffffff
}

/** A hash of every character of `key` (FNV-1a's steps, then mixed), as `keyHash`'s. */
const wholeHash = (key: string): number => {
  const n = key.length
  let h = n
  for (let i = 0; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ (h >>> 15), 0x9e3779b1)
  return (h ^ (h >>> 16)) & 0x3fffffff
}

export class ClientIndex {
  /**
   * Bucket b's first entry: its slot's handle + 1 (0: an empty bucket); a key of hash h is in
   * bucket `h & mask`, its chain linked through `next` (chained as `KeyIndex`, for its cheap removal).
   */
  private heads = new Int32Array(MIN_CAPACITY)
  private mask = MIN_CAPACITY - 1
  private live = 0
  /** Each handle's hash while indexed (-1: not; the slot's `clientHash` too), read by chain walks without loading the slot. */
  private hashes = new Int32Array(MIN_CAPACITY).fill(-1)
  /** The entry after each indexed handle's in its bucket's chain: handle + 1, 0 at the end. */
  private next = new Int32Array(MIN_CAPACITY)
  /** Every key hashed whole (`wholeHash`), after a long chain. */
  private whole = false

  /** How many keys the table holds. */
  get size(): number {
    return this.live
  }

  /** The hash `get` and `set` take for `key`. */
  hash(key: string): number {
    return this.whole === true ? wholeHash(key) : keyHash(key)
  }

  /** The slot indexed under `key` (hashed `h` by `hash`), found in `slots` by its handle; or undefined. */
  get<S extends Indexed>(key: string, h: number, slots: ReadonlyArray<S | undefined>): S | undefined {
    const hashes = this.hashes
    const next = this.next
    let e = this.heads[h & this.mask]!
    while (e !== 0) {
      if (hashes[e - 1] === h) {
        const s = slots[e - 1]!
        if (s.record.order.clientOrderId === key) return s
      }
      e = next[e - 1]!
    }
    return undefined
  }

  /**
   * Indexes `slot` under its client order id `key` (hashed `h` by `hash`), replacing the
   * slot indexed there (which is then not indexed: its `clientHash` becomes -1).
   */
  set<S extends Indexed>(slot: S, key: string, h: number, slots: ReadonlyArray<S | undefined>): void {
    // The usual case here (a short chain without an entry of the same hash); the rest in
    // `setAny`: small, so the callers inlining it keep their other inlines.
    const handle = slot.handle
    const hashes = this.hashes
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
          slot.clientHash = h
          this.live++
          return
        }
        if (hashes[e - 1] === h) break
        e = next[e - 1]!
      }
    }
    this.setAny(slot, key, h, slots)
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
  private setAny<S extends Indexed>(slot: S, key: string, h: number, slots: ReadonlyArray<S | undefined>): void {
    if (slot.handle >= this.hashes.length) this.growHashes(slot.handle)
    else if (this.hashes[slot.handle]! >= 0) this.remove(slot)
    if (2 * (this.live + 1) > this.mask + 1) this.resize(2 * (this.mask + 1), false, slots)
    const hashes = this.hashes
    const next = this.next
    let e = this.heads[h & this.mask]!
    let links = 0
    while (e !== 0) {
      if (hashes[e - 1] === h) {
        const s = slots[e - 1]!
        if (s.record.order.clientOrderId === key) {
          // The slot indexed there leaves; this one takes its key.
          this.remove(s)
          break
        }
      }
      if (++links > LONG_PROBE && this.whole !== true) {
        this.whole = true
        this.resize(this.mask + 1, true, slots)
        this.setAny(slot, key, wholeHash(key), slots)
        return
      }
      e = next[e - 1]!
    }
    const handle = slot.handle
    const b = h & this.mask
    next[handle] = this.heads[b]!
    this.heads[b] = handle + 1
    hashes[handle] = h
    slot.clientHash = h
    this.live++
  }

  /** Takes `slot` out of the index (nothing if it is not indexed): unlinked from its bucket's chain. */
  remove(slot: Indexed): void {
    const h = slot.clientHash
    if (h < 0) return
    slot.clientHash = -1
    const handle = slot.handle
    const hashes = this.hashes
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

  /** `capacity` buckets for the indexed handles (their hashes recomputed from their keys when `rehash`). */
  private resize<S extends Indexed>(capacity: number, rehash: boolean, slots: ReadonlyArray<S | undefined>): void {
    const heads = new Int32Array(capacity)
    const mask = capacity - 1
    const hashes = this.hashes
    const next = this.next
    for (let handle = 0; handle < hashes.length; handle++) {
      let h = hashes[handle]!
      if (h < 0) continue
      if (rehash) {
        const s = slots[handle]!
        h = wholeHash(s.record.order.clientOrderId)
        s.clientHash = h
        hashes[handle] = h
      }
      next[handle] = heads[h & mask]!
      heads[h & mask] = handle + 1
    }
    this.heads = heads
    this.mask = mask
  }
}
