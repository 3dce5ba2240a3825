import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf"
import { TimestampSchema } from "@bufbuild/protobuf/wkt"
import { Decimal } from "@odum/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ExecutionV1 as pb, OrderCodec, OrderRequest, ProtoDecodeError } from "../src/index.js"
import { canonicalIds, orderRequest } from "./arbitraries.js"

/** A valid LIMIT order as a client would build it; each test breaks one thing. */
const validOrder = (init: MessageInitShape<typeof pb.OrderSchema> = {}): pb.Order =>
  create(pb.OrderSchema, {
    operationId: "op-1",
    instrumentKey: "BINANCE-SPOT:SPOT_PAIR:BTC-USDT",
    side: pb.Side.BUY,
    amount: "0.5",
    price: "65000.10",
    strategyId: "momentum-1",
    orderType: pb.OrderType.LIMIT,
    timeInForce: pb.TimeInForce.GTC,
    clientTimestamp: create(TimestampSchema, { seconds: 1_717_200_000n, nanos: 123_456_789 }),
    ...init
  })

const ok = (msg: pb.Order): OrderRequest.OrderRequest => {
  const r = OrderCodec.orderFromProto(msg)
  if (Either.isLeft(r)) throw new Error(`expected a valid order, got: ${r.left.message}`)
  return r.right
}

const errorOf = (r: Either.Either<unknown, ProtoDecodeError.ProtoDecodeError>): ProtoDecodeError.ProtoDecodeError => {
  if (Either.isRight(r)) throw new Error(`expected a ProtoDecodeError, got ${JSON.stringify(r.right)}`)
  return r.left
}

/** The issues of a decode that must fail, as [field, value, problem] triples. */
const issues = (msg: pb.Order) =>
  errorOf(OrderCodec.orderFromProto(msg)).issues.map((i) => [i.field, i.value, i.problem] as const)

/** Asserts decoding fails with exactly one issue, on `field`, showing `value`, whose problem matches. */
const expectOnly = (msg: pb.Order, field: string, value: string, problem: RegExp) => {
  const found = issues(msg)
  expect(found).toHaveLength(1)
  expect(found[0]![0]).toBe(field)
  expect(found[0]![1]).toBe(value)
  expect(found[0]![2]).toMatch(problem)
}

describe("orderFromProto: a valid order", () => {
  it("decodes every field into the domain request", () => {
    const r = ok(
      validOrder({
        venue: "BINANCE-SPOT",
        reduceOnly: true,
        postOnly: true,
        execAlgorithmParams: create(pb.ExecAlgorithmParamsSchema, {
          algorithm: { case: "twap", value: { duration: { seconds: 600n, nanos: 0 }, sliceCount: 10 } }
        })
      })
    )
    expect(r.operationId).toBe("op-1")
    expect(r.canonicalId).toBe("BINANCE-SPOT:SPOT_PAIR:BTC-USDT")
    expect(r.side).toBe("BUY")
    expect(Decimal.format(r.quantity)).toBe("0.5")
    expect(r.price && Decimal.format(r.price)).toBe("65000.1")
    expect(r.type).toBe("LIMIT")
    expect(r.timeInForce).toBe("GTC")
    expect(r.venue).toBe("BINANCE-SPOT")
    expect([r.reduceOnly, r.postOnly]).toEqual([true, true])
    expect(r.execAlgorithm).toEqual({ name: "TWAP", params: { durationMs: 600_000, sliceCount: 10 } })
    // Sub-millisecond digits of a timestamp are dropped towards the past.
    expect(r.clientTimestamp).toBe(1_717_200_000_123)
    expect(Schema.is(OrderRequest.OrderRequest)(r)).toBe(true)
  })

  it("accepts every example canonical id", () => {
    for (const id of canonicalIds) expect(ok(validOrder({ instrumentKey: id })).canonicalId).toBe(id)
  })

  it("ignores fields it does not know (a newer sender), keeping forward compatibility", () => {
    const bytes = toBinary(pb.OrderSchema, validOrder())
    const withUnknown = new Uint8Array([...bytes, 0xa0, 0x06, 0x01]) // field 100, varint 1
    expect(Either.isRight(OrderCodec.decodeOrder(withUnknown))).toBe(true)
  })
})

