/**
 * A risk config compiled to scaled integers. Immutable once built: the only mutation is
 * the memo of resolved (strategy, instrument) limits, a pure function of the config, so
 * a swapped-out object stays valid for a check that still holds it.
 */
import type { Decimal } from "@odum/domain"
import type { InstrumentLimits, RiskConfig, StrategyConfig } from "../RiskConfig.js"
import type { TradingState } from "../TradingState.js"
import { rank } from "../TradingState.js"
import { type AccLimit, accLimit18, accLimit36, LIM, P10 } from "./fixed.js"
import { ONE, pow10, SCALE } from "./scaled.js"
import { type CompiledSpec, toUnitsCeil, toUnitsFloor } from "./spec.js"

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
  /** The same limits in the number domain of one spec, for the fast path (memo; see FastLimits). */
  fast: FastLimits | undefined
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
  readonly maxGrossAcc: AccLimit | undefined
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
  readonly maxGrossAcc: AccLimit | undefined
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
    this.maxGrossAcc = this.maxGrossExposure === undefined ? undefined : accLimit36(this.maxGrossExposure)
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
    const maxGrossExposure = scaled36(own?.maxGrossExposure ?? dflt?.maxGrossExposure)
    const resolved: ResolvedStrategy = {
      strategyId,
      tradingState,
      tradingRank: rank(tradingState),
      perSecond,
      perMinute,
      ringCapacity: Math.max(1, perSecond, perMinute),
      maxGrossExposure,
      maxGrossAcc: maxGrossExposure === undefined ? undefined : accLimit36(maxGrossExposure),
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
      bandHigh: 0n,
      fast: undefined
    }
    strategy.limits.set(canonicalId, resolved)
    return resolved
  }
}

/**
 * One strategy's limits on one instrument in that instrument's number domain (quantities
 * at `qs` places, prices at `ps`, values at `vs`; see internal/fixed.ts), compared with
 * exact integers only. A bound is rounded to the side that keeps the comparison exact
 * for integers (`q <= max` iff `q <= floor(max)`, `q >= min` iff `q >= ceil(min)`); one
 * beyond the number range is Infinity, and a factor that cannot be held exactly is NaN,
 * which makes every comparison with it fail, so the fast path defers to the exact one.
 */
export class FastLimits {
  /** Order quantity: max of venue and risk minimum, min of the maxima; at `qs`. */
  readonly minQ: number
  readonly maxQ: number
  /** Position limits (strategy, all strategies) at `qs`. */
  readonly sMaxPos: number
  readonly iMaxPos: number
  /** Price tolerance in bps, -1 when none; the band memo at `ps` (a pure function of ref and tolerance). */
  readonly tol: number
  bandRef = 0
  bandLow = 0
  bandHigh = 0
  /** LINEAR notional bounds at `vs` (min 0 when none, max Infinity when none). */
  readonly minV: number
  readonly maxV: number
  /**
   * INVERSE notional (face vs `limit * price`): below the minimum iff
   * `face * invMinA < price * invMinB`; above the maximum iff `face * invMaxA > price * invMaxB`.
   */
  readonly invMin: boolean
  readonly invMinA: number
  readonly invMinB: number
  readonly invMax: boolean
  readonly invMaxA: number
  readonly invMaxB: number
  /** Leverage as `levN / 10^levS`. */
  readonly levN: number
  readonly levS: number
  /** The base asset's position limit (undefined when none). */
  readonly aMax: AccLimit | undefined

  constructor(
    readonly spec: CompiledSpec,
    lim: ResolvedLimits,
    assetMax: bigint | undefined
  ) {
    const c = spec
    let min = c.minQuantity
    if (lim.minQuantity !== undefined && lim.minQuantity > min) min = lim.minQuantity
    let max = c.maxQuantity
    if (lim.maxQuantity !== undefined && (max === undefined || lim.maxQuantity < max)) max = lim.maxQuantity
    this.minQ = toUnitsCeil(min, c.qs)
    this.maxQ = max === undefined ? Infinity : toUnitsFloor(max, c.qs)
    this.sMaxPos = lim.strategyMaxPosition === undefined ? Infinity : toUnitsFloor(lim.strategyMaxPosition, c.qs)
    this.iMaxPos = lim.instrumentMaxPosition === undefined ? Infinity : toUnitsFloor(lim.instrumentMaxPosition, c.qs)
    // A tolerance too large for an exact product makes the band's product fail (NaN), never skip the check.
    this.tol = lim.priceToleranceBps === undefined ? -1 : Number(lim.priceToleranceBps)
    let nMin = c.minNotional
    if (lim.minNotional !== undefined && (nMin === undefined || lim.minNotional > nMin)) nMin = lim.minNotional
    const nMax = lim.maxNotional
    this.minV = nMin === undefined ? 0 : toUnitsCeil(nMin, c.vs)
    this.maxV = nMax === undefined ? Infinity : toUnitsFloor(nMax, c.vs)
    // INVERSE: face36 < m18 * px18  <=>  face * 10^(18 + ps - bs) < m18 * price (face at bs, price at ps).
    const k = SCALE + c.ps - c.bs
    const inv = (m: bigint | undefined): [boolean, number, number] => {
      if (m === undefined) return [false, 0, 0]
      let t = 0
      while (t < k && m !== 0n && m % 10n === 0n) {
        m /= 10n
        t++
      }
      const a = k - t <= 22 ? (P10[k - t] as number) : NaN
      return [true, a, m <= BigInt(LIM) ? Number(m) : NaN]
    }
    ;[this.invMin, this.invMinA, this.invMinB] = inv(nMin)
    ;[this.invMax, this.invMaxA, this.invMaxB] = inv(nMax)
    let lev = lim.leverage
    let levS = SCALE
    while (levS > 0 && lev % 10n === 0n) {
      lev /= 10n
      levS--
    }
    this.levN = lev <= BigInt(LIM) ? Number(lev) : NaN
    this.levS = levS
    this.aMax = assetMax === undefined ? undefined : accLimit18(assetMax)
  }
}
