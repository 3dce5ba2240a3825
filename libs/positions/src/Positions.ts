/**
 * The position tracker as an Effect service, for the edges (the execution orchestrator,
 * reconciliation jobs, the HTTP API). Each call runs the synchronous tracker once; the
 * tracker's refusals become typed failures. Inputs from outside the process go through
 * `applyEncodedFill`, which decodes them with the domain's `Fill` schema first, so a
 * quantity like "1e3" or "abc" fails with InvalidFill instead of reaching the arithmetic.
 */
import { Decimal, Fill, Ids, type InstrumentSpec } from "@odum/domain"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AggregatePosition from "./AggregatePosition.js"
import type * as Exposure from "./Exposure.js"
import * as PositionError from "./PositionError.js"
import * as PositionTracker from "./PositionTracker.js"
import type * as Reconciliation from "./Reconciliation.js"
import type { StrategyPosition } from "./StrategyPosition.js"
import * as UnifiedPosition from "./UnifiedPosition.js"

/** What the service offers. */
export interface Service {
  /** Applies a decoded fill for a strategy; returns the position after it. */
  readonly applyFill: (fill: Fill.Fill, strategyId: Ids.StrategyId) => Effect.Effect<StrategyPosition, PositionError.PositionError>
  /** Decodes an encoded fill (decimals as strings) and a strategy id, then applies it. */
  readonly applyEncodedFill: (fill: unknown, strategyId: string) => Effect.Effect<StrategyPosition, PositionError.PositionError>
  /** Registers an instrument (a new listing). */
  readonly addInstrument: (spec: InstrumentSpec.InstrumentSpec) => Effect.Effect<void, PositionError.PositionError>
  /** Marks an instrument at `price`, stamped with the Clock's time. */
  readonly mark: (canonicalId: string, price: Decimal.Decimal) => Effect.Effect<void, PositionError.PositionError>
  /** Every position (venue, instrument, strategy). */
  readonly positions: Effect.Effect<Array<StrategyPosition>>
  /** Per (venue, instrument), all strategies together. */
  readonly byVenue: Effect.Effect<Array<AggregatePosition.AggregatePosition>>
  /** Per instrument across venues and strategies. */
  readonly byInstrument: Effect.Effect<Array<AggregatePosition.AggregatePosition>>
  /** The `unified_positions` rows. */
  readonly unifiedRows: Effect.Effect<Array<UnifiedPosition.UnifiedPositionRow>>
  /** Exposure in one currency. */
  readonly exposure: (options: Exposure.Options) => Effect.Effect<Exposure.Exposure, PositionError.PositionError>
  /** Differences with a venue's report; changes nothing. */
  readonly reconcile: (
    reported: ReadonlyArray<Reconciliation.ReportedPosition>,
    options?: Reconciliation.Options
  ) => Effect.Effect<Array<Reconciliation.Difference>, PositionError.PositionError>
}

/** The position service. */
export class Positions extends Context.Tag("@odum/positions/Positions")<Positions, Service>() {}

/** How the service starts. */
export interface Options extends PositionTracker.Options {}

const decodeFill = Schema.decodeUnknownEither(Fill.Fill)
const decodeStrategy = Schema.decodeUnknownEither(Ids.StrategyId)

const fromEither = <A>(e: Either.Either<A, PositionError.PositionError>): Effect.Effect<A, PositionError.PositionError> =>
  Either.isRight(e) ? Effect.succeed(e.right) : Effect.fail(e.left)

const fromResult = (error: PositionError.PositionError | undefined): Effect.Effect<void, PositionError.PositionError> =>
  error === undefined ? Effect.void : Effect.fail(error)

/** The service over a fresh tracker; fails if two instrument specs disagree. */
export const make = (options: Options = {}): Effect.Effect<Service, PositionError.PositionError> =>
  Effect.gen(function* () {
    const tracker = yield* fromEither(PositionTracker.makeEither(options))
    const applyFill = (fill: Fill.Fill, strategyId: Ids.StrategyId) =>
      Effect.suspend(() => {
        const error = tracker.apply(fill, strategyId)
        return error === undefined ? Effect.succeed(tracker.position(fill.canonicalId, strategyId)!) : Effect.fail(error)
      })
    const service: Service = {
      applyFill,
      applyEncodedFill: (input, strategyId) =>
        Effect.suspend(() => {
          const fill = decodeFill(input)
          if (Either.isLeft(fill)) {
            return Effect.fail(
              PositionError.make("InvalidFill", `Fill does not decode: ${ParseResult.TreeFormatter.formatErrorSync(fill.left)}`, undefined, fill.left)
            )
          }
          const strategy = decodeStrategy(strategyId)
          if (Either.isLeft(strategy)) {
            return Effect.fail(
              PositionError.make("InvalidFill", `Strategy id does not decode: ${ParseResult.TreeFormatter.formatErrorSync(strategy.left)}`, undefined, strategy.left)
            )
          }
          return applyFill(fill.right, strategy.right)
        }),
      addInstrument: (spec) => Effect.suspend(() => fromResult(tracker.addInstrument(spec))),
      mark: (canonicalId, price) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => fromResult(tracker.mark(canonicalId, price, now))),
      positions: Effect.sync(() => tracker.positions()),
      byVenue: Effect.sync(() => AggregatePosition.byVenue(tracker.positions())),
      byInstrument: Effect.sync(() => AggregatePosition.byInstrument(tracker.positions())),
      unifiedRows: Effect.sync(() => AggregatePosition.byInstrument(tracker.positions()).map(UnifiedPosition.toUnifiedRow)),
      exposure: (exposureOptions) => Effect.suspend(() => fromEither(tracker.exposure(exposureOptions))),
      reconcile: (reported, reconcileOptions) => Effect.suspend(() => fromEither(tracker.reconcile(reported, reconcileOptions)))
    }
    return service
  })

/** A layer providing the service over the given instruments. */
export const layer = (options: Options = {}): Layer.Layer<Positions, PositionError.PositionError> => Layer.effect(Positions, make(options))
