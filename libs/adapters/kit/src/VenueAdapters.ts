/**
 * The registry of venue adapters: venue code -> adapter. The router and the execution
 * core look venues up here, so live, paper and backtest wiring differ only in which
 * adapters the layer registers.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { VenueAdapter } from "./VenueAdapter.js"
import { VenueRegistryError } from "./VenueError.js"

/** The registry's interface. */
export interface VenueAdaptersService {
  /** Registered venue codes, sorted. */
  readonly venues: ReadonlyArray<string>
  /** The adapter of `venue`, or VenueRegistryError(NotRegistered). */
  readonly get: (venue: string) => Effect.Effect<VenueAdapter, VenueRegistryError>
  /** The adapter of `venue`, or undefined (for synchronous callers such as the router's catalogue). */
  readonly unsafeGet: (venue: string) => VenueAdapter | undefined
}

/** The venue adapter registry service. */
export class VenueAdapters extends Context.Tag("@odum/adapter-kit/VenueAdapters")<VenueAdapters, VenueAdaptersService>() {}

/** A registry of `adapters`; fails with VenueRegistryError(DuplicateVenue) if two share a venue code. */
export const make = (adapters: Iterable<VenueAdapter>): Effect.Effect<VenueAdaptersService, VenueRegistryError> =>
  Effect.suspend(() => {
    const byVenue = new Map<string, VenueAdapter>()
    for (const adapter of adapters) {
      if (byVenue.has(adapter.venue)) {
        return Effect.fail(
          new VenueRegistryError({
            reason: "DuplicateVenue",
            venue: adapter.venue,
            message: `Two adapters are registered for venue ${adapter.venue}`
          })
        )
      }
      byVenue.set(adapter.venue, adapter)
    }
    const venues = [...byVenue.keys()].sort()
    const unsafeGet = (venue: string) => byVenue.get(venue)
    const get = (venue: string): Effect.Effect<VenueAdapter, VenueRegistryError> => {
      const adapter = byVenue.get(venue)
      return adapter !== undefined
        ? Effect.succeed(adapter)
        : Effect.fail(
            new VenueRegistryError({
              reason: "NotRegistered",
              venue,
              message: `No adapter is registered for venue ${JSON.stringify(venue)} (registered: ${venues.join(", ") || "none"})`
            })
          )
    }
    return Effect.succeed({ venues, get, unsafeGet })
  })

/** The registry of the given adapters. */
export const layer = (adapters: Iterable<VenueAdapter>): Layer.Layer<VenueAdapters, VenueRegistryError> =>
  Layer.effect(VenueAdapters, make(adapters))

/**
 * The registry of adapters that are themselves built by effects (e.g. one that opens a
 * websocket in a Scope, or the simulated venue's adapter).
 */
export const layerEffect = <E, R>(
  adapters: Effect.Effect<Iterable<VenueAdapter>, E, R>
): Layer.Layer<VenueAdapters, E | VenueRegistryError, Exclude<R, Scope.Scope>> =>
  Layer.scoped(VenueAdapters, Effect.flatMap(adapters, make))
