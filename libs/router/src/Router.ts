/**
 * The smart order router's pure core: `route(request, market)` returns a RoutingDecision or
 * a typed error, synchronously, without I/O or Effect. Quantities and prices are walked as
 * bigints at common scales (underlying units for quantities, so listings with different
 * contract sizes compare); costs come out as exact Decimals. The README gives the formulas.
 *
 * A Router keeps scratch slots that every call reuses, so it is not re-entrant; it never
 * needs to be (the call is synchronous).
 */
import { Decimal } from "@odum/domain"
import { InstrumentId } from "@odum/instrument-id"
import * as Either from "effect/Either"
import { type CompiledGroup, type CompiledListing, compile } from "./internal/compile.js"
import { BookCandidate, InfeasibleCandidate, LazyAllocation, LazyReference, Scales, Sentence } from "./internal/Explained.js"
import { at, compareTo, dec, fromBps, pow10 } from "./internal/scaled.js"
import { ScaledCost } from "./internal/ScaledCost.js"
import type { MarketState } from "./MarketState.js"
import type { OrderBook } from "./OrderBook.js"
import * as RouterConfig from "./RouterConfig.js"
import { InvalidRouteRequest, NoRoute, type RouteError, type RouterConfigError } from "./RouterError.js"
import type { RouteRequest } from "./RouteRequest.js"
import type {
  Allocation,
  Candidate,
  Cost,
  InfeasibleReason,
  Pricing,
  ReferenceSource,
  RoutingDecision,
  SplitEvaluation
} from "./RoutingDecision.js"
import * as VenueCatalogue from "./VenueCatalogue.js"

const EMPTY: ReadonlyArray<bigint> = []

/** Per-listing working state of one decision; reused across decisions. */
class Slot {
  c!: CompiledListing
  blocked: InfeasibleReason | undefined = undefined
  book: OrderBook | undefined = undefined
  /** The side an order walks: asks for a buy, bids for a sell. */
  prices: ReadonlyArray<bigint> = EMPTY
  sizes: ReadonlyArray<bigint> = EMPTY
  pMul = 1n
  /** Book size units to underlying units at the decision's quantity scale (includes the contract size). */
  sMul = 1n
  /** Whether every book size is a whole number of lots (then a walk need not round). */
  onGrid = false
  /** Levels already scaled this decision: prices at ps and sizes in underlying units at qs. */
  cached = 0
  readonly lp: Array<bigint> = []
  readonly ls: Array<bigint> = []
  tick = 0n
  lotFace = 1n
  minFace = 0n
  maxFace = -1n
  /** The order's limit on this listing's tick grid, rounded inwards; -1n for none. */
  limit = -1n
  /** `10^ks ± (taker + lambda)`: a level's marginal cost is its price times this. */
  takeFactor = 0n
  /** `10^ks ± (maker + lambda)`. */
  restFactor = 0n
  // Single-venue walk.
  takeF = 0n
  takeN = 0n
  worst = 0n
  stoppedAtLimit = false
  // Split state.
  idx = 0
  left = 0n
  headP = 0n
  headC = 0n
  alloc = 0n
  allocN = 0n
  allocWorst = 0n
  rest = 0n
  out = false
  excluded = false
}

/** Cost components as units: notional at ps+qs, fee and latency at ps+qs+ks, slippage at rs+qs. */
class Acc {
  n = 0n
  fee = 0n
  lat = 0n
  slip = 0n
  reset(): this {
    this.n = 0n
    this.fee = 0n
    this.lat = 0n
    this.slip = 0n
    return this
  }
}

/** A priced candidate: its explanation plus what its allocation needs. */
interface Priced {
  readonly slot: Slot
  readonly candidate: Candidate
  readonly cost: Cost
  /** The total as units at the decision's total scale (book pricing), for comparing without Decimals. */
  readonly units: bigint | undefined
  /** Underlying units taken and left resting, and the worst price walked (-1n: none). */
  readonly takeF: bigint
  readonly restF: bigint
  readonly worst: bigint
}

/** The outcome of pricing one listing alone. */
interface Single {
  readonly candidate: Candidate
  readonly priced?: Priced
}

const ZERO = Decimal.zero

/** The smart order router over one catalogue. Build it with `make`. */
export class Router {
  /** The venue catalogue it routes over. */
  readonly catalogue: VenueCatalogue.VenueCatalogue
  /** The cost parameters. */
  readonly costs: RouterConfig.CostConfig
  private readonly groups: ReadonlyArray<CompiledGroup>
  private readonly slots: Array<Slot>
  private readonly acc = new Acc()
  // Per-decision context.
  private buy = true
  private ps = 0
  private qs = 0
  private ks = 0
  private rs = 0
  private ref = -1n
  private refShift = 1n
  private q = 0n
  /** This decision's quantity and scales, for the parts of it that are formatted only when read. */
  private scales = new Scales(0n, 0, 0)

