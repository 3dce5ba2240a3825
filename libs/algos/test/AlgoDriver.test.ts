import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as TestClock from "effect/TestClock"
import { AlgoDriver, AlgoError, ChildOrderGateway, MarketUpdate } from "../src/index.js"
import { build, D, iceberg, parent, spec, twap, vwap } from "./fixtures.js"

const T0 = 1_700_000_000_000
const MIN = 60_000

type Behaviour = "fill" | "rest" | "reject" | "ambiguous"

/** A simulated venue: records each child with the time it arrived, and fills, rests or refuses it. */
const makeVenue = (inbox: Queue.Queue<AlgoDriver.Event>, behaviour: (child: ChildOrderGateway.ChildOrder) => Behaviour) => {
  const submitted: Array<{ at: number; child: ChildOrderGateway.ChildOrder }> = []
  const cancels: Array<string> = []
  const service: ChildOrderGateway.Service = {
    submit: (child) =>
      Effect.gen(function* () {
        submitted.push({ at: yield* Clock.currentTimeMillis, child })
        switch (behaviour(child)) {
          case "reject":
            return yield* new AlgoError.ChildOrderError({ reason: "Rejected", childId: child.operationId, message: "margin is insufficient" })
          case "ambiguous":
            return yield* new AlgoError.ChildOrderError({ reason: "Ambiguous", childId: child.operationId, message: "timed out" })
          case "fill":
            yield* Queue.offer(inbox, AlgoDriver.Event.ChildFill({ childId: child.operationId, quantity: child.quantity }))
            return
          case "rest":
            return
        }
      }),
    cancel: (childId) =>
      Effect.gen(function* () {
        cancels.push(childId)
        yield* Queue.offer(inbox, AlgoDriver.Event.ChildDone({ childId, end: "cancelled" }))
      })
  }
  return { submitted, cancels, layer: ChildOrderGateway.layer(service) }
}

const setup = (behaviour: (child: ChildOrderGateway.ChildOrder) => Behaviour) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(T0)
    const inbox = yield* Queue.unbounded<AlgoDriver.Event>()
    return { inbox, venue: makeVenue(inbox, behaviour) }
  })

