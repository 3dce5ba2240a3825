/**
 * protobuf `Order` (and the service's request messages) <-> domain `OrderRequest`.
 *
 * Decoding checks every field and every cross-field rule and reports ALL problems in one
 * `ProtoDecodeError` (field by proto name, the value received, the rule broken); it never
 * fills in a default for a missing or invalid field. Encoding is total: a valid
 * `OrderRequest` always has a proto form, and decoding that form gives it back.
 */
import { create, toBinary } from "@bufbuild/protobuf"
import { Decimal, Ids, type Order } from "@odum/domain"
import { InstrumentId } from "@odum/instrument-id"
import * as Either from "effect/Either"
import * as pb from "./ExecutionV1.js"
import * as enums from "./internal/enums.js"
import {
  ABSENT,
  decimal,
  durationMs,
  enumValue,
  finish,
  Issues,
  parseBinary,
  show,
  stringDecoder,
  timestamp,
  toDuration,
  toTimestamp
} from "./internal/fields.js"
import type { OrderRequest } from "./OrderRequest.js"
import { FieldIssue, invalidFields, type ProtoDecodeError } from "./ProtoDecodeError.js"

const operationId = stringDecoder(Ids.OperationId)
const strategyId = stringDecoder(Ids.StrategyId)
const venue = stringDecoder(Ids.Venue)
const canonicalId = stringDecoder(InstrumentId.InstrumentIdString)

const sliceCount = (issues: Issues, field: string, n: number): number | undefined => {
  if (n >= 1) return n
  issues.add(field, String(n), "required, at least 1")
  return undefined
}

const participationRate = (issues: Issues, field: string, raw: string): Decimal.Decimal | undefined => {
  const d = decimal(issues, field, raw, "positive")
  if (d !== undefined && Decimal.greaterThan(d, Decimal.one)) {
    issues.add(field, show(raw), "must be at most 1 (a share of market volume, e.g. \"0.1\" for 10 %)")
    return undefined
  }
  return d
}

const execAlgorithm = (
  issues: Issues,
  prefix: string,
  msg: pb.ExecAlgorithmParams,
  quantity: Decimal.Decimal | undefined
): Order.ExecAlgorithm | undefined => {
  const a = msg.algorithm
  switch (a.case) {
    case "twap": {
      const f = `${prefix}.twap`
      const duration = durationMs(issues, `${f}.duration`, a.value.duration)
      const slices = sliceCount(issues, `${f}.slice_count`, a.value.sliceCount)
      return duration === undefined || slices === undefined
        ? undefined
        : { name: "TWAP", params: { durationMs: duration, sliceCount: slices } }
    }
    case "vwap": {
      const f = `${prefix}.vwap`
      const before = issues.list.length
      const duration = durationMs(issues, `${f}.duration`, a.value.duration)
      const slices = sliceCount(issues, `${f}.slice_count`, a.value.sliceCount)
      const raw = a.value.maxParticipationRate
      const rate = raw === undefined ? undefined : participationRate(issues, `${f}.max_participation_rate`, raw)
      if (issues.list.length > before || duration === undefined || slices === undefined) return undefined
      return {
        name: "VWAP",
        params: { durationMs: duration, sliceCount: slices, ...(rate === undefined ? {} : { maxParticipationRate: rate }) }
      }
    }
    case "iceberg": {
      const f = `${prefix}.iceberg.display_amount`
      const display = decimal(issues, f, a.value.displayAmount, "positive")
      if (display === undefined) return undefined
      if (quantity !== undefined && Decimal.greaterThan(display, quantity)) {
        issues.add(f, show(a.value.displayAmount), `must not exceed amount (${Decimal.format(quantity)})`)
        return undefined
      }
      return { name: "ICEBERG", params: { displayQuantity: display } }
    }
    case undefined: {
      const unknown = msg.$unknown?.map((u) => u.no) ?? []
      issues.add(
        `${prefix}.algorithm`,
        unknown.length > 0 ? `unknown field(s) ${unknown.join(", ")}` : ABSENT,
        unknown.length > 0
          ? "an algorithm this contract version does not know; omit exec_algorithm_params to send the order without one"
          : "no algorithm set; omit exec_algorithm_params to send the order without one"
      )
      return undefined
    }
  }
}

