/**
 * A catalogue group compiled for the hot path: every listing's grid, limits and rates as
 * bigints at the group's common scales, so a decision aligns nothing unless a book or an
 * order carries more digits than the specs.
 */
import { Decimal } from "@odum/domain"
import type { CostConfig } from "../RouterConfig.js"
import type { OrderBook } from "../OrderBook.js"
import type { Listing, VenueCatalogue } from "../VenueCatalogue.js"
import { exact, num, p10n } from "./fast.js"
import { at, fromBps, pow10 } from "./scaled.js"

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
  /** What decisions derive from this listing at their scales (see `Memo`). */
  readonly memo: Memo
  /** The explanation of a decision choosing this listing among `k` feasible ones without a split, by `k`. */
  readonly cheapest: ReadonlyArray<string>
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
        nSellRest: num(sellRest),
        memo: new Memo(),
        cheapest: Array.from({ length: group.length + 1 }, (_, k) => `cheapest of ${k} feasible listing(s): ${listing.canonicalId}`)
      }
    })
    return { listings, ps, qs, ks }
  })

/**
 * What a decision derives from one listing at its scales, kept for the next decision: the
 * grid and limits at the decision's price and quantity scales (`ps`, `qs`), the minimum
 * notional at `ps + qs`, and the multipliers from the book's own scales (`bps`, `bss`: its
 * price and size scale, -1 without a book) to the decision's. One entry, keyed by those
 * four scales and checked on every decision (`Memo.at`), so a decision at other scales or
 * over a book with other scales recomputes it; nothing in it depends on a book's levels,
 * the request's values or the fast-path switch. Mutable, and owned by the compiled listing
 * (so by one router, which is not re-entrant).
 */
export class Memo {
  ps = -1
  qs = -1
  bps = -2
  bss = -2
  /** Tick, lot, minimum and maximum (-1n: none) at `ps` / `qs`. */
  tick = 0n
  lotFace = 1n
  minFace = 0n
  maxFace = -1n
  /** The same as numbers (NaN when beyond 2^53; `nMax` -1 when unlimited). */
  nTick = NaN
  nLot = 1
  nMin = 0
  nMax = -1
  /** `nLot` (positive), `nMin` and `nMax` are exact. */
  gridExact = false
  /** The minimum notional at `ps + qs` as an exact number; NaN when there is none or it is not exact. */
  nMinN = NaN
  /** Book price units to `ps`, book size units to underlying units at `qs` (with the contract size). */
  pMul = 1n
  sMul = 1n
  nPMul = 1
  nSMul = 1
  /** `nPMul` and `nSMul` are exact. */
  bookExact = false
  /** Every book size is a whole number of lots: `sMul % lotFace === 0`. */
  onGrid = false
  /** A lot is a whole number of book size units: `lotFace % sMul === 0`. */
  lotWhole = false

  /** Brings the entry to these scales (a no-op when it is there already) and returns it. */
  at(c: CompiledListing, g: CompiledGroup, ps: number, qs: number, book: OrderBook | undefined): this {
    const bps = book === undefined ? -1 : book.priceScale
    const bss = book === undefined ? -1 : book.sizeScale
    if (this.ps === ps && this.qs === qs && this.bps === bps && this.bss === bss) return this
    const dp = ps - g.ps
    const dq = qs - g.qs
    if (dp === 0 && dq === 0) {
      this.tick = c.tick
      this.lotFace = c.lotFace
      this.minFace = c.minFace
      this.maxFace = c.maxFace
      this.nLot = c.nLot
      this.nMin = c.nMin
      this.nMax = c.nMax
    } else {
      const mp = pow10(dp)
      const mq = pow10(dq)
      const mqN = p10n(dq)
      this.tick = c.tick * mp
      this.lotFace = c.lotFace * mq
      this.minFace = c.minFace * mq
      this.maxFace = c.maxFace < 0n ? -1n : c.maxFace * mq
      this.nLot = c.nLot * mqN
      this.nMin = c.nMin * mqN
      this.nMax = c.nMax < 0 ? -1 : c.nMax * mqN
    }
    this.nTick = c.nTick * p10n(dp)
    this.gridExact = exact(this.nLot) && this.nLot > 0 && exact(this.nMin) && exact(this.nMax)
    const nScale = ps + qs
    const mn = c.minNotional
    const minN = mn === undefined || mn.scale > nScale ? NaN : num(mn.units) * p10n(nScale - mn.scale)
    this.nMinN = exact(minN) ? minN : NaN
    if (book !== undefined) {
      this.pMul = pow10(ps - bps)
      const shift = pow10(qs - bss - c.csScale)
      this.sMul = c.csUnits === 1n ? shift : c.csUnits * shift
      this.nPMul = p10n(ps - bps)
      this.nSMul = c.nCs * p10n(qs - bss - c.csScale)
      this.bookExact = exact(this.nPMul) && exact(this.nSMul)
      this.onGrid = this.sMul % this.lotFace === 0n
      this.lotWhole = this.lotFace % this.sMul === 0n
    }
    this.ps = ps
    this.qs = qs
    this.bps = bps
    this.bss = bss
    return this
  }
}
