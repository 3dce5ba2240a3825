/**
 * The explainable parts of a decision, kept as the scaled integers the router computed and
 * turned into Decimals and sentences only when read (or serialised). A route is compared
 * and sent far more often than it is explained: the execution core reads an allocation's
 * venue, listing and quantity, and nothing else. Each class implements its RoutingDecision
 * interface with getters on the prototype and a `toJSON` giving the same plain record (in
 * the same key order) the router used to build eagerly, so `JSON.stringify(decision)` is
 * unchanged. Spreading one (`{ ...candidate }`) copies only its own fields: read the fields.
 */
import { Decimal } from "@odum/domain"
import type { Access } from "../RouterConfig.js"
import type { Allocation, Candidate, Cost, InfeasibleReason, Pricing, Reference, ReferenceSource } from "../RoutingDecision.js"
import type { CompiledListing } from "./compile.js"
import { big, exact } from "./fast.js"
import { ScaledCost } from "./ScaledCost.js"
import { dec } from "./scaled.js"

const ZERO = Decimal.zero

/**
 * One decision's context: the whole quantity in underlying units at scale `qs`, the price
 * scale, and what every cost of the decision shares (the cost basis of `ScaledCost`): the
 * cost scales, the reference `ref` (at the slippage scale less `qs`; the notional times
 * `refShift` is at the slippage scale) and the side. Shared by every lazy part of the
 * decision (the router's own per-decision fields are overwritten by the next call); one
 * object per decision.
 */
export class Scales {
  #qDec: Decimal.Decimal | undefined
  #q: bigint | undefined
  #ref: bigint | undefined
  /** The reference as an exact number when it was given as one (its bigint is built when read), else NaN. */
  readonly refN: number
  constructor(
    /** The whole quantity, underlying units at `qs`; undefined when `qN` holds it (built when read). */
    q: bigint | undefined,
    readonly qs: number,
    readonly ps: number,
    /** `q` as a number (NaN when beyond 2^53), for `unitsN`. */
    readonly qN: number,
    /** `q` as a Decimal when the caller has it already (a request on a listing of contract size 1). */
    quantity: Decimal.Decimal | undefined,
    /** Cost scales: notional, fee and latency, slippage. */
    readonly nScale: number,
    readonly kScale: number,
    readonly sScale: number,
    /** A bigint, or an exact number from the fast path (its bigint built when read); negative for none. */
    ref: bigint | number,
    readonly refShift: bigint,
    readonly buy: boolean
  ) {
    this.#q = q
    this.#qDec = quantity
    if (typeof ref === "bigint") {
      this.#ref = ref
      this.refN = NaN
    } else {
      this.#ref = undefined
      this.refN = ref
    }
  }