/** Checks an Order into `issues` (fields prefixed by `prefix`); the request when there was nothing wrong. */
const readOrder = (issues: Issues, prefix: string, msg: pb.Order): OrderRequest | undefined => {
  const before = issues.list.length
  const p = prefix === "" ? "" : `${prefix}.`
  const opId = operationId(issues, `${p}operation_id`, msg.operationId)
  const instrument = canonicalId(issues, `${p}instrument_key`, msg.instrumentKey)
  const sideV = enumValue(issues, `${p}side`, enums.side, msg.side)
  const quantity = decimal(issues, `${p}amount`, msg.amount, "positive")
  const price = msg.price === undefined ? undefined : decimal(issues, `${p}price`, msg.price, "positive")
  const strategy = strategyId(issues, `${p}strategy_id`, msg.strategyId)
  const type = enumValue(issues, `${p}order_type`, enums.orderType, msg.orderType)
  const tif = enumValue(issues, `${p}time_in_force`, enums.timeInForce, msg.timeInForce)
  const venueV = msg.venue === undefined ? undefined : venue(issues, `${p}venue`, msg.venue)
  const clientTimestamp = timestamp(issues, `${p}client_timestamp`, msg.clientTimestamp, true)
  const expireAt = timestamp(issues, `${p}expire_time`, msg.expireTime, false)
  const algo =
    msg.execAlgorithmParams === undefined
      ? undefined
      : execAlgorithm(issues, `${p}exec_algorithm_params`, msg.execAlgorithmParams, quantity)

  // Cross-field rules look at presence, so they are reported even when a value was bad.
  if (type === "LIMIT" && msg.price === undefined) issues.add(`${p}price`, ABSENT, "required for ORDER_TYPE_LIMIT")
  if (type === "MARKET" && msg.price !== undefined) {
    issues.add(`${p}price`, show(msg.price), "must be absent for ORDER_TYPE_MARKET")
  }
  if (tif === "GTD" && msg.expireTime === undefined) issues.add(`${p}expire_time`, ABSENT, "required for TIME_IN_FORCE_GTD")
  if (tif !== undefined && tif !== "GTD" && msg.expireTime !== undefined) {
    issues.add(`${p}expire_time`, expireAt === undefined ? "(set)" : `${expireAt} ms`, "must be absent unless time_in_force is TIME_IN_FORCE_GTD")
  }
  if (expireAt !== undefined && clientTimestamp !== undefined && expireAt <= clientTimestamp) {
    issues.add(`${p}expire_time`, `${expireAt} ms`, `must be after client_timestamp (${clientTimestamp} ms)`)
  }
  if (msg.postOnly && (type === "MARKET" || tif === "IOC" || tif === "FOK")) {
    issues.add(`${p}post_only`, "true", `not allowed with ${type === "MARKET" ? "ORDER_TYPE_MARKET" : `TIME_IN_FORCE_${tif}`}`)
  }
  if (issues.list.length > before) return undefined
  // Every value below was decoded without an issue, so none is undefined except true optionals.
  return {
    operationId: opId!,
    strategyId: strategy!,
    canonicalId: instrument!,
    ...(venueV === undefined ? {} : { venue: venueV }),
    side: sideV!,
    type: type!,
    timeInForce: tif!,
    quantity: quantity!,
    ...(price === undefined ? {} : { price }),
    ...(expireAt === undefined ? {} : { expireAt }),
    reduceOnly: msg.reduceOnly,
    postOnly: msg.postOnly,
    ...(algo === undefined ? {} : { execAlgorithm: algo }),
    clientTimestamp: clientTimestamp!
  }
}

/** The domain request of a protobuf Order, or every reason it is not a valid one. */
export const orderFromProto = (msg: pb.Order): Either.Either<OrderRequest, ProtoDecodeError> => {
  const issues = new Issues()
  const r = readOrder(issues, "", msg)
  return finish(pb.OrderSchema.typeName, issues, () => r!)
}