describe("AlgoDriver under TestClock", () => {
  it.effect("runs a TWAP on the simulated clock: one child per interval, each at its time", () =>
    Effect.gen(function* () {
      const { inbox, venue } = yield* setup(() => "fill")
      const algo = build(parent(twap(5 * MIN, 5), "0.5"))
      const fiber = yield* AlgoDriver.run(algo, inbox).pipe(Effect.provide(venue.layer), Effect.fork)
      yield* TestClock.adjust(Duration.seconds(59))
      expect(venue.submitted).toHaveLength(1)
      yield* TestClock.adjust(Duration.seconds(1))
      expect(venue.submitted).toHaveLength(2)
      for (let k = 0; k < 4; k++) yield* TestClock.adjust(Duration.minutes(1))
      const outcome = yield* Fiber.join(fiber)
      expect(outcome).toEqual({ reason: "filled", filledQuantity: D("0.5"), childrenSpawned: 5 })
      expect(venue.submitted.map((s) => s.at - T0)).toEqual([0, MIN, 2 * MIN, 3 * MIN, 4 * MIN])
      expect(venue.submitted.map((s) => s.child)).toContainEqual({
        operationId: "op-1:c3",
        parentOperationId: "op-1",
        side: "BUY",
        type: "MARKET",
        timeInForce: "IOC",
        quantity: D("0.1")
      })
    })
  )

  it.effect("cancelling the parent cancels the working child through the gateway and completes as cancelled", () =>
    Effect.gen(function* () {
      const { inbox, venue } = yield* setup(() => "rest")
      const algo = build(parent(iceberg("0.1"), "1", { price: "50000" }))
      const fiber = yield* AlgoDriver.run(algo, inbox).pipe(Effect.provide(venue.layer), Effect.fork)
      yield* TestClock.adjust(Duration.minutes(10))
      expect(venue.submitted.map((s) => s.child.price)).toEqual([D("50000")])
      yield* Queue.offer(inbox, AlgoDriver.Event.ChildFill({ childId: "op-1:c1", quantity: D("0.04") }))
      yield* Queue.offer(inbox, AlgoDriver.Event.CancelParent())
      const outcome = yield* Fiber.join(fiber)
      expect(venue.cancels).toEqual(["op-1:c1"])
      expect(outcome).toEqual({ reason: "cancelled", filledQuantity: D("0.04"), childrenSpawned: 1 })
    })
  )

  it.effect("a child the gateway rejects counts as rejected: three in a row and the algorithm gives up", () =>
    Effect.gen(function* () {
      const { inbox, venue } = yield* setup(() => "reject")
      const fiber = yield* AlgoDriver.run(build(parent(twap(5 * MIN, 5), "0.5")), inbox).pipe(Effect.provide(venue.layer), Effect.fork)
      for (let k = 0; k < 5; k++) yield* TestClock.adjust(Duration.minutes(1))
      const outcome = yield* Fiber.join(fiber)
      expect(outcome.reason).toBe("failed")
      // Each slice re-sends what the rejected ones did not fill (catch-up).
      expect(venue.submitted.map((s) => [s.at - T0, s.child.quantity])).toEqual([
        [0, D("0.1")],
        [MIN, D("0.2")],
        [2 * MIN, D("0.3")]
      ])
    })
  )

  it.effect("an ambiguous submit leaves the child in flight until its outcome is reported", () =>
    Effect.gen(function* () {
      const { inbox, venue } = yield* setup(() => "ambiguous")
      const algo = build(parent(iceberg("0.5"), "0.5", { price: "50000" }))
      const fiber = yield* AlgoDriver.run(algo, inbox).pipe(Effect.provide(venue.layer), Effect.fork)
      yield* TestClock.adjust(Duration.minutes(1))
      expect(algo.snapshot()).toMatchObject({ status: "running", workingChildren: 1 })
      yield* Queue.offer(inbox, AlgoDriver.Event.ChildFill({ childId: "op-1:c1", quantity: D("0.5") }))
      expect((yield* Fiber.join(fiber)).reason).toBe("filled")
    })
  )

  it.effect("fails with a typed error on a fill off the lot grid, and a second run resumes the same algorithm", () =>
    Effect.gen(function* () {
      const { inbox, venue } = yield* setup(() => "rest")
      const algo = build(parent(twap(2 * MIN, 2), "0.2", { price: "50000" }))
      yield* Queue.offer(inbox, AlgoDriver.Event.ChildFill({ childId: "op-1:c1", quantity: D("0.0005") }))
      const failed = yield* AlgoDriver.run(algo, inbox).pipe(Effect.provide(venue.layer), Effect.either)
      expect(Either.isLeft(failed) && failed.left.reason).toBe("OffGrid")
      expect(algo.snapshot()).toMatchObject({ filledLots: 0, workingChildren: 1 })
      const fiber = yield* AlgoDriver.run(algo, inbox).pipe(Effect.provide(venue.layer), Effect.fork)
      yield* TestClock.adjust(Duration.minutes(1))
      expect(venue.submitted.map((s) => s.at - T0)).toEqual([0, MIN])
      yield* Queue.offerAll(inbox, [
        AlgoDriver.Event.ChildFill({ childId: "op-1:c1", quantity: D("0.1") }),
        AlgoDriver.Event.ChildFill({ childId: "op-1:c2", quantity: D("0.1") })
      ])
      expect(yield* Fiber.join(fiber)).toEqual({ reason: "filled", filledQuantity: D("0.2"), childrenSpawned: 2 })
    })
  )

  it.effect("a VWAP takes its share of the trades it is told about, decision by decision", () =>
    Effect.gen(function* () {
      const { inbox, venue } = yield* setup(() => "fill")
      const algo = build(parent(vwap(3 * MIN, 3, "0.2"), "100"), spec("1", "1"))
      const fiber = yield* AlgoDriver.run(algo, inbox).pipe(Effect.provide(venue.layer), Effect.fork)
      yield* Queue.offer(inbox, AlgoDriver.Event.Market({ update: MarketUpdate.trade(T0 + 10, 0, 104) }))
      yield* TestClock.adjust(Duration.minutes(1))
      yield* Queue.offer(inbox, AlgoDriver.Event.Market({ update: MarketUpdate.trade(T0 + MIN + 10, 0, 51) }))
      yield* TestClock.adjust(Duration.minutes(2))
      const outcome = yield* Fiber.join(fiber)
      // 20% of 104 = 20.8 -> 20 lots at 1 min; of 155 = 31 -> 11 more at 2 min; nothing new at 3 min.
      expect(venue.submitted.map((s) => [s.at - T0, s.child.quantity])).toEqual([
        [MIN, D("20")],
        [2 * MIN, D("11")]
      ])
      expect(outcome).toEqual({ reason: "horizon", filledQuantity: D("31"), childrenSpawned: 2 })
    })
  )
})
