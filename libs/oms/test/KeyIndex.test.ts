import { describe, expect, it } from "vitest"
import * as fc from "fast-check"
import { KeyIndex, tailHash, venueHash, WHOLE } from "../src/internal/KeyIndex.js"

/** What the order manager indexes: a slot under a handle, with its record's keys. */
class Slot {
  readonly record: { readonly order: { readonly operationId: string; readonly venue: string | undefined; readonly venueOrderId: string | undefined } }
  constructor(
    readonly handle: number,
    operationId: string,
    venue?: string,
    venueOrderId?: string
  ) {
    this.record = { order: { operationId, venue, venueOrderId } }
  }
}

/** Slots by handle, handles reused once freed (as the manager's slot table). */
class Slots {
  readonly table: Array<Slot | undefined> = []
  private readonly free: Array<number> = []
  add(operationId: string, venue?: string, venueOrderId?: string): Slot {
    const handle = this.free.length > 0 ? this.free.pop()! : this.table.length
    const s = new Slot(handle, operationId, venue, venueOrderId)
    this.table[handle] = s
    return s
  }
  drop(s: Slot): void {
    this.table[s.handle] = undefined
    this.free.push(s.handle)
  }
}

/** Keys of several shapes: sequential ids, ids shorter than the hashed tail, ids differing only in front. */
const keyOf = (n: number): string => {
  switch (n % 4) {
    case 0:
    case 1:
      return `trade-driven-${n}`
    case 2:
      return `o${n % 97}`
    default:
      return `${n}-leg-entry`
  }
}
const VENUES = ["SIM", "BINANCE-SPOT", "BYBIT"]

const opGet = (index: KeyIndex, slots: Slots, key: string) => index.get(key, undefined, index.hash(key), slots.table)
const opSet = (index: KeyIndex, slots: Slots, s: Slot) =>
  index.set(s, s.record.order.operationId, undefined, index.hash(s.record.order.operationId), slots.table)
const vGet = (index: KeyIndex, slots: Slots, venue: string, id: string) => index.get(id, venue, index.hashVenue(venue, id), slots.table)
const vSet = (index: KeyIndex, slots: Slots, s: Slot) => {
  const o = s.record.order
  index.set(s, o.venueOrderId!, o.venue, index.hashVenue(o.venue!, o.venueOrderId!), slots.table)
}

