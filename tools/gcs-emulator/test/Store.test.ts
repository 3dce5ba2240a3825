import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Store } from "../src/Store.js"

const name = fc.array(fc.constantFrom("a", "b", "c", "/", "é"), { minLength: 1, maxLength: 6 }).map((xs) => xs.join(""))

describe("Store.list", () => {
  it("pages concatenate to the unpaged listing, for any names, prefix, delimiter and page size", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(name, { maxLength: 30 }),
        fc.constantFrom("", "a", "a/", "b/c"),
        fc.constantFrom(undefined, "/", "c"),
        fc.integer({ min: 1, max: 7 }),
        (names, prefix, delimiter, pageSize) => {
          const store = new Store()
          store.createBucket("b")
          for (const n of names) store.put("b", n, Buffer.from(n))
          const query = { prefix, ...(delimiter !== undefined ? { delimiter } : {}) }
          const whole = store.list("b", query)!
          expect(whole.nextPageToken).toBeUndefined()
          const items: Array<string> = []
          const prefixes: Array<string> = []
          let token: string | undefined
          let pages = 0
          do {
            const page = store.list("b", { ...query, maxResults: pageSize, ...(token !== undefined ? { pageToken: token } : {}) })!
            expect(page.items.length + page.prefixes.length).toBeLessThanOrEqual(pageSize)
            items.push(...page.items.map((o) => o.name))
            prefixes.push(...page.prefixes)
            token = page.nextPageToken
            pages += 1
          } while (token !== undefined && pages < 100)
          expect(items).toEqual(whole.items.map((o) => o.name))
          expect(prefixes).toEqual(whole.prefixes)
          // Every listed name has the prefix, and with a delimiter no item holds one past the prefix.
          for (const n of items) {
            expect(n.startsWith(prefix)).toBe(true)
            if (delimiter !== undefined) expect(n.indexOf(delimiter, prefix.length)).toBe(-1)
          }
          // Nothing under the prefix is lost: each name is an item or under a listed prefix.
          for (const n of names.filter((x) => x.startsWith(prefix))) {
            expect(items.includes(n) || prefixes.some((p) => n.startsWith(p))).toBe(true)
          }
        }
      )
    )
  })
})
