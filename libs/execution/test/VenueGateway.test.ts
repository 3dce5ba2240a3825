import { describe, expect, it } from "@effect/vitest"
import type { SyncVenue, VenueOrderRequest } from "@odum/adapter-kit"
import { Ids } from "@odum/domain"
import { VenueGateway } from "../src/index.js"

/** A venue that records what reaches it (the gateway is what is under test). */
const recording = (code: string) => {
  const seen: Array<string> = []
  const venue: SyncVenue.SyncVenue = {
    venue: Ids.Venue.make(code),
    submit: (order) => void seen.push(`submit ${order.clientOrderId}`),
    cancel: (clientOrderId) => void seen.push(`cancel ${clientOrderId}`),
    advanceTo: (nowNs) => void seen.push(`advance ${nowNs}`),
    nextArrivalNs: () => undefined
  }
  return { venue, seen }
}

const order = (id: string) => ({ clientOrderId: Ids.ClientOrderId.make(id) }) as unknown as VenueOrderRequest.VenueOrderRequest

describe("VenueGateway.fromSyncVenues", () => {
  it("sends each request to the venue it names, however requests alternate, and advances that venue", () => {
    const a = recording("A")
    const b = recording("B")
    const gateway = VenueGateway.fromSyncVenues([a.venue, b.venue])
    expect(gateway.submit("A", order("a1"), 1n)).toBeUndefined()
    expect(gateway.submit("A", order("a2"), 2n)).toBeUndefined()
    expect(gateway.submit("B", order("b1"), 3n)).toBeUndefined()
    expect(gateway.submit("A", order("a3"), 4n)).toBeUndefined()
    expect(gateway.cancel("B", Ids.ClientOrderId.make("b1"), 5n)).toBeUndefined()
    expect(a.seen).toEqual(["submit a1", "advance 1", "submit a2", "advance 2", "submit a3", "advance 4"])
    expect(b.seen).toEqual(["submit b1", "advance 3", "cancel b1", "advance 5"])
  })

  it("rejects a request to a venue it does not know, and still routes the next one", () => {
    const a = recording("A")
    const gateway = VenueGateway.fromSyncVenues([a.venue])
    expect(gateway.submit("A", order("a1"), 1n)).toBeUndefined()
    const refused = gateway.submit("NOPE", order("x"), 2n)
    expect(refused?._tag).toBe("VenueRejection")
    expect(refused?.message).toMatch(/No venue is registered for "NOPE"/)
    expect(gateway.submit("A", order("a2"), 3n)).toBeUndefined()
    expect(a.seen).toEqual(["submit a1", "advance 1", "submit a2", "advance 3"])
  })
})
