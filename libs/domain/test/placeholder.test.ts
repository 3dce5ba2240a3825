import { describe, expect, it } from "vitest"
import { placeholder } from "../src/index.js"

describe("placeholder", () => {
  it("resolves the library through the workspace alias", () => {
    expect(placeholder).toBe(1)
  })
})