  /** Use `make`; the constructor trusts a checked catalogue. */
  constructor(catalogue: VenueCatalogue.VenueCatalogue, costs: RouterConfig.CostConfig) {
    this.catalogue = catalogue
    this.costs = costs
    this.groups = compile(catalogue, costs)
    const widest = Math.max(0, ...catalogue.groups.map((g) => g.length))
    this.slots = Array.from({ length: widest }, () => new Slot())
  }

  /**
   * Routes one order: the cheapest feasible listing, a split when it is cheaper by more
   * than the threshold, or the pinned venue. Never throws for a bad request or a missing
   * route: returns `InvalidRouteRequest` or `NoRoute`.
   */
  route(request: RouteRequest, market: MarketState): RoutingDecision | RouteError {
    const invalid = validate(request)
    if (invalid !== undefined) return invalid
    const requested = VenueCatalogue.lookup(this.catalogue, request.canonicalId)
    if (requested === undefined) {
      const parsed = InstrumentId.parse(request.canonicalId)
      if (Either.isLeft(parsed)) return bad("InvalidInstrumentId", parsed.left.message)
      return new NoRoute({
        reason: "NotListed",
        message: `${request.canonicalId} is not in the venue catalogue`,
        canonicalId: request.canonicalId,
        candidates: []
      })
    }
    const group = this.groups[requested.group]!
    const gl = group.listings
    const n = gl.length
    const slots = this.slots
    const buy = request.side === "BUY"
    this.buy = buy
    const limit = request.type === "LIMIT" ? request.price : undefined
    const tif = request.timeInForce ?? (request.type === "MARKET" ? "IOC" : "GTC")
    const taking = request.type === "MARKET" || tif === "IOC" || tif === "FOK"
    const postOnly = request.postOnly === true

    // Pinned venue: the requested listing if it is on that venue, else an equivalent there.
    let pinned = -1
    if (request.venue !== undefined) {
      for (let i = 0; i < n; i++) {
        const l = gl[i]!.listing
        if (l.venue === request.venue && (pinned < 0 || l === requested)) pinned = i
      }
      if (pinned < 0) {
        return new NoRoute({
          reason: "ExplicitVenueNotListed",
          message: `${request.venue} does not list ${request.canonicalId} or an equivalent`,
          canonicalId: request.canonicalId,
          candidates: []
        })
      }
    }

    // Status and books; the scales are the finest any input needs.
    const reqSpec = requested.spec
    let ps = group.ps
    let qs = Math.max(group.qs, request.quantity.scale + reqSpec.contractSize.scale)
    if (limit !== undefined && limit.scale > ps) ps = limit.scale
    for (let i = 0; i < n; i++) {
      const s = slots[i]!
      const c = gl[i]!
      const l = c.listing
      s.c = c
      s.book = undefined
      s.blocked = !l.enabled ? "VenueDisabled" : market.isOpen(l.venue) ? "CircuitOpen" : !c.supported ? "UnsupportedContract" : undefined
      if (s.blocked !== undefined) continue
      const book = market.book(l.canonicalId)
      if (book === undefined) continue
      s.book = book
      if (book.priceScale > ps) ps = book.priceScale
      const sq = book.sizeScale + c.csScale
      if (sq > qs) qs = sq
    }
    this.ps = ps
    this.qs = qs
    const ks = group.ks
    this.ks = ks
    const dp = ps - group.ps
    const dq = qs - group.qs
    this.q = request.quantity.units * reqSpec.contractSize.units * pow10(qs - request.quantity.scale - reqSpec.contractSize.scale)
    // On a listing of contract size 1 the underlying quantity is the request's own Decimal.
    const cs = reqSpec.contractSize
    this.scales = new Scales(this.q, qs, ps, cs.units === 1n && cs.scale === 0 ? request.quantity : undefined)
    const limitUnits = limit === undefined ? -1n : at(limit, ps)

    let bestBid = -1n
    let bestAsk = -1n
    for (let i = 0; i < n; i++) {
      const s = slots[i]!
      const c = s.c
      if (dp === 0 && dq === 0) {
        s.tick = c.tick
        s.lotFace = c.lotFace
        s.minFace = c.minFace
        s.maxFace = c.maxFace
      } else {
        const mp = pow10(dp)
        const mq = pow10(dq)
        s.tick = c.tick * mp
        s.lotFace = c.lotFace * mq
        s.minFace = c.minFace * mq
        s.maxFace = c.maxFace < 0n ? -1n : c.maxFace * mq
      }
      if (limitUnits < 0n) s.limit = -1n
      else {
        const r = limitUnits % s.tick
        s.limit = r === 0n ? limitUnits : buy ? limitUnits - r : limitUnits - r + s.tick
      }
      s.takeFactor = buy ? c.buyTake : c.sellTake
      s.restFactor = buy ? c.buyRest : c.sellRest
      const book = s.book
      if (book === undefined) {
        s.prices = EMPTY
        s.sizes = EMPTY
        continue
      }
      s.pMul = pow10(ps - book.priceScale)
      const shift = pow10(qs - book.sizeScale - c.csScale)
      s.sMul = c.csUnits === 1n ? shift : c.csUnits * shift
      s.onGrid = s.sMul % s.lotFace === 0n
      s.cached = 0
      const side = buy ? book.asks : book.bids
      s.prices = side.prices
      s.sizes = side.sizes
      const bid = book.bids.prices[0]
      const ask = book.asks.prices[0]
      if (bid !== undefined) {
        const b = bid * s.pMul
        if (b > bestBid) bestBid = b
      }
      if (ask !== undefined) {
        const a = ask * s.pMul
        if (bestAsk < 0n || a < bestAsk) bestAsk = a
      }
    }

    // The slippage reference: the consolidated mid, else the request's, else the limit.
    let source: ReferenceSource | undefined
    this.rs = ps + 1
    this.ref = -1n
    if (bestBid >= 0n || bestAsk >= 0n) {
      source = "BOOKS"
      this.ref = bestBid >= 0n && bestAsk >= 0n ? (bestBid + bestAsk) * 5n : (bestBid >= 0n ? bestBid : bestAsk) * 10n
    } else if (request.referencePrice !== undefined) {
      source = "REQUEST"
      this.rs = Math.max(ps + 1, request.referencePrice.scale)
      this.ref = at(request.referencePrice, this.rs)
    } else if (limit !== undefined) {
      source = "LIMIT"
      this.ref = limitUnits * 10n
    }
    this.refShift = pow10(this.rs - ps)
    const reference = this.ref < 0n || source === undefined ? undefined : new LazyReference(source, this.ref, this.rs)

    // Single-listing candidates.
    const candidates: Array<Candidate> = []
    const priced: Array<Priced> = []
    const from = pinned < 0 ? 0 : pinned
    const to = pinned < 0 ? n : pinned + 1
    for (let i = from; i < to; i++) {
      const s = slots[i]!
      const r = this.single(s, taking, postOnly, reference)
      candidates.push(r.candidate)
      if (r.priced !== undefined) priced.push(r.priced)
    }
    let best: Priced | undefined
    for (const p of priced) if (best === undefined || cheaper(p, best)) best = p

    // Split: not for a pinned venue, FOK (atomic per venue only) or post-only (nothing taken).
    let split: SplitEvaluation | undefined
    if (pinned < 0 && this.costs.split && tif !== "FOK" && !postOnly) {
      let eligible = 0
      for (let i = 0; i < n; i++) {
        const s = slots[i]!
        if (s.blocked === undefined && s.book !== undefined) eligible++
      }
      if (eligible >= 2) split = this.splitCannotWin(n, best) ?? this.split(n, taking, best)
    }

    if (split !== undefined && split.chosen) {
      return decisionOf(request, tif, limit, reference, candidates, split, "SPLIT", split.allocations, split.cost!, split.detail)
    }
    if (best === undefined) {
      const why = candidates.map((c) => `${c.canonicalId}: ${c.reason ?? "?"}`).join("; ")
      return new NoRoute({
        reason: pinned >= 0 ? "ExplicitVenueUnavailable" : "NoFeasibleVenue",
        message:
          pinned >= 0
            ? `the order is pinned to ${request.venue}, which cannot take it (${why})`
            : `no venue can take ${request.side} ${Decimal.format(request.quantity)} ${request.canonicalId} (${why}${split === undefined ? "" : `; split: ${split.detail}`})`,
        canonicalId: request.canonicalId,
        candidates
      })
    }
    const allocation = this.allocationOf(best)
    const explanation =
      pinned >= 0
        ? `pinned to ${request.venue}`
        : `cheapest of ${priced.length} feasible listing(s): ${best.candidate.canonicalId}` +
          (split === undefined ? "" : `; split not chosen: ${split.detail}`)
    return decisionOf(request, tif, limit, reference, candidates, split, pinned >= 0 ? "EXPLICIT" : "SINGLE", [allocation], best.cost, explanation)
  }

