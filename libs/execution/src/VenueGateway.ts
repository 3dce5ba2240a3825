/**
 * The core's synchronous venue port: send an order, ask for a cancel. What happens next
 * (accepted, filled, cancelled, ...) comes back through `ExecutionCore.onExecution`, as
 * the adapter kit's `ExecutionEvent`s. A call answers only what is known at once: nothing
 * (`undefined`: sent, or queued to be sent), a `VenueRejection` (definitely refused: the
 * order is rejected) or a `VenueTransportError` (the outcome is unknown: the order stays
 * in flight for reconciliation, never rejected).
 *
 * Backtests wrap the simulated venues (`fromSyncVenues`); the live `Execution` service
 * implements it with an outbox that its adapters drain after the OMS write is durable.
 */
import type { Ids } from "@odum/domain"
import { SyncVenue, VenueError, type VenueOrderRequest } from "@odum/adapter-kit"

/** A venue answer known at the time of the call, or undefined. */
export type GatewayAnswer = VenueError.VenueError | undefined

/** Sends orders and cancels to venues by venue code. */
export interface VenueGateway {
  /**
   * Sends `order` to `venue` at `nowNs`. A venue may report events (through the core's
   * `onExecution`) before this returns: the core queues them and applies them once the
   * call that sent the order has finished its own changes.
   */
  submit(venue: string, order: VenueOrderRequest.VenueOrderRequest, nowNs: bigint): GatewayAnswer
  /** Asks `venue` to cancel the order with `clientOrderId`. */
  cancel(venue: string, clientOrderId: Ids.ClientOrderId, nowNs: bigint): GatewayAnswer
}

const notRegistered = (venue: string): VenueError.VenueRejection =>
  new VenueError.VenueRejection({ reason: "Other", venue, message: `No venue is registered for ${JSON.stringify(venue)}` })

/**
 * A gateway over in-process venues (the simulated venue). After each request it advances
 * the venue to `nowNs`, so a venue with no latency answers within the call; a venue with
 * latency answers when the driver advances it. An unknown venue code is a definite
 * rejection (no venue will ever take the order).
 */
export const fromSyncVenues = (venues: Iterable<SyncVenue.SyncVenue>): VenueGateway => {
  const byVenue = new Map<string, SyncVenue.SyncVenue>()
  for (const v of venues) byVenue.set(v.venue, v)
  // The venue of the last submit (the map never changes): orders mostly go where the last one went.
  let lastCode: string | undefined
  let lastVenue: SyncVenue.SyncVenue | undefined
  return {
    submit: (venue, order, nowNs) => {
      let v = lastVenue
      if (venue !== lastCode || v === undefined) {
        v = byVenue.get(venue)
        if (v === undefined) return notRegistered(venue)
        lastCode = venue
        lastVenue = v
      }
      v.submit(order, nowNs)
      v.advanceTo(nowNs)
      return undefined
    },
    cancel: (venue, clientOrderId, nowNs) => {
      const v = byVenue.get(venue)
      if (v === undefined) return notRegistered(venue)
      v.cancel(clientOrderId, nowNs)
      v.advanceTo(nowNs)
      return undefined
    }
  }
}
