import { describe, expect, it } from "vitest"
import { NumberedIds } from "../src/internal/operationIds.js"

describe("NumberedIds", () => {
  it("gives <prefix><n> for n = 1, 2, ... through every digit carry", () => {
    const ids = new NumberedIds("trade-driven-")
    for (let n = 1; n <= 120_000; n++) {
      const id = ids.next()
      if (id !== `trade-driven-${n}`) expect(id).toBe(`trade-driven-${n}`)
    }
  })

  it("is right at every length up to the flat limit and beyond it (joined)", () => {
    // Prefix lengths 0-40: ids from 1 to 40+ characters, across the 32-character limit, with carries on the way.
    for (let p = 0; p <= 40; p++) {
      const prefix = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH".slice(0, p)
      const ids = new NumberedIds(prefix)
      for (let n = 1; n <= 1_100; n++) {
        const id = ids.next()
        if (id !== `${prefix}${n}`) expect(id).toBe(`${prefix}${n}`)
      }
    }
  })

  it("keeps two sequences apart", () => {
    const a = new NumberedIds("a-")
    const b = new NumberedIds("b-")
    expect([a.next(), a.next(), b.next(), a.next(), b.next()]).toEqual(["a-1", "a-2", "b-1", "a-3", "b-2"])
  })
})