/** The protobuf Order of a request (the inverse of `orderFromProto`). */
export const orderToProto = (r: OrderRequest): pb.Order =>
  create(pb.OrderSchema, {
    operationId: r.operationId,
    instrumentKey: r.canonicalId,
    side: enums.side.toProto[r.side],
    amount: Decimal.format(r.quantity),
    ...(r.price === undefined ? {} : { price: Decimal.format(r.price) }),
    strategyId: r.strategyId,
    ...(r.execAlgorithm === undefined ? {} : { execAlgorithmParams: algorithmToProto(r.execAlgorithm) }),
    orderType: enums.orderType.toProto[r.type],
    timeInForce: enums.timeInForce.toProto[r.timeInForce],
    ...(r.venue === undefined ? {} : { venue: r.venue }),
    reduceOnly: r.reduceOnly,
    postOnly: r.postOnly,
    clientTimestamp: toTimestamp(r.clientTimestamp),
    ...(r.expireAt === undefined ? {} : { expireTime: toTimestamp(r.expireAt) })
  })

/** The protobuf form of an execution algorithm. */
export const algorithmToProto = (a: Order.ExecAlgorithm): pb.ExecAlgorithmParams => {
  switch (a.name) {
    case "TWAP":
      return create(pb.ExecAlgorithmParamsSchema, {
        algorithm: {
          case: "twap",
          value: { duration: toDuration(a.params.durationMs), sliceCount: a.params.sliceCount }
        }
      })
    case "VWAP": {
      const rate = a.params.maxParticipationRate
      return create(pb.ExecAlgorithmParamsSchema, {
        algorithm: {
          case: "vwap",
          value: {
            duration: toDuration(a.params.durationMs),
            sliceCount: a.params.sliceCount,
            ...(rate === undefined ? {} : { maxParticipationRate: Decimal.format(rate) })
          }
        }
      })
    }
    case "ICEBERG":
      return create(pb.ExecAlgorithmParamsSchema, {
        algorithm: { case: "iceberg", value: { displayAmount: Decimal.format(a.params.displayQuantity) } }
      })
  }
}

/** Decodes the bytes of an Order: malformed bytes and invalid fields fail with the same error type. */
export const decodeOrder = (bytes: Uint8Array): Either.Either<OrderRequest, ProtoDecodeError> =>
  Either.flatMap(parseBinary(pb.OrderSchema, bytes), orderFromProto)

/** The bytes of a request's Order. */
export const encodeOrder = (r: OrderRequest): Uint8Array => toBinary(pb.OrderSchema, orderToProto(r))

/** The order of a SubmitOrderRequest (fields named `order.<field>` in issues). */
export const submitOrderRequestFromProto = (
  msg: pb.SubmitOrderRequest
): Either.Either<OrderRequest, ProtoDecodeError> => {
  const type = pb.SubmitOrderRequestSchema.typeName
  if (msg.order === undefined) {
    return Either.left(invalidFields(type, [new FieldIssue({ field: "order", value: ABSENT, problem: "required, but missing" })]))
  }
  const issues = new Issues()
  const r = readOrder(issues, "order", msg.order)
  return finish(type, issues, () => r!)
}

/** What CancelOrder asks: which order, and an optional free-text reason. */
export interface CancelRequest {
  readonly operationId: Ids.OperationId
  readonly reason?: string
}

/** The domain form of a CancelOrderRequest. */
export const cancelOrderRequestFromProto = (
  msg: pb.CancelOrderRequest
): Either.Either<CancelRequest, ProtoDecodeError> => {
  const issues = new Issues()
  const id = operationId(issues, "operation_id", msg.operationId)
  return finish(pb.CancelOrderRequestSchema.typeName, issues, () => ({
    operationId: id!,
    ...(msg.reason === undefined ? {} : { reason: msg.reason })
  }))
}

/** The order id of a GetOrderStatusRequest. */
export const getOrderStatusRequestFromProto = (
  msg: pb.GetOrderStatusRequest
): Either.Either<Ids.OperationId, ProtoDecodeError> => {
  const issues = new Issues()
  const id = operationId(issues, "operation_id", msg.operationId)
  return finish(pb.GetOrderStatusRequestSchema.typeName, issues, () => id!)
}
