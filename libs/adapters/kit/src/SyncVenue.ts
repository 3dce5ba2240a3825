/**
 * The synchronous low-level venue port, for the backtest hot path: no Effect, promise or
 * closure per order. The caller passes the time (`nowNs`, the simulated clock) and drives
 * the venue forward with `advanceTo`; execution events are pushed into an `ExecutionSink`
 * as they happen, in order. Only venues that run in-process (the simulated venue)
 * implement it; network venues implement `VenueAdapter` alone.
 */
import type { Ids } from "@odum/domain"
import type { ExecutionEvent } from "./ExecutionEvent.js"
import type { VenueOrderRequest } from "./VenueOrderRequest.js"

/** Receives execution events; an object with a method so the venue calls it without allocating. */
export interface ExecutionSink {
  onExecution(event: ExecutionEvent): void
}

/** A venue driven synchronously by a simulated clock. */
export interface SyncVenue {
  readonly venue: Ids.Venue
  /**
   * Sends an order at `nowNs`. It reaches the matching engine after the venue's latency;
   * the answer (Accepted/Rejected, then fills and the outcome) arrives in the sink when the
   * venue is advanced past that time. Never throws for a bad order: it is Rejected.
   */
  submit(order: VenueOrderRequest, nowNs: bigint): void
  /** Asks to cancel at `nowNs`; answered by Cancelled or CancelRejected after the latency. */
  cancel(clientOrderId: Ids.ClientOrderId, nowNs: bigint): void
  /** Processes everything due at or before `nowNs` (orders and cancels reaching the venue). */
  advanceTo(nowNs: bigint): void
  /** When the next request reaches the venue (ns), or undefined if none is in flight: lets a driver interleave. */
  nextArrivalNs(): bigint | undefined
}
