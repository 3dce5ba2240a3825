/**
 * The risk configuration: JSON with decimals as strings, validated by Schema, then
 * compiled once into an immutable object of scaled integers that the engine reads on
 * every check. Replacing the config swaps that one object (see PreTradeRisk).
 *
 * Limit resolution for strategy `s` and instrument `i`, field by field, first defined wins:
 * `strategies[s].instruments[i]`, `strategies[s].defaults`, `defaultStrategy.instruments[i]`,
 * `defaultStrategy.defaults`, `instruments[i]`, `defaults`. The one exception is
 * `maxPosition`: at strategy level (the first four) it caps that strategy's own position,
 * at top level (the last two) the position of all strategies together.
 */
import { Decimal } from "@odum/domain"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { CompiledRiskConfig } from "./internal/compiled.js"
import { RiskConfigError } from "./RiskError.js"
import { TradingState } from "./TradingState.js"

/** Largest orders-per-window limit accepted (bounds the velocity ring's memory). */
export const MAX_VELOCITY = 1_000_000

const Positive = Decimal.PositiveDecimalFromString
const NonNegative = Decimal.NonNegativeDecimalFromString
const Rate = Schema.Int.pipe(Schema.between(0, MAX_VELOCITY))
const Key = Schema.NonEmptyTrimmedString

/** Limits of one instrument (or the default for every instrument); every field optional. */
export const InstrumentLimits = Schema.Struct({
  /** Smallest order quantity (contracts for derivatives); the venue's own minimum applies too. */
  minQuantity: Schema.optional(NonNegative),
  /** Largest order quantity; the venue's own maximum applies too. */
  maxQuantity: Schema.optional(Positive),
  /** Smallest order notional, in the instrument's notional asset (quote; base coin for inverse). */
  minNotional: Schema.optional(NonNegative),
  /** Largest order notional (fat-finger guard), in the same asset as minNotional. */
  maxNotional: Schema.optional(Positive),
  /** Largest absolute position in contracts, open orders counted (see the module doc for its scope). */
  maxPosition: Schema.optional(NonNegative),
  /** Largest distance of a limit price from the reference price, in basis points. */
  priceToleranceBps: Schema.optional(Schema.NonNegativeInt),
  /** Leverage for the initial-margin check of derivatives: margin = notional / leverage. Default 1. */
  leverage: Schema.optional(Positive),
  /** Whether to check the available balance or margin. Default true. */
  checkBalance: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "InstrumentLimits" })
/** Limits of one instrument. */
export type InstrumentLimits = typeof InstrumentLimits.Type

/** Orders allowed per sliding second and per sliding minute; absent means unlimited. */
export const VelocityLimits = Schema.Struct({
  perSecond: Schema.optional(Rate),
  perMinute: Schema.optional(Rate)
}).annotations({ identifier: "VelocityLimits" })
/** Orders allowed per second and per minute. */
export type VelocityLimits = typeof VelocityLimits.Type

/** What applies to one strategy (or, as `defaultStrategy`, to every strategy). */
export const StrategyConfig = Schema.Struct({
  tradingState: Schema.optional(TradingState),
  velocity: Schema.optional(VelocityLimits),
  /** Largest gross notional of this strategy across all instruments, in quote terms. */
  maxGrossExposure: Schema.optional(NonNegative),
  defaults: Schema.optional(InstrumentLimits),
  instruments: Schema.optional(Schema.Record({ key: Key, value: InstrumentLimits }))
}).annotations({ identifier: "StrategyConfig" })
/** What applies to one strategy. */
export type StrategyConfig = typeof StrategyConfig.Type

/** Limits on one asset across every instrument and venue. */
export const AssetLimits = Schema.Struct({
  /** Largest absolute net position in the asset (base units), open orders counted. */
  maxPosition: NonNegative
}).annotations({ identifier: "AssetLimits" })
/** Limits on one asset. */
export type AssetLimits = typeof AssetLimits.Type

