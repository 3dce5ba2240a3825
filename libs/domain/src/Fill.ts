/** One execution of an order at a venue: what positions and PnL are built from. */
import * as Schema from "effect/Schema"
import * as Decimal from "./Decimal.js"
import { OperationId, TradeId, Venue, VenueOrderId } from "./Ids.js"
import type * as OrderEvent from "./OrderEvent.js"
import { Side } from "./Side.js"
import { EpochMillis } from "./Time.js"

/** Whether the fill added liquidity (maker) or took it (taker); decides the fee rate. */
export const Liquidity = Schema.Literal("MAKER", "TAKER").annotations({ identifier: "Liquidity" })
/** MAKER or TAKER. */
export type Liquidity = typeof Liquidity.Type

/** Fields of Fill, for schemas that extend it. */
export const FillFields = {
  operationId: OperationId,
  venue: Venue,
  canonicalId: Schema.NonEmptyTrimmedString,
  /** The venue's trade id; (venue, tradeId) identifies a fill, so replays de-duplicate. */
  tradeId: TradeId,
  venueOrderId: Schema.optional(VenueOrderId),
  side: Side,
  price: Decimal.DecimalFromString,
  quantity: Decimal.PositiveDecimalFromString,
  /** Fee charged, in `feeCurrency`; negative is a rebate. */
  fee: Decimal.DecimalFromString,
  feeCurrency: Schema.NonEmptyTrimmedString,
  liquidity: Liquidity,
  /** When the venue executed it. */
  timestamp: EpochMillis
}

/** One execution, with decimals as strings when encoded. */
export const Fill = Schema.Struct(FillFields).annotations({ identifier: "Fill" })
/** One execution. */
export type Fill = typeof Fill.Type

/** The key that identifies a fill across sources (websocket, REST, reconciliation). */
export const key = (fill: Fill): string => `${fill.venue}|${fill.tradeId}`

/** The state-machine event this fill is. */
export const toOrderEvent = (fill: Fill): OrderEvent.Fill => ({
  _tag: "Fill",
  quantity: fill.quantity,
  price: fill.price,
  tradeId: fill.tradeId
})

/** `price * quantity`, exact (for linear instruments; see InstrumentSpec.notional for contracts). */
export const value = (fill: Fill): Decimal.Decimal => Decimal.mul(fill.price, fill.quantity)
