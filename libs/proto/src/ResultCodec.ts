/**
 * Domain `Fill`, `ExecutionResult` and `ExecutionReport` <-> their protobuf messages.
 *
 * The service encodes these (domain -> proto is total); clients and tests decode them,
 * with the same checks and the same `ProtoDecodeError` (all issues, by proto field path
 * such as `fills[1].price`) as orders.
 */
import { create, toBinary } from "@bufbuild/protobuf"
import { Decimal, type ExecutionResult, type Fill, Ids } from "@odum/domain"
import { InstrumentId } from "@odum/instrument-id"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as pb from "./ExecutionV1.js"
import type { ExecutionReport } from "./ExecutionReport.js"
import * as enums from "./internal/enums.js"
import { decimal, enumValue, finish, Issues, parseBinary, stringDecoder, timestamp, toTimestamp } from "./internal/fields.js"
import type { ProtoDecodeError } from "./ProtoDecodeError.js"

const operationId = stringDecoder(Ids.OperationId)
const strategyId = stringDecoder(Ids.StrategyId)
const venue = stringDecoder(Ids.Venue)
const tradeId = stringDecoder(Ids.TradeId)
const venueOrderId = stringDecoder(Ids.VenueOrderId)
const canonicalId = stringDecoder(InstrumentId.InstrumentIdString)
const currency = stringDecoder(Schema.NonEmptyTrimmedString)

// ---------------------------------------------------------------------------------------
// Fill
// ---------------------------------------------------------------------------------------

/** The protobuf Fill of a domain fill. */
export const fillToProto = (f: Fill.Fill): pb.Fill =>
  create(pb.FillSchema, {
    tradeId: f.tradeId,
    venue: f.venue,
    price: Decimal.format(f.price),
    amount: Decimal.format(f.quantity),
    fee: Decimal.format(f.fee),
    feeCurrency: f.feeCurrency,
    liquidity: enums.liquidity.toProto[f.liquidity],
    timestamp: toTimestamp(f.timestamp),
    operationId: f.operationId,
    instrumentKey: f.canonicalId,
    side: enums.side.toProto[f.side],
    ...(f.venueOrderId === undefined ? {} : { venueOrderId: f.venueOrderId })
  })

const readFill = (issues: Issues, prefix: string, msg: pb.Fill): Fill.Fill | undefined => {
  const before = issues.list.length
  const p = prefix === "" ? "" : `${prefix}.`
  const trade = tradeId(issues, `${p}trade_id`, msg.tradeId)
  const venueV = venue(issues, `${p}venue`, msg.venue)
  const price = decimal(issues, `${p}price`, msg.price, "any")
  const quantity = decimal(issues, `${p}amount`, msg.amount, "positive")
  const fee = decimal(issues, `${p}fee`, msg.fee, "any")
  const feeCurrency = currency(issues, `${p}fee_currency`, msg.feeCurrency)
  const liquidity = enumValue(issues, `${p}liquidity`, enums.liquidity, msg.liquidity)
  const ts = timestamp(issues, `${p}timestamp`, msg.timestamp, true)
  const opId = operationId(issues, `${p}operation_id`, msg.operationId)
  const instrument = canonicalId(issues, `${p}instrument_key`, msg.instrumentKey)
  const side = enumValue(issues, `${p}side`, enums.side, msg.side)
  const vOrderId = msg.venueOrderId === undefined ? undefined : venueOrderId(issues, `${p}venue_order_id`, msg.venueOrderId)
  if (issues.list.length > before) return undefined
  return {
    operationId: opId!,
    venue: venueV!,
    canonicalId: instrument!,
    tradeId: trade!,
    ...(vOrderId === undefined ? {} : { venueOrderId: vOrderId }),
    side: side!,
    price: price!,
    quantity: quantity!,
    fee: fee!,
    feeCurrency: feeCurrency!,
    liquidity: liquidity!,
    timestamp: ts!
  }
}

/** The domain fill of a protobuf Fill, or every reason it is not a valid one. */
export const fillFromProto = (msg: pb.Fill): Either.Either<Fill.Fill, ProtoDecodeError> => {
  const issues = new Issues()
  const f = readFill(issues, "", msg)
  return finish(pb.FillSchema.typeName, issues, () => f!)
}

// ---------------------------------------------------------------------------------------
// ExecutionResult
// ---------------------------------------------------------------------------------------

/** The protobuf ExecutionResult of a domain result. */
export const executionResultToProto = (r: ExecutionResult.ExecutionResult): pb.ExecutionResult =>
  create(pb.ExecutionResultSchema, {
    operationId: r.operationId,
    status: enums.orderStatus.toProto[r.status],
    ...(r.venue === undefined ? {} : { venue: r.venue }),
    fills: r.fills.map(fillToProto),
    ...(r.errorMessage === undefined ? {} : { errorMessage: r.errorMessage }),
    filledAmount: Decimal.format(r.filledQuantity),
    ...(r.averagePrice === undefined ? {} : { averagePrice: Decimal.format(r.averagePrice) })
  })

