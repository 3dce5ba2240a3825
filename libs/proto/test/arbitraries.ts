/**
 * fast-check generators of valid domain values, built from the contract's rules (not from
 * the codec), so a round trip through the codec really tests it.
 */
import { Decimal, type ExecutionResult, type Fill, type Ids, type Order, OrderStatus } from "@odum/domain"
import { InstrumentId, Venue } from "@odum/instrument-id"
import * as fc from "fast-check"
import type { ExecutionReport } from "../src/ExecutionReport.js"
import type { OrderRequest } from "../src/OrderRequest.js"

/** Real canonical ids of every instrument type (the grammar itself is @odum/instrument-id's to test). */
export const canonicalIds = [
  "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
  "BINANCE-FUTURES:PERPETUAL:BTC-USDT",
  "DERIBIT:PERPETUAL:BTC-USD@INV",
  "DERIBIT:OPTION:BTC-USD-50000-20241231-C",
  "CRYPTO:OKX:SPOT_PAIR:ETH-USDC"
] as const

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x21-\\x7E]{1,${max}}$`))

const brand = <B>(a: fc.Arbitrary<string>) => a as unknown as fc.Arbitrary<B>

/** An operation id (printable ASCII, no spaces). */
export const operationId = brand<Ids.OperationId>(printable(64))
const strategyId = brand<Ids.StrategyId>(printable(32))
const tradeId = brand<Ids.TradeId>(printable(32))
const venueOrderId = brand<Ids.VenueOrderId>(printable(32))
const venue = brand<Ids.Venue>(fc.constantFrom(...Venue.all))
const canonicalId = brand<InstrumentId.InstrumentIdString>(fc.constantFrom(...canonicalIds))

/** A decimal with up to 30 digits and up to 18 after the point, of any sign. */
export const decimal: fc.Arbitrary<Decimal.Decimal> = fc
  .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }))
  .map(([units, scale]) => Decimal.fromScaled(units, scale))

/** A decimal > 0. */
export const positive: fc.Arbitrary<Decimal.Decimal> = decimal.map(Decimal.abs).filter(Decimal.isPositive)

const nonNegative = decimal.map(Decimal.abs)

/** Epoch milliseconds over the whole Timestamp range (1970 .. 9999). */
export const epochMillis = fc.integer({ min: 0, max: 253_402_300_799_999 })

const optional = <A>(a: fc.Arbitrary<A>) => fc.option(a, { nil: undefined })

/** Drops undefined entries, so an exactOptionalPropertyTypes object is built from records. */
const compact = <A extends object>(o: A): A =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as A

const durationMs = fc.integer({ min: 1, max: 30 * 24 * 3_600_000 })
const sliceCount = fc.integer({ min: 1, max: 10_000 })
const rate = fc.integer({ min: 1, max: 10_000 }).map((n) => Decimal.fromScaled(BigInt(n), 4))

const algorithm = (quantity: Decimal.Decimal): fc.Arbitrary<Order.ExecAlgorithm> =>
  fc.oneof(
    fc.record({ durationMs, sliceCount }).map((params) => ({ name: "TWAP" as const, params })),
    fc
      .record({ durationMs, sliceCount, maxParticipationRate: optional(rate) })
      .map((params) => ({ name: "VWAP" as const, params: compact(params) })),
    positive.map((d) => ({ name: "ICEBERG" as const, params: { displayQuantity: Decimal.min(d, quantity) } }))
  )

/** A valid order request: every combination the cross-field rules allow. */
export const orderRequest: fc.Arbitrary<OrderRequest> = fc
  .record({
    operationId,
    strategyId,
    canonicalId,
    venue: optional(venue),
    side: fc.constantFrom("BUY" as const, "SELL" as const),
    type: fc.constantFrom("MARKET" as const, "LIMIT" as const),
    timeInForce: fc.constantFrom("GTC" as const, "IOC" as const, "FOK" as const, "GTD" as const, "DAY" as const),
    quantity: positive,
    price: positive,
    reduceOnly: fc.boolean(),
    postOnly: fc.boolean(),
    clientTimestamp: fc.integer({ min: 0, max: 253_402_300_000_000 }),
    expiresAfter: fc.integer({ min: 1, max: 799_999 }),
    withAlgorithm: fc.boolean()
  })
  .chain((r) =>
    (r.withAlgorithm ? algorithm(r.quantity) : fc.constant(undefined)).map((execAlgorithm) =>
      compact<OrderRequest>({
        operationId: r.operationId,
        strategyId: r.strategyId,
        canonicalId: r.canonicalId,
        venue: r.venue,
        side: r.side,
        type: r.type,
        timeInForce: r.timeInForce,
        quantity: r.quantity,
        price: r.type === "LIMIT" ? r.price : undefined,
        expireAt: r.timeInForce === "GTD" ? r.clientTimestamp + r.expiresAfter : undefined,
        reduceOnly: r.reduceOnly,
        postOnly: r.postOnly && r.type === "LIMIT" && r.timeInForce !== "IOC" && r.timeInForce !== "FOK",
        execAlgorithm,
        clientTimestamp: r.clientTimestamp
      })
    )
  )

/** A valid fill. */
export const fill: fc.Arbitrary<Fill.Fill> = fc
  .record({
    operationId,
    venue,
    canonicalId,
    tradeId,
    venueOrderId: optional(venueOrderId),
    side: fc.constantFrom("BUY" as const, "SELL" as const),
    price: decimal,
    quantity: positive,
    fee: decimal,
    feeCurrency: fc.constantFrom("USDT", "BTC", "USD", "BNB"),
    liquidity: fc.constantFrom("MAKER" as const, "TAKER" as const),
    timestamp: epochMillis
  })
  .map(compact)

const status = fc.constantFrom(...OrderStatus.all)

/** A valid execution result. */
export const executionResult: fc.Arbitrary<ExecutionResult.ExecutionResult> = fc
  .record({
    operationId,
    status,
    venue: optional(venue),
    fills: fc.array(fill, { maxLength: 4 }),
    errorMessage: optional(fc.string({ unit: "grapheme" })),
    filledQuantity: nonNegative,
    averagePrice: optional(decimal)
  })
  .map(compact)

/** A valid execution report. */
export const executionReport: fc.Arbitrary<ExecutionReport> = fc
  .record({
    sequence: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    operationId,
    strategyId,
    canonicalId,
    status,
    venue: optional(venue),
    fill: optional(fill),
    filledQuantity: nonNegative,
    averagePrice: optional(decimal),
    message: optional(fc.string({ unit: "grapheme" })),
    timestamp: epochMillis
  })
  .map(compact)