  /** Prices one listing alone. */
  private single(
    s: Slot,
    taking: boolean,
    postOnly: boolean,
    reference: LazyReference | undefined
  ): Single {
    const no = infeasible
    if (s.blocked !== undefined) return no(s, s.blocked)
    const q = this.q
    const qs = this.qs
    // Detail sentences are formatted only if someone reads them (see internal/Explained).
    if (q % s.lotFace !== 0n) {
      return no(s, "OffLotGrid", new Sentence("", q, " underlying is not a multiple of the lot ", s.lotFace, "", qs))
    }
    if (q < s.minFace) return no(s, "BelowMinQuantity", new Sentence("", q, " is below the minimum ", s.minFace, "", qs))
    if (s.maxFace >= 0n && q > s.maxFace) return no(s, "AboveMaxQuantity", new Sentence("", q, " is above the maximum ", s.maxFace, "", qs))
    if (s.limit === 0n) return no(s, "LimitPriceBound", "the limit price rounds to zero on this listing's tick grid")
    const buy = this.buy

    if (s.book === undefined) return this.model(s, taking, postOnly, reference?.price)

    let takeF = 0n
    let takeN = 0n
    if (postOnly) {
      const top = s.prices[0]
      if (top !== undefined) {
        const p = top * s.pMul
        if (buy ? p <= s.limit : p >= s.limit) {
          return no(s, "WouldCross", new Sentence("the post-only limit ", s.limit, " crosses the best price ", p, "", this.ps))
        }
      }
    } else {
      this.walk(s)
      takeF = s.takeF
      takeN = s.takeN
    }
    const restF = q - takeF
    if (taking && restF > 0n) {
      return no(
        s,
        s.stoppedAtLimit ? "LimitPriceBound" : "InsufficientDepth",
        new Sentence(s.stoppedAtLimit ? "depth within the limit fills " : "visible depth fills ", takeF, " of ", q, "", qs)
      )
    }
    const acc = this.acc.reset()
    this.addCost(acc, s, takeF, takeN, restF)
    const mn = s.c.minNotional
    if (mn !== undefined && compareTo(acc.n, this.ps + qs, mn) < 0) {
      return no(s, "BelowMinNotional", new Sentence("notional ", acc.n, " is below the minimum ", mn, "", this.ps + qs))
    }
    const cost = this.toCost(acc)
    // restF is 0 for an order that may not rest (it is infeasible otherwise), so its resting quantity is 0.
    const candidate = new BookCandidate(this.scales, s.c, s.lotFace, takeF, restF, s.worst, cost)
    return {
      candidate,
      priced: { slot: s, candidate, cost, units: cost.totalUnits, takeF, restF, worst: takeF > 0n ? s.worst : -1n }
    }
  }

