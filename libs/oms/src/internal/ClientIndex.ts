/**
 * The order manager's index by client order id: an open-addressing hash table (linear
 * probing, deletion by backward shift) of small integers only, each entry a key's hash and
 * its order's handle, keyed by a hash computed here instead of V8's.
 *
 * Why not a `Map`: a derived client order id ("od" + 26 base32 digits of a 128-bit hash,
 * `Ids.clientOrderIdFor`) is a fresh 28-character string whose first use as a Map key costs
 * V8 a hash of every character (`String::ComputeAndSetRawHash`, ~400 instructions per order
 * under callgrind), while its digits already are a uniform hash: four of them are enough
 * here. The manager's maps also start empty every key-index generation and grow
 * (`OrderedHashTable::Rehash`, ~100 instructions per key), and keep evicted orders' keys
 * until their generation goes. This table holds integers only (an `Int32Array`): storing
 * into it takes no write barrier however old it is, so it is never copied to stay young; an
 * evicted order's entry is removed at once, from the hash and handle its slot holds (no
 * string is read: eviction still touches nothing but the order's slot), so the table only
 * grows with the orders held.
 *
 * Keys of another shape (a loaded order's, a venue's) are hashed over every character; and
 * should 28-character keys not be uniform where `keyHash` reads them (a store's ids of
 * another making), a long probe switches the table to hashing every key whole, for good.
 */
import { Ids } from "@odum/domain"
import { rebuildTable, removeEntry } from "./probing.js"

/** What the table indexes: a slot with its handle, its key's hash while indexed (-1: not), and its key. */
export interface Indexed {
  readonly handle: number
  clientHash: number
  readonly record: { readonly order: { readonly clientOrderId: string } }
}

/** Entries of the smallest table (a power of two). */
const MIN_CAPACITY = 1024

/** Probes past which `set` makes the table hash every key whole (see the module comment). */
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
   * Entry i: `[2i]` its key's hash, `[2i + 1]` its slot's handle + 1 (0: empty). Indexed as
   * `i << 1` and `(i << 1) | 1`: `2 * i + 1` took TurboFan two overflow checks per access.
   */
  private table = new Int32Array(2 * MIN_CAPACITY)
  private mask = MIN_CAPACITY - 1
  private live = 0
  /** Every key hashed whole (`wholeHash`), after a long probe. */
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
    const t = this.table
    const mask = this.mask
    let i = h & mask
    for (;;) {
      const e = t[(i << 1) | 1]!
      if (e === 0) return undefined
      if (t[i << 1] === h) {
        const s = slots[e - 1]!
        if (s.record.order.clientOrderId === key) return s
      }
      i = (i + 1) & mask
    }
  }

  /**
   * Indexes `slot` under its client order id `key` (hashed `h` by `hash`), replacing the
   * slot indexed there (which is then not indexed: its `clientHash` becomes -1).
   */
  set<S extends Indexed>(slot: S, key: string, h: number, slots: ReadonlyArray<S | undefined>): void {
    // The usual case here (an empty entry within a few probes, no entry of the same hash);
    // the rest in `setAny`: small, so the callers inlining it keep their other inlines.
    if ((this.live << 1) < this.mask) {
      const t = this.table
      const mask = this.mask
      let i = h & mask
      for (let probes = 0; probes < 8; probes++) {
        const e = t[(i << 1) | 1]!
        if (e === 0) {
          t[i << 1] = h
          t[(i << 1) | 1] = slot.handle + 1
          slot.clientHash = h
          this.live++
          return
        }
        if (t[i << 1] === h) break
        i = (i + 1) & mask
      }
    }
    this.setAny(slot, key, h, slots)
  }

  /** `set` in every case. */
  private setAny<S extends Indexed>(slot: S, key: string, h: number, slots: ReadonlyArray<S | undefined>): void {
    if (2 * (this.live + 1) > this.mask + 1) this.resize(2 * (this.mask + 1), false, slots)
    const t = this.table
    const mask = this.mask
    let i = h & mask
    let probes = 0
    for (;;) {
      const e = t[(i << 1) | 1]!
      if (e === 0) break
      if (t[i << 1] === h) {
        const s = slots[e - 1]!
        if (s.record.order.clientOrderId === key) {
          s.clientHash = -1
          t[(i << 1) | 1] = slot.handle + 1
          slot.clientHash = h
          return
        }
      }
      if (++probes > LONG_PROBE && this.whole !== true) {
        this.whole = true
        this.resize(this.mask + 1, true, slots)
        this.set(slot, key, wholeHash(key), slots)
        return
      }
      i = (i + 1) & mask
    }
    t[i << 1] = h
    t[(i << 1) | 1] = slot.handle + 1
    slot.clientHash = h
    this.live++
  }

  /** Takes `slot` out of the index (nothing if it is not indexed). */
  remove(slot: Indexed): void {
    const h = slot.clientHash
    if (h < 0) return
    slot.clientHash = -1
    removeEntry(this.table, this.mask, h, slot.handle + 1)
    this.live--
  }

  /** A table of `capacity` entries for the live ones (their hashes recomputed from their keys when `rehash`). */
  private resize<S extends Indexed>(capacity: number, rehash: boolean, slots: ReadonlyArray<S | undefined>): void {
    this.table = rebuildTable(
      this.table,
      capacity,
      rehash
        ? (e) => {
            const s = slots[e - 1]!
            const h = wholeHash(s.record.order.clientOrderId)
            s.clientHash = h
            return h
          }
        : undefined
    )
    this.mask = capacity - 1
  }
}