/** The whole risk configuration. */
export const RiskConfig = Schema.Struct({
  /** Global trading state; default ACTIVE. */
  tradingState: Schema.optional(TradingState),
  /** Global velocity, all strategies together. */
  velocity: Schema.optional(VelocityLimits),
  /** Largest gross notional across all instruments and venues, in quote terms. */
  maxGrossExposure: Schema.optional(NonNegative),
  /** Per base asset, across venues (POSITION_LIMIT_GLOBAL). */
  assets: Schema.optional(Schema.Record({ key: Key, value: AssetLimits })),
  defaults: Schema.optional(InstrumentLimits),
  instruments: Schema.optional(Schema.Record({ key: Key, value: InstrumentLimits })),
  defaultStrategy: Schema.optional(StrategyConfig),
  strategies: Schema.optional(Schema.Record({ key: Key, value: StrategyConfig }))
}).annotations({ identifier: "RiskConfig" })
/** The whole risk configuration, decoded. */
export type RiskConfig = typeof RiskConfig.Type
/** The configuration as JSON (decimals as strings). */
export type Encoded = typeof RiskConfig.Encoded

/** The compiled, immutable form the engine reads; build it with `load` or `compile`. */
export type Compiled = CompiledRiskConfig

/** The empty configuration: ACTIVE, no limits beyond the venue's grid and minimums, balance checked. */
export const empty: RiskConfig = {}

const decodeEither = Schema.decodeUnknownEither(RiskConfig, { errors: "all", onExcessProperty: "error" })

/** Decodes JSON input; unknown fields are errors, so a typo never silently drops a limit. */
export const decode = (input: unknown): Either.Either<RiskConfig, RiskConfigError> =>
  Either.mapLeft(
    decodeEither(input),
    (e) =>
      new RiskConfigError({
        reason: "InvalidConfig",
        message: `Invalid risk config:\n${ParseResult.TreeFormatter.formatErrorSync(e)}`,
        cause: e
      })
  )

/** The config as JSON. */
export const encode = (config: RiskConfig): Encoded => Schema.encodeSync(RiskConfig)(config)

const quoteKey = (k: string): string => JSON.stringify(k)

/** Contradictions inside one limits object, each named by its path. */
const limitIssues = (path: string, l: InstrumentLimits | undefined, out: Array<string>): void => {
  if (l === undefined) return
  if (l.minQuantity !== undefined && l.maxQuantity !== undefined && Decimal.greaterThan(l.minQuantity, l.maxQuantity)) {
    out.push(`${path}: minQuantity ${Decimal.format(l.minQuantity)} is above maxQuantity ${Decimal.format(l.maxQuantity)}`)
  }
  if (l.minNotional !== undefined && l.maxNotional !== undefined && Decimal.greaterThan(l.minNotional, l.maxNotional)) {
    out.push(`${path}: minNotional ${Decimal.format(l.minNotional)} is above maxNotional ${Decimal.format(l.maxNotional)}`)
  }
  for (const [name, d] of [
    ["minQuantity", l.minQuantity],
    ["maxQuantity", l.maxQuantity],
    ["minNotional", l.minNotional],
    ["maxNotional", l.maxNotional],
    ["maxPosition", l.maxPosition],
    ["leverage", l.leverage]
  ] as const) {
    if (d !== undefined && d.scale > 18) out.push(`${path}: ${name} has more than 18 decimals`)
  }
}

const strategyIssues = (path: string, s: StrategyConfig | undefined, out: Array<string>): void => {
  if (s === undefined) return
  limitIssues(`${path}.defaults`, s.defaults, out)
  for (const [id, l] of Object.entries(s.instruments ?? {})) limitIssues(`${path}.instruments[${quoteKey(id)}]`, l, out)
}

/** Compiles a decoded config, refusing contradictory limits with every one named. */
export const compile = (config: RiskConfig): Either.Either<Compiled, RiskConfigError> => {
  const issues: Array<string> = []
  limitIssues("defaults", config.defaults, issues)
  for (const [id, l] of Object.entries(config.instruments ?? {})) limitIssues(`instruments[${quoteKey(id)}]`, l, issues)
  strategyIssues("defaultStrategy", config.defaultStrategy, issues)
  for (const [id, s] of Object.entries(config.strategies ?? {})) strategyIssues(`strategies[${quoteKey(id)}]`, s, issues)
  if (issues.length > 0) {
    return Either.left(
      new RiskConfigError({ reason: "InconsistentLimits", message: `Inconsistent risk config:\n- ${issues.join("\n- ")}` })
    )
  }
  return Either.right(new CompiledRiskConfig(config))
}

/** Decodes and compiles JSON input in one step. */
export const load = (input: unknown): Either.Either<Compiled, RiskConfigError> => Either.flatMap(decode(input), compile)