  /**
   * Walks a listing's book for the whole quantity, within its limit, on its lot grid. In
   * the book's own units when the quantity and the lot are whole numbers of book size
   * units (the usual case), which saves scaling every level; scaled otherwise.
   */
  private walk(s: Slot): void {
    const sMul = s.sMul
    const q = this.q
    if (q % sMul !== 0n || s.lotFace % sMul !== 0n) return this.walkScaled(s)
    const buy = this.buy
    const prices = s.prices
    const sizes = s.sizes
    const n = prices.length
    const pMul = s.pMul
    const lot = s.lotFace / sMul
    // p x pMul > limit  <=>  p > floor(limit / pMul) for a buy; p x pMul < limit  <=>  p < ceil(limit / pMul) for a sell.
    const limit = s.limit < 0n || pMul === 1n ? s.limit : buy ? s.limit / pMul : (s.limit + pMul - 1n) / pMul
    let rem = q / sMul
    let notional = 0n
    let worst = 0n
    let atLimit = false
    for (let i = 0; i < n && rem > 0n; i++) {
      const p = prices[i]!
      if (limit >= 0n && (buy ? p > limit : p < limit)) {
        atLimit = true
        break
      }
      const size = sizes[i]!
      let take = size < rem ? size : rem
      if (lot !== 1n) take -= take % lot
      if (take === 0n) continue
      notional += take * p
      rem -= take
      worst = p
    }
    s.takeF = q - rem * sMul
    s.takeN = notional * sMul * pMul
    s.worst = worst * pMul
    s.stoppedAtLimit = atLimit
  }