describe("orderFromProto: round trips", () => {
  it("domain -> proto -> bytes -> proto -> domain gives the same request", () => {
    fc.assert(
      fc.property(orderRequest, (request) => {
        const bytes = toBinary(pb.OrderSchema, OrderCodec.orderToProto(request))
        const back = OrderCodec.orderFromProto(fromBinary(pb.OrderSchema, bytes))
        expect(back).toEqual(Either.right(request))
      }),
      { numRuns: 500 }
    )
  })

  it("encodeOrder / decodeOrder are inverse, and the result satisfies the OrderRequest schema", () => {
    fc.assert(
      fc.property(orderRequest, (request) => {
        const back = OrderCodec.decodeOrder(OrderCodec.encodeOrder(request))
        expect(back).toEqual(Either.right(request))
        expect(Either.isRight(back) && Schema.is(OrderRequest.OrderRequest)(back.right)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it("amounts and prices travel as exact decimal strings, digit for digit", () => {
    const r = ok(validOrder({ amount: "123456789012345678901234567890.123456789012345678", price: "0.000000000000000001" }))
    const msg = OrderCodec.orderToProto(r)
    expect(msg.amount).toBe("123456789012345678901234567890.123456789012345678")
    expect(msg.price).toBe("0.000000000000000001")
  })

  it("never throws on arbitrary bytes: a typed error or a request that satisfies the schema", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = OrderCodec.decodeOrder(bytes)
        if (Either.isRight(r)) expect(Schema.is(OrderRequest.OrderRequest)(r.right)).toBe(true)
        else expect(r.left).toBeInstanceOf(ProtoDecodeError.ProtoDecodeError)
      }),
      { numRuns: 1000 }
    )
  })
})

describe("orderFromProto: amount and price", () => {
  it.each([
    ["abc", /not an exact decimal/],
    ["1e5", /not an exact decimal/],
    ["1.", /not an exact decimal/],
    [" 1", /not an exact decimal/],
    ["1.0000000000000000001", /not an exact decimal.*more than 18 digits/],
    ["0", /greater than zero/],
    ["0.000", /greater than zero/],
    ["-1", /greater than zero/],
    ["", /required/]
  ])("refuses amount %j", (amount, problem) => {
    expectOnly(validOrder({ amount }), "amount", JSON.stringify(amount), problem)
  })

  it("refuses a bad limit price", () => {
    expectOnly(validOrder({ price: "65,000" }), "price", '"65,000"', /not an exact decimal/)
    expectOnly(validOrder({ price: "0" }), "price", '"0"', /greater than zero/)
  })

  it("requires a price for LIMIT and refuses one for MARKET", () => {
    const { price: _, ...noPrice } = validOrder()
    expectOnly(create(pb.OrderSchema, noPrice), "price", "(not set)", /required for ORDER_TYPE_LIMIT/)
    expectOnly(validOrder({ orderType: pb.OrderType.MARKET }), "price", '"65000.10"', /absent for ORDER_TYPE_MARKET/)
    expect(ok(validOrder({ orderType: pb.OrderType.MARKET, price: undefined })).price).toBeUndefined()
  })

  it("cuts a huge value short in the error so it cannot flood a log", () => {
    const [, value] = issues(validOrder({ amount: "9".repeat(10_000) }))[0]!
    expect(value.length).toBeLessThan(100)
  })
})

describe("orderFromProto: enums", () => {
  it("refuses an UNSPECIFIED side, order type or time in force, naming the expected values", () => {
    expectOnly(validOrder({ side: pb.Side.UNSPECIFIED }), "side", "SIDE_UNSPECIFIED (0)", /required; expected one of SIDE_BUY \(1\), SIDE_SELL \(2\)/)
    expectOnly(validOrder({ orderType: pb.OrderType.UNSPECIFIED }), "order_type", "ORDER_TYPE_UNSPECIFIED (0)", /required/)
    expectOnly(validOrder({ timeInForce: pb.TimeInForce.UNSPECIFIED }), "time_in_force", "TIME_IN_FORCE_UNSPECIFIED (0)", /required/)
  })

  it("refuses an enum number outside the contract (a newer or broken sender)", () => {
    expectOnly(validOrder({ side: 7 as pb.Side }), "side", "7", /unknown odum.execution.v1.Side value/)
    expectOnly(validOrder({ timeInForce: -1 as pb.TimeInForce }), "time_in_force", "-1", /unknown/)
  })

  it("maps every enum value both ways", () => {
    const sides = [pb.Side.BUY, pb.Side.SELL].map((side) => ok(validOrder({ side })).side)
    expect(sides).toEqual(["BUY", "SELL"])
    const tifs = [pb.TimeInForce.GTC, pb.TimeInForce.IOC, pb.TimeInForce.FOK, pb.TimeInForce.DAY].map(
      (timeInForce) => ok(validOrder({ timeInForce })).timeInForce
    )
    expect(tifs).toEqual(["GTC", "IOC", "FOK", "DAY"])
  })
})

describe("orderFromProto: ids", () => {
  it("refuses a malformed or unknown canonical instrument id with instrument-id's reason", () => {
    expectOnly(validOrder({ instrumentKey: "BTCUSDT" }), "instrument_key", '"BTCUSDT"', /too few ':' separated parts/)
    expectOnly(validOrder({ instrumentKey: "NASDAQ:SPOT_PAIR:BTC-USDT" }), "instrument_key", '"NASDAQ:SPOT_PAIR:BTC-USDT"', /unknown venue "NASDAQ"/)
    expectOnly(validOrder({ instrumentKey: "" }), "instrument_key", '""', /required/)
  })

  it("refuses a missing or malformed operation id, strategy id or venue", () => {
    expectOnly(validOrder({ operationId: "" }), "operation_id", '""', /required/)
    expectOnly(validOrder({ operationId: "op 1" }), "operation_id", '"op 1"', /printable ASCII without spaces/)
    expectOnly(validOrder({ strategyId: "" }), "strategy_id", '""', /required/)
    expectOnly(validOrder({ venue: "binance" }), "venue", '"binance"', /upper-case/)
    expectOnly(validOrder({ venue: "" }), "venue", '""', /required/)
  })
})

describe("orderFromProto: time", () => {
  const ts = (seconds: bigint, nanos = 0) => create(TimestampSchema, { seconds, nanos })

  it("requires client_timestamp and refuses one outside 1970..9999 or with bad nanos", () => {
    expectOnly(validOrder({ clientTimestamp: undefined }), "client_timestamp", "(not set)", /required/)
    expectOnly(validOrder({ clientTimestamp: ts(-1n) }), "client_timestamp", "{ seconds: -1, nanos: 0 }", /before 1970/)
    expectOnly(validOrder({ clientTimestamp: ts(253_402_300_800n) }), "client_timestamp", "{ seconds: 253402300800, nanos: 0 }", /after 9999/)
    expectOnly(validOrder({ clientTimestamp: ts(1n, 1_000_000_000) }), "client_timestamp", "{ seconds: 1, nanos: 1000000000 }", /nanos/)
  })

  it("requires expire_time for GTD, refuses it otherwise, and wants it after client_timestamp", () => {
    const gtd = { timeInForce: pb.TimeInForce.GTD }
    expectOnly(validOrder(gtd), "expire_time", "(not set)", /required for TIME_IN_FORCE_GTD/)
    expectOnly(validOrder({ expireTime: ts(1_717_300_000n) }), "expire_time", "1717300000000 ms", /absent unless/)
    expectOnly(validOrder({ ...gtd, expireTime: ts(1_717_200_000n) }), "expire_time", "1717200000000 ms", /after client_timestamp \(1717200000123 ms\)/)
    expect(ok(validOrder({ ...gtd, expireTime: ts(1_717_300_000n) })).expireAt).toBe(1_717_300_000_000)
  })
})

describe("orderFromProto: flags", () => {
  it("refuses post_only on a MARKET, IOC or FOK order", () => {
    expectOnly(validOrder({ postOnly: true, orderType: pb.OrderType.MARKET, price: undefined }), "post_only", "true", /ORDER_TYPE_MARKET/)
    expectOnly(validOrder({ postOnly: true, timeInForce: pb.TimeInForce.IOC }), "post_only", "true", /TIME_IN_FORCE_IOC/)
    expectOnly(validOrder({ postOnly: true, timeInForce: pb.TimeInForce.FOK }), "post_only", "true", /TIME_IN_FORCE_FOK/)
  })

  it("accepts reduce_only on a MARKET order", () => {
    expect(ok(validOrder({ reduceOnly: true, orderType: pb.OrderType.MARKET, price: undefined })).reduceOnly).toBe(true)
  })
})

describe("orderFromProto: execution algorithm params", () => {
  const withAlgo = (algorithm: pb.ExecAlgorithmParams["algorithm"]) =>
    validOrder({ execAlgorithmParams: create(pb.ExecAlgorithmParamsSchema, { algorithm }) })
  const twap = (value: MessageInitShape<typeof pb.TwapParamsSchema>) => withAlgo({ case: "twap", value: create(pb.TwapParamsSchema, value) })
  const vwap = (maxParticipationRate?: string) =>
    withAlgo({
      case: "vwap",
      value: create(pb.VwapParamsSchema, { duration: { seconds: 60n }, sliceCount: 4, ...(maxParticipationRate === undefined ? {} : { maxParticipationRate }) })
    })
  const P = "exec_algorithm_params"

  it("decodes VWAP and Iceberg params", () => {
    expect(ok(vwap("0.10")).execAlgorithm).toEqual({
      name: "VWAP",
      params: { durationMs: 60_000, sliceCount: 4, maxParticipationRate: Decimal.unsafeFromString("0.1") }
    })
    expect(ok(vwap()).execAlgorithm).toEqual({ name: "VWAP", params: { durationMs: 60_000, sliceCount: 4 } })
    expect(ok(withAlgo({ case: "iceberg", value: create(pb.IcebergParamsSchema, { displayAmount: "0.5" }) })).execAlgorithm).toEqual({
      name: "ICEBERG",
      params: { displayQuantity: Decimal.unsafeFromString("0.5") }
    })
  })

  it("refuses params with no algorithm set rather than sending the order without one", () => {
    expectOnly(withAlgo({ case: undefined }), `${P}.algorithm`, "(not set)", /no algorithm set/)
  })

  it("names an algorithm from a newer contract (an unknown oneof field) as such", () => {
    const params = toBinary(pb.ExecAlgorithmParamsSchema, create(pb.ExecAlgorithmParamsSchema))
    const newer = new Uint8Array([...params, 0x22, 0x00]) // field 4 (a future algorithm), empty message
    const order = validOrder({ execAlgorithmParams: fromBinary(pb.ExecAlgorithmParamsSchema, newer) })
    expectOnly(fromBinary(pb.OrderSchema, toBinary(pb.OrderSchema, order)), `${P}.algorithm`, "unknown field(s) 4", /does not know/)
  })

  it("refuses a TWAP without a duration, with a zero, negative or sub-millisecond one, or with no slices", () => {
    const found = issues(twap({ sliceCount: 0 }))
    expect(found.map(([f]) => f)).toEqual([`${P}.twap.duration`, `${P}.twap.slice_count`])
    expectOnly(twap({ duration: { seconds: 0n, nanos: 0 }, sliceCount: 1 }), `${P}.twap.duration`, "{ seconds: 0, nanos: 0 }", /greater than zero/)
    expectOnly(twap({ duration: { seconds: -5n, nanos: 0 }, sliceCount: 1 }), `${P}.twap.duration`, "{ seconds: -5, nanos: 0 }", /greater than zero/)
    expectOnly(twap({ duration: { seconds: 1n, nanos: 500 }, sliceCount: 1 }), `${P}.twap.duration`, "{ seconds: 1, nanos: 500 }", /whole number of milliseconds/)
    expectOnly(twap({ duration: { seconds: 1n, nanos: -5_000_000 }, sliceCount: 1 }), `${P}.twap.duration`, "{ seconds: 1, nanos: -5000000 }", /not a valid Duration/)
  })

  it("refuses a VWAP participation rate outside (0, 1]", () => {
    expectOnly(vwap("1.5"), `${P}.vwap.max_participation_rate`, '"1.5"', /at most 1/)
    expectOnly(vwap("0"), `${P}.vwap.max_participation_rate`, '"0"', /greater than zero/)
    expectOnly(vwap("10%"), `${P}.vwap.max_participation_rate`, '"10%"', /not an exact decimal/)
  })

  it("refuses an iceberg display amount that is not a positive decimal or exceeds the amount", () => {
    const iceberg = (displayAmount: string) => withAlgo({ case: "iceberg", value: create(pb.IcebergParamsSchema, { displayAmount }) })
    expectOnly(iceberg("0.6"), `${P}.iceberg.display_amount`, '"0.6"', /must not exceed amount \(0.5\)/)
    expectOnly(iceberg(""), `${P}.iceberg.display_amount`, '""', /required/)
    expectOnly(iceberg("-0.1"), `${P}.iceberg.display_amount`, '"-0.1"', /greater than zero/)
    expect(Either.isRight(OrderCodec.orderFromProto(iceberg("0.5")))).toBe(true)
  })
})

describe("orderFromProto: errors", () => {
  it("never fills in a default: an empty Order names every required field", () => {
    const fields = issues(create(pb.OrderSchema)).map(([f]) => f)
    expect(fields).toEqual([
      "operation_id",
      "instrument_key",
      "side",
      "amount",
      "strategy_id",
      "order_type",
      "time_in_force",
      "client_timestamp"
    ])
  })

  it("collects every problem of a message, not just the first", () => {
    const e = errorOf(
      OrderCodec.orderFromProto(
        validOrder({ amount: "-3", side: pb.Side.UNSPECIFIED, instrumentKey: "BTC", orderType: pb.OrderType.MARKET })
      )
    )
    expect(e.reason).toBe("InvalidFields")
    expect(e.messageType).toBe("odum.execution.v1.Order")
    expect(e.issues.map((i) => i.field)).toEqual(["instrument_key", "side", "amount", "price"])
    expect(e.message).toMatch(/^invalid odum\.execution\.v1\.Order \(InvalidFields\); instrument_key: .*; side: .*; amount: must be greater than zero \(got "-3"\); price: /)
  })

  it("is a serialisable Schema.TaggedError (it crosses the process boundary to the client)", () => {
    const e = errorOf(OrderCodec.orderFromProto(validOrder({ amount: "x" })))
    expect(e._tag).toBe("ProtoDecodeError")
    const wire = Schema.encodeSync(ProtoDecodeError.ProtoDecodeError)(e)
    const back = Schema.decodeUnknownSync(ProtoDecodeError.ProtoDecodeError)(JSON.parse(JSON.stringify(wire)))
    expect(back.issues).toEqual(e.issues)
    expect(back.message).toBe(e.message)
  })
})

describe("decodeOrder: bytes", () => {
  it("turns malformed bytes into a MalformedBytes ProtoDecodeError", () => {
    const bytes = toBinary(pb.OrderSchema, validOrder())
    for (const bad of [bytes.slice(0, bytes.length - 3), new Uint8Array([0x22, 0x05, 0x31]), new Uint8Array([0x22, 0x02, 0xff, 0xfe])]) {
      const e = errorOf(OrderCodec.decodeOrder(bad))
      expect(e.reason).toBe("MalformedBytes")
      expect(e.messageType).toBe("odum.execution.v1.Order")
      expect(e.issues[0]!.problem).toMatch(/^not a valid binary odum\.execution\.v1\.Order: /)
    }
  })

  it("gives well-formed bytes of an invalid order the same field errors as the message", () => {
    const msg = validOrder({ amount: "0", side: 9 as pb.Side })
    expect(errorOf(OrderCodec.decodeOrder(toBinary(pb.OrderSchema, msg))).issues).toEqual(
      errorOf(OrderCodec.orderFromProto(msg)).issues
    )
  })
})

describe("service requests", () => {
  it("SubmitOrderRequest: requires the order and prefixes its fields with order.", () => {
    const missing = errorOf(OrderCodec.submitOrderRequestFromProto(create(pb.SubmitOrderRequestSchema)))
    expect(missing.issues.map((i) => [i.field, i.problem])).toEqual([["order", "required, but missing"]])
    const bad = errorOf(OrderCodec.submitOrderRequestFromProto(create(pb.SubmitOrderRequestSchema, { order: validOrder({ amount: "" }) })))
    expect(bad.messageType).toBe("odum.execution.v1.SubmitOrderRequest")
    expect(bad.issues.map((i) => i.field)).toEqual(["order.amount"])
    const good = OrderCodec.submitOrderRequestFromProto(create(pb.SubmitOrderRequestSchema, { order: validOrder() }))
    expect(good).toEqual(OrderCodec.orderFromProto(validOrder()))
  })

  it("CancelOrderRequest and GetOrderStatusRequest: a valid operation id is required", () => {
    expect(OrderCodec.cancelOrderRequestFromProto(create(pb.CancelOrderRequestSchema, { operationId: "op-1", reason: "flat" }))).toEqual(
      Either.right({ operationId: "op-1", reason: "flat" })
    )
    expect(errorOf(OrderCodec.cancelOrderRequestFromProto(create(pb.CancelOrderRequestSchema))).issues[0]!.field).toBe("operation_id")
    expect(OrderCodec.getOrderStatusRequestFromProto(create(pb.GetOrderStatusRequestSchema, { operationId: "op-1" }))).toEqual(Either.right("op-1"))
    expect(errorOf(OrderCodec.getOrderStatusRequestFromProto(create(pb.GetOrderStatusRequestSchema, { operationId: "a b" }))).issues[0]!.field).toBe(
      "operation_id"
    )
  })
})
