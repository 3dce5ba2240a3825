import { describe, expect, it } from "@effect/vitest"
import * as VenueError from "../src/VenueError.js"

describe("VenueError", () => {
  it("keeps ccxt's split: transport errors are retriable and ambiguous, rejections are neither", () => {
    const timeout = new VenueError.VenueTransportError({ reason: "Timeout", venue: "BINANCE-FUTURES", message: "no answer in 10 s" })
    const rejected = new VenueError.VenueRejection({ reason: "OffTickGrid", venue: "BINANCE-FUTURES", message: "price off grid" })
    expect(VenueError.isRetriable(timeout)).toBe(true)
    expect(VenueError.isAmbiguous(timeout)).toBe(true)
    expect(VenueError.isRetriable(rejected)).toBe(false)
    expect(VenueError.isAmbiguous(rejected)).toBe(false)
    expect(timeout._tag).toBe("VenueTransportError")
    expect(rejected.reason).toBe("OffTickGrid")
    expect(rejected.message).toBe("price off grid")
  })
})