  /** `walk` in the decision's common units, for quantities or lots finer than the book's size unit. */
  private walkScaled(s: Slot): void {
    const buy = this.buy
    const n = s.prices.length
    const lot = s.lotFace
    const onGrid = s.onGrid
    const limit = s.limit
    let rem = this.q
    let notional = 0n
    let worst = 0n
    let atLimit = false
    for (let i = 0; i < n && rem > 0n; i++) {
      if (i >= s.cached) this.scaleLevel(s, i)
      const p = s.lp[i]!
      if (limit >= 0n && (buy ? p > limit : p < limit)) {
        atLimit = true
        break
      }
      const size = s.ls[i]!
      let take = size < rem ? size : rem
      // The quantity is on the lot grid (checked before the walk), so only an off-grid size needs rounding.
      if (!onGrid) take -= take % lot
      if (take === 0n) continue
      notional += take * p
      rem -= take
      worst = p
    }
    s.takeF = this.q - rem
    s.takeN = notional
    s.worst = worst
    s.stoppedAtLimit = atLimit
  }

  /** Scales level `i` of a slot's walked side (levels are scaled in order, once per decision). */
  private scaleLevel(s: Slot, i: number): void {
    s.lp[i] = s.pMul === 1n ? s.prices[i]! : s.prices[i]! * s.pMul
    s.ls[i] = s.sMul === 1n ? s.sizes[i]! : s.sizes[i]! * s.sMul
    s.cached = i + 1
  }

  /** Adds a listing's taker part (takeF underlying for notional takeN) and resting part (restF at its limit). */
  private addCost(acc: Acc, s: Slot, takeF: bigint, takeN: bigint, restF: bigint): void {
    const c = s.c
    const restN = restF > 0n ? restF * s.limit : 0n
    const n = takeN + restN
    acc.n += n
    acc.fee += takeN * c.taker + restN * c.maker
    acc.lat += n * c.lambda
    const slip = n * this.refShift - (takeF + restF) * this.ref
    acc.slip += this.buy ? slip : -slip
  }

  private toCost(acc: Acc): ScaledCost {
    const nScale = this.ps + this.qs
    return new ScaledCost(acc.n, acc.fee, acc.lat, acc.slip, nScale, nScale + this.ks, this.rs + this.qs)
  }

  /**
   * Prices a listing without a book: the expected average price is
   * `ref × (1 ± (halfSpreadBps + impactBpsPerUnit × q) / 10^4)`, capped at the limit for an
   * order that may rest; a limit that does not reach the model's touch rests whole.
   */
  private model(
    s: Slot,
    taking: boolean,
    postOnly: boolean,
    ref: Decimal.Decimal | undefined
  ): Single {
    if (ref === undefined) {
      return infeasible(
        s,
        "NoReferencePrice",
        "no book is known for this listing or any equivalent, and the request has no reference price"
      )
    }
    const c = s.c
    const buy = this.buy
    const m = c.listing.noBookModel
    const q = dec(this.q, this.qs)
    const dir = buy ? Decimal.one : Decimal.neg(Decimal.one)
    const touch = Decimal.mul(ref, Decimal.add(Decimal.one, Decimal.mul(dir, fromBps(m.halfSpreadBps))))
    const deviation = Decimal.add(m.halfSpreadBps, Decimal.mul(m.impactBpsPerUnit, q))
    let price = Decimal.mul(ref, Decimal.add(Decimal.one, Decimal.mul(dir, fromBps(deviation))))
    const limit = s.limit < 0n ? undefined : dec(s.limit, this.ps)
    let rests = postOnly
    if (limit !== undefined) {
      const fmt = Decimal.format
      if (postOnly && !beyond(buy, touch, limit)) {
        return infeasible(s, "WouldCross", `the post-only limit ${fmt(limit)} reaches the modelled touch ${fmt(touch)}`)
      }
      if (!postOnly && beyond(buy, touch, limit)) {
        if (taking) {
          return infeasible(s, "LimitPriceBound", `the limit ${fmt(limit)} does not reach the modelled touch ${fmt(touch)}`)
        }
        rests = true
      }
      if (!rests && beyond(buy, price, limit)) {
        if (taking) {
          return infeasible(s, "LimitPriceBound", `the modelled average price ${fmt(price)} is beyond the limit ${fmt(limit)}`)
        }
        price = limit
      }
      if (rests) price = limit
    }
    const notional = Decimal.mul(q, price)
    const mn = c.minNotional
    if (mn !== undefined && Decimal.lessThan(notional, mn)) {
      return infeasible(s, "BelowMinNotional", `notional ${Decimal.format(notional)} is below the minimum ${Decimal.format(mn)}`)
    }
    const fee = Decimal.mul(notional, rests ? c.makerRate : c.takerRate)
    const diff = Decimal.mul(q, Decimal.sub(price, ref))
    const slippage = buy ? diff : Decimal.neg(diff)
    const latencyPenalty = Decimal.mul(notional, c.lambdaRate)
    const cost: Cost = {
      notional,
      fee,
      slippage,
      latencyPenalty,
      total: Decimal.add(Decimal.add(fee, slippage), latencyPenalty)
    }
    const quantity = this.units(s, this.q)
    const l = c.listing
    const candidate: Candidate = {
      venue: l.venue,
      canonicalId: l.canonicalId,
      access: l.access,
      latencyMs: l.latencyMs,
      feasible: true,
      reason: undefined,
      detail: undefined,
      pricing: "MODEL",
      takerQuantity: rests ? ZERO : quantity,
      restingQuantity: rests ? quantity : ZERO,
      worstPrice: undefined,
      cost
    }
    return {
      candidate,
      priced: { slot: s, candidate, cost, units: undefined, takeF: rests ? 0n : this.q, restF: rests ? this.q : 0n, worst: -1n }
    }
  }

