/**
 * The router as an Effect service: the pure `Router` wrapped once at the edge, reading the
 * `Market` port for books and circuit state. Routing itself stays synchronous; the Effect
 * only carries the typed failure.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Market } from "./MarketState.js"
import * as Router from "./Router.js"
import type * as RouterConfig from "./RouterConfig.js"
import type { RouteError, RouterConfigError } from "./RouterError.js"
import type { RouteRequest } from "./RouteRequest.js"
import type { RoutingDecision } from "./RoutingDecision.js"
import type { VenueCatalogue } from "./VenueCatalogue.js"

/** What the service offers. */
export interface Service {
  /** Routes one order against the current market state. */
  readonly route: (request: RouteRequest) => Effect.Effect<RoutingDecision, RouteError>
  /** The catalogue routed over (for listings, fees and equivalences). */
  readonly catalogue: VenueCatalogue
}

/** The smart order router service. */
export class SmartOrderRouter extends Context.Tag("@odum/router/SmartOrderRouter")<SmartOrderRouter, Service>() {}

/** The service over a built router and a market state. */
export const make = (router: Router.Router, market: Market["Type"]): Service => ({
  route: (request) =>
    Effect.suspend(() => {
      const r = router.route(request, market)
      return Router.isRouteError(r) ? Effect.fail(r) : Effect.succeed(r)
    }),
  catalogue: router.catalogue
})

/** The service from a decoded configuration; needs the `Market` port. */
export const layer = (config: RouterConfig.RouterConfig): Layer.Layer<SmartOrderRouter, RouterConfigError, Market> =>
  Layer.effect(
    SmartOrderRouter,
    Effect.gen(function* () {
      const router = yield* Router.make(config)
      const market = yield* Market
      return make(router, market)
    })
  )

/** The service from JSON configuration (decimals as strings); needs the `Market` port. */
export const layerJson = (input: unknown): Layer.Layer<SmartOrderRouter, RouterConfigError, Market> =>
  Layer.effect(
    SmartOrderRouter,
    Effect.gen(function* () {
      const router = yield* Router.fromJson(input)
      const market = yield* Market
      return make(router, market)
    })
  )
