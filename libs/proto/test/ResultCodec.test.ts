import { create, fromBinary, toBinary } from "@bufbuild/protobuf"
import { Decimal, ExecutionResult, Fill, Ids, Order, type OrderStatus } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ExecutionReport, ExecutionV1 as pb, type ProtoDecodeError, ResultCodec } from "../src/index.js"
import { executionReport, executionResult, fill } from "./arbitraries.js"

const errorOf = <A>(r: Either.Either<A, ProtoDecodeError.ProtoDecodeError>): ProtoDecodeError.ProtoDecodeError => {
  if (Either.isRight(r)) throw new Error("expected a ProtoDecodeError")
  return r.left
}

const wireFill = {
  operationId: "op-1",
  venue: "BINANCE-SPOT",
  canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
  tradeId: "t-1",
  side: "BUY",
  price: "65000.5",
  quantity: "0.25",
  fee: "-0.0001",
  feeCurrency: "USDT",
  liquidity: "MAKER",
  timestamp: 1_717_200_001_234
}
const domainFill = Schema.decodeUnknownSync(Fill.Fill)(wireFill)

describe("Fill", () => {
  it("maps every field, decimals as exact strings, the timestamp exactly", () => {
    const msg = ResultCodec.fillToProto(domainFill)
    expect(msg.tradeId).toBe("t-1")
    expect(msg.venue).toBe("BINANCE-SPOT")
    expect([msg.price, msg.amount, msg.fee, msg.feeCurrency]).toEqual(["65000.5", "0.25", "-0.0001", "USDT"])
    expect(msg.liquidity).toBe(pb.Liquidity.MAKER)
    expect(msg.side).toBe(pb.Side.BUY)
    expect(msg.instrumentKey).toBe("BINANCE-SPOT:SPOT_PAIR:BTC-USDT")
    expect(msg.venueOrderId).toBeUndefined()
    expect([msg.timestamp?.seconds, msg.timestamp?.nanos]).toEqual([1_717_200_001n, 234_000_000])
  })

  it("round trips through bytes", () => {
    fc.assert(
      fc.property(fill, (f) => {
        const bytes = toBinary(pb.FillSchema, ResultCodec.fillToProto(f))
        expect(ResultCodec.fillFromProto(fromBinary(pb.FillSchema, bytes))).toEqual(Either.right(f))
      }),
      { numRuns: 300 }
    )
  })

  it("refuses a fill without liquidity, with a zero amount or a bad fee, naming each field", () => {
    const msg = create(pb.FillSchema, {
      ...ResultCodec.fillToProto(domainFill),
      liquidity: pb.Liquidity.UNSPECIFIED,
      amount: "0",
      fee: "0,1",
      feeCurrency: " "
    })
    expect(errorOf(ResultCodec.fillFromProto(msg)).issues.map((i) => i.field)).toEqual(["amount", "fee", "fee_currency", "liquidity"])
  })
})