  /**
   * Greedy split over the listings with a book: repeatedly take the cheapest next level
   * across listings, where a level's marginal cost is `price × (1 ± (taker + lambda))`.
   * Each listing's marginal cost rises level by level, so the greedy allocation is the
   * cheapest one (up to lot rounding). Listings whose allocation misses their minimum are
   * excluded and the greedy reruns. For an order that may rest, the remainder rests on the
   * listing where resting costs least.
   */
  private split(n: number, taking: boolean, best: Priced | undefined): SplitEvaluation {
    const slots = this.slots
    for (let i = 0; i < n; i++) {
      const s = slots[i]!
      s.excluded = s.blocked !== undefined || s.book === undefined
    }
    let rem = this.q
    for (let round = 0; round <= n; round++) {
      rem = this.greedy(n)
      let violated = false
      for (let i = 0; i < n; i++) {
        const s = slots[i]!
        if (s.excluded || s.alloc === 0n) continue
        const mn = s.c.minNotional
        if (s.alloc < s.minFace || (mn !== undefined && compareTo(s.allocN, this.ps + this.qs, mn) < 0)) {
          s.excluded = true
          violated = true
        }
      }
      if (!violated) break
    }
    for (let i = 0; i < n; i++) slots[i]!.rest = 0n
    if (rem > 0n && !taking) {
      // Rest the remainder where resting costs least and the listing's grid and limits allow it.
      let target: Slot | undefined
      let targetCost = 0n
      for (let i = 0; i < n; i++) {
        const s = slots[i]!
        if (s.excluded || s.limit <= 0n || rem % s.lotFace !== 0n) continue
        const total = s.alloc + rem
        if (total < s.minFace || (s.maxFace >= 0n && total > s.maxFace)) continue
        const mn = s.c.minNotional
        if (mn !== undefined && compareTo(s.allocN + rem * s.limit, this.ps + this.qs, mn) < 0) continue
        const unit = this.buy ? s.limit * s.restFactor : -(s.limit * s.restFactor)
        if (target === undefined || unit < targetCost) {
          target = s
          targetCost = unit
        }
      }
      if (target !== undefined) {
        target.rest = rem
        rem = 0n
      }
    }
    const used: Array<Slot> = []
    for (let i = 0; i < n; i++) {
      const s = slots[i]!
      if (!s.excluded && s.alloc + s.rest > 0n) used.push(s)
    }
    if (rem > 0n) {
      return {
        feasible: false,
        detail: taking
          ? `visible depth across listings fills ${this.fmtQ(this.q - rem)} of ${this.fmtQ(this.q)} underlying`
          : `no listing can rest the remaining ${this.fmtQ(rem)} underlying on its grid and limits`,
        allocations: [],
        cost: undefined,
        saving: undefined,
        threshold: undefined,
        chosen: false
      }
    }
    if (used.length < 2) {
      return {
        feasible: true,
        detail: `the cheapest allocation uses one listing (${used[0]?.c.listing.canonicalId ?? "none"})`,
        allocations: [],
        cost: undefined,
        saving: undefined,
        threshold: undefined,
        chosen: false
      }
    }
    const total = this.acc.reset()
    const allocations: Array<Allocation> = []
    const part = new Acc()
    for (const s of used) {
      part.reset()
      this.addCost(part, s, s.alloc, s.allocN, s.rest)
      total.n += part.n
      total.fee += part.fee
      total.lat += part.lat
      total.slip += part.slip
      allocations.push(this.allocation(s, s.alloc, s.rest, s.allocWorst, "BOOK", this.toCost(part)))
    }
    const cost = this.toCost(total)
    if (best === undefined) {
      return {
        feasible: true,
        detail: `split over ${used.length} listings: no single listing can take the order`,
        allocations,
        cost,
        saving: undefined,
        threshold: undefined,
        chosen: true
      }
    }
    // saving = best single total - split total; threshold = splitMinSavingBps x notional / 10^4.
    const bps = this.costs.splitMinSavingBps
    const thresholdUnits = cost.notionalUnits * bps.units
    const thresholdScale = cost.nScale + bps.scale + 4
    let saving: Decimal.Decimal
    let chosen: boolean
    if (best.units !== undefined) {
      const savingUnits = best.units - cost.totalUnits
      saving = dec(savingUnits, cost.tScale)
      chosen =
        thresholdScale >= cost.tScale
          ? savingUnits * pow10(thresholdScale - cost.tScale) > thresholdUnits
          : savingUnits > thresholdUnits * pow10(cost.tScale - thresholdScale)
    } else {
      saving = Decimal.sub(best.cost.total, cost.total)
      chosen = compareTo(thresholdUnits, thresholdScale, saving) < 0
    }
    const threshold = dec(thresholdUnits, thresholdScale)
    return {
      feasible: true,
      detail: chosen
        ? `split over ${used.length} listings beats ${best.candidate.canonicalId} by more than the threshold`
        : `split over ${used.length} listings does not beat ${best.candidate.canonicalId} by more than the threshold`,
      allocations,
      cost,
      saving,
      threshold,
      chosen
    }
  }