  /** The whole quantity, underlying units at `qs`. */
  get q(): bigint {
    return (this.#q ??= BigInt(this.qN))
  }

  /** The reference, units at the slippage scale less `qs`. */
  get ref(): bigint {
    return (this.#ref ??= BigInt(this.refN))
  }

  /** The whole quantity as a Decimal (of underlying units), built at most once. */
  get quantity(): Decimal.Decimal {
    return (this.#qDec ??= dec(this.q, this.qs))
  }

  /** Underlying units (a whole number of lots of `c`, `lotFace` each at `qs`) as the listing's own quantity. */
  units(c: CompiledListing, lotFace: bigint, face: bigint): Decimal.Decimal {
    // With a contract size of 1 the listing's unit is the underlying unit: the whole
    // quantity is then the same Decimal for every such listing.
    if (face === this.q && c.csUnits === 1n && c.csScale === 0) return this.quantity
    const lot = c.listing.spec.lotSize
    return face === 0n ? ZERO : dec((face / lotFace) * lot.units, lot.scale)
  }

  /** `units` for a face held as a number or a bigint; the same Decimal. */
  unitsOf(c: CompiledListing, lotFace: bigint, lotFaceN: number, face: bigint | number): Decimal.Decimal {
    if (typeof face === "bigint") return this.units(c, lotFace, face)
    if (face === this.qN && c.csUnits === 1n && c.csScale === 0) return this.quantity
    if (face === 0) return ZERO
    const lot = c.listing.spec.lotSize
    // (face - face % lot) / lot is the truncated quotient of the bigint form, exactly.
    const x = ((face - (face % lotFaceN)) / lotFaceN) * Number(lot.units)
    return exact(x) ? dec(BigInt(x), lot.scale) : this.units(c, lotFace, BigInt(face))
  }
}

/**
 * A detail sentence `a x b y c` with `x` (and `y`, when not a Decimal) as units at `scale`,
 * formatted on first read.
 */
export class Sentence {
  #text: string | undefined = undefined
  constructor(
    private readonly a: string,
    private readonly x: bigint | number,
    private readonly b: string,
    private readonly y: bigint | number | Decimal.Decimal,
    private readonly c: string,
    private readonly scale: number
  ) {}

  get text(): string {
    if (this.#text === undefined) {
      const y = typeof this.y === "bigint" || typeof this.y === "number" ? dec(big(this.y), this.scale) : this.y
      this.#text = this.a + Decimal.format(dec(big(this.x), this.scale)) + this.b + Decimal.format(y) + this.c
    }
    return this.#text
  }
}

/** A listing that cannot take the order, and why (the detail sentence is formatted when read). */
export class InfeasibleCandidate implements Candidate {
  readonly venue: string
  readonly canonicalId: string
  readonly access: Access
  readonly latencyMs: number
  readonly feasible = false
  readonly #detail: string | Sentence | undefined
  constructor(
    c: CompiledListing,
    readonly reason: InfeasibleReason,
    detail: string | Sentence | undefined
  ) {
    const l = c.listing
    this.venue = l.venue
    this.canonicalId = l.canonicalId
    this.access = l.access
    this.latencyMs = l.latencyMs
    this.#detail = detail
  }

  get detail(): string | undefined {
    const d = this.#detail
    return d === undefined || typeof d === "string" ? d : d.text
  }
  get pricing(): undefined {
    return undefined
  }
  get takerQuantity(): undefined {
    return undefined
  }
  get restingQuantity(): undefined {
    return undefined
  }
  get worstPrice(): undefined {
    return undefined
  }
  get cost(): undefined {
    return undefined
  }

  toJSON(): Candidate {
    return {
      venue: this.venue,
      canonicalId: this.canonicalId,
      access: this.access,
      latencyMs: this.latencyMs,
      feasible: false,
      reason: this.reason,
      detail: this.detail,
      pricing: undefined,
      takerQuantity: undefined,
      restingQuantity: undefined,
      worstPrice: undefined,
      cost: undefined
    }
  }
}

/** A listing priced by walking its book: taken and resting quantities and the worst price walked, as units until read. */
export class BookCandidate implements Candidate {
  readonly venue: string
  readonly canonicalId: string
  readonly access: Access
  readonly latencyMs: number
  readonly feasible = true
  readonly #scales: Scales
  readonly #c: CompiledListing
  readonly #lotFace: bigint
  readonly #takeF: bigint | number
  readonly #restF: bigint | number
  /** Worst price walked at the decision's price scale (meaningful when something is taken). */
  readonly #worst: bigint | number
  /** Quantities and prices are bigints, or exact numbers from the fast path. */
  constructor(
    scales: Scales,
    c: CompiledListing,
    lotFace: bigint,
    takeF: bigint | number,
    restF: bigint | number,
    worst: bigint | number,
    readonly cost: Cost
  ) {
    const l = c.listing
    this.venue = l.venue
    this.canonicalId = l.canonicalId
    this.access = l.access
    this.latencyMs = l.latencyMs
    this.#scales = scales
    this.#c = c
    this.#lotFace = lotFace
    this.#takeF = takeF
    this.#restF = restF
    this.#worst = worst
  }

  get reason(): undefined {
    return undefined
  }
  get detail(): undefined {
    return undefined
  }
  get pricing(): Pricing {
    return "BOOK"
  }
  get takerQuantity(): Decimal.Decimal {
    return this.#scales.units(this.#c, this.#lotFace, big(this.#takeF))
  }
  get restingQuantity(): Decimal.Decimal {
    return this.#scales.units(this.#c, this.#lotFace, big(this.#restF))
  }
  get worstPrice(): Decimal.Decimal | undefined {
    return big(this.#takeF) > 0n ? dec(big(this.#worst), this.#scales.ps) : undefined
  }

  toJSON(): Candidate {
    return {
      venue: this.venue,
      canonicalId: this.canonicalId,
      access: this.access,
      latencyMs: this.latencyMs,
      feasible: true,
      reason: undefined,
      detail: undefined,
      pricing: "BOOK",
      takerQuantity: this.takerQuantity,
      restingQuantity: this.restingQuantity,
      worstPrice: this.worstPrice,
      cost: this.cost
    }
  }
}

/** The slippage reference, its price kept as units at `scale` until read. */
export class LazyReference implements Reference {
  #price: Decimal.Decimal | undefined = undefined
  /** A bigint, or an exact number from the fast path. */
  readonly #units: bigint | number
  readonly #scale: number
  constructor(
    readonly source: ReferenceSource,
    units: bigint | number,
    scale: number
  ) {
    this.#units = units
    this.#scale = scale
  }

  get price(): Decimal.Decimal {
    return (this.#price ??= dec(big(this.#units), this.#scale))
  }

  toJSON(): Reference {
    return { price: this.price, source: this.source }
  }
}

/**
 * One allocation. The quantity (what a caller sends) is a Decimal from the start; the
 * underlying, taker and resting quantities and the prices are built when read.
 */
export class LazyAllocation implements Allocation {
  readonly venue: string
  readonly canonicalId: string
  readonly access: Access
  readonly #scales: Scales
  readonly #c: CompiledListing
  readonly #lotFace: bigint
  readonly #takeF: bigint | number
  readonly #restF: bigint | number
  /** The limit on the listing's grid at the decision's price scale (a bigint or an exact number), negative for none. */
  readonly #limit: bigint | number
  readonly #worst: bigint | number
  /** The cost, or undefined until read: then built from the fast path's parts (`ScaledCost.ofParts`). */
  #cost: Cost | undefined
  readonly #takeN: number
  readonly #restN: number
  readonly #qN: number
  /**
   * Quantities and the worst price are bigints, or exact numbers from the fast path. Without
   * a `cost`, the fast path's taken and resting notionals and quantity (`takeN`, `restN`,
   * `qN`) make it when read.
   */
  constructor(
    scales: Scales,
    c: CompiledListing,
    lotFace: bigint,
    takeF: bigint | number,
    restF: bigint | number,
    limit: bigint | number,
    worst: bigint | number,
    readonly quantity: Decimal.Decimal,
    readonly pricing: Pricing,
    cost: Cost | undefined,
    takeN: number,
    restN: number,
    qN: number
  ) {
    const l = c.listing
    this.venue = l.venue
    this.canonicalId = l.canonicalId
    this.access = l.access
    this.#scales = scales
    this.#c = c
    this.#lotFace = lotFace
    this.#takeF = takeF
    this.#restF = restF
    this.#limit = limit
    this.#worst = worst
    this.#cost = cost
    this.#takeN = takeN
    this.#restN = restN
    this.#qN = qN
  }

  get cost(): Cost {
    return (this.#cost ??= ScaledCost.ofParts(this.#scales, this.#takeN, this.#restN, this.#qN, this.#c))
  }

  get underlyingQuantity(): Decimal.Decimal {
    // With a contract size of 1 the underlying quantity is the quantity itself.
    const c = this.#c
    return c.csUnits === 1n && c.csScale === 0 ? this.quantity : dec(big(this.#takeF) + big(this.#restF), this.#scales.qs)
  }
  get takerQuantity(): Decimal.Decimal {
    return big(this.#restF) === 0n ? this.quantity : this.#scales.units(this.#c, this.#lotFace, big(this.#takeF))
  }
  get restingQuantity(): Decimal.Decimal {
    return big(this.#takeF) === 0n ? this.quantity : this.#scales.units(this.#c, this.#lotFace, big(this.#restF))
  }
  get price(): Decimal.Decimal | undefined {
    const limit = this.#limit
    return limit < 0 ? undefined : dec(big(limit), this.#scales.ps)
  }
  get worstPrice(): Decimal.Decimal | undefined {
    const worst = big(this.#worst)
    return worst > 0n && big(this.#takeF) > 0n ? dec(worst, this.#scales.ps) : undefined
  }

  toJSON(): Allocation {
    return {
      venue: this.venue,
      canonicalId: this.canonicalId,
      access: this.access,
      quantity: this.quantity,
      underlyingQuantity: this.underlyingQuantity,
      takerQuantity: this.takerQuantity,
      restingQuantity: this.restingQuantity,
      price: this.price,
      worstPrice: this.worstPrice,
      pricing: this.pricing,
      cost: this.cost
    }
  }
}