describe("ExecutionResult", () => {
  it("maps the ten statuses to the proto enum of the same name", () => {
    const statuses: Array<OrderStatus.OrderStatus> = [
      "PENDING",
      "SUBMITTED",
      "ACCEPTED",
      "PARTIALLY_FILLED",
      "FILLED",
      "PENDING_CANCEL",
      "CANCELLED",
      "REJECTED",
      "EXPIRED",
      "DENIED"
    ]
    for (const status of statuses) {
      const msg = ResultCodec.executionResultToProto({ operationId: Ids.OperationId.make("op-1"), status, fills: [], filledQuantity: Decimal.zero })
      expect(pb.OrderStatusSchema.value[msg.status]?.name).toBe(`ORDER_STATUS_${status}`)
    }
  })

  it("encodes a result built from an order of record, error message and averages included", () => {
    const order = Schema.decodeUnknownSync(Order.UnifiedOrder)({
      operationId: "op-1",
      clientOrderId: "odabc",
      strategyId: "s-1",
      canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
      venue: "BINANCE-SPOT",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "GTC",
      quantity: "1",
      price: "65001",
      filledQuantity: "0.25",
      averageFillPrice: "65000.5",
      status: "PARTIALLY_FILLED",
      reduceOnly: false,
      postOnly: false,
      createdAt: 1,
      updatedAt: 2
    })
    const msg = ResultCodec.executionResultToProto(ExecutionResult.fromOrder(order, [domainFill]))
    expect(msg.status).toBe(pb.OrderStatus.PARTIALLY_FILLED)
    expect([msg.venue, msg.filledAmount, msg.averagePrice, msg.errorMessage]).toEqual(["BINANCE-SPOT", "0.25", "65000.5", undefined])
    expect(msg.fills.map((f) => f.tradeId)).toEqual(["t-1"])
  })

  it("round trips through bytes", () => {
    fc.assert(
      fc.property(executionResult, (r) => {
        expect(ResultCodec.decodeExecutionResult(ResultCodec.encodeExecutionResult(r))).toEqual(Either.right(r))
      }),
      { numRuns: 300 }
    )
  })

  it("refuses an UNSPECIFIED status and a negative filled amount, and names a bad fill by index", () => {
    const good = ResultCodec.fillToProto(domainFill)
    const msg = create(pb.ExecutionResultSchema, {
      operationId: "op-1",
      status: pb.OrderStatus.UNSPECIFIED,
      fills: [good, create(pb.FillSchema, { ...good, price: "abc" })],
      filledAmount: "-1"
    })
    const e = errorOf(ResultCodec.executionResultFromProto(msg))
    expect(e.issues.map((i) => [i.field, i.value])).toEqual([
      ["status", "ORDER_STATUS_UNSPECIFIED (0)"],
      ["fills[1].price", '"abc"'],
      ["filled_amount", '"-1"']
    ])
  })

  it("turns truncated bytes into a MalformedBytes error", () => {
    const bytes = ResultCodec.encodeExecutionResult({ operationId: Ids.OperationId.make("op-1"), status: "FILLED", fills: [domainFill], filledQuantity: Decimal.one })
    const e = errorOf(ResultCodec.decodeExecutionResult(bytes.slice(0, bytes.length - 1)))
    expect([e.reason, e.messageType]).toEqual(["MalformedBytes", "odum.execution.v1.ExecutionResult"])
  })
})

describe("ExecutionReport", () => {
  it("round trips through bytes, with and without a fill", () => {
    fc.assert(
      fc.property(executionReport, (r) => {
        expect(ResultCodec.decodeExecutionReport(ResultCodec.encodeExecutionReport(r))).toEqual(Either.right(r))
      }),
      { numRuns: 300 }
    )
  })

  it("refuses a sequence beyond a safe integer and a missing timestamp", () => {
    const msg = ResultCodec.executionReportToProto({
      sequence: 1,
      operationId: Ids.OperationId.make("op-1"),
      strategyId: Ids.StrategyId.make("s-1"),
      canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
      status: "ACCEPTED",
      filledQuantity: Decimal.zero,
      timestamp: 5
    })
    const bad = create(pb.ExecutionReportSchema, { ...msg, sequence: 2n ** 60n, timestamp: undefined })
    expect(errorOf(ResultCodec.executionReportFromProto(bad)).issues.map((i) => i.field)).toEqual(["sequence", "timestamp"])
  })

  it("fromOrder builds the report of an order of record after a fill", () => {
    const order = Schema.decodeUnknownSync(Order.UnifiedOrder)({
      operationId: "op-1",
      clientOrderId: "odabc",
      strategyId: "s-1",
      canonicalId: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
      side: "BUY",
      type: "MARKET",
      timeInForce: "IOC",
      quantity: "0.25",
      filledQuantity: "0.25",
      averageFillPrice: "65000.5",
      status: "FILLED",
      reduceOnly: false,
      postOnly: false,
      createdAt: 1,
      updatedAt: 7
    })
    const report = ExecutionReport.fromOrder(order, 42, domainFill)
    expect(Schema.is(ExecutionReport.ExecutionReport)(report)).toBe(true)
    const msg = ResultCodec.executionReportToProto(report)
    expect([msg.sequence, msg.status, msg.filledAmount, msg.averagePrice, msg.fill?.tradeId, msg.venue]).toEqual([
      42n,
      pb.OrderStatus.FILLED,
      "0.25",
      "65000.5",
      "t-1",
      undefined
    ])
  })
})
