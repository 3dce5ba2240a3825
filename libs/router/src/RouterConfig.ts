/**
 * The router's configuration as data: venue profiles, listings (each an InstrumentSpec with
 * its fees, grid and limits), optional explicit equivalences and the cost parameters.
 * Decimals are strings in JSON; `decode` checks the shape, `VenueCatalogue.make` the
 * cross-references.
 */
import { Decimal, InstrumentSpec } from "@odum/domain"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { RouterConfigError } from "./RouterError.js"

/** How the venue is reached: through the ccxt adapter or an external (own) adapter. */
export const Access = Schema.Literal("ccxt", "external").annotations({ identifier: "Access" })
/** ccxt or external. */
export type Access = typeof Access.Type

/** A venue as the router sees it. */
export const VenueProfile = Schema.Struct({
  /** Venue code, as in canonical ids ("BINANCE-SPOT"). */
  venue: Schema.NonEmptyTrimmedString,
  access: Access,
  /** Expected order round trip in milliseconds; priced by `costs.latencyPenaltyBpsPerMs`. */
  latencyMs: Schema.NonNegativeInt,
  /** A disabled venue stays in the catalogue (and in explanations) but is never routed to. */
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true })
}).annotations({ identifier: "VenueProfile" })
/** A venue as the router sees it. */
export type VenueProfile = typeof VenueProfile.Type

/**
 * The cost model used for a listing whose book is unknown: the expected average price is
 * `reference × (1 ± (halfSpreadBps + impactBpsPerUnit × q) / 10^4)` for `q` underlying
 * units (base asset for linear instruments).
 */
export const NoBookModel = Schema.Struct({
  halfSpreadBps: Decimal.NonNegativeDecimalFromString,
  impactBpsPerUnit: Decimal.NonNegativeDecimalFromString
}).annotations({ identifier: "NoBookModel" })
/** The cost model for a listing without a known book. */
export type NoBookModel = typeof NoBookModel.Type

/** One instrument on one venue. */
export const ListingConfig = Schema.Struct({
  spec: InstrumentSpec.InstrumentSpec,
  /** Overrides `costs.noBookModel` for this listing. */
  noBookModel: Schema.optional(NoBookModel)
}).annotations({ identifier: "ListingConfig" })
/** One instrument on one venue. */
export type ListingConfig = typeof ListingConfig.Type

/** Cost-model parameters shared by every decision. */
export const CostConfig = Schema.Struct({
  /** Latency penalty in basis points of notional per millisecond of venue latency. */
  latencyPenaltyBpsPerMs: Schema.optionalWith(Decimal.NonNegativeDecimalFromString, {
    default: () => Decimal.unsafeFromString("0.01")
  }),
  /** Whether orders may be split across venues at all. */
  split: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** A split is chosen only when it beats the best single venue by more than this share of its notional. */
  splitMinSavingBps: Schema.optionalWith(Decimal.NonNegativeDecimalFromString, {
    default: () => Decimal.unsafeFromString("0.5")
  }),
  /** The no-book model of listings that do not set their own. */
  noBookModel: Schema.optionalWith(NoBookModel, {
    default: () => ({
      halfSpreadBps: Decimal.unsafeFromString("5"),
      impactBpsPerUnit: Decimal.unsafeFromString("10")
    })
  })
}).annotations({ identifier: "CostConfig" })
/** Cost-model parameters. */
export type CostConfig = typeof CostConfig.Type

/** The whole router configuration. */
export const RouterConfig = Schema.Struct({
  venues: Schema.Array(VenueProfile),
  listings: Schema.Array(ListingConfig),
  /**
   * Listings to treat as interchangeable beyond the automatic grouping, by canonical id;
   * each inner list is merged into one group (with the groups its members already belong to).
   */
  equivalences: Schema.optionalWith(Schema.Array(Schema.Array(Schema.String)), { default: () => [] }),
  /** Group listings with the same type, base, quote, settlement and terms automatically. */
  autoEquivalence: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  costs: Schema.optionalWith(CostConfig, { default: () => Schema.decodeSync(CostConfig)({}) })
}).annotations({ identifier: "RouterConfig" })
/** The decoded router configuration. */
export type RouterConfig = typeof RouterConfig.Type
/** The router configuration as JSON (decimals as strings). */
export type RouterConfigEncoded = typeof RouterConfig.Encoded

/** Decodes a JSON configuration; unknown fields are refused so a typo cannot pass silently. */
export const decode = (input: unknown): Either.Either<RouterConfig, RouterConfigError> =>
  Either.mapLeft(
    Schema.decodeUnknownEither(RouterConfig)(input, { onExcessProperty: "error", errors: "all" }),
    (error) =>
      new RouterConfigError({
        reason: "InvalidConfig",
        message: ParseResult.TreeFormatter.formatErrorSync(error),
        cause: error
      })
  )
