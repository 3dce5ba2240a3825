import { describe, expect, it } from "vitest"
import { intern } from "../src/internal/intern.js"

describe("intern", () => {
  it("returns a string equal to its argument, whatever the name looks like", () => {
    const names = ["BINANCE-FUTURES", "BINANCE-FUTURES:PERPETUAL:BTC-USDT", "", "0", "123", "4294967295", "-1", "1.5", "__proto__", "constructor", "toString", "Ünïcødé ₿", "a\u0000b"]
    for (const name of names) {
      // A copy built at run time, not the literal itself.
      const copy = [...name].join("")
      const out = intern(copy)
      expect(typeof out).toBe("string")
      expect(out).toBe(name)
    }
  })

  it("gives equal answers for equal strings built in different ways", () => {
    const a = intern(["USD", "T"].join(""))
    const b = intern(`US${"DT"}`)
    expect(a).toBe(b)
    expect(a).toBe("USDT")
  })
})
