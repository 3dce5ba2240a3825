/**
 * The risk engine as an Effect service: the pure core (`PreTradeRisk`) built once from a
 * config and the RiskBook in context, with Effect-returning methods for the edges
 * (clock from Effect's Clock, typed config errors). The hot path calls `core.check`
 * directly with its own clock value.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PreTradeRisk from "./PreTradeRisk.js"
import { RiskBook } from "./RiskBook.js"
import type * as RiskConfig from "./RiskConfig.js"
import type { Allow, Deny, RiskDecision } from "./RiskDecision.js"
import type { RiskConfigError } from "./RiskError.js"
import type { TradingState } from "./TradingState.js"

/** What the RiskEngine service offers. */
export interface Service {
  /** The synchronous core, for the hot path (pass the clock value yourself). */
  readonly core: PreTradeRisk.PreTradeRisk
  /** Checks an order at the current Clock time; an allowed order is recorded for velocity. */
  readonly check: (order: PreTradeRisk.RiskOrder) => Effect.Effect<RiskDecision>
  /** Every failing check of an order, at the current Clock time; records nothing. */
  readonly checkAll: (order: PreTradeRisk.RiskOrder) => Effect.Effect<ReadonlyArray<Deny>>
  /** Always allowed. */
  readonly checkCancel: Effect.Effect<Allow>
  /** Validates and swaps in a new JSON config; on failure the old one stays. */
  readonly replaceConfig: (input: unknown) => Effect.Effect<void, RiskConfigError>
  /** The config in force. */
  readonly currentConfig: Effect.Effect<RiskConfig.RiskConfig>
  /** Sets an operator trading state, globally or for one strategy. */
  readonly setTradingState: (state: TradingState, strategyId?: string) => Effect.Effect<void>
  /** The effective trading state, globally or for one strategy. */
  readonly tradingState: (strategyId?: string) => Effect.Effect<TradingState>
}

/** The pre-trade risk engine service. */
export class RiskEngine extends Context.Tag("@odum/risk/RiskEngine")<RiskEngine, Service>() {}

/** Builds the service over the RiskBook in context; fails with RiskConfigError on a bad config. */
export const make = (config: unknown): Effect.Effect<Service, RiskConfigError, RiskBook> =>
  Effect.gen(function* () {
    const book = yield* RiskBook
    const core = yield* PreTradeRisk.make({ book, config })
    return {
      core,
      check: (order) => Effect.map(Clock.currentTimeMillis, (now) => core.check(order, now)),
      checkAll: (order) => Effect.map(Clock.currentTimeMillis, (now) => core.checkAll(order, now)),
      checkCancel: Effect.sync(() => core.checkCancel()),
      replaceConfig: (input) => Effect.asVoid(Effect.suspend(() => core.replaceConfig(input))),
      currentConfig: Effect.sync(() => core.currentConfig),
      setTradingState: (state, strategyId) => Effect.sync(() => core.setTradingState(state, strategyId)),
      tradingState: (strategyId) => Effect.sync(() => core.tradingState(strategyId))
    } satisfies Service
  })

/** The RiskEngine from a JSON config (decimals as strings), over the RiskBook in context. */
export const layer = (config: unknown): Layer.Layer<RiskEngine, RiskConfigError, RiskBook> =>
  Layer.effect(RiskEngine, make(config))
