import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { AlgoParams, ExecutionAlgorithm } from "../src/index.js"
import { BTC_PERP, D, iceberg, parent, spec, twap, vwap } from "./fixtures.js"

const fail = (p: AlgoParams.ParentOrder, s: AlgoParams.InstrumentGrid = BTC_PERP, options?: AlgoParams.OptionsInput) => {
  const r = AlgoParams.compile(p, s, options)
  if (Either.isRight(r)) throw new Error("expected a failure")
  return r.left
}

describe("AlgoParams.compile", () => {
  it("compiles a TWAP onto the integer grid", () => {
    const c = Either.getOrThrow(AlgoParams.compile(parent(twap(600_000, 10), "1.5", { price: "65000.1" }), BTC_PERP))
    expect(c).toMatchObject({
      name: "TWAP",
      operationId: "op-1",
      parentLots: 1500,
      minLots: 1,
      limitTicks: 650001,
      childType: "LIMIT",
      childTimeInForce: "GTC",
      durationMs: 600_000,
      sliceCount: 10,
      catchUp: true,
      maxConsecutiveFailures: 3,
      jitter: undefined
    })
  })

  it("rounds the minimum up to whole lots, and a zero minimum to one lot", () => {
    expect(Either.getOrThrow(AlgoParams.compile(parent(twap(1000, 1), "10"), spec("0.5", "1.2"))).minLots).toBe(3)
    expect(Either.getOrThrow(AlgoParams.compile(parent(twap(1000, 1), "10"), spec("0.5", "0"))).minLots).toBe(1)
  })

  it("turns a participation rate into an exact lots-per-volume rational", () => {
    const c = Either.getOrThrow(AlgoParams.compile(parent(vwap(60_000, 6, "0.15"), "1"), BTC_PERP, { volumeStep: "0.0001" }))
    if (c.name !== "VWAP" || c.cap === undefined) throw new Error("expected a capped VWAP")
    // 10,000 volume units of 0.0001 = 1 BTC; 15% of it = 0.15 BTC = 150 lots.
    expect((10_000n * c.cap.num) / c.cap.den).toBe(150n)
    expect((6n * c.cap.num) / c.cap.den).toBe(0n)
  })

  it("names the parameter and its value for out-of-range durations and slice counts", () => {
    const e = fail(parent(twap(0, 10), "1"))
    expect(e.reason).toBe("InvalidParams")
    expect(e.issues).toEqual([{ param: "execAlgorithm.params.durationMs", message: expect.stringMatching(/positive.*0/) }])
    const short = fail(parent(twap(500, 1000), "1"))
    expect(short.message).toContain("execAlgorithm.params.sliceCount: sliceCount 1000 over durationMs 500 makes an interval shorter than 1 ms")
    expect(fail(parent(twap(10_000_000, 200_000), "1")).message).toContain("sliceCount 200000 is more than the maximum 100000")
  })

  it("checks the display quantity against the lot grid, the minimum and the order", () => {
    expect(fail(parent(iceberg("0.0015"), "1", { price: "100" })).message).toContain(
      "execAlgorithm.params.displayQuantity: displayQuantity 0.0015 is not a multiple of the lot size 0.001"
    )
    expect(fail(parent(iceberg("2"), "1", { price: "100" })).message).toContain("displayQuantity 2 is more than the order quantity 1")
    expect(fail(parent(iceberg("0.002"), "1", { price: "100" }), spec("0.001", "0.005")).message).toContain(
      "displayQuantity 0.002 is below the minimum quantity 0.005"
    )
  })

  it("needs a profile or a participation rate for a VWAP", () => {
    expect(fail(parent(vwap(60_000, 6), "1")).issues).toEqual([
      {
        param: "execAlgorithm.params.maxParticipationRate",
        message: "a VWAP needs a volume profile (options.profile) or a maxParticipationRate; got neither"
      }
    ])
    const profile = { bucketMs: 3_600_000, volumes: new Array<number>(24).fill(1) }
    expect(Either.isRight(AlgoParams.compile(parent(vwap(60_000, 6), "1"), BTC_PERP, { profile }))).toBe(true)
  })

  it("refuses a parent it cannot work: quantity off the lot grid or below the minimum, price off the tick grid", () => {
    const e = fail(parent(twap(60_000, 6), "1.0005", { price: "65000.05" }))
    expect(e.reason).toBe("UnsupportedOrder")
    expect(e.issues.map((i) => i.message)).toEqual([
      "quantity 1.0005 is not a multiple of the lot size 0.001",
      "price 65000.05 is not a multiple of the tick size 0.1"
    ])
    expect(fail(parent(twap(60_000, 6), "0.004"), spec("0.001", "0.005")).message).toContain("quantity 0.004 is below the minimum quantity 0.005")
    const none: AlgoParams.ParentOrder = { operationId: "op-9", side: "BUY", type: "MARKET", quantity: D("1") }
    expect(fail(none).message).toBe("cannot work order op-9 with algorithm: execAlgorithm: the order has no execution algorithm")
    expect(fail(parent(twap(60_000, 6), "1", { operationId: "x".repeat(241) })).issues[0]!.param).toBe("operationId")
  })

  it("validates the host's options, naming each", () => {
    const e = fail(parent(twap(60_000, 6), "1"), BTC_PERP, {
      randomize: { seed: -1, timeJitter: "0.7" },
      maxConsecutiveFailures: 0,
      profile: { bucketMs: 60_000, volumes: [1, 2, 3] }
    } as unknown as AlgoParams.OptionsInput)
    expect(e.reason).toBe("InvalidOptions")
    const params = e.issues.map((i) => i.param)
    expect(params).toEqual(expect.arrayContaining(["options.randomize.seed", "options.randomize.timeJitter", "options.maxConsecutiveFailures", "options.profile"]))
    expect(e.message).toContain("a jitter is at most 0.5, got 0.7")
    expect(e.message).toContain("a profile with bucketMs 60000 has 1440 buckets, got 3 volumes")
  })

  it("reports every problem at once, the order's first", () => {
    const e = fail(parent(iceberg("0.0015"), "1.0005", { price: "100" }), BTC_PERP, { catchUp: "yes" } as unknown as AlgoParams.OptionsInput)
    expect(e.reason).toBe("UnsupportedOrder")
    expect(e.issues.map((i) => i.param)).toEqual(["quantity", "execAlgorithm.params.displayQuantity", "options.catchUp"])
  })

  it("ExecutionAlgorithm.make builds nothing from bad params", () => {
    expect(Either.isLeft(ExecutionAlgorithm.make(parent(twap(0, 1), "1"), BTC_PERP))).toBe(true)
  })
})

describe("AlgoParams.paramsSchema", () => {
  it("decodes the JSON form of exec_algorithm_params with the same checks", () => {
    const schema = AlgoParams.paramsSchema({ parentQuantity: D("1"), lotSize: D("0.001"), minQuantity: D("0.001"), hasProfile: false })
    const ok = Schema.decodeUnknownEither(schema)({ name: "VWAP", params: { durationMs: 60_000, sliceCount: 6, maxParticipationRate: "0.2" } })
    expect(Either.getOrThrow(ok)).toEqual({ name: "VWAP", params: { durationMs: 60_000, sliceCount: 6, maxParticipationRate: D("0.2") } })
    const rate = Schema.decodeUnknownEither(schema)({ name: "VWAP", params: { durationMs: 60_000, sliceCount: 6, maxParticipationRate: "1.5" } })
    expect(Either.isLeft(rate) && String(rate.left)).toContain("a participation rate is at most 1")
    const display = Schema.decodeUnknownEither(schema)({ name: "ICEBERG", params: { displayQuantity: "0.0001" } })
    expect(Either.isLeft(display) && String(display.left)).toContain("displayQuantity 0.0001 is not a multiple of the lot size 0.001")
  })
})
