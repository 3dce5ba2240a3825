/**
 * Reconciliation input: compare what we hold with what a venue says we hold, per
 * (venue, canonical id), and report every difference. It never corrects anything:
 * settling a difference (a missed fill, an external trade) is the caller's decision.
 *
 * Our side is the sum over strategies of each (venue, instrument) position, in
 * contracts (the unit of fills); the venue's report must use the same unit and the same
 * canonical ids.
 */
import { Decimal, Ids } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as PositionError from "./PositionError.js"
import type { StrategyPosition } from "./StrategyPosition.js"
import { priceOf, type Valuation } from "./Valuation.js"

/** One position as a venue reports it. */
export interface ReportedPosition {
  readonly venue: Ids.Venue
  readonly canonicalId: string
  /** Signed contracts. */
  readonly quantity: Decimal.Decimal
  /** The venue's average entry price, when it reports one. */
  readonly averagePrice?: Decimal.Decimal | undefined
}

/** A reported position as decoded from JSON or an adapter (decimals as strings). */
export const ReportedPositionSchema = Schema.Struct({
  venue: Ids.Venue,
  canonicalId: Schema.NonEmptyTrimmedString,
  quantity: Decimal.DecimalFromString,
  averagePrice: Schema.optionalWith(Decimal.DecimalFromString, { exact: true })
}).annotations({ identifier: "ReportedPosition" })

/** The venue reports a position we do not hold (or hold flat). */
export interface MissingLocally {
  readonly _tag: "MissingLocally"
  readonly venue: string
  readonly canonicalId: string
  readonly reported: Decimal.Decimal
}

/** We hold a position the venue's report does not list. */
export interface MissingAtVenue {
  readonly _tag: "MissingAtVenue"
  readonly venue: string
  readonly canonicalId: string
  readonly local: Decimal.Decimal
}

/** Both sides list the position with different quantities; `difference` is `reported - local`. */
export interface QuantityMismatch {
  readonly _tag: "QuantityMismatch"
  readonly venue: string
  readonly canonicalId: string
  readonly local: Decimal.Decimal
  readonly reported: Decimal.Decimal
  readonly difference: Decimal.Decimal
}

/** Same quantity, but the venue's average entry price is not ours (see `Options.averagePriceTolerance`). */
export interface AveragePriceMismatch {
  readonly _tag: "AveragePriceMismatch"
  readonly venue: string
  readonly canonicalId: string
  readonly local: Decimal.Decimal
  readonly reported: Decimal.Decimal
}

/** One difference between our positions and a venue's. */
export type Difference = MissingLocally | MissingAtVenue | QuantityMismatch | AveragePriceMismatch

/** How to reconcile. */
export interface Options {
  /**
   * The venues the report covers: our positions at these venues that the report omits
   * are MissingAtVenue. Default: the venues named in the report (so a venue that reported
   * nothing at all must be listed here to be checked).
   */
  readonly venues?: Iterable<string>
  /**
   * Largest absolute difference of average entry prices that is not reported. Default:
   * ours rounded (half-even) to the venue's number of decimals must equal the venue's.
   */
  readonly averagePriceTolerance?: Decimal.Decimal
}

interface Local {
  readonly venue: string
  readonly canonicalId: string
  readonly valuation: Valuation
  quantity: Decimal.Decimal
  size: Decimal.Decimal
  basis: Decimal.Decimal
}

const SEP = "\u0001"

const compareKeys = (a: Difference, b: Difference): number =>
  a.venue < b.venue ? -1 : a.venue > b.venue ? 1 : a.canonicalId < b.canonicalId ? -1 : a.canonicalId > b.canonicalId ? 1 : 0

/**
 * Every difference between `positions` (ours) and `reported` (the venue's), sorted by
 * venue and canonical id. Fails with InvalidReport if an entry is malformed or a
 * (venue, canonical id) appears twice in the report. Pure: changes nothing.
 */
export const reconcile = (
  positions: Iterable<StrategyPosition>,
  reported: ReadonlyArray<ReportedPosition>,
  options: Options = {}
): Either.Either<Array<Difference>, PositionError.PositionError> => {
  const theirs = new Map<string, ReportedPosition>()
  for (const r of reported) {
    if (typeof r.venue !== "string" || typeof r.canonicalId !== "string" || r.canonicalId.length === 0) {
      return Either.left(PositionError.make("InvalidReport", `Reported position without a venue or canonical id: ${JSON.stringify(r)}`))
    }
    if (!Decimal.isDecimal(r.quantity)) {
      return Either.left(PositionError.make("InvalidReport", `Reported quantity for ${r.venue} ${r.canonicalId} is not a Decimal`, r.canonicalId))
    }
    if (r.averagePrice !== undefined && !Decimal.isDecimal(r.averagePrice)) {
      return Either.left(PositionError.make("InvalidReport", `Reported average price for ${r.venue} ${r.canonicalId} is not a Decimal`, r.canonicalId))
    }
    const key = r.venue + SEP + r.canonicalId
    if (theirs.has(key)) {
      return Either.left(PositionError.make("InvalidReport", `${r.venue} ${r.canonicalId} is reported twice`, r.canonicalId))
    }
    theirs.set(key, r)
  }
  const venues = new Set<string>(options.venues ?? [...theirs.values()].map((r) => r.venue))

  const ours = new Map<string, Local>()
  for (const p of positions) {
    const key = p.venue + SEP + p.canonicalId
    const local = ours.get(key)
    if (local === undefined) {
      ours.set(key, { venue: p.venue, canonicalId: p.canonicalId, valuation: p.valuation, quantity: p.quantity, size: p.size, basis: p.costBasis })
    } else {
      local.quantity = Decimal.add(local.quantity, p.quantity)
      local.size = Decimal.add(local.size, p.size)
      local.basis = Decimal.add(local.basis, p.costBasis)
    }
  }

  const differences: Array<Difference> = []
  for (const [key, r] of theirs) {
    const local = ours.get(key)
    const { venue, canonicalId } = r
    if (local === undefined || Decimal.isZero(local.quantity)) {
      if (!Decimal.isZero(r.quantity)) differences.push({ _tag: "MissingLocally", venue, canonicalId, reported: r.quantity })
      continue
    }
    if (!Decimal.equals(local.quantity, r.quantity)) {
      differences.push({
        _tag: "QuantityMismatch",
        venue,
        canonicalId,
        local: local.quantity,
        reported: r.quantity,
        difference: Decimal.sub(r.quantity, local.quantity)
      })
      continue
    }
    const localPrice = priceOf(local.valuation, local.size, local.basis)
    if (r.averagePrice !== undefined && localPrice !== undefined) {
      const tolerance = options.averagePriceTolerance
      const differs =
        tolerance === undefined
          ? !Decimal.equals(Decimal.round(localPrice, r.averagePrice.scale, "half-even"), r.averagePrice)
          : Decimal.greaterThan(Decimal.abs(Decimal.sub(localPrice, r.averagePrice)), tolerance)
      if (differs) differences.push({ _tag: "AveragePriceMismatch", venue, canonicalId, local: localPrice, reported: r.averagePrice })
    }
  }
  for (const [key, local] of ours) {
    if (theirs.has(key) || !venues.has(local.venue) || Decimal.isZero(local.quantity)) continue
    differences.push({ _tag: "MissingAtVenue", venue: local.venue, canonicalId: local.canonicalId, local: local.quantity })
  }
  return Either.right(differences.sort(compareKeys))
}