const readFills = (issues: Issues, fills: ReadonlyArray<pb.Fill>): Array<Fill.Fill> => {
  const out: Array<Fill.Fill> = []
  fills.forEach((f, i) => {
    const fill = readFill(issues, `fills[${i}]`, f)
    if (fill !== undefined) out.push(fill)
  })
  return out
}

/** The domain result of a protobuf ExecutionResult, or every reason it is not a valid one. */
export const executionResultFromProto = (
  msg: pb.ExecutionResult
): Either.Either<ExecutionResult.ExecutionResult, ProtoDecodeError> => {
  const issues = new Issues()
  const opId = operationId(issues, "operation_id", msg.operationId)
  const status = enumValue(issues, "status", enums.orderStatus, msg.status)
  const venueV = msg.venue === undefined ? undefined : venue(issues, "venue", msg.venue)
  const fills = readFills(issues, msg.fills)
  const filled = decimal(issues, "filled_amount", msg.filledAmount, "nonNegative")
  const average = msg.averagePrice === undefined ? undefined : decimal(issues, "average_price", msg.averagePrice, "any")
  return finish(pb.ExecutionResultSchema.typeName, issues, () => ({
    operationId: opId!,
    status: status!,
    ...(venueV === undefined ? {} : { venue: venueV }),
    fills,
    ...(msg.errorMessage === undefined ? {} : { errorMessage: msg.errorMessage }),
    filledQuantity: filled!,
    ...(average === undefined ? {} : { averagePrice: average })
  }))
}

/** The bytes of a result. */
export const encodeExecutionResult = (r: ExecutionResult.ExecutionResult): Uint8Array =>
  toBinary(pb.ExecutionResultSchema, executionResultToProto(r))

/** Decodes the bytes of an ExecutionResult (malformed bytes and invalid fields alike as ProtoDecodeError). */
export const decodeExecutionResult = (
  bytes: Uint8Array
): Either.Either<ExecutionResult.ExecutionResult, ProtoDecodeError> =>
  Either.flatMap(parseBinary(pb.ExecutionResultSchema, bytes), executionResultFromProto)

// ---------------------------------------------------------------------------------------
// ExecutionReport
// ---------------------------------------------------------------------------------------

/** The protobuf ExecutionReport of a domain report. */
export const executionReportToProto = (r: ExecutionReport): pb.ExecutionReport =>
  create(pb.ExecutionReportSchema, {
    sequence: BigInt(r.sequence),
    operationId: r.operationId,
    strategyId: r.strategyId,
    instrumentKey: r.canonicalId,
    status: enums.orderStatus.toProto[r.status],
    ...(r.venue === undefined ? {} : { venue: r.venue }),
    ...(r.fill === undefined ? {} : { fill: fillToProto(r.fill) }),
    filledAmount: Decimal.format(r.filledQuantity),
    ...(r.averagePrice === undefined ? {} : { averagePrice: Decimal.format(r.averagePrice) }),
    ...(r.message === undefined ? {} : { message: r.message }),
    timestamp: toTimestamp(r.timestamp)
  })

/** The domain report of a protobuf ExecutionReport, or every reason it is not a valid one. */
export const executionReportFromProto = (
  msg: pb.ExecutionReport
): Either.Either<ExecutionReport, ProtoDecodeError> => {
  const issues = new Issues()
  if (msg.sequence > BigInt(Number.MAX_SAFE_INTEGER)) {
    issues.add("sequence", String(msg.sequence), `must be at most ${Number.MAX_SAFE_INTEGER}`)
  }
  const opId = operationId(issues, "operation_id", msg.operationId)
  const strategy = strategyId(issues, "strategy_id", msg.strategyId)
  const instrument = canonicalId(issues, "instrument_key", msg.instrumentKey)
  const status = enumValue(issues, "status", enums.orderStatus, msg.status)
  const venueV = msg.venue === undefined ? undefined : venue(issues, "venue", msg.venue)
  const fill = msg.fill === undefined ? undefined : readFill(issues, "fill", msg.fill)
  const filled = decimal(issues, "filled_amount", msg.filledAmount, "nonNegative")
  const average = msg.averagePrice === undefined ? undefined : decimal(issues, "average_price", msg.averagePrice, "any")
  const ts = timestamp(issues, "timestamp", msg.timestamp, true)
  return finish(pb.ExecutionReportSchema.typeName, issues, () => ({
    sequence: Number(msg.sequence),
    operationId: opId!,
    strategyId: strategy!,
    canonicalId: instrument!,
    status: status!,
    ...(venueV === undefined ? {} : { venue: venueV }),
    ...(fill === undefined ? {} : { fill }),
    filledQuantity: filled!,
    ...(average === undefined ? {} : { averagePrice: average }),
    ...(msg.message === undefined ? {} : { message: msg.message }),
    timestamp: ts!
  }))
}

/** The bytes of a report. */
export const encodeExecutionReport = (r: ExecutionReport): Uint8Array =>
  toBinary(pb.ExecutionReportSchema, executionReportToProto(r))

/** Decodes the bytes of an ExecutionReport. */
export const decodeExecutionReport = (bytes: Uint8Array): Either.Either<ExecutionReport, ProtoDecodeError> =>
  Either.flatMap(parseBinary(pb.ExecutionReportSchema, bytes), executionReportFromProto)
