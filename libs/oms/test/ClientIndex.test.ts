import { Ids } from "@odum/domain"
import { describe, expect, it } from "vitest"
import * as fc from "fast-check"
import { ClientIndex, keyHash } from "../src/internal/ClientIndex.js"

/** What the order manager indexes: a slot under a handle, with its record's client order id. */
class Slot {
  clientHash = -1
  readonly record: { readonly order: { readonly clientOrderId: string } }
  constructor(
    readonly handle: number,
    clientOrderId: string
  ) {
    this.record = { order: { clientOrderId } }
  }
}

/** Slots by handle, handles reused once freed (as the manager's slot table). */
class Slots {
  readonly table: Array<Slot | undefined> = []
  private readonly free: Array<number> = []
  add(key: string): Slot {
    const handle = this.free.length > 0 ? this.free.pop()! : this.table.length
    const s = new Slot(handle, key)
    this.table[handle] = s
    return s
  }
  drop(s: Slot): void {
    this.table[s.handle] = undefined
    this.free.push(s.handle)
  }
}

/** Keys of both shapes: derived client order ids, and other strings (some 28 long). */
const keyOf = (n: number): string => {
  switch (n % 4) {
    case 0:
    case 1:
      return Ids.clientOrderIdFor(`op-${n}`)
    case 2:
      return `cid-${n}`
    default:
      return `od${String(n).padStart(26, "x")}`
  }
}

const get = (index: ClientIndex, slots: Slots, key: string) => index.get(key, index.hash(key), slots.table)
const set = (index: ClientIndex, slots: Slots, s: Slot) =>
  index.set(s, s.record.order.clientOrderId, index.hash(s.record.order.clientOrderId), slots.table)

