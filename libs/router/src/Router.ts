/**
 * The smart order router's pure core: `route(request, market)` returns a RoutingDecision or
 * a typed error, synchronously, without I/O or Effect. Quantities and prices are walked as
 * scaled integers at common scales (underlying units for quantities, so listings with
 * different contract sizes compare); costs come out as exact Decimals. The README gives the
 * formulas.
 *
 * Two implementations of the same arithmetic: exact JS numbers (internal/fast.ts: every
 * input and every sum or product checked to be within 2^53) and bigints, the reference. A
 * listing, walk, cost, comparison or split that would leave the exact range is done in
 * bigints; the differential tests (test/FastPath.test.ts) route with both and compare.
 *
 * A Router keeps scratch slots that every call reuses, so it is not re-entrant; it never
 * needs to be (the call is synchronous).
 */
import { Decimal } from "@odum/domain"
import { InstrumentId } from "@odum/instrument-id"
import * as Either from "effect/Either"
import { type CompiledGroup, type CompiledListing, compile } from "./internal/compile.js"
import { BookCandidate, InfeasibleCandidate, LazyAllocation, LazyReference, Scales, Sentence } from "./internal/Explained.js"
import {
  big,
  exact,
  fallbacks,
  FLIM,
  fastPathOn,
  KEY_BASE,
  KEY_BASE_B,
  type Key,
  keyLess,
  mod,
  NLIM,
  num,
  p10n,
  SAFE,
  setKey
} from "./internal/fast.js"
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
class Slot implements Key {
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
  /** Whether a lot is a whole number of book size units (then a walk can run in the book's units). */
  lotWhole = false
  /** Levels already scaled this decision: prices at ps and sizes in underlying units at qs. */
  cached = 0
  readonly lp: Array<bigint> = []
  readonly ls: Array<bigint> = []
  tick = 0n
  lotFace = 1n
  minFace = 0n
  maxFace = -1n
  /**
   * The order's limit on this listing's tick grid, rounded inwards, at ps (-1n for none):
   * `limitB`, or built from the exact `nLimit` when first read.
   */
  limitB: bigint | undefined = -1n
  get limit(): bigint {
    return (this.limitB ??= BigInt(this.nLimit))
  }
  set limit(x: bigint) {
    this.limitB = x
  }
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
  // The number fast path (internal/fast.ts): the same values as exact numbers, valid this
  // decision when `fast` (every one of them, and the quantity, is within 2^53).
  fast = false
  nPMul = 1
  nSMul = 1
  nLot = 1
  nMin = 0
  nMax = -1
  nLimit = -1
  nTF = 0
  nRF = 0
  /** `|nTF|, |nRF| < FLIM`: a candidate's comparison key can be formed. */
  keyable = false
  /** The minimum notional at ps+qs; NaN when there is none or it is not an exact number. */
  nMinN = NaN
  /**
   * Levels `[0, nCached)` of the walked side, scaled to `nPMul` / `nSMul` as exact numbers
   * (`nlp` prices, `nls` sizes). Kept across decisions while the book object and the
   * multipliers are the same (`nBook`, `nBookP`, `nBookS`): a book handed to the router is
   * never changed in place (OrderBook), so its levels are converted once per book, not once
   * per decision. The other side's levels wait in `nlpOther` / `nlsOther` / `nCachedOther`
   * (swapped in when the side changes).
   */
  nCached = 0
  nlp: Array<number> = []
  nls: Array<number> = []
  nCachedOther = 0
  nlpOther: Array<number> = []
  nlsOther: Array<number> = []
  /** Which side `nlp` holds (true: asks). */
  nAsks = false
  nBook: OrderBook | undefined = undefined
  nBookP = NaN
  nBookS = NaN
  /** The book's best bid and ask times `nPMul` (possibly beyond 2^53), valid when `nTops`. */
  nTops = false
  nBid = NaN
  nAsk = NaN
  /**
   * The walked side's best price times `nPMul` (as the reference computed it, possibly
   * beyond 2^53), so the walk does not convert it again; NaN when not computed this decision.
   */
  nTop = NaN
  nTakeF = 0
  nTakeN = 0
  nWorst = 0
  nLeft = 0
  nHeadP = 0
  nHeadC = 0
  nAlloc = 0
  nAllocN = 0
  nAllocWorst = 0
  nRest = 0
  // This listing priced alone (valid when `priced`).
  priced = false
  /**
   * The cost: built when first needed (`Router.costOf`) from `pTakeN`/`pRestN` on the
   * fast path, where the comparison uses the key; set at once otherwise.
   */
  pCost: Cost | undefined = undefined
  /** Exact taken and resting notionals (fast path) for building `pCost` when needed. */
  pTakeN = 0
  pRestN = 0
  /** Book pricing: `pCost` is a ScaledCost. */
  pBook = false
  /** Underlying units taken and left resting, and the worst price walked (-1n: none); bigints or exact numbers. */
  pTakeF: bigint | number = 0n
  pRestF: bigint | number = 0n
  pWorst: bigint | number = -1n
  pPricing: Pricing = "BOOK"
  /** Whether `keyHi`/`keyLo` hold the cost's comparison key (see `cheaper`). */
  pKey = false
  keyHi = 0
  keyLo = 0
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
  /** The last canonical id looked up in the catalogue, and its listing. */
  private lastId: string | undefined = undefined
  private lastListing: VenueCatalogue.Listing | undefined = undefined
  // Per-decision context.
  private buy = true
  private ps = 0
  private qs = 0
  private rs = 0
  private refShift = 1n
  /** The quantity in underlying units at qs (see `q`): undefined while only its number `nQ` was needed. */
  private qB: bigint | undefined = 0n
  /** `q` as a number; NaN when beyond 2^53 or the fast path is off (then no slot is `fast`). */
  private nQ = NaN
  /** The second cost accumulator (a split's parts). */
  private readonly part = new Acc()
  /** Scratch list of the listings a split uses. */
  private readonly used: Array<Slot> = []
  /** The comparison key of the split being evaluated. */
  private readonly splitKey: Key = { keyHi: 0, keyLo: 0 }
  private readonly partKey: Key = { keyHi: 0, keyLo: 0 }
  /**
   * This decision's quantity, scales and cost reference: shared by its costs and by the
   * parts of it that are formatted only when read.
   */
  private basis = new Scales(0n, 0, 0, NaN, undefined, 0, 0, 0, -1n, 1n, true)
  /**
   * This decision only needs its allocations (`allocate`): no candidates, reference,
   * sentences, split details or decision record are built.
   */
  private lean = false

