/**
 * A catalogue group compiled for the hot path: every listing's grid, limits and rates as
 * bigints at the group's common scales, so a decision aligns nothing unless a book or an
 * order carries more digits than the specs.
 */
import { Decimal } from "@odum/domain"
import type { CostConfig } from "../RouterConfig.js"
import type { Listing, VenueCatalogue } from "../VenueCatalogue.js"
import { num } from "./fast.js"
import { at, fromBps } from "./scaled.js"

/** One listing, compiled. */
export interface CompiledListing {
  readonly listing: Listing
  /** Priced by the router (LINEAR); inverse and quanto are not yet. */
  readonly supported: boolean
  readonly csUnits: bigint
  readonly csScale: number
  /** Tick at the group's price scale. */
  readonly tick: bigint
  /** One lot in underlying units (`lotSize × contractSize`) at the group's quantity scale. */
  readonly lotFace: bigint
  readonly minFace: bigint
  /** -1n when unlimited. */
  readonly maxFace: bigint
  readonly minNotional: Decimal.Decimal | undefined
  /** Taker and maker fee rates and the latency penalty rate at the group's rate scale. */
  readonly taker: bigint
  readonly maker: bigint
  readonly lambda: bigint
  /** `10^ks ± (taker + lambda)` for a buy / a sell: a taken level's cost is its price times this. */
  readonly buyTake: bigint
  readonly sellTake: bigint
  /** `10^ks ± (maker + lambda)`: the same for the resting part. */
  readonly buyRest: bigint
  readonly sellRest: bigint
  readonly takerRate: Decimal.Decimal
  readonly makerRate: Decimal.Decimal
  readonly lambdaRate: Decimal.Decimal
  /**
   * The same as numbers for the fast path (`fast.ts`): NaN where the bigint is beyond 2^53
   * (`nMax` is -1 when unlimited).
   */
  readonly nCs: number
  readonly nTick: number
  readonly nLot: number
  readonly nMin: number
  readonly nMax: number
  readonly nBuyTake: number
  readonly nSellTake: number
  readonly nBuyRest: number
  readonly nSellRest: number
}

/** A group of equivalent listings, compiled. */
export interface CompiledGroup {
  readonly listings: ReadonlyArray<CompiledListing>
  /** Price scale: the finest tick. */
  readonly ps: number
  /** Quantity scale (underlying units): the finest lot, minimum or maximum. */
  readonly qs: number
  /** Rate scale: the finest fee or latency rate (at least 1). */
  readonly ks: number
}

const faceScale = (d: Decimal.Decimal, cs: Decimal.Decimal) => d.scale + cs.scale

/** Compiles every group of the catalogue. */
export const compile = (catalogue: VenueCatalogue, costs: CostConfig): ReadonlyArray<CompiledGroup> =>
  catalogue.groups.map((group) => {
    const lambdas = group.map((l) => fromBps(Decimal.mul(costs.latencyPenaltyBpsPerMs, Decimal.fromInt(l.latencyMs))))
    let ps = 0
    let qs = 0
    let ks = 1
    group.forEach((l, i) => {
      const s = l.spec
      ps = Math.max(ps, s.tickSize.scale)
      qs = Math.max(qs, faceScale(s.lotSize, s.contractSize), faceScale(s.minQuantity, s.contractSize))
      if (s.maxQuantity !== undefined) qs = Math.max(qs, faceScale(s.maxQuantity, s.contractSize))
      ks = Math.max(ks, s.takerFee.scale, s.makerFee.scale, lambdas[i]!.scale)
    })
    const face = (d: Decimal.Decimal, cs: Decimal.Decimal) => at(Decimal.mul(d, cs), qs)
    const listings = group.map((listing, i): CompiledListing => {
      const s = listing.spec
      const one = 10n ** BigInt(ks)
      const taker = at(s.takerFee, ks)
      const maker = at(s.makerFee, ks)
      const lambda = at(lambdas[i]!, ks)
      const tick = at(s.tickSize, ps)
      const lotFace = face(s.lotSize, s.contractSize)
      const minFace = face(s.minQuantity, s.contractSize)
      const maxFace = s.maxQuantity === undefined ? -1n : face(s.maxQuantity, s.contractSize)
      const buyTake = one + taker + lambda
      const sellTake = one - taker - lambda
      const buyRest = one + maker + lambda
      const sellRest = one - maker - lambda
      return {
        listing,
        supported: s.contractType === "LINEAR",
        csUnits: s.contractSize.units,
        csScale: s.contractSize.scale,
        tick,
        lotFace,
        minFace,
        maxFace,
        minNotional: s.minNotional !== undefined && Decimal.isPositive(s.minNotional) ? s.minNotional : undefined,
        taker,
        maker,
        lambda,
        buyTake,
        sellTake,
        buyRest,
        sellRest,
        takerRate: s.takerFee,
        makerRate: s.makerFee,
        lambdaRate: lambdas[i]!,
        nCs: num(s.contractSize.units),
        nTick: num(tick),
        nLot: num(lotFace),
        nMin: num(minFace),
        nMax: maxFace < 0n ? -1 : num(maxFace),
        nBuyTake: num(buyTake),
        nSellTake: num(sellTake),
        nBuyRest: num(buyRest),
        nSellRest: num(sellRest)
      }
    })
    return { listings, ps, qs, ks }
  })
