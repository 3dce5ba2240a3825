/**
 * A risk config compiled to scaled integers. Immutable once built: the only mutation is
 * the memo of resolved (strategy, instrument) limits, a pure function of the config, so
 * a swapped-out object stays valid for a check that still holds it.
 */
import type { Decimal } from "@odum/domain"
import type { InstrumentLimits, RiskConfig, StrategyConfig } from "../RiskConfig.js"
import type { TradingState } from "../TradingState.js"
import { rank } from "../TradingState.js"
import { ONE, pow10, SCALE } from "./scaled.js"

/** Limits in force for one strategy trading one instrument; absent limits are `undefined`. */
export interface ResolvedLimits {
  readonly minQuantity: bigint | undefined
  readonly maxQuantity: bigint | undefined
  /** Scale 18, in the instrument's notional asset. */
  readonly minNotional: bigint | undefined
  readonly maxNotional: bigint | undefined
  /** The same at scale 36, compared with LINEAR notionals without a multiplication. */
  readonly minNotional36: bigint | undefined
  readonly maxNotional36: bigint | undefined
  /** All strategies together. */
  readonly instrumentMaxPosition: bigint | undefined
  /** This strategy alone. */
  readonly strategyMaxPosition: bigint | undefined
  readonly priceToleranceBps: bigint | undefined
  /** Scale 18; 1 when not configured. */
  readonly leverage: bigint
  readonly checkBalance: boolean
  /**
   * Memo of the tolerance band for the last reference price seen: a limit price p passes
   * iff bandLow <= p <= bandHigh. Recomputed when the reference changes; a pure function
   * of (ref, tolerance), so sharing it between checks is safe.
   */
  bandRef: bigint
  bandLow: bigint
  bandHigh: bigint
}

/** What applies to one strategy, plus its memo of per-instrument limits. */
export interface ResolvedStrategy {
  readonly strategyId: string
  readonly tradingState: TradingState
  readonly tradingRank: 0 | 1 | 2
  /** -1 when unlimited. */
  readonly perSecond: number
  readonly perMinute: number
  /** Ring capacity the strategy's velocity limits need. */
  readonly ringCapacity: number
  /** Scale 36. */
  readonly maxGrossExposure: bigint | undefined
  readonly limits: Map<string, ResolvedLimits>
}

const scaled = (d: Decimal.Decimal | undefined): bigint | undefined =>
  d === undefined ? undefined : d.units * pow10(SCALE - d.scale)

const scaled36 = (d: Decimal.Decimal | undefined): bigint | undefined =>
  d === undefined ? undefined : d.units * pow10(2 * SCALE - d.scale)

type Field = keyof InstrumentLimits

/** The first defined value of `field` along a resolution chain. */
const first = <K extends Field>(chain: ReadonlyArray<InstrumentLimits | undefined>, field: K): InstrumentLimits[K] => {
  for (const l of chain) {
    const v = l?.[field]
    if (v !== undefined) return v
  }
  return undefined
}

const rate = (n: number | undefined): number => (n === undefined ? -1 : n)

/** The compiled configuration (see RiskConfig for the resolution rules). */
export class CompiledRiskConfig {
  /** The decoded config it was built from. */
  readonly source: RiskConfig
  readonly tradingState: TradingState
  readonly tradingRank: 0 | 1 | 2
  readonly perSecond: number
  readonly perMinute: number
  readonly ringCapacity: number
  readonly maxGrossExposure: bigint | undefined
  /** Base asset -> max absolute net position, scale 18. */
  readonly assetMaxPosition: ReadonlyMap<string, bigint>
  private readonly strategies = new Map<string, ResolvedStrategy>()

  constructor(source: RiskConfig) {
    this.source = source
    this.tradingState = source.tradingState ?? "ACTIVE"
    this.tradingRank = rank(this.tradingState)
    this.perSecond = rate(source.velocity?.perSecond)
    this.perMinute = rate(source.velocity?.perMinute)
    this.ringCapacity = Math.max(1, this.perSecond, this.perMinute)
    this.maxGrossExposure = scaled36(source.maxGrossExposure)
    this.assetMaxPosition = new Map(Object.entries(source.assets ?? {}).map(([k, v]) => [k, scaled(v.maxPosition) as bigint]))
  }

  /** What applies to `strategyId` (memoised). */
  strategy(strategyId: string): ResolvedStrategy {
    const hit = this.strategies.get(strategyId)
    if (hit !== undefined) return hit
    const own: StrategyConfig | undefined = this.source.strategies?.[strategyId]
    const dflt = this.source.defaultStrategy
    const tradingState = own?.tradingState ?? dflt?.tradingState ?? "ACTIVE"
    const perSecond = rate(own?.velocity?.perSecond ?? dflt?.velocity?.perSecond)
    const perMinute = rate(own?.velocity?.perMinute ?? dflt?.velocity?.perMinute)
    const resolved: ResolvedStrategy = {
      strategyId,
      tradingState,
      tradingRank: rank(tradingState),
      perSecond,
      perMinute,
      ringCapacity: Math.max(1, perSecond, perMinute),
      maxGrossExposure: scaled36(own?.maxGrossExposure ?? dflt?.maxGrossExposure),
      limits: new Map()
    }
    this.strategies.set(strategyId, resolved)
    return resolved
  }

  /** The limits of `strategy` on `canonicalId` (memoised). */
  limits(strategy: ResolvedStrategy, canonicalId: string): ResolvedLimits {
    const hit = strategy.limits.get(canonicalId)
    if (hit !== undefined) return hit
    const own = this.source.strategies?.[strategy.strategyId]
    const dflt = this.source.defaultStrategy
    const strategyChain = [own?.instruments?.[canonicalId], own?.defaults, dflt?.instruments?.[canonicalId], dflt?.defaults]
    const topChain = [this.source.instruments?.[canonicalId], this.source.defaults]
    const chain = [...strategyChain, ...topChain]
    const tolerance = first(chain, "priceToleranceBps")
    const minNotional = first(chain, "minNotional")
    const maxNotional = first(chain, "maxNotional")
    const resolved: ResolvedLimits = {
      minQuantity: scaled(first(chain, "minQuantity")),
      maxQuantity: scaled(first(chain, "maxQuantity")),
      minNotional: scaled(minNotional),
      maxNotional: scaled(maxNotional),
      minNotional36: scaled36(minNotional),
      maxNotional36: scaled36(maxNotional),
      instrumentMaxPosition: scaled(first(topChain, "maxPosition")),
      strategyMaxPosition: scaled(first(strategyChain, "maxPosition")),
      priceToleranceBps: tolerance === undefined ? undefined : BigInt(tolerance),
      leverage: scaled(first(chain, "leverage")) ?? ONE,
      checkBalance: first(chain, "checkBalance") ?? true,
      bandRef: -1n,
      bandLow: 0n,
      bandHigh: 0n
    }
    strategy.limits.set(canonicalId, resolved)
    return resolved
  }
}