  /** The quantity in underlying units at qs, as a bigint: built from `nQ` when first read. */
  private get q(): bigint {
    return (this.qB ??= BigInt(this.nQ))
  }

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
    this.lean = false
    return this.decide(request, market) as RoutingDecision | RouteError
  }

  /**
   * The allocations `route` would return, and nothing else: the same allocations (field
   * for field; `route(...).allocations`) or the same error, without building the
   * candidates, the reference, the explanation or the split's evaluation. For callers that
   * only send the orders (the execution core). The allocations' other fields (costs,
   * underlying quantities, prices) are built when read, as in `route`.
   */
  allocate(request: RouteRequest, market: MarketState): ReadonlyArray<Allocation> | RouteError {
    this.lean = true
    const r = this.decide(request, market)
    this.lean = false
    // No route: the error carries every candidate's reason, so it is `route`'s (rare, and
    // the same decision again, as neither the market nor the catalogue changed).
    if (r === undefined) return this.route(request, market) as RouteError
    return r as ReadonlyArray<Allocation> | RouteError
  }

  /**
   * `route` (or, when `lean`, `allocate`: the allocations, or undefined when there is no
   * route and `route` gives the error).
   */
  private decide(request: RouteRequest, market: MarketState): RoutingDecision | RouteError | ReadonlyArray<Allocation> | undefined {
    const lean = this.lean
    const invalid = validate(request)
    if (invalid !== undefined) return invalid
    // (The catalogue never changes: the last id found is kept, as orders mostly name the same listing.)
    const id = request.canonicalId
    const requested = id === this.lastId ? this.lastListing : VenueCatalogue.lookup(this.catalogue, id)
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
    this.lastId = id
    this.lastListing = requested
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
      s.priced = false
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
    const cs = reqSpec.contractSize
    const qShift = qs - request.quantity.scale - cs.scale
    const on = fastPathOn()
    // The quantity in underlying units at qs: as an exact number when it is one (each factor
    // is exact or NaN, and a product beyond 2^53 fails the check), its bigint built only if
    // read (`q`); else as a bigint.
    let qN = NaN
    if (on) {
      const x = request.quantity.unitsN * cs.unitsN * p10n(qShift)
      if (exact(x)) qN = x
    }
    let q: bigint | undefined
    if (qN !== qN) {
      q = request.quantity.units
      if (cs.units !== 1n) q *= cs.units
      if (qShift !== 0) q *= pow10(qShift)
    }
    this.qB = q
    this.nQ = qN
    // The limit at ps: as an exact number when it is one, its bigint built only if needed.
    let limitN = -1
    let limitUnits: bigint | undefined
    if (limit !== undefined) {
      const x = on ? limit.unitsN * p10n(ps - limit.scale) : NaN
      if (exact(x)) limitN = x
      else {
        limitUnits = at(limit, ps)
        limitN = num(limitUnits)
      }
    }
    const nScale = ps + qs

    // Per-listing grid, limit and factors at this decision's scales, as bigints and (when
    // every one is exact) as numbers; the best bid and ask for the reference as numbers
    // while they are exact, else as bigints.
    let bestBidN = -1
    let bestAskN = -1
    let refFast = on
    for (let i = 0; i < n; i++) {
      const s = slots[i]!
      const c = s.c
      const book = s.book
      // Grid, limits and book multipliers at these scales: kept from the last decision when the scales are the same.
      const m = c.memo.at(c, group, ps, qs, book)
      s.tick = m.tick
      s.lotFace = m.lotFace
      s.minFace = m.minFace
      s.maxFace = m.maxFace
      s.nLot = m.nLot
      s.nMin = m.nMin
      s.nMax = m.nMax
      const nTick = m.nTick
      if (limit === undefined) {
        s.limit = -1n
        s.nLimit = -1
      } else if (on && exact(limitN) && exact(nTick)) {
        const r = mod(limitN, nTick)
        // The bigint limit is built from this if read (`Slot.limit`).
        s.nLimit = r === 0 ? limitN : buy ? limitN - r : limitN - r + nTick
        s.limitB = undefined
      } else {
        const units = (limitUnits ??= at(limit, ps))
        const r = units % s.tick
        s.limit = r === 0n ? units : buy ? units - r : units - r + s.tick
        s.nLimit = num(s.limit)
      }
      s.takeFactor = buy ? c.buyTake : c.sellTake
      s.restFactor = buy ? c.buyRest : c.sellRest
      s.nTF = buy ? c.nBuyTake : c.nSellTake
      s.nRF = buy ? c.nBuyRest : c.nSellRest
      s.keyable = s.nTF < FLIM && s.nTF > -FLIM && s.nRF < FLIM && s.nRF > -FLIM
      s.nMinN = m.nMinN
      let fast = exact(qN) && m.gridExact && exact(s.nLimit) && exact(s.nTF) && exact(s.nRF)
      if (on && !fast && s.blocked === undefined) fallbacks.count++
      if (book === undefined) {
        s.prices = EMPTY
        s.sizes = EMPTY
        s.fast = fast
        continue
      }
      s.pMul = m.pMul
      s.sMul = m.sMul
      s.nPMul = m.nPMul
      s.nSMul = m.nSMul
      if (fast && !m.bookExact) {
        fallbacks.count++
        fast = false
      }
      s.fast = fast
      s.onGrid = m.onGrid
      s.lotWhole = m.lotWhole
      s.cached = 0
      if (s.nBook !== book || s.nBookP !== s.nPMul || s.nBookS !== s.nSMul) {
        // Another book (or other scales): its number forms are made afresh, when first read.
        s.nBook = book
        s.nBookP = s.nPMul
        s.nBookS = s.nSMul
        s.nCached = 0
        s.nCachedOther = 0
        s.nTops = false
      }
      if (s.nAsks !== buy) {
        const p = s.nlp
        const z = s.nls
        const c = s.nCached
        s.nlp = s.nlpOther
        s.nls = s.nlsOther
        s.nCached = s.nCachedOther
        s.nlpOther = p
        s.nlsOther = z
        s.nCachedOther = c
        s.nAsks = buy
      }
      const side = buy ? book.asks : book.bids
      s.prices = side.prices
      s.sizes = side.sizes
      s.nTop = NaN
      if (!refFast) continue
      const bid = book.bids.prices[0]
      const ask = book.asks.prices[0]
      if (!s.nTops) {
        s.nBid = bid === undefined ? NaN : Number(bid) * s.nPMul
        s.nAsk = ask === undefined ? NaN : Number(ask) * s.nPMul
        s.nTops = true
      }
      if (bid !== undefined) {
        const b = s.nBid
        if (!buy) s.nTop = b
        if (!exact(b)) refFast = false
        else if (b > bestBidN) bestBidN = b
      }
      if (ask !== undefined) {
        const a = s.nAsk
        if (buy) s.nTop = a
        if (!exact(a)) refFast = false
        else if (bestAskN < 0 || a < bestAskN) bestAskN = a
      }
    }
    let bestBid = -1n
    let bestAsk = -1n
    // The mid (or touch) at rs = ps + 1, as a number when exact.
    let refN = -1
    if (refFast) {
      refN = bestBidN >= 0 && bestAskN >= 0 ? (bestBidN + bestAskN) * 5 : (bestBidN >= 0 ? bestBidN : bestAskN) * 10
      if (!exact(refN)) {
        refFast = false
        bestBid = bestBidN < 0 ? -1n : BigInt(bestBidN)
        bestAsk = bestAskN < 0 ? -1n : BigInt(bestAskN)
      }
    } else {
      for (let i = 0; i < n; i++) {
        const s = slots[i]!
        const book = s.book
        if (book === undefined) continue
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
    }

    // The slippage reference: the consolidated mid, else the request's, else the limit.
    let source: ReferenceSource | undefined
    this.rs = ps + 1
    // The reference at rs: an exact number from the books (its bigint built when a cost or
    // the reference is read), else a bigint; -1 for none.
    let ref: bigint | number = -1
    if (on && !refFast) fallbacks.count++
    if (refFast && refN >= 0) {
      source = "BOOKS"
      ref = refN
    } else if (bestBid >= 0n || bestAsk >= 0n) {
      source = "BOOKS"
      ref = bestBid >= 0n && bestAsk >= 0n ? (bestBid + bestAsk) * 5n : (bestBid >= 0n ? bestBid : bestAsk) * 10n
    } else if (request.referencePrice !== undefined) {
      source = "REQUEST"
      this.rs = Math.max(ps + 1, request.referencePrice.scale)
      ref = at(request.referencePrice, this.rs)
    } else if (limit !== undefined) {
      source = "LIMIT"
      ref = (limitUnits ?? BigInt(limitN)) * 10n
    }
    this.refShift = pow10(this.rs - ps)
    // On a listing of contract size 1 the underlying quantity is the request's own Decimal.
    const quantity = cs.units === 1n && cs.scale === 0 ? request.quantity : undefined
    this.basis = new Scales(q, qs, ps, qN, quantity, nScale, nScale + ks, this.rs + qs, ref, this.refShift, buy)
    const reference = lean || ref < 0 || source === undefined ? undefined : new LazyReference(source, ref, this.rs)

    // Single-listing candidates (an array of the exact length: pushing would allocate room for 17).
    const from = pinned < 0 ? 0 : pinned
    const to = pinned < 0 ? n : pinned + 1
    const candidates = lean ? EMPTY_CANDIDATES : new Array<Candidate>(to - from)
    let best: Slot | undefined
    let feasible = 0
    for (let i = from; i < to; i++) {
      const s = slots[i]!
      const candidate = this.single(s, taking, postOnly, reference)
      if (!lean) candidates[i - from] = candidate!
      if (!s.priced) continue
      feasible++
      if (best === undefined || this.cheaper(s, best)) best = s
    }

    // Split: not for a pinned venue, FOK (atomic per venue only) or post-only (nothing taken).
    let split: SplitEvaluation | undefined
    if (pinned < 0 && this.costs.split && tif !== "FOK" && !postOnly) {
      let eligible = 0
      for (let i = 0; i < n; i++) {
        const s = slots[i]!
        if (s.blocked === undefined && s.book !== undefined) eligible++
      }
      if (eligible >= 2) {
        split = this.splitCannotWin(n, best) ?? this.splitN(n, taking, best)
        if (split === undefined) {
          if (on) fallbacks.count++
          split = this.split(n, taking, best)
        }
      }
    }

    if (split !== undefined && split.chosen) {
      if (lean) return split.allocations
      return decisionOf(request, tif, limit, reference, candidates, split, "SPLIT", split.allocations, split.cost!, split.detail)
    }
    if (best === undefined) {
      if (lean) return undefined
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
    // A lean allocation builds its cost when read (the core never reads it): as `costOf` would now.
    if (lean) return [this.allocation(best, best.pTakeF, best.pRestF, best.pWorst, best.pPricing, best.pCost, best.pTakeN, best.pRestN, this.nQ)]
    const allocation = this.allocation(best, best.pTakeF, best.pRestF, best.pWorst, best.pPricing, this.costOf(best))
    const explanation =
      pinned >= 0
        ? `pinned to ${request.venue}`
        : split === undefined
          ? best.c.cheapest[feasible]!
          : `cheapest of ${feasible} feasible listing(s): ${best.c.listing.canonicalId}; split not chosen: ${split.detail}`
    return decisionOf(request, tif, limit, reference, candidates, split, pinned >= 0 ? "EXPLICIT" : "SINGLE", [allocation], best.pCost!, explanation)
  }

  /**
   * True if listing `a` (priced alone) costs less than `b`; on a tie the earlier listing
   * (`b`, seen first) stays. Book costs compare by their exact comparison keys when both
   * have one (see `single`), else by their total units; a model cost by its Decimal total.
   */
  private cheaper(a: Slot, b: Slot): boolean {
    if (a.pKey && b.pKey) return this.buy ? keyLess(a, b) : keyLess(b, a)
    if (a.pBook && b.pBook) {
      if (this.nQ === this.nQ) fallbacks.count++
      return (this.costOf(a) as ScaledCost).totalUnits < (this.costOf(b) as ScaledCost).totalUnits
    }
    return Decimal.lessThan(this.costOf(a).total, this.costOf(b).total)
  }

  /** A priced listing's cost, built on first need (see `Slot.pCost`). */
  private costOf(s: Slot): Cost {
    return (s.pCost ??= ScaledCost.ofParts(this.basis, s.pTakeN, s.pRestN, this.nQ, s.c))
  }

  /**
   * Prices one listing alone: returns its candidate and, when it is feasible, sets the
   * slot's priced fields (`priced`, `pCost`, ...). On the fast path the walk and the cost
   * are exact numbers, the cost's units are built when read, and a book candidate gets a
   * comparison key; any value that would leave the exact range sends it to the bigint code.
   * When the decision is `lean`, returns undefined instead of the candidate (nothing reads
   * it) and the fast path's cost is built only if needed (`costOf`).
   */
  private single(s: Slot, taking: boolean, postOnly: boolean, reference: LazyReference | undefined): Candidate | undefined {
    const no = infeasible
    const lean = this.lean
    if (s.blocked !== undefined) return lean ? undefined : no(s, s.blocked)
    const qs = this.qs
    const fast = s.fast
    const qN = this.nQ
    // The quantity for the sentences: on the fast path its exact number (the bigint is built only if read).
    const q = fast ? qN : this.q
    // Detail sentences are formatted only if someone reads them (see internal/Explained).
    if (fast ? mod(qN, s.nLot) !== 0 : this.q % s.lotFace !== 0n) {
      if (lean) return undefined
      return no(s, "OffLotGrid", new Sentence("", q, " underlying is not a multiple of the lot ", s.lotFace, "", qs))
    }
    if (fast ? qN < s.nMin : this.q < s.minFace) return lean ? undefined : no(s, "BelowMinQuantity", new Sentence("", q, " is below the minimum ", s.minFace, "", qs))
    if (fast ? s.nMax >= 0 && qN > s.nMax : s.maxFace >= 0n && this.q > s.maxFace) {
      if (lean) return undefined
      return no(s, "AboveMaxQuantity", new Sentence("", q, " is above the maximum ", s.maxFace, "", qs))
    }
    if (s.limitB === undefined ? s.nLimit === 0 : s.limitB === 0n) return lean ? undefined : no(s, "LimitPriceBound", "the limit price rounds to zero on this listing's tick grid")
    const buy = this.buy

    if (s.book === undefined) {
      // (A lean decision has no reference object: the same price from the basis.)
      const ref = reference !== undefined ? reference.price : lean && this.basis.ref >= 0n ? dec(this.basis.ref, this.rs) : undefined
      return this.model(s, taking, postOnly, ref)
    }

    if (fast) {
      let takeF = 0
      let takeN = 0
      let walked = true
      if (postOnly) {
        const top = s.prices[0]
        if (top !== undefined) {
          const p = Number(top) * s.nPMul
          // A top beyond 2^53 is beyond any exact limit too: it crosses a sell, not a buy.
          if (exact(p) ? (buy ? p <= s.nLimit : p >= s.nLimit) : !buy) {
            if (lean) return undefined
            return no(s, "WouldCross", new Sentence("the post-only limit ", s.limit, " crosses the best price ", top * s.pMul, "", this.ps))
          }
        }
      } else if (this.walkN(s)) {
        takeF = s.nTakeF
        takeN = s.nTakeN
      } else {
        fallbacks.count++
        walked = false
      }
      if (walked) {
        const restF = qN - takeF
        if (taking && restF > 0) {
          if (lean) return undefined
          return no(
            s,
            s.stoppedAtLimit ? "LimitPriceBound" : "InsufficientDepth",
            new Sentence(s.stoppedAtLimit ? "depth within the limit fills " : "visible depth fills ", takeF, " of ", q, "", qs)
          )
        }
        const restN = restF > 0 ? restF * s.nLimit : 0
        const notional = takeN + restN
        if (notional <= NLIM) {
          const mn = s.c.minNotional
          if (mn !== undefined && (s.nMinN === s.nMinN ? notional < s.nMinN : compareTo(BigInt(notional), this.ps + qs, mn) < 0)) {
            if (lean) return undefined
            return no(s, "BelowMinNotional", new Sentence("notional ", notional, " is below the minimum ", mn, "", this.ps + qs))
          }
          // restF is 0 for an order that may not rest (it is infeasible otherwise), so its resting quantity is 0.
          const worst = takeF > 0 ? s.nWorst : -1
          // The cost is built when needed (`costOf`): a comparison by key needs none.
          this.priced(s, undefined, true, takeF, restF, worst, "BOOK")
          s.pTakeN = takeN
          s.pRestN = restN
          // Every book candidate of a decision takes or rests the whole quantity against the
          // same reference, so its total is `±key` (scaled) plus the same constant; see
          // README "Performance". The key is exact (fast.ts), so it orders the totals exactly.
          if (s.keyable) {
            setKey(s, takeN, s.nTF, restN, s.nRF)
            s.pKey = true
          }
          return lean ? undefined : new BookCandidate(this.basis, s.c, s.lotFace, takeF, restF, worst, this.costOf(s))
        }
        // A notional beyond the bound: the same candidate from bigints.
        fallbacks.count++
        s.takeF = BigInt(takeF)
        s.takeN = BigInt(takeN)
        s.worst = BigInt(s.nWorst)
        return this.bookCost(s)
      }
    }
    let takeF = 0n
    if (postOnly) {
      const top = s.prices[0]
      if (top !== undefined) {
        const p = top * s.pMul
        if (buy ? p <= s.limit : p >= s.limit) {
          if (lean) return undefined
          return no(s, "WouldCross", new Sentence("the post-only limit ", s.limit, " crosses the best price ", p, "", this.ps))
        }
      }
      s.takeF = 0n
      s.takeN = 0n
    } else {
      this.walk(s)
      takeF = s.takeF
    }
    const restF = this.q - takeF
    if (taking && restF > 0n) {
      if (lean) return undefined
      return no(
        s,
        s.stoppedAtLimit ? "LimitPriceBound" : "InsufficientDepth",
        new Sentence(s.stoppedAtLimit ? "depth within the limit fills " : "visible depth fills ", takeF, " of ", q, "", qs)
      )
    }
    return this.bookCost(s)
  }

  /** The bigint cost of a walked (or post-only) listing: `s.takeF`, `s.takeN` and `s.worst` are set. */
  private bookCost(s: Slot): Candidate | undefined {
    const takeF = s.takeF
    const takeN = s.takeN
    const restF = this.q - takeF
    const acc = this.acc.reset()
    this.addCost(acc, s, takeF, takeN, restF)
    const mn = s.c.minNotional
    if (mn !== undefined && compareTo(acc.n, this.ps + this.qs, mn) < 0) {
      if (this.lean) return undefined
      return infeasible(s, "BelowMinNotional", new Sentence("notional ", acc.n, " is below the minimum ", mn, "", this.ps + this.qs))
    }
    const cost = this.toCost(acc)
    this.priced(s, cost, true, takeF, restF, takeF > 0n ? s.worst : -1n, "BOOK")
    // restF is 0 for an order that may not rest (it is infeasible otherwise), so its resting quantity is 0.
    return this.lean ? undefined : new BookCandidate(this.basis, s.c, s.lotFace, takeF, restF, s.worst, cost)
  }

  /** Records a feasible single-listing price on its slot (`cost` undefined: built by `costOf` when needed). */
  private priced(
    s: Slot,
    cost: Cost | undefined,
    book: boolean,
    takeF: bigint | number,
    restF: bigint | number,
    worst: bigint | number,
    pricing: Pricing
  ): void {
    s.priced = true
    s.pCost = cost
    s.pBook = book
    s.pTakeF = takeF
    s.pRestF = restF
    s.pWorst = worst
    s.pPricing = pricing
    s.pKey = false
  }

  /**
   * Walks a listing's book for the whole quantity, within its limit, on its lot grid. In
   * the book's own units when the quantity and the lot are whole numbers of book size
   * units (the usual case), which saves scaling every level; scaled otherwise.
   */
  private walk(s: Slot): void {
    const sMul = s.sMul
    const q = this.q
    if (!s.lotWhole || q % sMul !== 0n) return this.walkScaled(s)
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

  /**
   * `walk` on exact numbers; false (with nothing of the slot's bigint state changed) when
   * a value would leave the exact range, and the caller walks in bigints instead.
   */
  private walkN(s: Slot): boolean {
    const sMul = s.nSMul
    const q = this.nQ
    if (!s.lotWhole || mod(q, sMul) !== 0) return this.walkScaledN(s)
    const buy = this.buy
    const prices = s.prices
    const sizes = s.sizes
    const n = prices.length
    const pMul = s.nPMul
    const lot = s.nLot / sMul
    // As in `walk`: the limit in the book's price units, floor for a buy and ceiling for a sell.
    let limit = s.nLimit
    if (limit >= 0 && pMul !== 1) {
      const r = mod(limit, pMul)
      limit = (limit - r) / pMul + (buy || r === 0 ? 0 : 1)
    }
    let rem = q / sMul
    let notional = 0
    let worst = 0
    let atLimit = false
    for (let i = 0; i < n && rem > 0; i++) {
      // A level scaled already (this book, an earlier decision) is read back: an exact
      // product divided by its factor is exact. Otherwise a price or size beyond 2^53
      // converts to at least 2^53: beyond any limit here, and the product with it fails the
      // check below.
      const cached = i < s.nCached
      const p = cached ? s.nlp[i]! / pMul : Number(prices[i]!)
      if (limit >= 0 && (buy ? p > limit : p < limit)) {
        atLimit = true
        break
      }
      const size = cached ? s.nls[i]! / sMul : Number(sizes[i]!)
      if (i === s.nCached) {
        // Keep the level scaled for a split's greedy and later decisions on this book.
        const sp = p * pMul
        const ss = size * sMul
        if (sp <= SAFE && ss <= SAFE) {
          s.nlp[i] = sp
          s.nls[i] = ss
          s.nCached = i + 1
        }
      }
      let take = size < rem ? size : rem
      if (lot !== 1) take -= mod(take, lot)
      if (take === 0) continue
      const x = take * p
      notional += x
      if (!(x <= SAFE && notional <= SAFE)) return false
      rem -= take
      worst = p
    }
    const takeN = notional * sMul * pMul
    const w = worst * pMul
    if (!(notional * sMul <= SAFE && takeN <= SAFE && w <= SAFE)) return false
    s.nTakeF = q - rem * sMul
    s.nTakeN = takeN
    s.nWorst = w
    s.stoppedAtLimit = atLimit
    return true
  }

  /** `walkScaled` on exact numbers; false when a value would leave the exact range. */
  private walkScaledN(s: Slot): boolean {
    const buy = this.buy
    const n = s.prices.length
    const lot = s.nLot
    const onGrid = s.onGrid
    const limit = s.nLimit
    const q = this.nQ
    let rem = q
    let notional = 0
    let worst = 0
    let atLimit = false
    for (let i = 0; i < n && rem > 0; i++) {
      if (i >= s.nCached && !this.scaleLevelN(s, i)) return false
      const p = s.nlp[i]!
      if (limit >= 0 && (buy ? p > limit : p < limit)) {
        atLimit = true
        break
      }
      const size = s.nls[i]!
      let take = size < rem ? size : rem
      // The quantity is on the lot grid (checked before the walk), so only an off-grid size needs rounding.
      if (!onGrid) take -= mod(take, lot)
      if (take === 0) continue
      const x = take * p
      notional += x
      if (!(x <= SAFE && notional <= SAFE)) return false
      rem -= take
      worst = p
    }
    s.nTakeF = q - rem
    s.nTakeN = notional
    s.nWorst = worst
    s.stoppedAtLimit = atLimit
    return true
  }

  /** `scaleLevel` on exact numbers; false when the level's scaled price or size is not exact. */
  private scaleLevelN(s: Slot, i: number): boolean {
    const p = i === 0 && s.nTop === s.nTop ? s.nTop : Number(s.prices[i]!) * s.nPMul
    const size = Number(s.sizes[i]!) * s.nSMul
    if (!(p <= SAFE && size <= SAFE)) return false
    s.nlp[i] = p
    s.nls[i] = size
    s.nCached = i + 1
    return true
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
    const slip = n * this.refShift - (takeF + restF) * this.basis.ref
    acc.slip += this.buy ? slip : -slip
  }

  private toCost(acc: Acc): ScaledCost {
    return new ScaledCost(this.basis, acc.n, acc.fee, acc.lat, acc.slip)
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
  ): Candidate {
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
    this.priced(s, cost, false, rests ? 0n : this.q, rests ? this.q : 0n, -1n, "MODEL")
    return candidate
  }

  /**
   * Greedy split over the listings with a book: repeatedly take the cheapest next level
   * across listings, where a level's marginal cost is `price × (1 ± (taker + lambda))`.
   * Each listing's marginal cost rises level by level, so the greedy allocation is the
   * cheapest one (up to lot rounding). Listings whose allocation misses their minimum are
   * excluded and the greedy reruns. For an order that may rest, the remainder rests on the
   * listing where resting costs least. `splitN` is the same on exact numbers.
   */
  private split(n: number, taking: boolean, best: Slot | undefined): SplitEvaluation {
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
    const used = this.used
    used.length = 0
    for (let i = 0; i < n; i++) {
      const s = slots[i]!
      if (!s.excluded && s.alloc + s.rest > 0n) used.push(s)
    }
    if (rem > 0n || used.length < 2) return this.splitRefused(taking, rem)
    const total = this.acc.reset()
    const allocations: Array<Allocation> = []
    const part = this.part
    for (const s of used) {
      part.reset()
      this.addCost(part, s, s.alloc, s.allocN, s.rest)
      total.n += part.n
      total.fee += part.fee
      total.lat += part.lat
      total.slip += part.slip
      allocations.push(this.allocation(s, s.alloc, s.rest, s.allocWorst, "BOOK", this.toCost(part)))
    }
    return this.splitVerdict(allocations, this.toCost(total), best)
  }

  /**
   * `split` on exact numbers (`greedyN`), the costs built when read; undefined when a
   * listing is not on the fast path or a value would leave the exact range, and the caller
   * runs `split` (which starts over, so nothing done here matters).
   */
  private splitN(n: number, taking: boolean, best: Slot | undefined): SplitEvaluation | undefined {
    const slots = this.slots
    for (let i = 0; i < n; i++) {
      const s = slots[i]!
      s.excluded = s.blocked !== undefined || s.book === undefined
      if (!s.excluded && !s.fast) return undefined
    }
    let rem = this.nQ
    for (let round = 0; round <= n; round++) {
      rem = this.greedyN(n)
      if (rem !== rem) return undefined
      let violated = false
      for (let i = 0; i < n; i++) {
        const s = slots[i]!
        if (s.excluded || s.nAlloc === 0) continue
        if (s.nAlloc < s.nMin || this.belowMinNotional(s, s.nAllocN)) {
          s.excluded = true
          violated = true
        }
      }
      if (!violated) break
    }
    for (let i = 0; i < n; i++) slots[i]!.nRest = 0
    const buy = this.buy
    if (rem > 0 && !taking) {
      // Rest the remainder where resting costs least and the listing's grid and limits allow it.
      let target: Slot | undefined
      let targetCost = 0
      for (let i = 0; i < n; i++) {
        const s = slots[i]!
        if (s.excluded || s.nLimit <= 0 || mod(rem, s.nLot) !== 0) continue
        const total = s.nAlloc + rem // at most the whole quantity
        if (total < s.nMin || (s.nMax >= 0 && total > s.nMax)) continue
        if (s.c.minNotional !== undefined) {
          const x = s.nAllocN + rem * s.nLimit
          if (!(x <= NLIM)) return undefined
          if (this.belowMinNotional(s, x)) continue
        }
        const unit = s.nLimit * s.nRF
        if (!exact(unit)) return undefined
        const cost = buy ? unit : -unit
        if (target === undefined || cost < targetCost) {
          target = s
          targetCost = cost
        }
      }
      if (target !== undefined) {
        target.nRest = rem
        rem = 0
      }
    }
    const used = this.used
    used.length = 0
    for (let i = 0; i < n; i++) {
      const s = slots[i]!
      if (!s.excluded && s.nAlloc + s.nRest > 0) used.push(s)
    }
    if (rem > 0 || used.length < 2) return this.splitRefused(taking, BigInt(rem))
    const parts: Array<ScaledCost> = []
    const allocations: Array<Allocation> = []
    // The split's notional and comparison key (the sum of its parts'), while exact.
    const key = this.splitKey
    const part = this.partKey
    let keyed = true
    let notional = 0
    key.keyHi = 0
    key.keyLo = 0
    for (const s of used) {
      const restN = s.nRest > 0 ? s.nRest * s.nLimit : 0
      const n = s.nAllocN + restN
      if (!(restN <= NLIM && n <= NLIM)) return undefined
      const cost = ScaledCost.ofParts(this.basis, s.nAllocN, restN, s.nAlloc + s.nRest, s.c)
      parts.push(cost)
      allocations.push(this.allocation(s, s.nAlloc, s.nRest, s.nAllocWorst, "BOOK", cost))
      notional += n
      if (keyed && s.keyable) {
        // (Not into the slot: its key is its single candidate's, which `best` may be.)
        setKey(part, s.nAllocN, s.nTF, restN, s.nRF)
        key.keyHi += part.keyHi // each below 2^52 + 2^26: exact while the sum is (checked below)
        key.keyLo += part.keyLo // each below 2^26
      } else keyed = false
    }
    if (!exact(notional) || !exact(key.keyHi)) keyed = false
    return this.splitVerdict(allocations, ScaledCost.sum(this.basis, parts), best, keyed ? notional : NaN)
  }

  /** Best single total minus the split's total (units at the cost's `tScale`) from their keys; see `splitVerdict`. */
  private keySaving(best: Slot, cost: ScaledCost): bigint {
    const key = this.splitKey
    let hi = this.buy ? best.keyHi - key.keyHi : key.keyHi - best.keyHi
    let lo = this.buy ? best.keyLo - key.keyLo : key.keyLo - best.keyLo
    const carry = Math.floor(lo / KEY_BASE)
    hi += carry
    lo -= carry * KEY_BASE
    let units: bigint
    if (exact(hi)) units = BigInt(hi) * KEY_BASE_B + BigInt(lo)
    else {
      const b = BigInt(best.keyHi) * KEY_BASE_B + BigInt(best.keyLo)
      const k = BigInt(key.keyHi) * KEY_BASE_B + BigInt(key.keyLo)
      units = this.buy ? b - k : k - b
    }
    return cost.sScale > cost.kScale ? units * pow10(cost.sScale - cost.kScale) : units
  }

  /** True if a notional (an exact number at ps+qs) is below the listing's minimum notional. */
  private belowMinNotional(s: Slot, notional: number): boolean {
    const mn = s.c.minNotional
    if (mn === undefined) return false
    return s.nMinN === s.nMinN ? notional < s.nMinN : compareTo(BigInt(notional), this.ps + this.qs, mn) < 0
  }

  /** The evaluation of a split that cannot fill the order (`rem` left) or uses one listing (in `this.used`). */
  private splitRefused(taking: boolean, rem: bigint): SplitEvaluation {
    if (this.lean) return NOT_CHOSEN
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
    return {
      feasible: true,
      detail: `the cheapest allocation uses one listing (${this.used[0]?.c.listing.canonicalId ?? "none"})`,
      allocations: [],
      cost: undefined,
      saving: undefined,
      threshold: undefined,
      chosen: false
    }
  }

  /**
   * The evaluation of a feasible split over two or more listings against the best single
   * listing. With `notionalN` (the split's notional as an exact number, and its key in
   * `splitKey`) and a keyed best listing, the saving comes from the keys: both totals are
   * `±key` (scaled) plus the same constant, as the whole quantity is placed against the
   * same reference, so the saving is the keys' difference and no cost's units are built.
   */
  private splitVerdict(allocations: Array<Allocation>, cost: ScaledCost, best: Slot | undefined, notionalN = NaN): SplitEvaluation {
    const used = allocations.length
    if (best === undefined) {
      if (this.lean) return leanChosen(allocations)
      return {
        feasible: true,
        detail: `split over ${used} listings: no single listing can take the order`,
        allocations,
        cost,
        saving: undefined,
        threshold: undefined,
        chosen: true
      }
    }
    // saving = best single total - split total; threshold = splitMinSavingBps x notional / 10^4.
    const bps = this.costs.splitMinSavingBps
    const thresholdUnits = (notionalN === notionalN ? BigInt(notionalN) : cost.notionalUnits) * bps.units
    const thresholdScale = cost.nScale + bps.scale + 4
    let saving: Decimal.Decimal
    let chosen: boolean
    if (best.pBook) {
      const savingUnits =
        notionalN === notionalN && best.pKey ? this.keySaving(best, cost) : (this.costOf(best) as ScaledCost).totalUnits - cost.totalUnits
      chosen =
        thresholdScale >= cost.tScale
          ? savingUnits * pow10(thresholdScale - cost.tScale) > thresholdUnits
          : savingUnits > thresholdUnits * pow10(cost.tScale - thresholdScale)
      // A lean decision needs only the choice (and the allocations when chosen).
      if (this.lean) return chosen ? leanChosen(allocations) : NOT_CHOSEN
      saving = dec(savingUnits, cost.tScale)
    } else {
      saving = Decimal.sub(best.pCost!.total, cost.total)
      chosen = compareTo(thresholdUnits, thresholdScale, saving) < 0
      if (this.lean) return chosen ? leanChosen(allocations) : NOT_CHOSEN
    }
    const threshold = dec(thresholdUnits, thresholdScale)
    const id = best.c.listing.canonicalId
    return {
      feasible: true,
      detail: chosen
        ? `split over ${used} listings beats ${id} by more than the threshold`
        : `split over ${used} listings does not beat ${id} by more than the threshold`,
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
   * Compared as exact numbers when every product is within 2^53, else as bigints.
   */
  private splitCannotWin(n: number, best: Slot | undefined): SplitEvaluation | undefined {
    const r = this.splitCannotWinAt(n, best)
    if (r === undefined) return undefined
    if (this.lean) return NOT_CHOSEN
    return {
      feasible: true,
      detail: `no split can be cheaper: ${r.c.listing.canonicalId} takes the whole order at the lowest marginal cost of any listing`,
      allocations: [],
      cost: undefined,
      saving: undefined,
      threshold: undefined,
      chosen: false
    }
  }

  /** `splitCannotWin`'s test: the best listing when no split can beat it, else undefined. */
  private splitCannotWinAt(n: number, best: Slot | undefined): Slot | undefined {
    if (best === undefined || !best.pBook || big(best.pRestF) !== 0n) return undefined
    const b = best
    const top = b.prices[0]
    if (top === undefined) return undefined
    const buy = this.buy
    const slots = this.slots
    let numbers = b.fast && typeof b.pWorst === "number"
    if (numbers) {
      const worst = b.pWorst as number
      const topN = b.nCached > 0 ? b.nlp[0]! : Number(top) * b.nPMul
      if (!exact(topN) || worst !== topN) return undefined
      const bestC = worst * b.nTF
      numbers = exact(bestC)
      for (let i = 0; numbers && i < n; i++) {
        const s = slots[i]!
        if (s === b || s.blocked !== undefined || s.book === undefined) continue
        const p = s.prices[0]
        if (p === undefined) continue
        const scaled = s.nCached > 0 ? s.nlp[0]! : Number(p) * s.nPMul
        const c = scaled * s.nTF
        if (!(s.fast && exact(scaled) && exact(c))) numbers = false
        else if (buy ? c < bestC : c > bestC) return undefined
      }
    }
    if (!numbers) {
      if (this.nQ === this.nQ) fallbacks.count++
      const worst = big(b.pWorst)
      if (worst !== top * b.pMul) return undefined
      const bestC = buy ? worst * b.takeFactor : -(worst * b.takeFactor)
      for (let i = 0; i < n; i++) {
        const s = slots[i]!
        if (s === b || s.blocked !== undefined || s.book === undefined) continue
        const p = s.prices[0]
        if (p === undefined) continue
        const scaled = p * s.pMul
        const c = buy ? scaled * s.takeFactor : -(scaled * s.takeFactor)
        if (c < bestC) return undefined
      }
    }
    return b
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

  /**
   * `greedy` on exact numbers: the same passes, in the same order, with the same ties;
   * NaN when a level's scaled price or size, a marginal cost or an allocation's notional
   * would leave the exact range.
   */
  private greedyN(n: number): number {
    const slots = this.slots
    const buy = this.buy
    for (let i = 0; i < n; i++) {
      const s = slots[i]!
      s.idx = -1
      s.nLeft = 0
      s.nAlloc = 0
      s.nAllocN = 0
      s.nAllocWorst = 0
      s.out = s.excluded
    }
    let rem = this.nQ
    while (rem > 0) {
      let best: Slot | undefined
      for (let i = 0; i < n; i++) {
        const s = slots[i]!
        if (s.out) continue
        while (s.nLeft < s.nLot) {
          const k = ++s.idx
          if (k >= s.prices.length) {
            s.out = true
            break
          }
          if (k >= s.nCached && !this.scaleLevelN(s, k)) return NaN
          const p = s.nlp[k]!
          if (s.nLimit >= 0 && (buy ? p > s.nLimit : p < s.nLimit)) {
            s.out = true
            break
          }
          const c = p * s.nTF
          if (!exact(c)) return NaN
          s.nLeft = s.nls[k]!
          s.nHeadP = p
          s.nHeadC = buy ? c : -c
        }
        if (s.out) continue
        // alloc + lot <= alloc + rem <= the whole quantity: exact.
        if (rem < s.nLot || (s.nMax >= 0 && s.nAlloc + s.nLot > s.nMax)) {
          s.out = true
          continue
        }
        if (best === undefined || s.nHeadC < best.nHeadC) best = s
      }
      if (best === undefined) break
      let take = best.nLeft < rem ? best.nLeft : rem
      if (best.nMax >= 0 && best.nAlloc + take > best.nMax) take = best.nMax - best.nAlloc
      take -= mod(take, best.nLot)
      const allocN = best.nAllocN + take * best.nHeadP
      if (!(allocN <= NLIM)) return NaN
      best.nAlloc += take
      best.nAllocN = allocN
      best.nLeft -= take
      best.nAllocWorst = best.nHeadP
      rem -= take
    }
    return rem
  }

  /** An allocation: its quantity now (what a caller sends), the rest of its explanation when read. */
  private allocation(
    s: Slot,
    takeF: bigint | number,
    restF: bigint | number,
    worst: bigint | number,
    pricing: Pricing,
    cost: Cost | undefined,
    takeN = 0,
    restN = 0,
    qN = 0
  ): Allocation {
    const quantity =
      typeof takeF === "number" && typeof restF === "number"
        ? this.basis.unitsOf(s.c, s.lotFace, s.nLot, takeF + restF)
        : this.units(s, big(takeF) + big(restF))
    return new LazyAllocation(this.basis, s.c, s.lotFace, takeF, restF, s.limitB ?? s.nLimit, worst, quantity, pricing, cost, takeN, restN, qN)
  }

  /** Underlying units (a whole number of lots) as the listing's own quantity. */
  private units(s: Slot, face: bigint): Decimal.Decimal {
    return this.basis.units(s.c, s.lotFace, face)
  }

  private fmtQ(units: bigint): string {
    return Decimal.format(dec(units, this.qs))
  }
}

/** A lean decision's candidates: none are built. */
const EMPTY_CANDIDATES: Array<Candidate> = []

/** A lean decision's split evaluation when the split is not chosen (only `chosen` is read). */
const NOT_CHOSEN: SplitEvaluation = {
  feasible: false,
  detail: "",
  allocations: [],
  cost: undefined,
  saving: undefined,
  threshold: undefined,
  chosen: false
}

/** A lean decision's chosen split: only `chosen` and the allocations are read. */
const leanChosen = (allocations: ReadonlyArray<Allocation>): SplitEvaluation => ({
  feasible: true,
  detail: "",
  allocations,
  cost: undefined,
  saving: undefined,
  threshold: undefined,
  chosen: true
})

/** A candidate that cannot take the order, and why. */
const infeasible = (s: Slot, reason: InfeasibleReason, detail?: string | Sentence): Candidate =>
  new InfeasibleCandidate(s.c, reason, detail)

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

/** True for the errors `route` and `allocate` return (as opposed to a decision or allocations). */
export const isRouteError = <A extends object>(u: A | RouteError): u is RouteError => "_tag" in u

/** `router.route` as an Either. */
export const route = (
  router: Router,
  request: RouteRequest,
  market: MarketState
): Either.Either<RoutingDecision, RouteError> => {
  const r = router.route(request, market)
  return isRouteError(r) ? Either.left(r) : Either.right(r)
}