  /**
   * The split evaluation when no split can beat the best single listing, without running
   * the greedy: the best listing takes the whole order from its top level, and no other
   * listing's top level has a lower marginal cost. Every unit anywhere then costs at least
   * that listing's top marginal cost (marginal costs only rise down a book), so the
   * greedy would return the same allocation (or an equally costly one, never chosen).
   */
  private splitCannotWin(n: number, best: Priced | undefined): SplitEvaluation | undefined {
    if (best === undefined || best.units === undefined || best.restF !== 0n) return undefined
    const b = best.slot
    const top = b.prices[0]
    if (top === undefined || best.worst !== top * b.pMul) return undefined
    const buy = this.buy
    const bestC = buy ? best.worst * b.takeFactor : -(best.worst * b.takeFactor)
    const slots = this.slots
    for (let i = 0; i < n; i++) {
      const s = slots[i]!
      if (s === b || s.blocked !== undefined || s.book === undefined) continue
      const p = s.prices[0]
      if (p === undefined) continue
      const scaled = p * s.pMul
      const c = buy ? scaled * s.takeFactor : -(scaled * s.takeFactor)
      if (c < bestC) return undefined
    }
    return {
      feasible: true,
      detail: `no split can be cheaper: ${b.c.listing.canonicalId} takes the whole order at the lowest marginal cost of any listing`,
      allocations: [],
      cost: undefined,
      saving: undefined,
      threshold: undefined,
      chosen: false
    }
  }

  /** One greedy pass over the listings not excluded; returns the quantity left unallocated. */
  private greedy(n: number): bigint {
    const slots = this.slots
    const buy = this.buy
    for (let i = 0; i < n; i++) {
      const s = slots[i]!
      s.idx = -1
      s.left = 0n
      s.alloc = 0n
      s.allocN = 0n
      s.allocWorst = 0n
      s.out = s.excluded
    }
    let rem = this.q
    while (rem > 0n) {
      let best: Slot | undefined
      for (let i = 0; i < n; i++) {
        const s = slots[i]!
        if (s.out) continue
        while (s.left < s.lotFace) {
          const k = ++s.idx
          if (k >= s.prices.length) {
            s.out = true
            break
          }
          if (k >= s.cached) this.scaleLevel(s, k)
          const p = s.lp[k]!
          if (s.limit >= 0n && (buy ? p > s.limit : p < s.limit)) {
            s.out = true
            break
          }
          s.left = s.ls[k]!
          s.headP = p
          s.headC = buy ? p * s.takeFactor : -(p * s.takeFactor)
        }
        if (s.out) continue
        if (rem < s.lotFace || (s.maxFace >= 0n && s.alloc + s.lotFace > s.maxFace)) {
          s.out = true
          continue
        }
        if (best === undefined || s.headC < best.headC) best = s
      }
      if (best === undefined) break
      let take = best.left < rem ? best.left : rem
      if (best.maxFace >= 0n && best.alloc + take > best.maxFace) take = best.maxFace - best.alloc
      take -= take % best.lotFace
      best.alloc += take
      best.allocN += take * best.headP
      best.left -= take
      best.allocWorst = best.headP
      rem -= take
    }
    return rem
  }

  private allocationOf(p: Priced): Allocation {
    return this.allocation(p.slot, p.takeF, p.restF, p.worst, p.candidate.pricing!, p.cost)
  }

