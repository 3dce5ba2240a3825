import { OrderStatus } from "@odum/domain"
import { describe, expect, it } from "vitest"
import { isTerminalIndex, statusIndex } from "../src/internal/status.js"

describe("status indexes", () => {
  it("number every status by its place in OrderStatus.all, and nothing else", () => {
    OrderStatus.all.forEach((s, i) => expect(statusIndex(s)).toBe(i))
    expect(statusIndex("FILLED ")).toBe(-1)
  })

  it("tell terminal from not exactly as isTerminal does", () => {
    for (const s of OrderStatus.all) expect(isTerminalIndex(statusIndex(s))).toBe(OrderStatus.isTerminal(s))
  })
})
