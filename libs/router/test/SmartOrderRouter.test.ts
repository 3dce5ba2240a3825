import { Decimal } from "@odum/domain"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { MarketState, RouterConfig, SmartOrderRouter } from "../src/index.js"
import { binanceSpot, book, d, decodeConfig, okxSpot, venue } from "./fixtures.js"

const config = decodeConfig({ venues: [venue("BINANCE-SPOT"), venue("OKX")], listings: [{ spec: binanceSpot }, { spec: okxSpot }] })

describe("SmartOrderRouter", () => {
  const market = MarketState.inMemory()
  market.setBook("BINANCE-SPOT:SPOT_PAIR:BTC-USDT", book([["99.9", "1"]], [["100", "2"]]))
  market.setBook("OKX:SPOT_PAIR:BTC-USDT", book([["99.9", "1"]], [["100.1", "2"]]))
  const live = SmartOrderRouter.layer(config).pipe(Layer.provide(MarketState.layer(market)))

  it.effect("routes through the service and reads the market port on every call", () =>
    Effect.gen(function* () {
      const router = yield* SmartOrderRouter.SmartOrderRouter
      const request = { canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT", side: "BUY" as const, type: "MARKET" as const, quantity: d("1") }
      const first = yield* router.route(request)
      expect(first.allocations[0]!.venue).toBe("BINANCE-SPOT")
      market.setOpen("BINANCE-SPOT", true)
      const second = yield* router.route(request)
      market.setOpen("BINANCE-SPOT", false)
      expect(second.allocations[0]!.venue).toBe("OKX")
      // OKX alone sets the reference now (mid 100): fee 0.1001 + slippage 0.1 = 0.2001.
      expect(Decimal.format(second.cost.total)).toBe("0.2001")
    }).pipe(Effect.provide(live))
  )

  it.effect("fails with NoRoute in the error channel", () =>
    Effect.gen(function* () {
      const router = yield* SmartOrderRouter.SmartOrderRouter
      const exit = yield* Effect.exit(
        router.route({ canonicalId: "OKX:SPOT_PAIR:BTC-USDT", side: "SELL", type: "MARKET", quantity: d("1"), venue: "BYBIT" })
      )
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error._tag : undefined).toBe("NoRoute")
    }).pipe(Effect.provide(live))
  )

  it.effect("refuses a bad JSON configuration when the layer is built", () =>
    Effect.gen(function* () {
      const layer = SmartOrderRouter.layerJson({ venues: [], listings: [{ spec: binanceSpot }] }).pipe(
        Layer.provide(MarketState.layer(market))
      )
      const result = yield* Effect.either(Layer.build(layer).pipe(Effect.scoped))
      expect(Either.isLeft(result) ? result.left.reason : undefined).toBe("UnknownVenue")
    })
  )

  it("decodes the JSON configuration it documents", () => {
    expect(Either.isRight(RouterConfig.decode({ venues: [venue("OKX")], listings: [{ spec: okxSpot }] }))).toBe(true)
  })
})