  /** An allocation: its quantity now (what a caller sends), the rest of its explanation when read. */
  private allocation(s: Slot, takeF: bigint, restF: bigint, worst: bigint, pricing: Pricing, cost: Cost): Allocation {
    const quantity = this.units(s, takeF + restF)
    return new LazyAllocation(this.scales, s.c, s.lotFace, takeF, restF, s.limit, worst, quantity, pricing, cost)
  }

  /** Underlying units (a whole number of lots) as the listing's own quantity. */
  private units(s: Slot, face: bigint): Decimal.Decimal {
    return this.scales.units(s.c, s.lotFace, face)
  }

  private fmtQ(units: bigint): string {
    return Decimal.format(dec(units, this.qs))
  }
}

/** A candidate that cannot take the order, and why. */
const infeasible = (s: Slot, reason: InfeasibleReason, detail?: string | Sentence): Single => ({
  candidate: new InfeasibleCandidate(s.c, reason, detail)
})

/** True if `a` costs less than `b`; on a tie the earlier listing (`b`, seen first) stays. */
const cheaper = (a: Priced, b: Priced): boolean =>
  a.units !== undefined && b.units !== undefined ? a.units < b.units : Decimal.lessThan(a.cost.total, b.cost.total)

/** True if `p` is on the far side of `limit` (above it for a buy, below for a sell). */
const beyond = (buy: boolean, p: Decimal.Decimal, limit: Decimal.Decimal): boolean =>
  buy ? Decimal.greaterThan(p, limit) : Decimal.lessThan(p, limit)

const bad = (reason: InvalidRouteRequest["reason"], message: string) => new InvalidRouteRequest({ reason, message })

/** Checks the request's own consistency; undefined when it is well formed. */
const validate = (r: RouteRequest): InvalidRouteRequest | undefined => {
  if (!Decimal.isPositive(r.quantity)) {
    return bad("NonPositiveQuantity", `quantity must be positive, got ${Decimal.format(r.quantity)}`)
  }
  if (r.type === "LIMIT") {
    if (r.price === undefined) return bad("MissingPrice", "a LIMIT order needs a price")
    if (!Decimal.isPositive(r.price)) return bad("NonPositivePrice", `the limit price must be positive, got ${Decimal.format(r.price)}`)
  } else if (r.price !== undefined) {
    return bad("UnexpectedPrice", "a MARKET order has no price")
  }
  if (r.postOnly === true && (r.type !== "LIMIT" || r.timeInForce === "IOC" || r.timeInForce === "FOK")) {
    return bad("InvalidPostOnly", "postOnly needs a LIMIT order that is not IOC or FOK")
  }
  if (r.referencePrice !== undefined && !Decimal.isPositive(r.referencePrice)) {
    return bad("NonPositivePrice", `the reference price must be positive, got ${Decimal.format(r.referencePrice)}`)
  }
  return undefined
}

/** A router over a decoded configuration; fails if the catalogue's cross-references do not hold. */
export const make = (config: RouterConfig.RouterConfig): Either.Either<Router, RouterConfigError> =>
  Either.map(VenueCatalogue.make(config), (catalogue) => new Router(catalogue, config.costs))

/** A router from JSON configuration (decimals as strings). */
export const fromJson = (input: unknown): Either.Either<Router, RouterConfigError> =>
  Either.flatMap(RouterConfig.decode(input), make)

/** True for the errors `route` returns (as opposed to a decision). */
/** A decision as one literal with every key (one hidden class for every decision). */
const decisionOf = (
  request: RouteRequest,
  timeInForce: string,
  price: Decimal.Decimal | undefined,
  reference: RoutingDecision["reference"],
  candidates: RoutingDecision["candidates"],
  split: RoutingDecision["split"],
  choice: RoutingDecision["choice"],
  allocations: RoutingDecision["allocations"],
  cost: RoutingDecision["cost"],
  explanation: string
): RoutingDecision => ({
  canonicalId: request.canonicalId,
  side: request.side,
  type: request.type,
  timeInForce,
  quantity: request.quantity,
  price,
  venue: request.venue,
  reference,
  candidates,
  split,
  choice,
  allocations,
  cost,
  explanation
})

export const isRouteError = (u: RoutingDecision | RouteError): u is RouteError => "_tag" in u

/** `router.route` as an Either. */
export const route = (
  router: Router,
  request: RouteRequest,
  market: MarketState
): Either.Either<RoutingDecision, RouteError> => {
  const r = router.route(request, market)
  return isRouteError(r) ? Either.left(r) : Either.right(r)
}
