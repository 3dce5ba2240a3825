/**
 * A routing decision and its explanation: every candidate listing with its cost components
 * or the reason it was not feasible, the split that was evaluated, and the allocations
 * chosen. Immutable data; decimals serialise as strings, so `JSON.stringify(decision)` is
 * the audit record. Optional fields are always present (possibly `undefined`, which JSON
 * omits) so every record of a kind has one shape: the hot path stays monomorphic.
 *
 * The explanation is built when read: costs, candidates' quantities, prices and detail
 * sentences, the reference price and an allocation's prices are held as the router's
 * scaled integers and become Decimals and text on first read (or in `toJSON`), since most
 * decisions are sent, not explained. Read fields or serialise; a spread copy
 * (`{ ...candidate }`) sees only the fields held as values.
 */
import type { Decimal } from "@odum/domain"
import type { Access } from "./RouterConfig.js"

/** Why a candidate cannot take the order. */
export type InfeasibleReason =
  /** The venue's circuit breaker is open. */
  | "CircuitOpen"
  /** The venue is disabled in the catalogue. */
  | "VenueDisabled"
  /** The router does not price this contract type yet (inverse and quanto). */
  | "UnsupportedContract"
  /** The quantity is not a whole number of the venue's lots. */
  | "OffLotGrid"
  | "BelowMinQuantity"
  | "AboveMaxQuantity"
  | "BelowMinNotional"
  /** The visible book cannot fill an order that must not rest. */
  | "InsufficientDepth"
  /** The depth within the limit price cannot fill an order that must not rest. */
  | "LimitPriceBound"
  /** A post-only order would cross the venue's book. */
  | "WouldCross"
  /** No book and no price to apply the no-book model to. */
  | "NoReferencePrice"

/** How a candidate's cost was estimated: by walking its book, or by the no-book model. */
export type Pricing = "BOOK" | "MODEL"

/** A cost in the quote currency of the requested listing; `total = fee + slippage + latencyPenalty`. */
export interface Cost {
  /** Expected traded value (taker part at the walked prices, resting part at the limit). */
  readonly notional: Decimal.Decimal
  /** Taker fee on the taken notional plus maker fee on the resting notional (negative: rebate). */
  readonly fee: Decimal.Decimal
  /** Expected value lost against the reference price (negative when the order improves on it). */
  readonly slippage: Decimal.Decimal
  /** `latencyPenaltyBpsPerMs × latencyMs × notional / 10^4`. */
  readonly latencyPenalty: Decimal.Decimal
  readonly total: Decimal.Decimal
}

/** Where the slippage reference came from. */
export type ReferenceSource =
  /** The mid of the best bid and best ask across the reachable equivalent listings (a touch if one side is empty). */
  | "BOOKS"
  /** The request's `referencePrice`. */
  | "REQUEST"
  /** The order's limit price (nothing else known). */
  | "LIMIT"

/** The slippage reference. */
export interface Reference {
  readonly price: Decimal.Decimal
  readonly source: ReferenceSource
}

/** One listing the router considered. */
export interface Candidate {
  readonly venue: string
  readonly canonicalId: string
  readonly access: Access
  readonly latencyMs: number
  readonly feasible: boolean
  /** Set when not feasible. */
  readonly reason?: InfeasibleReason | undefined
  /** A sentence with the numbers behind `reason`. */
  readonly detail?: string | undefined
  /** Set when the candidate was priced. */
  readonly pricing?: Pricing | undefined
  /** Taken immediately, in the listing's unit. */
  readonly takerQuantity?: Decimal.Decimal | undefined
  /** Left resting at the limit price, in the listing's unit. */
  readonly restingQuantity?: Decimal.Decimal | undefined
  /** The worst price walked (book pricing, taker part). */
  readonly worstPrice?: Decimal.Decimal | undefined
  /** Set when the candidate is feasible. */
  readonly cost?: Cost | undefined
}

/** A child order to send: one listing, one quantity. */
export interface Allocation {
  readonly venue: string
  readonly canonicalId: string
  readonly access: Access
  /** In the listing's unit, on its lot grid. */
  readonly quantity: Decimal.Decimal
  /** `quantity × contractSize`: comparable across listings (the request's quantity × its contract size in total). */
  readonly underlyingQuantity: Decimal.Decimal
  readonly takerQuantity: Decimal.Decimal
  readonly restingQuantity: Decimal.Decimal
  /** The child's limit price on this listing's tick grid (the order's limit, rounded inwards); absent for MARKET. */
  readonly price?: Decimal.Decimal | undefined
  /** The worst book price the taker part is expected to reach (a protection price for a market child). */
  readonly worstPrice?: Decimal.Decimal | undefined
  readonly pricing: Pricing
  readonly cost: Cost
}

/** The split the router evaluated, whether or not it chose it. */
export interface SplitEvaluation {
  readonly feasible: boolean
  /** Why not feasible, or why not chosen. */
  readonly detail: string
  readonly allocations: ReadonlyArray<Allocation>
  /** Set when feasible. */
  readonly cost?: Cost | undefined
  /** Best single-venue total minus the split's total (set when both exist). */
  readonly saving?: Decimal.Decimal | undefined
  /** The saving the split had to exceed: `splitMinSavingBps` of its notional. */
  readonly threshold?: Decimal.Decimal | undefined
  readonly chosen: boolean
}

/** How the allocations were chosen. */
export type Choice =
  /** The cheapest feasible single listing. */
  | "SINGLE"
  /** Several listings, because that was cheaper by more than the threshold (or the only way to fill). */
  | "SPLIT"
  /** The venue the order was pinned to. */
  | "EXPLICIT"

/** The router's answer: what to send where, and why. */
export interface RoutingDecision {
  readonly canonicalId: string
  readonly side: "BUY" | "SELL"
  readonly type: "MARKET" | "LIMIT"
  readonly timeInForce: string
  readonly quantity: Decimal.Decimal
  readonly price?: Decimal.Decimal | undefined
  readonly venue?: string | undefined
  /** Absent only when nothing priced needed it. */
  readonly reference?: Reference | undefined
  /** Every listing considered, in catalogue order. */
  readonly candidates: ReadonlyArray<Candidate>
  readonly split?: SplitEvaluation | undefined
  readonly choice: Choice
  readonly allocations: ReadonlyArray<Allocation>
  /** The sum of the allocations' costs. */
  readonly cost: Cost
  /** One sentence: why this choice. */
  readonly explanation: string
}
