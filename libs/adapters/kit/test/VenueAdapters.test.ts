import { describe, expect, it } from "@effect/vitest"
import type { Ids } from "@odum/domain"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import type * as VenueAdapter from "../src/VenueAdapter.js"
import * as VenueAdapters from "../src/VenueAdapters.js"

/** An adapter whose every request dies: the registry under test must never call one. */
const adapter = (venue: string): VenueAdapter.VenueAdapter => {
  const unused = () => Effect.dieMessage(`${venue}: not used by this test`)
  return {
    venue: venue as Ids.Venue,
    submit: unused,
    cancel: unused,
    openOrders: unused,
    fills: unused,
    positions: unused,
    balances: unused,
    executionEvents: Stream.empty
  }
}

describe("VenueAdapters", () => {
  const binance = adapter("BINANCE-FUTURES")
  const deribit = adapter("DERIBIT")

  it.effect("looks adapters up by venue code", () =>
    Effect.gen(function* () {
      const registry = yield* VenueAdapters.VenueAdapters
      expect(registry.venues).toEqual(["BINANCE-FUTURES", "DERIBIT"])
      expect(yield* registry.get("DERIBIT")).toBe(deribit)
      expect(registry.unsafeGet("BINANCE-FUTURES")).toBe(binance)
      expect(registry.unsafeGet("OKX")).toBeUndefined()
      const missing = yield* Effect.flip(registry.get("OKX"))
      expect(missing.reason).toBe("NotRegistered")
      expect(missing.message).toContain("BINANCE-FUTURES, DERIBIT")
    }).pipe(Effect.provide(VenueAdapters.layer([deribit, binance])))
  )

  it.effect("refuses two adapters for one venue", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(VenueAdapters.make([binance, adapter("BINANCE-FUTURES")]))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(VenueAdapters.make([binance, adapter("BINANCE-FUTURES")]))
      expect(error.reason).toBe("DuplicateVenue")
      expect(error.venue).toBe("BINANCE-FUTURES")
    })
  )
})