describe("KeyIndex", () => {
  it("as a property: answers as a Map does through sets, replacements, removals, growth and reused handles", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 3_000 })), { minLength: 1, maxLength: 3_000, size: "max" }),
        (byVenue, steps) => {
          const index = new KeyIndex(byVenue)
          const slots = new Slots()
          // Keyed by operation id, or by venue and venue order id (the same id at two venues is two keys).
          const keyText = (n: number) => (byVenue ? `${VENUES[n % 3]}|${keyOf(n >> 2)}` : keyOf(n))
          const add = (n: number) => (byVenue ? slots.add(`op-${n}`, VENUES[n % 3], keyOf(n >> 2)) : slots.add(keyOf(n)))
          const get = (n: number, copy: boolean) => {
            const k = byVenue ? keyOf(n >> 2) : keyOf(n)
            const key = copy ? k.split("").join("") : k
            return byVenue ? vGet(index, slots, VENUES[n % 3]!, key) : opGet(index, slots, key)
          }
          const model = new Map<string, Slot>()
          // Every slot added and not dropped (a replaced one stays, not indexed, as a held order would).
          const held = new Set<Slot>()
          for (const [op, n] of steps) {
            const text = keyText(n)
            if (op <= 1) {
              const s = add(n)
              held.add(s)
              const replaced = model.get(text)
              if (byVenue) vSet(index, slots, s)
              else opSet(index, slots, s)
              model.set(text, s)
              expect(index.has(s.handle)).toBe(true)
              if (replaced !== undefined) expect(index.has(replaced.handle)).toBe(false)
            } else if (op === 2) {
              const s = model.get(text)
              if (s !== undefined) {
                index.remove(s.handle)
                model.delete(text)
                expect(index.has(s.handle)).toBe(false)
                index.remove(s.handle) // a second removal changes nothing
              }
            } else {
              // Drop a replaced (not indexed) slot: its removal leaves the key's current entry alone.
              for (const s of held) {
                if (!index.has(s.handle)) {
                  index.remove(s.handle)
                  held.delete(s)
                  slots.drop(s)
                  break
                }
              }
            }
            expect(get(n, false)).toBe(model.get(text))
            // A copy of the key (another string object) finds the same entry.
            expect(get(n, true)).toBe(model.get(text))
            expect(index.size).toBe(model.size)
          }
          for (const s of model.values()) {
            const o = s.record.order
            expect(byVenue ? vGet(index, slots, o.venue!, o.venueOrderId!) : opGet(index, slots, o.operationId)).toBe(s)
          }
        }
      ),
      { numRuns: 12 }
    )
  })

  it("unlinks an entry from the head, the middle or the end of a bucket's chain, leaving the others found", () => {
    // Keys of one bucket (their hashes agree in the smallest table's 10 low bits), removed in
    // every order: a removal that loses the rest of its chain, or unlinks the wrong entry, fails.
    const sameBucket: Array<string> = []
    const bucket = tailHash("trade-driven-0", 3) & 1023
    for (let i = 1; sameBucket.length < 5; i++) if ((tailHash(`trade-driven-${i}`, 3) & 1023) === bucket) sameBucket.push(`trade-driven-${i}`)
    const permutations = (xs: Array<number>): Array<Array<number>> =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]))
    for (const order of permutations([0, 1, 2, 3, 4])) {
      const index = new KeyIndex(false)
      const slots = new Slots()
      const all = sameBucket.map((k) => slots.add(k))
      for (const s of all) opSet(index, slots, s)
      const gone = new Set<number>()
      for (const k of order) {
        index.remove(all[k]!.handle)
        gone.add(k)
        all.forEach((s, j) => expect(opGet(index, slots, s.record.order.operationId)).toBe(gone.has(j) ? undefined : s))
        expect(index.size).toBe(all.length - gone.size)
      }
      // The emptied bucket takes keys again.
      for (const s of all) opSet(index, slots, s)
      for (const s of all) expect(opGet(index, slots, s.record.order.operationId)).toBe(s)
    }
  })

  it("tells the same venue order id at two venues apart", () => {
    const index = new KeyIndex(true)
    const slots = new Slots()
    const a = slots.add("a", "SIM", "O1")
    const b = slots.add("b", "SIM2", "O1")
    vSet(index, slots, a)
    vSet(index, slots, b)
    expect(vGet(index, slots, "SIM", "O1")).toBe(a)
    expect(vGet(index, slots, "SIM2", "O1")).toBe(b)
    expect(vGet(index, slots, "SIM3", "O1")).toBeUndefined()
    index.remove(a.handle)
    expect(vGet(index, slots, "SIM", "O1")).toBeUndefined()
    expect(vGet(index, slots, "SIM2", "O1")).toBe(b)
  })

  it("keeps finding every held key while orders come and go (the order manager's use), reusing handles", () => {
    const index = new KeyIndex(false)
    const slots = new Slots()
    const live: Array<Slot> = []
    for (let i = 0; i < 50_000; i++) {
      const s = slots.add(`trade-driven-${i}`)
      opSet(index, slots, s)
      live.push(s)
      // Mostly the oldest goes, sometimes one further on (out of order).
      if (live.length > 300) {
        const gone = live.splice(i % 5 === 0 ? 150 : 0, 1)[0]!
        index.remove(gone.handle)
        slots.drop(gone)
      }
      if (i % 997 === 0) {
        for (const w of live) expect(opGet(index, slots, w.record.order.operationId)).toBe(w)
        expect(opGet(index, slots, `trade-driven-${i + 1}`)).toBeUndefined()
      }
    }
    expect(index.size).toBe(300)
  })

  it("hashes to non-negative 30-bit integers, sequential ids spread over a table's low bits", () => {
    for (const hash of [(i: number) => tailHash(`trade-driven-${i}`, 6), (i: number) => venueHash("SIM", `O${i}`, 6)]) {
      const buckets = new Array(1024).fill(0)
      let bad = 0
      for (let i = 0; i < 102_400; i++) {
        const h = hash(i)
        if (!(Number.isInteger(h) && h >= 0 && h < 2 ** 30)) bad++
        buckets[h & 1023]++
      }
      expect(bad).toBe(0)
      // 100 keys per bucket on average: none far from it.
      expect(Math.min(...buckets)).toBeGreaterThan(50)
      expect(Math.max(...buckets)).toBeLessThan(160)
    }
  })

  it("hashes from 4 characters' tails in a small table: sequential ids spread", () => {
    for (const hash of [(i: number) => tailHash(`trade-driven-${i}`, 4), (i: number) => venueHash("SIM", `O${i}`, 4)]) {
      const buckets = new Array(1024).fill(0)
      const seen = new Set<number>()
      for (let i = 60_000; i < 70_240; i++) {
        const h = hash(i)
        seen.add(h)
        buckets[h & 1023]++
      }
      // 10,240 ids, 10 per bucket on average; their last 4 digits differ but for 240 pairs.
      expect(seen.size).toBeGreaterThanOrEqual(10_000)
      // As a uniform hash spreads them (Poisson, mean 10): few nearly empty buckets, none crowded.
      expect(buckets.filter((n) => n < 3).length).toBeLessThan(10)
      expect(Math.max(...buckets)).toBeLessThan(30)
    }
  })

  it("hashes a key's length and last tail characters with FNV-1a's steps, whatever the tail and length", () => {
    // The reference: FNV-1a from the length (shifted past a character) over the tail, then mixed.
    const fnv = (key: string, tail: number, seed: number) => {
      let h = seed
      for (let i = Math.max(0, key.length - tail); i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
      return h
    }
    const mixed = (h: number) => {
      h = Math.imul(h ^ (h >>> 15), 0x9e3779b1)
      return (h ^ (h >>> 16)) & 0x3fffffff
    }
    const word = (venue: string) => (venue.length << 16) | venue.charCodeAt(0)
    const keys = ["", "a", "ab", "abc", "abcd", "abcde", "O7", "O12", "O123", "trade-driven-9", "trade-driven-60123", "é€x", "\u{1F600}yz"]
    for (const tail of [3, 4, 6]) {
      for (const key of keys) {
        expect(tailHash(key, tail)).toBe(mixed(fnv(key, tail, key.length << 8)))
        for (const venue of ["SIM", "BINANCE-SPOT"]) {
          expect(venueHash(venue, key, tail)).toBe(mixed(Math.imul(fnv(key, tail, key.length << 8) ^ word(venue), 0x01000193)))
        }
      }
    }
  })

  it("hashes from 3 characters' tails in the smallest table: any 512 sequential ids spread", () => {
    for (const hash of [(i: number) => tailHash(`trade-driven-${i}`, 3), (i: number) => venueHash("SIM", `O${i}`, 3)]) {
      // The smallest table holds at most 512 keys: 512 sequential ids from anywhere (across
      // a change of length too) have 512 hashes, spread as a uniform hash spreads them.
      for (const from of [0, 60_000, 99_744, 999_800]) {
        const buckets = new Array(1024).fill(0)
        const seen = new Set<number>()
        for (let i = from; i < from + 512; i++) {
          const h = hash(i)
          expect(h >= 0 && h < 2 ** 30).toBe(true)
          seen.add(h)
          buckets[h & 1023]++
        }
        expect(seen.size).toBe(512)
        // 0.5 keys per bucket: as a uniform hash (Poisson), ~60% empty and none crowded.
        const empty = buckets.filter((n) => n === 0).length
        expect(empty).toBeGreaterThan(560)
        expect(empty).toBeLessThan(680)
        expect(Math.max(...buckets)).toBeLessThan(7)
      }
    }
  })

  it("hashes a venue order id as venueHash does whatever venue came before (the last venue's word is kept)", () => {
    // Two tables in turn (the word is remembered for the module, not per table).
    const indexes = [new KeyIndex(true), new KeyIndex(true)]
    const index = indexes[0]!
    // Venues of one length and first character apart, then of one length, then the same text in another string.
    const venues = ["SIM", "BINANCE-SPOT", "SIM", "SIM", "BYBIT", "BINANCE-SPOT", "SAM", "SIMX", ["S", "IM"].join(""), ""]
    for (let k = 0; k < 200; k++) {
      const venue = venues[(k * 7) % venues.length]!
      const id = `O${k}`
      const table = indexes[(k >> 1) & 1]!
      expect(table.hashVenue(venue, id)).toBe(venueHash(venue, id, (table as unknown as { tail: number }).tail))
    }
    expect(index.hashVenue("SIM", "O1")).not.toBe(index.hashVenue("BYBIT", "O1"))
    expect(index.hashVenue("SIM", "O1")).not.toBe(index.hashVenue("TIM", "O1"))
  })

  for (const byVenue of [false, true]) {
    it(`rehashes from 4 characters' tails past 1,024 entries and 6 past 4,096, every key still found (${byVenue ? "by venue" : "by operation id"})`, () => {
      const index = new KeyIndex(byVenue)
      const slots = new Slots()
      const internals = index as unknown as { tail: number; mask: number }
      const all: Array<Slot> = []
      const find = (s: Slot) => {
        const o = s.record.order
        return byVenue ? vGet(index, slots, o.venue!, o.venueOrderId!) : opGet(index, slots, o.operationId)
      }
      for (let i = 0; i < 12_000; i++) {
        // Sequential ids (the backtest's), and for the venue index the same ids at three venues.
        const s = byVenue ? slots.add(`op-${i}`, VENUES[i % 3], `O${Math.floor(i / 3)}`) : slots.add(i % 2 === 0 ? `trade-driven-${i}` : String(i))
        all.push(s)
        if (byVenue) vSet(index, slots, s)
        else opSet(index, slots, s)
        expect(internals.tail).toBe(internals.mask + 1 > 4096 ? 6 : internals.mask + 1 > 1024 ? 4 : 3)
        // (The table grows at half full: past 1,024 entries at the 513th key, past 4,096 at the 2,049th.)
        if (i === 511 || i === 512 || i === 513 || i === 2_047 || i === 2_048 || i === 2_049) for (const w of all) expect(find(w)).toBe(w)
      }
      expect(internals.tail).toBe(6)
      for (const s of all) expect(find(s)).toBe(s)
      // Removal finds each entry from the hash it was rehashed to (a stale one would not find it).
      for (let k = 0; k < all.length; k += 2) {
        index.remove(all[k]!.handle)
        expect(index.has(all[k]!.handle)).toBe(false)
      }
      for (let k = 0; k < all.length; k++) expect(find(all[k]!)).toBe(k % 2 === 0 ? undefined : all[k])
      expect(index.size).toBe(all.length >> 1)
    })
  }

  it("hashes keys whole once they turn out not to differ in their tails", () => {
    const index = new KeyIndex(false)
    const slots = new Slots()
    const internals = index as unknown as { tail: number }
    // The same tail and length: one hash for all until the table hashes whole.
    const contrived = (i: number) => `${String(i).padStart(6, "0")}-leg-entry`
    const all: Array<Slot> = []
    for (let i = 0; i < 64; i++) {
      all.push(slots.add(contrived(i)))
      opSet(index, slots, all[i]!)
    }
    expect(internals.tail).toBe(3)
    for (let i = 64; i < 5_000; i++) {
      all.push(slots.add(contrived(i)))
      opSet(index, slots, all[i]!)
    }
    expect(internals.tail).toBe(WHOLE)
    for (const s of all) expect(opGet(index, slots, s.record.order.operationId)).toBe(s)
    for (const s of all.slice(0, 2_500)) {
      index.remove(s.handle)
      slots.drop(s)
    }
    for (const s of all.slice(2_500)) expect(opGet(index, slots, s.record.order.operationId)).toBe(s)
    expect(opGet(index, slots, contrived(1))).toBeUndefined()
    expect(index.size).toBe(2_500)
  })
})