describe("ClientIndex", () => {
  it("as a property: answers as a Map does through sets, replacements, removals, growth and reused handles", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 3_000 })), { minLength: 1, maxLength: 6_000 }),
        (steps) => {
          const index = new ClientIndex()
          const slots = new Slots()
          const model = new Map<string, Slot>()
          // Every slot added and not dropped (a replaced one stays, not indexed, as a held order would).
          const held = new Set<Slot>()
          for (const [op, n] of steps) {
            const key = keyOf(n)
            if (op <= 1) {
              const s = slots.add(key)
              held.add(s)
              const replaced = model.get(key)
              set(index, slots, s)
              model.set(key, s)
              expect(s.clientHash).toBeGreaterThanOrEqual(0)
              if (replaced !== undefined) expect(replaced.clientHash).toBe(-1)
            } else if (op === 2) {
              const s = model.get(key)
              if (s !== undefined) {
                index.remove(s)
                model.delete(key)
                expect(s.clientHash).toBe(-1)
                index.remove(s) // a second removal changes nothing
              }
            } else {
              // Drop a replaced (not indexed) slot: its removal leaves the key's current entry alone.
              for (const s of held) {
                if (s.clientHash < 0 && model.get(s.record.order.clientOrderId) !== s) {
                  index.remove(s)
                  held.delete(s)
                  slots.drop(s)
                  break
                }
              }
            }
            expect(get(index, slots, key)).toBe(model.get(key))
            // A copy of the key (another string object) finds the same entry.
            expect(get(index, slots, key.split("").join(""))).toBe(model.get(key))
            expect(index.size).toBe(model.size)
          }
          for (const [key, s] of model) expect(get(index, slots, key)).toBe(s)
        }
      ),
      { numRuns: 30 }
    )
  })

  it("unlinks an entry from the head, the middle or the end of a bucket's chain, leaving the others found", () => {
    // Keys of one bucket (their hashes agree in the smallest table's 10 low bits), removed in
    // every order: a removal that loses the rest of its chain, or unlinks the wrong entry, fails.
    const sameBucket: Array<string> = []
    const bucket = keyHash("cid-0") & 1023
    for (let i = 1; sameBucket.length < 5; i++) if ((keyHash(`cid-${i}`) & 1023) === bucket) sameBucket.push(`cid-${i}`)
    const permutations = (xs: Array<number>): Array<Array<number>> =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]))
    for (const order of permutations([0, 1, 2, 3, 4])) {
      const index = new ClientIndex()
      const slots = new Slots()
      const all = sameBucket.map((k) => slots.add(k))
      for (const s of all) set(index, slots, s)
      const gone = new Set<number>()
      for (const k of order) {
        index.remove(all[k]!)
        gone.add(k)
        all.forEach((s, j) => expect(get(index, slots, s.record.order.clientOrderId)).toBe(gone.has(j) ? undefined : s))
        expect(index.size).toBe(all.length - gone.size)
      }
      for (const s of all) set(index, slots, s)
      for (const s of all) expect(get(index, slots, s.record.order.clientOrderId)).toBe(s)
    }
  })

  it("keeps finding every held key while orders come and go (the order manager's use), reusing handles", () => {
    const index = new ClientIndex()
    const slots = new Slots()
    const live: Array<Slot> = []
    for (let i = 0; i < 50_000; i++) {
      const s = slots.add(keyOf(i))
      set(index, slots, s)
      live.push(s)
      // Mostly the oldest goes, sometimes one further on (out of order).
      if (live.length > 300) {
        const gone = live.splice(i % 5 === 0 ? 150 : 0, 1)[0]!
        index.remove(gone)
        slots.drop(gone)
      }
      if (i % 997 === 0) {
        for (const w of live) expect(get(index, slots, w.record.order.clientOrderId)).toBe(w)
        expect(get(index, slots, keyOf(i + 1))).toBeUndefined()
      }
    }
    expect(index.size).toBe(300)
  })

  it("hashes to non-negative 30-bit integers, derived ids and other keys spread over a table's low bits", () => {
    for (const shape of [(i: number) => Ids.clientOrderIdFor(`op-${i}`), (i: number) => `cid-${i}`]) {
      const buckets = new Array(1024).fill(0)
      for (let i = 0; i < 102_400; i++) {
        const h = keyHash(shape(i))
        expect(Number.isInteger(h) && h >= 0 && h < 2 ** 30).toBe(true)
        buckets[h & 1023]++
      }
      // 100 keys per bucket on average: none far from it.
      expect(Math.min(...buckets)).toBeGreaterThan(50)
      expect(Math.max(...buckets)).toBeLessThan(160)
    }
  })

  it("hashes the id just derived from its characters at hand as from the string (Ids.clientOrderIdHead)", () => {
    const ids = new Ids.NumberedOperationIds("trade-driven-")
    let previous: string | undefined
    let atHand = 0
    for (let n = 1; n <= 3_000; n++) {
      const c = Ids.clientOrderIdFor(ids.next())
      if (Ids.clientOrderIdHead(c) !== -1) atHand++
      const h = keyHash(c)
      // The previous id, no longer at hand, hashed from its characters; and this one's copy.
      if (previous !== undefined) expect(Ids.clientOrderIdHead(previous)).toBe(-1)
      const copy = c.split("").join("")
      previous = copy
      const index = new ClientIndex()
      expect(index.hash(c)).toBe(h)
      ids.next()
      if (keyHash(copy) !== h) expect([n, keyHash(copy)]).toEqual([n, h])
    }
    expect(atHand).toBeGreaterThan(2_900)
  })

  it("hashes keys whole once 28-character keys turn out not to be uniform where it reads them", () => {
    const index = new ClientIndex()
    const slots = new Slots()
    const internals = index as unknown as { whole: boolean }
    // The same characters where keyHash reads a 28-character key: one hash for all.
    const contrived = (i: number) => `odaaaaa${String(i).padStart(21, "0")}`
    const all: Array<Slot> = []
    for (let i = 0; i < 64; i++) {
      all.push(slots.add(contrived(i)))
      set(index, slots, all[i]!)
    }
    expect(internals.whole).toBe(false)
    for (let i = 64; i < 5_000; i++) {
      all.push(slots.add(contrived(i)))
      set(index, slots, all[i]!)
    }
    expect(internals.whole).toBe(true)
    for (const s of all) expect(get(index, slots, s.record.order.clientOrderId)).toBe(s)
    for (const s of all.slice(0, 2_500)) {
      index.remove(s)
      slots.drop(s)
    }
    for (const s of all.slice(2_500)) expect(get(index, slots, s.record.order.clientOrderId)).toBe(s)
    expect(get(index, slots, contrived(1))).toBeUndefined()
    expect(index.size).toBe(2_500)
  })
})
